package io.amqproxy.testsupport;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * AMQP 0-9-1 wire encoding for tests that must write exact bytes: frames, method arguments, field tables.
 * Independent of the proxy's own codec on purpose, so a codec bug cannot hide itself in both places.
 *
 * <p>A frame is {@code type u8, channel u16, size u32, payload[size], 0xCE}: 1 + 2 + 4 + size + 1 bytes.
 */
public final class Frames {

    public static final int METHOD = 1;
    public static final int HEADER = 2;
    public static final int BODY = 3;
    public static final int HEARTBEAT = 8;
    public static final int FRAME_END = 0xCE;
    /** Bytes a frame adds around its payload: 1 (type) + 2 (channel) + 4 (size) + 1 (end). */
    public static final int OVERHEAD = 1 + 2 + 4 + 1;

    /** {@code AMQP 0 0 9 1}, the only header a 0-9-1 server accepts, and what it answers to any other. */
    public static final byte[] PROTOCOL_HEADER = {'A', 'M', 'Q', 'P', 0, 0, 9, 1};

    // class and method ids, from spec/amqp-rabbitmq-0.9.1.json
    public static final int CONNECTION = 10;
    public static final int CHANNEL = 20;
    public static final int QUEUE = 50;
    public static final int BASIC = 60;
    public static final int CONFIRM = 85;

    private Frames() {
    }

    /** A whole frame with the given payload and a correct end byte. */
    public static byte[] frame(int type, int channel, byte[] payload) {
        return frame(type, channel, payload, FRAME_END);
    }

    /** A whole frame with the given end byte, which may be wrong on purpose. */
    public static byte[] frame(int type, int channel, byte[] payload, int endByte) {
        ByteBuffer b = ByteBuffer.allocate(OVERHEAD + payload.length);
        b.put((byte) type).putShort((short) channel).putInt(payload.length).put(payload).put((byte) endByte);
        return b.array();
    }

    /** A method frame: class id, method id, then the already encoded arguments. */
    public static byte[] method(int channel, int classId, int methodId, byte[] args) {
        return frame(METHOD, channel, methodPayload(classId, methodId, args));
    }

    /** The payload of a method frame. */
    public static byte[] methodPayload(int classId, int methodId, byte[] args) {
        return ByteBuffer.allocate(4 + args.length).putShort((short) classId).putShort((short) methodId).put(args).array();
    }

    /** A content header frame for the basic class with no properties. */
    public static byte[] contentHeader(int channel, long bodySize) {
        byte[] payload = ByteBuffer.allocate(2 + 2 + 8 + 2)
                .putShort((short) BASIC).putShort((short) 0).putLong(bodySize).putShort((short) 0).array();
        return frame(HEADER, channel, payload);
    }

    /** A heartbeat frame: type 8, channel 0, empty payload. */
    public static byte[] heartbeat() {
        return frame(HEARTBEAT, 0, new byte[0]);
    }

    /** Concatenates byte arrays, e.g. the frames of one message to write at once. */
    public static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** Starts encoding method arguments. */
    public static Writer args() {
        return new Writer();
    }

    /** Encodes method arguments in AMQP field order. Consecutive bits share an octet, as the spec says. */
    public static final class Writer {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private int bitCount;
        private int bitByte;

        private void flushBits() {
            if (bitCount > 0) {
                out.write(bitByte);
                bitCount = 0;
                bitByte = 0;
            }
        }

        public Writer octet(int v) {
            flushBits();
            out.write(v);
            return this;
        }

        public Writer shortInt(int v) {
            flushBits();
            out.write(v >>> 8);
            out.write(v);
            return this;
        }

        public Writer longInt(long v) {
            flushBits();
            out.writeBytes(ByteBuffer.allocate(4).putInt((int) v).array());
            return this;
        }

        public Writer longLong(long v) {
            flushBits();
            out.writeBytes(ByteBuffer.allocate(8).putLong(v).array());
            return this;
        }

        public Writer bit(boolean v) {
            if (bitCount == 8) {
                flushBits();
            }
            if (v) {
                bitByte |= 1 << bitCount;
            }
            bitCount++;
            return this;
        }

        public Writer shortstr(String s) {
            flushBits();
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            if (b.length > 255) {
                throw new IllegalArgumentException("shortstr longer than 255 bytes");
            }
            out.write(b.length);
            out.writeBytes(b);
            return this;
        }

        public Writer longstr(String s) {
            return longstr(s.getBytes(StandardCharsets.UTF_8));
        }

        public Writer longstr(byte[] b) {
            flushBits();
            longInt(b.length);
            out.writeBytes(b);
            return this;
        }

        /** A field table; values may be String, Boolean, Integer, Long, byte[] or a nested Map. */
        public Writer table(Map<String, ?> table) {
            flushBits();
            Writer inner = new Writer();
            for (Map.Entry<String, ?> e : table.entrySet()) {
                inner.shortstr(e.getKey());
                inner.value(e.getValue());
            }
            byte[] b = inner.bytes();
            longInt(b.length);
            out.writeBytes(b);
            return this;
        }

        private void value(Object v) {
            if (v instanceof String s) {
                octet('S').longstr(s);
            } else if (v instanceof byte[] b) {
                octet('x').longstr(b);
            } else if (v instanceof Boolean bool) {
                octet('t').octet(bool ? 1 : 0);
            } else if (v instanceof Integer i) {
                octet('I').longInt(i);
            } else if (v instanceof Long l) {
                octet('l').longLong(l);
            } else if (v instanceof Map<?, ?> m) {
                @SuppressWarnings("unchecked")
                Map<String, ?> t = (Map<String, ?>) m;
                octet('F').table(t);
            } else {
                throw new IllegalArgumentException("no table encoding for " + v);
            }
        }

        public byte[] bytes() {
            flushBits();
            return out.toByteArray();
        }
    }

    /** Decodes method arguments; start after the class and method ids. */
    public static final class Reader {
        private final ByteBuffer b;
        private int bitCount;
        private int bitByte;

        public Reader(byte[] payload, int offset) {
            this.b = ByteBuffer.wrap(payload, offset, payload.length - offset);
        }

        public int octet() {
            bitCount = 0;
            return b.get() & 0xFF;
        }

        public int shortInt() {
            bitCount = 0;
            return b.getShort() & 0xFFFF;
        }

        public long longInt() {
            bitCount = 0;
            return b.getInt() & 0xFFFFFFFFL;
        }

        public long longLong() {
            bitCount = 0;
            return b.getLong();
        }

        public boolean bit() {
            if (bitCount == 0 || bitCount == 8) {
                bitByte = b.get() & 0xFF;
                bitCount = 0;
            }
            return (bitByte & (1 << bitCount++)) != 0;
        }

        public String shortstr() {
            bitCount = 0;
            int len = b.get() & 0xFF;
            byte[] s = new byte[len];
            b.get(s);
            return new String(s, StandardCharsets.UTF_8);
        }

        public byte[] longstrBytes() {
            bitCount = 0;
            int len = b.getInt();
            byte[] s = new byte[len];
            b.get(s);
            return s;
        }

        public String longstr() {
            return new String(longstrBytes(), StandardCharsets.UTF_8);
        }

        public Map<String, Object> table() {
            bitCount = 0;
            int len = b.getInt();
            int end = b.position() + len;
            Map<String, Object> t = new LinkedHashMap<>();
            while (b.position() < end) {
                String key = shortstr();
                t.put(key, value());
            }
            return t;
        }

        private Object value() {
            int type = b.get() & 0xFF;
            switch (type) {
                case 't':
                    return b.get() != 0;
                case 'b':
                    return b.get();
                case 'B':
                    return b.get() & 0xFF;
                case 's':
                    return b.getShort();
                case 'u':
                    return b.getShort() & 0xFFFF;
                case 'I':
                    return b.getInt();
                case 'i':
                    return b.getInt() & 0xFFFFFFFFL;
                case 'l':
                case 'L':
                case 'T':
                    return b.getLong();
                case 'f':
                    return b.getFloat();
                case 'd':
                    return b.getDouble();
                case 'D': {
                    int scale = b.get() & 0xFF;
                    int unscaled = b.getInt();
                    return java.math.BigDecimal.valueOf(unscaled, scale);
                }
                case 'S':
                    return longstr();
                case 'x':
                    return longstrBytes();
                case 'F':
                    return table();
                case 'A': {
                    int len = b.getInt();
                    int end = b.position() + len;
                    List<Object> list = new ArrayList<>();
                    while (b.position() < end) {
                        list.add(value());
                    }
                    return list;
                }
                case 'V':
                    return null;
                default:
                    throw new IllegalStateException("unknown field type '" + (char) type + "'");
            }
        }

        public int remaining() {
            return b.remaining();
        }
    }
}
