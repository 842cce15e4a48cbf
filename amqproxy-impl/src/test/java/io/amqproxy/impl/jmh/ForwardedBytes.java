package io.amqproxy.impl.jmh;

import io.amqproxy.impl.loop.OutputBuffer;

import java.nio.ByteBuffer;

/**
 * The check a benchmark makes once before measuring: that a burst really went through, so an input the
 * proxy refused cannot pass for a fast path.
 */
final class ForwardedBytes {

    private ForwardedBytes() {
    }

    /**
     * Whether {@code out} holds exactly the burst's byte count (frames keep their size, only the channel number
     * is rewritten) and starts with a frame on {@code channel}.
     */
    static void check(OutputBuffer out, long burstBytes, int channel, String what) {
        ByteBuffer[] first = new ByteBuffer[1];
        if (out.size() != burstBytes || out.chunks(first) != 1) {
            throw new IllegalStateException(what + ": " + out.size() + " bytes queued, expected " + burstBytes);
        }
        int queuedOn = first[0].getShort(first[0].position() + 1) & 0xFFFF;
        if (queuedOn != channel) {
            throw new IllegalStateException(what + ": first frame on channel " + queuedOn + ", expected " + channel);
        }
    }
}
