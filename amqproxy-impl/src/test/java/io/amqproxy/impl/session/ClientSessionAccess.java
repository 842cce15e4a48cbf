package io.amqproxy.impl.session;

import java.nio.ByteBuffer;

/** Lets a benchmark hand a {@link ClientSession} bytes as if the event loop had just read them from its socket. */
public final class ClientSessionAccess {

    private ClientSessionAccess() {
    }

    /** The entry point the loop calls after a read; consumes complete frames from the buffer's position. */
    public static void onData(ClientSession session, ByteBuffer readBuffer) {
        session.onData(readBuffer);
    }
}
