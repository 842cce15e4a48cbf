package io.amqproxy.impl.metrics;

import io.amqproxy.ProxyStats;

/**
 * Counters and gauges of one event loop. Written only by the loop thread with plain increments, so the
 * forwarding path pays no atomic operation; {@link #snapshot()} is taken on the loop thread too.
 */
public final class LoopMetrics {

    public long clientConnections;
    public long upstreamConnections;
    public long clientChannels;
    public long upstreamChannels;
    public long bytesFromClients;
    public long bytesToClients;
    public long bytesFromUpstream;
    public long bytesToUpstream;
    public long framesFromClients;
    public long framesToClients;
    public long framesFromUpstream;
    public long framesToUpstream;
    public long messagesPublished;
    public long messagesDelivered;
    public long refusedLogins;
    public long upstreamConnectFailures;
    public long upstreamConnects;
    public long upstreamConnectNanos;
    /** Why the last attempt to reach the broker failed; {@code null} once a connection opens again. */
    public String upstreamError;

    public ProxyStats snapshot() {
        return new ProxyStats(clientConnections, upstreamConnections, clientChannels, upstreamChannels,
                bytesFromClients, bytesToClients, bytesFromUpstream, bytesToUpstream,
                framesFromClients, framesToClients, framesFromUpstream, framesToUpstream,
                messagesPublished, messagesDelivered, refusedLogins, upstreamConnectFailures,
                upstreamConnects, upstreamConnectNanos);
    }

    /** Adds two snapshots field by field. */
    public static ProxyStats sum(ProxyStats a, ProxyStats b) {
        return new ProxyStats(a.clientConnections() + b.clientConnections(),
                a.upstreamConnections() + b.upstreamConnections(),
                a.clientChannels() + b.clientChannels(),
                a.upstreamChannels() + b.upstreamChannels(),
                a.bytesFromClients() + b.bytesFromClients(),
                a.bytesToClients() + b.bytesToClients(),
                a.bytesFromUpstream() + b.bytesFromUpstream(),
                a.bytesToUpstream() + b.bytesToUpstream(),
                a.framesFromClients() + b.framesFromClients(),
                a.framesToClients() + b.framesToClients(),
                a.framesFromUpstream() + b.framesFromUpstream(),
                a.framesToUpstream() + b.framesToUpstream(),
                a.messagesPublished() + b.messagesPublished(),
                a.messagesDelivered() + b.messagesDelivered(),
                a.refusedLogins() + b.refusedLogins(),
                a.upstreamConnectFailures() + b.upstreamConnectFailures(),
                a.upstreamConnects() + b.upstreamConnects(),
                a.upstreamConnectNanos() + b.upstreamConnectNanos());
    }
}
