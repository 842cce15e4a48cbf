package io.amqproxy.impl.codec;

import java.nio.ByteBuffer;

/**
 * Finds frames in a buffer without copying them. Stateless between calls: whatever is left at the buffer's
 * position after {@link #decode} is an incomplete frame the caller keeps and offers again with more bytes.
 * The size is checked against the limit before anything is buffered, so a peer cannot make the proxy
 * hold more than one frame_max of its input.
 */
public final class FrameDecoder {

    private FrameDecoder() {
    }

    /**
     * Decodes complete frames from {@code buf}'s position to its limit.
     *
     * @param maxFrameSize the largest whole frame (payload + 8) allowed
     * @return {@code false} if the stream is broken and {@link FrameHandler#onFrameError} was called
     */
    public static boolean decode(ByteBuffer buf, int maxFrameSize, FrameHandler handler) {
        while (buf.remaining() >= Frames.HEADER_SIZE) {
            int start = buf.position();
            int type = buf.get(start) & 0xFF;
            int channel = buf.getShort(start + 1) & 0xFFFF;
            long size = buf.getInt(start + 3) & 0xFFFFFFFFL;
            if (size + Frames.OVERHEAD > maxFrameSize) {
                handler.onFrameError(ReplyCodes.FRAME_ERROR, ReplyCodes.text(ReplyCodes.FRAME_ERROR,
                        "frame size " + (size + Frames.OVERHEAD) + " exceeds frame_max " + maxFrameSize));
                return false;
            }
            int total = (int) size + Frames.OVERHEAD;
            if (buf.remaining() < total) {
                return true;
            }
            if ((buf.get(start + total - 1) & 0xFF) != Frames.FRAME_END) {
                handler.onFrameError(ReplyCodes.FRAME_ERROR, ReplyCodes.text(ReplyCodes.FRAME_ERROR,
                        "frame end octet is 0x" + Integer.toHexString(buf.get(start + total - 1) & 0xFF) + ", expected 0xce"));
                return false;
            }
            if (type != Frames.TYPE_METHOD && type != Frames.TYPE_HEADER && type != Frames.TYPE_BODY
                    && type != Frames.TYPE_HEARTBEAT) {
                handler.onFrameError(ReplyCodes.FRAME_ERROR, ReplyCodes.text(ReplyCodes.FRAME_ERROR, "unknown frame type " + type));
                return false;
            }
            if (type == Frames.TYPE_METHOD && size < 4) {
                handler.onFrameError(ReplyCodes.FRAME_ERROR, ReplyCodes.text(ReplyCodes.FRAME_ERROR, "method frame shorter than its method id"));
                return false;
            }
            if (!handler.onFrame(type, channel, buf, start + Frames.HEADER_SIZE, (int) size)) {
                return true;
            }
            buf.position(start + total);
        }
        return true;
    }

    /** The method id ({@code classId << 16 | methodId}) of a method frame's payload. */
    public static int methodId(ByteBuffer buf, int payloadOff) {
        return buf.getInt(payloadOff);
    }
}
