package io.amqproxy;

import java.net.SocketAddress;

/**
 * Event hooks for metrics and auditing. Every method has a no-op default; implement the ones you need.
 *
 * <p><b>Threading rules.</b> Callbacks run on the proxy's I/O (event loop) thread, in the middle of
 * forwarding traffic. They must return quickly, must not block (no I/O, no locks held for long, no
 * waiting on the proxy itself) and must not throw: an exception is logged and otherwise ignored. Hand work
 * to your own executor if it is slow.
 *
 * <p>No event carries a password.
 */
public interface ProxyListener {

    /** A listener that does nothing; the default. */
    ProxyListener NOOP = new ProxyListener() {
    };

    /**
     * A client finished the AMQP handshake and received {@code Connection.OpenOk}.
     *
     * @param client who it is
     */
    default void clientConnected(ClientInfo client) {
    }

    /**
     * A client that had been connected is gone.
     *
     * @param client who it was
     * @param reason why, in a few words: {@code "client closed"}, {@code "socket closed"}, or the reply code
     *               and text of the {@code Connection.Close} the proxy sent
     */
    default void clientDisconnected(ClientInfo client, String reason) {
    }

    /**
     * A client was turned away before it was connected: bad credentials, unknown vhost, an unreachable
     * upstream or a protocol error during the handshake.
     *
     * @param remote    the client's address
     * @param user      the user name it gave, or {@code null} if it did not get that far
     * @param vhost     the vhost it asked for, or {@code null}
     * @param replyCode the AMQP reply code it was sent, e.g. 403
     * @param replyText the reply text it was sent, e.g. {@code ACCESS_REFUSED - ...}
     */
    default void clientRefused(SocketAddress remote, String user, String vhost, int replyCode, String replyText) {
    }

    /**
     * An upstream connection to the broker completed its handshake and joined the pool.
     *
     * @param upstream which connection
     */
    default void upstreamOpened(UpstreamInfo upstream) {
    }

    /**
     * An upstream connection left the pool.
     *
     * @param upstream  which connection
     * @param replyCode 200 when the proxy closed it (idle, shutdown); otherwise the broker's code, or 320 when
     *                  the socket was lost
     * @param replyText the broker's reply text, or what the proxy saw
     */
    default void upstreamClosed(UpstreamInfo upstream, int replyCode, String replyText) {
    }

    /**
     * Who a client is, without its password.
     *
     * @param connectionName the {@code connection_name} the client announced in its client properties, or
     *                       {@code null}
     */
    record ClientInfo(SocketAddress remoteAddress, String user, String vhost, String connectionName) {
    }

    /** Which upstream connection an event is about, without its password. */
    record UpstreamInfo(long id, String host, int port, String user, String vhost) {
    }
}
