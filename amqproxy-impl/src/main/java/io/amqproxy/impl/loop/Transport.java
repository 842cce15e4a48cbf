package io.amqproxy.impl.loop;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * How an {@link NioEndpoint} moves application bytes over its socket: as they are ({@link PlainTransport})
 * or through TLS. Owned by the endpoint's loop thread.
 */
public interface Transport {

    /**
     * Reads from the socket and appends application bytes to {@code dst} (in write mode).
     *
     * @return application bytes appended (0 is possible, e.g. during a TLS handshake), or -1 at end of stream
     */
    int read(SocketChannel socket, ByteBuffer dst) throws IOException;

    /**
     * Writes as much of {@code out} as the socket takes, removing what was sent (or, for TLS, encrypted and
     * queued for the socket) from {@code out}.
     *
     * @param gather an array the implementation may use for gathering writes
     * @return bytes the socket took, for metrics
     */
    long write(SocketChannel socket, OutputBuffer out, ByteBuffer[] gather) throws IOException;

    /** Whether bytes remain that this transport still has to write even though {@code out} is empty. */
    boolean hasPendingWrites();

    /**
     * Whether input was taken from the socket but not yet handed out by {@link #read} (the destination was
     * full). The endpoint then reads again without waiting for the selector, which will not fire for it.
     */
    boolean hasBufferedInput();

    /** Whether application bytes can go out now; false during a TLS handshake, so OP_WRITE does not spin. */
    default boolean canSendApplicationData() {
        return true;
    }
}
