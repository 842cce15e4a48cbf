package io.amqproxy;

import java.time.Duration;

/**
 * Durations, set through the {@link ProxyConfig.Builder}.
 */
public final class ProxyTimeouts {
    private final Duration idleUpstream;
    private final Duration handshake;
    private final Duration clientHeartbeat;
    private final Duration upstreamConnect;
    private final Duration shutdown;
    private final Duration maxUpstreamLifetime;

    ProxyTimeouts(ProxyConfig.Builder b) {
        ProxyConfig.checkDuration("idleUpstreamTimeout", b.idleUpstream);
        ProxyConfig.checkDuration("handshakeTimeout", b.handshake);
        ProxyConfig.checkDuration("clientHeartbeat", b.clientHeartbeat);
        ProxyConfig.checkDuration("upstreamConnectTimeout", b.upstreamConnect);
        ProxyConfig.checkDuration("shutdownTimeout", b.shutdown);
        ProxyConfig.checkDuration("maxUpstreamLifetime", b.maxUpstreamLifetime);
        if (b.clientHeartbeat.toSeconds() > 65535) {
            throw new IllegalArgumentException("clientHeartbeat must be at most 65535 s, was " + b.clientHeartbeat);
        }
        this.idleUpstream = b.idleUpstream;
        this.handshake = b.handshake;
        this.clientHeartbeat = b.clientHeartbeat;
        this.upstreamConnect = b.upstreamConnect;
        this.shutdown = b.shutdown;
        this.maxUpstreamLifetime = b.maxUpstreamLifetime;
    }

    /** How long an upstream connection without channels stays open. */
    public Duration idleUpstream() {
        return idleUpstream;
    }

    /** How long a client may take from TCP connect to {@code Connection.Open}. */
    public Duration handshake() {
        return handshake;
    }

    /** The heartbeat interval offered to clients; zero disables. */
    public Duration clientHeartbeat() {
        return clientHeartbeat;
    }

    /** How long opening a broker connection (TCP and AMQP handshake) may take. */
    public Duration upstreamConnect() {
        return upstreamConnect;
    }

    /** How long {@link AmqProxy#close()} waits for clients to answer its Close. */
    public Duration shutdown() {
        return shutdown;
    }

    /**
     * After this, an upstream connection takes no new clients or channels and closes once its channels are
     * gone, so credentials are checked with the broker again; zero for no limit.
     */
    public Duration maxUpstreamLifetime() {
        return maxUpstreamLifetime;
    }

    @Override
    public String toString() {
        return "ProxyTimeouts[idleUpstream=" + idleUpstream + ", handshake=" + handshake + ", clientHeartbeat="
                + clientHeartbeat + ", upstreamConnect=" + upstreamConnect + ", shutdown=" + shutdown
                + ", maxUpstreamLifetime=" + maxUpstreamLifetime + "]";
    }
}
