package io.amqproxy.impl.codec;

/**
 * AMQP 0-9-1 frame layout: {@code type u8, channel u16, size u32, payload[size], 0xCE}.
 */
public final class Frames {

    public static final int TYPE_METHOD = 1;
    public static final int TYPE_HEADER = 2;
    public static final int TYPE_BODY = 3;
    public static final int TYPE_HEARTBEAT = 8;

    public static final int FRAME_END = 0xCE;

    /** 1 (type) + 2 (channel) + 4 (size). */
    public static final int HEADER_SIZE = 1 + 2 + 4;
    /** Header plus the frame-end octet: what a frame costs beyond its payload. */
    public static final int OVERHEAD = HEADER_SIZE + 1;

    /** frame-min-size: every peer must accept frames this large, also before Tune. */
    public static final int FRAME_MIN_SIZE = 4096;

    /** "AMQP" 0 0 9 1 */
    public static final byte[] PROTOCOL_HEADER = {'A', 'M', 'Q', 'P', 0, 0, 9, 1};

    private Frames() {
    }
}
