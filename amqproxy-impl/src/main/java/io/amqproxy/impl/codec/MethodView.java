package io.amqproxy.impl.codec;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * One method frame's payload, decoded once into where its arguments stand, so that every rule of the data path
 * reads the same decode instead of parsing the frame again. Nothing is copied or allocated to decode: the view
 * points into the buffer the frame was read into, and only the accessors that return a {@code String} make
 * one. A client's method is decoded and checked at once ({@link #decodeClient}); a broker's is only wrapped, and
 * decoded the first time an argument is read ({@link #wrapBroker}).
 *
 * <p>One instance per direction per event loop, reused for every frame: a view is valid only while the frame it
 * was made from is being handled. Loop thread only.
 */
public final class MethodView {

    /** What {@link #decodeClient} found. */
    public enum Check {
        /** A method a client may send on a channel, with arguments that decode exactly. */
        OK,
        /** Not a method a client may send on an open channel (unknown, or one of another place). */
        NOT_ON_CHANNEL,
        /** Its arguments run short, run long, or hold a field table that does not decode. */
        MALFORMED
    }

    /** Positions of the arguments by layout letter; no method has more than nine arguments. */
    private final int[] at = new int[16];
    private final MethodReader tables = new MethodReader();
    private ByteBuffer buf;
    private int off;
    private int len;
    private int id;
    private MethodSpec spec;
    /** Whether {@link #spec} was looked up for this frame: a broker's method is looked up only when asked. */
    private boolean specKnown;
    private boolean decoded;

    /**
     * Decodes a method a client sent on an open channel: whether it may be sent there, and whether its arguments
     * fit its layout exactly with every field table decodable, as the broker would judge them.
     */
    public Check decodeClient(ByteBuffer buf, int payloadOff, int payloadLen) {
        point(buf, payloadOff, payloadLen);
        MethodSpec spec = spec();
        if (spec == null || !spec.onChannel()) {
            return Check.NOT_ON_CHANNEL;
        }
        int end = payloadOff + payloadLen;
        decoded = Layouts.walk(spec.layout(), buf, payloadOff + 4, end, at, tables) == end;
        return decoded ? Check.OK : Check.MALFORMED;
    }

    /** Wraps a method the broker sent; its arguments are found when first read. */
    public MethodView wrapBroker(ByteBuffer buf, int payloadOff, int payloadLen) {
        point(buf, payloadOff, payloadLen);
        return this;
    }

    private void point(ByteBuffer buf, int payloadOff, int payloadLen) {
        this.buf = buf;
        this.off = payloadOff;
        this.len = payloadLen;
        this.id = buf.getInt(payloadOff);
        this.specKnown = false;
        this.decoded = false;
    }

    /** The method id, {@code classId << 16 | methodId}. */
    public int id() {
        return id;
    }

    /** The method's spec, or {@code null} for an id AMQP 0-9-1 does not have. */
    public MethodSpec spec() {
        if (!specKnown) {
            spec = MethodSpec.of(id);
            specKnown = true;
        }
        return spec;
    }

    /** The method's name, e.g. {@code "basic.publish"}. */
    public String name() {
        return MethodSpec.nameOf(id);
    }

    /** Whether the method has {@code field}. */
    public boolean has(Field field) {
        MethodSpec spec = spec();
        return spec != null && spec.indexOf(field) >= 0;
    }

    /** A bit argument; {@code false} when the method has no such argument. */
    public boolean flag(Field field) {
        int i = index(field);
        if (i < 0) {
            return false;
        }
        int where = at[i];
        return (buf.get(where >>> 3) & (1 << (where & 7))) != 0;
    }

    /** The length of a short string argument, without making a string of it; 0 when absent. */
    public int shortStrLength(Field field) {
        int i = index(field);
        return i < 0 ? 0 : buf.get(at[i]) & 0xFF;
    }

    /** A short string argument; {@code ""} when the method has no such argument. Allocates. */
    public String shortStr(Field field) {
        int i = index(field);
        if (i < 0) {
            return "";
        }
        int n = buf.get(at[i]) & 0xFF;
        byte[] b = new byte[n];
        buf.get(at[i] + 1, b);
        return new String(b, StandardCharsets.UTF_8);
    }

    /** A short (u16) argument; 0 when absent. */
    public int u16(Field field) {
        int i = index(field);
        return i < 0 ? 0 : buf.getShort(at[i]) & 0xFFFF;
    }

    /** A long (u32) argument; 0 when absent. */
    public long u32(Field field) {
        int i = index(field);
        return i < 0 ? 0 : buf.getInt(at[i]) & 0xFFFFFFFFL;
    }

    /** A long long argument, e.g. a delivery tag; 0 when absent. */
    public long u64(Field field) {
        int i = index(field);
        return i < 0 ? 0 : buf.getLong(at[i]);
    }

    /** A field table argument, decoded whole (allocates); {@code null} when absent. */
    public java.util.Map<String, Object> table(Field field, MethodReader reader) {
        int i = index(field);
        if (i < 0) {
            return null;
        }
        int length = buf.getInt(at[i]);
        return reader.resetRaw(buf, at[i] + 4, length).tableBody(at[i] + 4 + length);
    }

    /** A field table argument as its encoded bytes (length prefix excluded), e.g. to compare two; empty when absent. */
    public byte[] tableBytes(Field field) {
        int i = index(field);
        if (i < 0) {
            return new byte[0];
        }
        byte[] b = new byte[buf.getInt(at[i])];
        buf.get(at[i] + 4, b);
        return b;
    }

    /** A copy of the whole payload, method id included, e.g. to send the same method again later. */
    public byte[] copyPayload() {
        byte[] b = new byte[len];
        buf.get(off, b);
        return b;
    }

    /**
     * The letter index of {@code field} with the arguments decoded, or -1 when the method lacks the field.
     *
     * @throws MalformedFrameException when a broker's method turns out not to hold its arguments
     */
    private int index(Field field) {
        MethodSpec spec = spec();
        if (spec == null) {
            return -1;
        }
        int i = spec.indexOf(field);
        if (i >= 0 && !decoded) {
            if (Layouts.walk(spec.layout(), buf, off + 4, off + len, at, null) == Layouts.DOES_NOT_FIT) {
                throw new MalformedFrameException("the arguments of " + spec.name() + " run past the end of the frame");
            }
            decoded = true;
        }
        return i;
    }
}
