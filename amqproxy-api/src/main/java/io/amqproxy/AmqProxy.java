package io.amqproxy;

import java.net.InetSocketAddress;

/**
 * A running AMQP 0-9-1 proxy: it accepts client connections and serves their channels from a pool of
 * upstream broker connections, keyed by user, password and virtual host.
 *
 * <p>Create one with {@link #builder()}. Instances are thread-safe. {@link #close()} is graceful and
 * idempotent: clients still connected receive {@code Connection.Close 320 CONNECTION_FORCED}.
 *
 * <pre>{@code
 * try (AmqProxy proxy = AmqProxy.builder()
 *         .upstream("amqp://127.0.0.1:5672")
 *         .listen(0)
 *         .start()) {
 *     int port = proxy.port();
 * }
 * }</pre>
 */
public interface AmqProxy extends AutoCloseable {

    /**
     * Returns a new builder with the defaults documented on {@link ProxyConfig.Builder}.
     *
     * @return a new builder
     */
    static ProxyConfig.Builder builder() {
        return new ProxyConfig.Builder();
    }

    /**
     * Starts a proxy for an already built configuration, through the implementation found on the classpath.
     *
     * @param config the configuration, from {@link ProxyConfig.Builder#build()}
     * @return the running proxy
     * @throws AmqProxyException if the port cannot be bound or no implementation is on the classpath
     */
    static AmqProxy start(ProxyConfig config) {
        return ProviderLookup.provider().start(config);
    }

    /**
     * The TCP port clients connect to; the real one when the proxy was asked to listen on port 0.
     *
     * @return the port
     */
    int port();

    /**
     * The port of the TLS listener (see {@link ProxyConfig.Builder#listenTls}), or -1 when there is none.
     *
     * @return the TLS port, or -1
     */
    int tlsPort();

    /**
     * The address the proxy listens on.
     *
     * @return the address and port bound
     */
    InetSocketAddress localAddress();

    /**
     * The configuration this proxy runs with.
     *
     * @return the configuration
     */
    ProxyConfig config();

    /**
     * A consistent-enough snapshot of the proxy's counters and gauges; cheap, safe from any thread.
     *
     * @return a new snapshot
     */
    ProxyStats stats();

    /**
     * Whether the proxy still accepts clients, i.e. neither {@link #stop} nor {@link #close()} has been called.
     *
     * @return {@code true} until a stop begins
     */
    boolean isRunning();

    /**
     * Whether the proxy accepts clients and can reach the broker; what a health check reports.
     *
     * @return the health now
     */
    ProxyHealth health();

    /**
     * The traffic this proxy recorded, for tests; empty unless built with
     * {@link ProxyConfig.Builder#recordTraffic(boolean)}.
     *
     * @return the recording; while not recording, its lists are empty and its waits fail at once, saying why
     */
    io.amqproxy.fixture.Traffic traffic();

    /**
     * The fault rules in force on this proxy, for tests; none unless a test adds them.
     *
     * @return the proxy's rules, to add to, list and remove from
     */
    io.amqproxy.fixture.Faults faults();

    /**
     * The network and broker conditions this proxy simulates, for tests; none unless a test sets them.
     *
     * @return the proxy's conditions, to set and reset
     */
    io.amqproxy.fixture.Conditions conditions();

    /**
     * Stops gracefully, for rolling updates: stops accepting, waits up to {@code clientGrace} for clients to
     * leave by themselves, then does what {@link #close()} does for the rest. Returns when stopped.
     *
     * @param clientGrace how long to wait for clients to leave before closing them
     */
    void stop(java.time.Duration clientGrace);

    /**
     * Stops accepting clients, sends {@code Connection.Close 320 CONNECTION_FORCED} to the clients still
     * connected, waits up to {@link ProxyTimeouts#shutdown()} for them to answer, closes the upstream
     * connections with {@code 200} and stops the event loops. Calling it again does nothing.
     */
    @Override
    void close();
}
