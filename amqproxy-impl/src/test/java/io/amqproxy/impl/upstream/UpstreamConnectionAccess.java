package io.amqproxy.impl.upstream;

import io.amqproxy.impl.loop.OutputBuffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;

/**
 * Lets a benchmark hand an {@link UpstreamConnection} bytes as if the event loop had just read them from the broker,
 * and write what it queued for the broker as the loop's flush would.
 */
public final class UpstreamConnectionAccess {

    private UpstreamConnectionAccess() {
    }

    /** The entry point the loop calls after a read; consumes complete frames from the buffer's position. */
    public static void onData(UpstreamConnection upstream, ByteBuffer readBuffer) {
        upstream.onData(readBuffer);
    }

    /** Everything queued for the broker, the channels' lanes moved behind the socket's buffer, without writing it. */
    public static OutputBuffer staged(UpstreamConnection upstream) {
        return upstream.stagedOutput();
    }

    /** Writes what is queued for the broker to {@code channel} as a flush does: fill from the lanes, write, again. */
    public static long flushTo(UpstreamConnection upstream, GatheringByteChannel channel, ByteBuffer[] gather)
            throws IOException {
        long n = 0;
        do {
            upstream.refillOutput();
            n += upstream.output().writeTo(channel, gather);
        } while (upstream.hasMoreOutput());
        return n;
    }
}
