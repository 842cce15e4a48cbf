package io.amqproxy.impl.codec;

import java.nio.ByteBuffer;

/** Receives the frames a {@link FrameDecoder} finds. The buffer must not be kept past the call. */
public interface FrameHandler {

    /**
     * One complete frame whose end octet has been checked.
     *
     * @param buf        holds the frame; read it with absolute gets, do not move its position
     * @param payloadOff where the payload starts in {@code buf}
     * @param payloadLen the payload size
     * @return {@code false} to stop decoding: the rest stays in the buffer, unconsumed
     */
    boolean onFrame(int type, int channel, ByteBuffer buf, int payloadOff, int payloadLen);

    /** The stream is broken (bad frame end, frame larger than allowed); nothing after this is decoded. */
    void onFrameError(int replyCode, String replyText);
}
