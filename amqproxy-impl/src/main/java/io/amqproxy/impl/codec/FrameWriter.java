package io.amqproxy.impl.codec;

import io.amqproxy.impl.loop.OutputBuffer;

import java.nio.ByteBuffer;

/**
 * Writes AMQP frames into an {@link OutputBuffer}: {@code type u8, channel u16, size u32, payload, 0xCE}.
 * Forwarded frames are copied with a new channel number and nothing else changed; the proxy's own methods
 * come from {@link MethodWriter}, which frames them here too. Stateless.
 */
public final class FrameWriter {

    private FrameWriter() {
    }

    /** Writes a frame header; the caller then writes {@code size} payload bytes and {@link #frameEnd}. */
    public static void frameHeader(OutputBuffer out, int type, int channel, int size) {
        out.putByteShortInt(type, channel, size);
        out.countFrame();
    }

    public static void frameEnd(OutputBuffer out) {
        out.putByte(Frames.FRAME_END);
    }

    /** Copies a whole frame with a new channel number: the forwarding path. */
    public static void frame(OutputBuffer out, int type, int channel, ByteBuffer src, int payloadOff, int payloadLen) {
        frameHeader(out, type, channel, payloadLen);
        out.put(src, payloadOff, payloadLen);
        frameEnd(out);
    }

    /**
     * Copies a body frame's payload as one or more body frames of at most {@code maxFrameSize} bytes each: a
     * peer may have agreed on a smaller frame_max than the one the body came with.
     */
    public static void bodyFrames(OutputBuffer out, int channel, ByteBuffer src, int payloadOff, int payloadLen,
                                  int maxFrameSize) {
        int maxPayload = maxFrameSize - Frames.OVERHEAD;
        do {
            int n = Math.min(payloadLen, maxPayload);
            frame(out, Frames.TYPE_BODY, channel, src, payloadOff, n);
            payloadOff += n;
            payloadLen -= n;
        } while (payloadLen > 0);
    }

    public static void heartbeat(OutputBuffer out) {
        frameHeader(out, Frames.TYPE_HEARTBEAT, 0, 0);
        frameEnd(out);
    }
}
