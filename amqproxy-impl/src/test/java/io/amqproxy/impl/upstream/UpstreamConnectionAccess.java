package io.amqproxy.impl.upstream;

import java.nio.ByteBuffer;

/** Lets a benchmark hand an {@link UpstreamConnection} bytes as if the event loop had just read them from the broker. */
public final class UpstreamConnectionAccess {

    private UpstreamConnectionAccess() {
    }

    /** The entry point the loop calls after a read; consumes complete frames from the buffer's position. */
    public static void onData(UpstreamConnection upstream, ByteBuffer readBuffer) {
        upstream.onData(readBuffer);
    }
}
