package io.amqproxy.impl.codec;

import io.amqproxy.testsupport.RandomTries;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link MethodReader#checkTableBody} (the forwarding path's allocation-free check of message headers) must
 * accept exactly the field tables {@link MethodReader#tableBody} can read: random valid tables of every field
 * type, nested, and the same tables with bytes changed or cut off.
 */
class TableCheckPropertiesTest {

    private static final String TYPES = "tbBsuIilfdDSxTFVA";

    @Test
    void checkAgreesWithTheReaderOnValidAndDamagedTables() {
        RandomTries.run(RandomTries.seed(), 2000, (rnd, sample) -> {
            byte[] table = table(rnd, 3);
            if (rnd.nextInt(3) > 0) {
                int at = rnd.nextInt(Math.max(1, table.length));
                if (table.length > 0) {
                    table[at] = (byte) rnd.nextInt(256);
                }
            }
            int len = rnd.nextInt(4) == 0 ? rnd.nextInt(table.length + 1) : table.length;
            sample.add("table", java.util.Arrays.copyOf(table, len));
            ByteBuffer buf = ByteBuffer.wrap(table);
            boolean readable = decodes(() -> new MethodReader().resetRaw(buf, 0, len).tableBody(len));
            boolean checked = decodes(() -> new MethodReader().resetRaw(buf, 0, len).checkTableBody(len));
            assertThat(checked).as("check accepts exactly what the reader reads").isEqualTo(readable);
        });
    }

    private static boolean decodes(Runnable r) {
        try {
            r.run();
            return true;
        } catch (MalformedFrameException e) {
            return false;
        }
    }

    /** The body of a random field table (no length prefix). */
    private static byte[] table(SplittableRandom rnd, int depth) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int entries = rnd.nextInt(4);
        for (int i = 0; i < entries; i++) {
            byte[] key = ("k" + i).getBytes(StandardCharsets.UTF_8);
            out.write(key.length);
            out.writeBytes(key);
            value(rnd, depth, out);
        }
        return out.toByteArray();
    }

    private static void value(SplittableRandom rnd, int depth, ByteArrayOutputStream out) {
        char type = TYPES.charAt(rnd.nextInt(depth > 0 ? TYPES.length() : TYPES.length() - 3));
        out.write(type);
        switch (type) {
            case 't', 'b', 'B' -> out.write(rnd.nextInt(256));
            case 's', 'u' -> fill(rnd, out, 2);
            case 'I', 'i', 'f' -> fill(rnd, out, 4);
            case 'l', 'd', 'T' -> fill(rnd, out, 8);
            case 'D' -> fill(rnd, out, 5);
            case 'S', 'x' -> {
                byte[] b = new byte[rnd.nextInt(6)];
                rnd.nextBytes(b);
                longBytes(out, b);
            }
            case 'F' -> longBytes(out, table(rnd, depth - 1));
            case 'A' -> {
                ByteArrayOutputStream items = new ByteArrayOutputStream();
                int n = rnd.nextInt(3);
                for (int i = 0; i < n; i++) {
                    value(rnd, depth - 1, items);
                }
                longBytes(out, items.toByteArray());
            }
            default -> { // 'V': no value
            }
        }
    }

    private static void fill(SplittableRandom rnd, ByteArrayOutputStream out, int n) {
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        out.writeBytes(b);
    }

    private static void longBytes(ByteArrayOutputStream out, byte[] b) {
        out.writeBytes(ByteBuffer.allocate(4).putInt(b.length).array());
        out.writeBytes(b);
    }
}
