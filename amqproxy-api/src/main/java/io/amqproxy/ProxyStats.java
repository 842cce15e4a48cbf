package io.amqproxy;

/**
 * A snapshot of the proxy's gauges and counters. Counters only grow while the proxy runs.
 *
 * <p>"From clients" is traffic the proxy read from client sockets, "to clients" what it wrote to them;
 * likewise for the upstream (broker) side. Frames count AMQP frames, heartbeats included.
 *
 * @param clientConnections     clients connected now (handshake finished)
 * @param upstreamConnections   broker connections open now
 * @param clientChannels        channels clients have open now
 * @param upstreamChannels      channel numbers taken on broker connections now: open, still closing, or
 *                              given to a client channel whose first frame (and so Channel.Open) is yet to come
 * @param bytesFromClients      bytes read from clients
 * @param bytesToClients        bytes written to clients
 * @param bytesFromUpstream     bytes read from the broker
 * @param bytesToUpstream       bytes written to the broker
 * @param framesFromClients     frames read from clients
 * @param framesToClients       frames written to clients
 * @param framesFromUpstream    frames read from the broker
 * @param framesToUpstream      frames written to the broker
 * @param messagesPublished     complete messages forwarded from clients to the broker
 * @param messagesDelivered     messages forwarded to clients (basic.deliver and basic.get-ok)
 * @param refusedLogins         clients refused during the handshake
 * @param upstreamConnectFailures upstream connections that failed before they were open
 * @param upstreamConnects      upstream connections that opened (TCP and AMQP handshake done)
 * @param upstreamConnectNanos  the time those openings took, summed, in nanoseconds
 */
public record ProxyStats(
        long clientConnections,
        long upstreamConnections,
        long clientChannels,
        long upstreamChannels,
        long bytesFromClients,
        long bytesToClients,
        long bytesFromUpstream,
        long bytesToUpstream,
        long framesFromClients,
        long framesToClients,
        long framesFromUpstream,
        long framesToUpstream,
        long messagesPublished,
        long messagesDelivered,
        long refusedLogins,
        long upstreamConnectFailures,
        long upstreamConnects,
        long upstreamConnectNanos) {
}
