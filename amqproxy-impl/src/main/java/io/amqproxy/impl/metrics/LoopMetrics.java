package io.amqproxy.impl.metrics;

import io.amqproxy.ProxyStats;

import java.util.Map;

/**
 * Counters and gauges of one event loop. Written only by the loop thread with plain increments, so the
 * forwarding path pays no atomic operation; {@link #snapshot} is taken on the loop thread too.
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
    /** Clients whose broker connection found its node down while opening and went on with another node. */
    public long failovers;
    public long upstreamConnectNanos;
    /** Why the last attempt to reach the broker failed; {@code null} once a connection opens again. */
    public String upstreamError;

    /** The figures, with the pool's per-node ones. Loop thread only. */
    public ProxyStats snapshot(Map<String, Long> connectionsByNode, Map<String, Long> connectFailuresByNode) {
        return ProxyStats.builder()
                .failovers(failovers)
                .upstreamConnectionsByNode(connectionsByNode)
                .upstreamConnectFailuresByNode(connectFailuresByNode)
                .clientConnections(clientConnections).upstreamConnections(upstreamConnections)
                .clientChannels(clientChannels).upstreamChannels(upstreamChannels)
                .bytesFromClients(bytesFromClients).bytesToClients(bytesToClients)
                .bytesFromUpstream(bytesFromUpstream).bytesToUpstream(bytesToUpstream)
                .framesFromClients(framesFromClients).framesToClients(framesToClients)
                .framesFromUpstream(framesFromUpstream).framesToUpstream(framesToUpstream)
                .messagesPublished(messagesPublished).messagesDelivered(messagesDelivered)
                .refusedLogins(refusedLogins).upstreamConnectFailures(upstreamConnectFailures)
                .upstreamConnects(upstreamConnects).upstreamConnectNanos(upstreamConnectNanos)
                .build();
    }
}
