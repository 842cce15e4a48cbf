package io.amqproxy.impl.session;

import io.amqproxy.impl.loop.OutputBuffer;

import java.nio.ByteBuffer;

/** Lets a benchmark hand a {@link ClientSession} bytes as if the event loop had just read them from its socket. */
public final class ClientSessionAccess {

    private ClientSessionAccess() {
    }

    /** The entry point the loop calls after a read; consumes complete frames from the buffer's position. */
    public static void onData(ClientSession session, ByteBuffer readBuffer) {
        session.onData(readBuffer);
    }

    /** What the session has queued for its client's socket. */
    public static OutputBuffer output(ClientSession session) {
        return session.output();
    }
}
