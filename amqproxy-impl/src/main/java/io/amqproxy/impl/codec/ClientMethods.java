package io.amqproxy.impl.codec;

import java.nio.ByteBuffer;

/**
 * The methods a client may send on an open channel, with their argument layouts from the AMQP 0-9-1 spec,
 * so the proxy can check a method before it reaches the shared upstream connection. The broker answers an
 * unknown or undecodable method with a connection error (or by dropping the socket), which would end every
 * client on that connection; the proxy answers the one client instead.
 *
 * <p>Layout letters: {@code b} bit (consecutive bits share an octet), {@code o} octet, {@code s} short,
 * {@code l} long, {@code L} long long, {@code S} short string, {@code X} long string, {@code T} table.
 */
public final class ClientMethods {

    private ClientMethods() {
    }

    /** The argument layout of a method a client may send on a channel, or {@code null} if it may not. */
    public static String layout(int methodId) {
        return switch (methodId) {
            case 20 << 16 | 20 -> "b"; // channel.flow
            case 20 << 16 | 21 -> "b"; // channel.flow-ok
            case 20 << 16 | 40 -> "sSss"; // channel.close
            case 20 << 16 | 41 -> ""; // channel.close-ok
            case 40 << 16 | 10 -> "sSSbbbbbT"; // exchange.declare
            case 40 << 16 | 20 -> "sSbb"; // exchange.delete
            case 40 << 16 | 30 -> "sSSSbT"; // exchange.bind
            case 40 << 16 | 40 -> "sSSSbT"; // exchange.unbind
            case 50 << 16 | 10 -> "sSbbbbbT"; // queue.declare
            case 50 << 16 | 20 -> "sSSSbT"; // queue.bind
            case 50 << 16 | 30 -> "sSb"; // queue.purge
            case 50 << 16 | 40 -> "sSbbb"; // queue.delete
            case 50 << 16 | 50 -> "sSSST"; // queue.unbind
            case 60 << 16 | 10 -> "lsb"; // basic.qos
            case 60 << 16 | 20 -> "sSSbbbbT"; // basic.consume
            case 60 << 16 | 30 -> "Sb"; // basic.cancel
            case 60 << 16 | 40 -> "sSSbb"; // basic.publish
            case 60 << 16 | 70 -> "sSb"; // basic.get
            case 60 << 16 | 80 -> "Lb"; // basic.ack
            case 60 << 16 | 90 -> "Lb"; // basic.reject
            case 60 << 16 | 100 -> "b"; // basic.recover-async
            case 60 << 16 | 110 -> "b"; // basic.recover
            case 60 << 16 | 120 -> "Lbb"; // basic.nack
            case 90 << 16 | 10 -> ""; // tx.select
            case 90 << 16 | 20 -> ""; // tx.commit
            case 90 << 16 | 30 -> ""; // tx.rollback
            case 85 << 16 | 10 -> "b"; // confirm.select
            default -> null;
        };
    }

    /**
     * Whether a method payload holds exactly the arguments of {@code layout}, tables decodable.
     *
     * @param reader a reader to parse tables with (tables are rare outside declarations and consumes)
     */
    public static boolean argumentsFit(String layout, ByteBuffer buf, int off, int len, MethodReader reader) {
        int pos = off + 4;
        int end = off + len;
        boolean inBits = false;
        for (int i = 0; i < layout.length() && pos <= end; i++) {
            char c = layout.charAt(i);
            if (c == 'b') {
                if (!inBits) {
                    pos += 1;
                    inBits = true;
                }
                continue;
            }
            inBits = false;
            switch (c) {
                case 'o' -> pos += 1;
                case 's' -> pos += 2;
                case 'l' -> pos += 4;
                case 'L' -> pos += 8;
                case 'S' -> pos = pos < end ? pos + 1 + (buf.get(pos) & 0xFF) : end + 1;
                case 'X' -> {
                    int n = pos + 4 <= end ? buf.getInt(pos) : -1;
                    pos = n < 0 ? end + 1 : pos + 4 + n;
                }
                case 'T' -> {
                    if (pos + 4 > end) {
                        return false;
                    }
                    int tableLen = buf.getInt(pos);
                    if (tableLen < 0 || pos + 4 + tableLen > end) {
                        return false;
                    }
                    try {
                        reader.resetRaw(buf, pos + 4, tableLen).checkTableBody(pos + 4 + tableLen);
                    } catch (MalformedFrameException e) {
                        return false;
                    }
                    pos += 4 + tableLen;
                }
                default -> throw new IllegalStateException("bad layout letter " + c);
            }
            if (pos < 0) {
                return false; // a long string length that overflowed
            }
        }
        return pos == end;
    }

    /**
     * Whether a content header frame for basic (class 60) is well formed: class, weight, body size and the
     * properties its flags announce, nothing more.
     */
    public static boolean basicHeaderFits(ByteBuffer buf, int off, int len, MethodReader reader) {
        if (len < 14 || (buf.getShort(off) & 0xFFFF) != Methods.BASIC) {
            return false;
        }
        int flags = buf.getShort(off + 12) & 0xFFFF;
        if ((flags & 1) != 0) {
            return false; // continuation flags: basic has only 14 properties, one flag word
        }
        // reuse the argument walk: it starts 4 bytes in, where a method's arguments start
        return argumentsFit(propertyLayout(flags), buf, off + 14 - 4, len - 14 + 4, reader);
    }

    /** The layout of the properties present for each flag word, made once per flag word seen. */
    private static final String[] PROPERTY_LAYOUTS = new String[1 << 14];

    private static String propertyLayout(int flags) {
        int index = flags >>> 2; // the low two bits are the continuation flag (checked) and an unused one
        String layout = PROPERTY_LAYOUTS[index];
        if (layout == null) {
            // content-type, content-encoding, headers, delivery-mode, priority, correlation-id, reply-to,
            // expiration, message-id, timestamp, type, user-id, app-id, cluster-id
            String all = "SSToo" + "SSSSLSSSS";
            StringBuilder present = new StringBuilder(all.length());
            for (int i = 0; i < all.length(); i++) {
                if ((flags & (1 << (15 - i))) != 0) {
                    present.append(all.charAt(i));
                }
            }
            layout = present.toString();
            PROPERTY_LAYOUTS[index] = layout; // a benign race between loops: both compute the same string
        }
        return layout;
    }
}
