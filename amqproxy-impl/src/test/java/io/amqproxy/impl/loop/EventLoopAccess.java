package io.amqproxy.impl.loop;

import java.io.IOException;

/**
 * Lets a benchmark turn an {@link EventLoop} by hand on its own thread instead of starting the loop's
 * thread, so the connections the loop serves can afterwards be driven directly from that same thread, and read
 * what a connection has queued for its socket.
 */
public final class EventLoopAccess {

    private EventLoopAccess() {
    }

    /** One real loop round: select, serve, flush, tick. */
    public static int runOnce(EventLoop loop) throws IOException {
        return loop.runOnce();
    }

    /** What {@code endpoint} has queued for its socket. */
    public static OutputBuffer queued(NioEndpoint endpoint) {
        return endpoint.out;
    }
}
