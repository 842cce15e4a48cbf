package io.amqproxy.impl.codec;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the fields of a method payload in order. Used only for the few methods the proxy must understand;
 * everything else is forwarded as bytes. One instance is reused by an event loop (not thread-safe).
 * A field that runs past the payload raises {@link MalformedFrameException}.
 */
public final class MethodReader {

    private ByteBuffer buf;
    private int pos;
    private int end;

    /** Starts reading the arguments of the method frame payload at {@code off} (after class and method id). */
    public MethodReader reset(ByteBuffer buf, int payloadOff, int payloadLen) {
        this.buf = buf;
        this.pos = payloadOff + 4;
        this.end = payloadOff + payloadLen;
        return this;
    }

    /** Starts reading raw bytes, e.g. a SASL response that holds a table without its length prefix. */
    public MethodReader resetRaw(ByteBuffer buf, int off, int len) {
        this.buf = buf;
        this.pos = off;
        this.end = off + len;
        return this;
    }

    public int position() {
        return pos;
    }

    public boolean hasMore() {
        return pos < end;
    }

    private void need(int n) {
        if (n < 0 || pos + n > end) {
            throw new MalformedFrameException("field runs past the end of the frame");
        }
    }

    public int u8() {
        need(1);
        return buf.get(pos++) & 0xFF;
    }

    public int u16() {
        need(2);
        int v = buf.getShort(pos) & 0xFFFF;
        pos += 2;
        return v;
    }

    public long u32() {
        need(4);
        long v = buf.getInt(pos) & 0xFFFFFFFFL;
        pos += 4;
        return v;
    }

    public long u64() {
        need(8);
        long v = buf.getLong(pos);
        pos += 8;
        return v;
    }

    public String shortStr() {
        int len = u8();
        return string(len);
    }

    public void skipShortStr() {
        int len = u8();
        need(len);
        pos += len;
    }

    public byte[] longStrBytes() {
        long len = u32();
        if (len > Integer.MAX_VALUE) {
            throw new MalformedFrameException("long string too long");
        }
        need((int) len);
        byte[] b = new byte[(int) len];
        buf.get(pos, b);
        pos += (int) len;
        return b;
    }

    /** Where a long string's bytes start and how many: lets the caller parse them in place. */
    public int longStrLength() {
        long len = u32();
        need((int) Math.min(len, Integer.MAX_VALUE));
        return (int) len;
    }

    public void skip(int n) {
        need(n);
        pos += n;
    }

    private String string(int len) {
        need(len);
        byte[] b = new byte[len];
        buf.get(pos, b);
        pos += len;
        return new String(b, StandardCharsets.UTF_8);
    }

    /** A field table as a map; long strings become {@code String}. */
    public Map<String, Object> table() {
        long len = u32();
        need((int) Math.min(len, Integer.MAX_VALUE));
        return tableBody(pos + (int) len);
    }

    /** Reads table entries until {@code limit}: the body of a table whose length was already read. */
    public Map<String, Object> tableBody(int limit) {
        Map<String, Object> map = new LinkedHashMap<>();
        int savedEnd = end;
        end = limit;
        while (pos < limit) {
            String key = shortStr();
            map.put(key, value());
        }
        end = savedEnd;
        return map;
    }

    /**
     * Checks that table entries up to {@code limit} decode, as {@link #tableBody} would read them, without
     * building anything: the forwarding path checks every message's headers this way.
     *
     * @throws MalformedFrameException if they do not
     */
    public void checkTableBody(int limit) {
        int savedEnd = end;
        end = limit;
        while (pos < limit) {
            skip(u8()); // the key
            checkValue();
        }
        end = savedEnd;
    }

    private void checkValue() {
        int type = u8();
        switch (type) {
            case 't', 'b', 'B' -> skip(1);
            case 's', 'u' -> skip(2);
            case 'I', 'i', 'f' -> skip(4);
            case 'l', 'd', 'T' -> skip(8);
            case 'D' -> skip(5);
            case 'V' -> {
            }
            case 'S', 'x' -> skip(longStrLength());
            case 'F' -> {
                int len = longStrLength();
                checkTableBody(pos + len);
            }
            case 'A' -> {
                int len = longStrLength();
                int limit = pos + len;
                int savedEnd = end;
                end = limit;
                while (pos < limit) {
                    checkValue();
                }
                end = savedEnd;
            }
            default -> throw new MalformedFrameException("unknown field type '" + (char) type + "'");
        }
    }

    public void skipTable() {
        long len = u32();
        need((int) Math.min(len, Integer.MAX_VALUE));
        pos += (int) len;
    }

    private Object value() {
        int type = u8();
        switch (type) {
            case 't': return u8() != 0;
            case 'b': return (byte) u8();
            case 'B': return (short) u8();
            case 's': return (short) u16();
            case 'u': return u16();
            case 'I': return (int) u32();
            case 'i': return u32();
            case 'l': return u64();
            case 'f': return Float.intBitsToFloat((int) u32());
            case 'd': return Double.longBitsToDouble(u64());
            case 'D': {
                int scale = u8();
                return java.math.BigDecimal.valueOf((int) u32(), scale);
            }
            case 'S': return new String(longStrBytes(), StandardCharsets.UTF_8);
            case 'x': return longStrBytes();
            case 'T': return u64();
            case 'F': return table();
            case 'V': return null;
            case 'A': {
                long len = u32();
                need((int) Math.min(len, Integer.MAX_VALUE));
                int limit = pos + (int) len;
                List<Object> list = new ArrayList<>();
                int savedEnd = end;
                end = limit;
                while (pos < limit) {
                    list.add(value());
                }
                end = savedEnd;
                return list;
            }
            default:
                throw new MalformedFrameException("unknown field type '" + (char) type + "'");
        }
    }
}
