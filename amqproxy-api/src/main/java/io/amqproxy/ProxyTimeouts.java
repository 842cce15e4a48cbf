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
    private final Duration upstreamHeartbeat;

    ProxyTimeouts(ProxyConfig.Builder b) {
        ProxyConfig.checkDuration("idleUpstreamTimeout", b.idleUpstream);
        ProxyConfig.checkDuration("handshakeTimeout", b.handshake);
        ProxyConfig.checkDuration("clientHeartbeat", b.clientHeartbeat);
        ProxyConfig.checkDuration("upstreamConnectTimeout", b.upstreamConnect);
        ProxyConfig.checkDuration("shutdownTimeout", b.shutdown);
        ProxyConfig.checkDuration("maxUpstreamLifetime", b.maxUpstreamLifetime);
        ProxyConfig.checkDuration("upstreamHeartbeat", b.upstreamHeartbeat);
        if (b.upstreamHeartbeat.toSeconds() > 65535) {
            throw new IllegalArgumentException("upstreamHeartbeat must be at most 65535 s, was " + b.upstreamHeartbeat);
        }
        if (b.clientHeartbeat.toSeconds() > 65535) {
            throw new IllegalArgumentException("clientHeartbeat must be at most 65535 s, was " + b.clientHeartbeat);
        }
        this.idleUpstream = b.idleUpstream;
        this.handshake = b.handshake;
        this.clientHeartbeat = b.clientHeartbeat;
        this.upstreamConnect = b.upstreamConnect;
        this.shutdown = b.shutdown;
        this.maxUpstreamLifetime = b.maxUpstreamLifetime;
        this.upstreamHeartbeat = b.upstreamHeartbeat;
    }

    /** {@return how long an upstream connection without channels stays open; 5 s by default} */
    public Duration idleUpstream() {
        return idleUpstream;
    }

    /** {@return how long a client may take from TCP connect to {@code Connection.Open}; 10 s by default} */
    public Duration handshake() {
        return handshake;
    }

    /** {@return the heartbeat interval offered to clients, in whole seconds; 60 s by default, zero offers none} */
    public Duration clientHeartbeat() {
        return clientHeartbeat;
    }

    /**
     * {@return how long opening a broker connection (TCP, TLS and the AMQP handshake) may take; 10 s by default}
     */
    public Duration upstreamConnect() {
        return upstreamConnect;
    }

    /** {@return how long {@link AmqProxy#close()} waits for clients to answer its Close; 5 s by default} */
    public Duration shutdown() {
        return shutdown;
    }

    /**
     * {@return how long an upstream connection serves new clients; zero (the default) for no limit} After this, it
     * takes no new clients or channels and closes once its channels are gone, so credentials are checked with the
     * broker again.
     */
    public Duration maxUpstreamLifetime() {
        return maxUpstreamLifetime;
    }

    /**
     * {@return the longest heartbeat interval the proxy agrees to with a broker, in whole seconds} 5 s by default;
     * the broker's own offer when shorter, and zero takes the broker's offer whatever it is. A broker that stalls is
     * noticed, and its clients told, within about twice that, however long the broker's own interval.
     */
    public Duration upstreamHeartbeat() {
        return upstreamHeartbeat;
    }

    @Override
    public String toString() {
        return "ProxyTimeouts[idleUpstream=" + idleUpstream + ", handshake=" + handshake + ", clientHeartbeat="
                + clientHeartbeat + ", upstreamConnect=" + upstreamConnect + ", shutdown=" + shutdown
                + ", maxUpstreamLifetime=" + maxUpstreamLifetime + ", upstreamHeartbeat=" + upstreamHeartbeat + "]";
    }
}
