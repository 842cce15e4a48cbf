package io.amqproxy.examples.bench;

import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;

/**
 * Where the clients of one side connect.
 *
 * @param side  direct or through the proxy
 * @param host  the address to connect to
 * @param port  the port to connect to
 * @param login the credentials and vhost
 */
record Target(Side side, String host, int port, Credentials login) {

    /** Connect, handshake and RPC timeout of every client: a benchmark must not hang on a stuck peer. */
    static final int CONNECT_TIMEOUT_MS = 10_000;

    /** A client factory for this target: recovery off, bounded timeouts, {@link ClientThreads} shared. */
    ConnectionFactory factory() {
        ConnectionFactory f = new ConnectionFactory();
        f.setHost(host);
        f.setPort(port);
        f.setUsername(login.user());
        f.setPassword(login.password());
        f.setVirtualHost(login.vhost());
        f.setAutomaticRecoveryEnabled(false);
        f.setTopologyRecoveryEnabled(false);
        f.setConnectionTimeout(CONNECT_TIMEOUT_MS);
        f.setHandshakeTimeout(CONNECT_TIMEOUT_MS);
        f.setChannelRpcTimeout(CONNECT_TIMEOUT_MS);
        f.setShutdownTimeout(0);
        f.setSharedExecutor(ClientThreads.CONSUMER_WORK);
        f.setHeartbeatExecutor(ClientThreads.HEARTBEATS);
        return f;
    }

    /** Closes a client connection within the timeout ({@code close()} alone waits for Close-Ok forever). */
    static void close(Connection connection) {
        try {
            connection.close(CONNECT_TIMEOUT_MS);
        } catch (Exception e) {
            connection.abort(CONNECT_TIMEOUT_MS);
        }
    }
}
