package io.amqproxy;

import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.LongBinaryOperator;

/**
 * A snapshot of the proxy's gauges and counters, from {@link AmqProxy#stats()}. Counters only grow while the
 * proxy runs.
 *
 * <p>"From clients" is traffic the proxy read from client sockets, "to clients" what it wrote to them;
 * likewise for the upstream (broker) side. Frames count AMQP frames, heartbeats included.
 *
 * <p>Snapshots are made with a {@link Builder} (the proxy makes them; a test may make its own), so that
 * counters can be added in later versions without breaking code that reads or builds them. Two snapshots
 * with the same figures are equal.
 */
public final class ProxyStats {
    private final long clientConnections;
    private final long upstreamConnections;
    private final long clientChannels;
    private final long upstreamChannels;
    private final long bytesFromClients;
    private final long bytesToClients;
    private final long bytesFromUpstream;
    private final long bytesToUpstream;
    private final long framesFromClients;
    private final long framesToClients;
    private final long framesFromUpstream;
    private final long framesToUpstream;
    private final long messagesPublished;
    private final long messagesDelivered;
    private final long refusedLogins;
    private final long upstreamConnectFailures;
    private final long upstreamConnects;
    private final long upstreamConnectNanos;
    private final long failovers;
    private final Map<String, Long> upstreamConnectionsByNode;
    private final Map<String, Long> upstreamConnectFailuresByNode;

    private ProxyStats(Builder b) {
        this.clientConnections = b.clientConnections;
        this.upstreamConnections = b.upstreamConnections;
        this.clientChannels = b.clientChannels;
        this.upstreamChannels = b.upstreamChannels;
        this.bytesFromClients = b.bytesFromClients;
        this.bytesToClients = b.bytesToClients;
        this.bytesFromUpstream = b.bytesFromUpstream;
        this.bytesToUpstream = b.bytesToUpstream;
        this.framesFromClients = b.framesFromClients;
        this.framesToClients = b.framesToClients;
        this.framesFromUpstream = b.framesFromUpstream;
        this.framesToUpstream = b.framesToUpstream;
        this.messagesPublished = b.messagesPublished;
        this.messagesDelivered = b.messagesDelivered;
        this.refusedLogins = b.refusedLogins;
        this.upstreamConnectFailures = b.upstreamConnectFailures;
        this.upstreamConnects = b.upstreamConnects;
        this.upstreamConnectNanos = b.upstreamConnectNanos;
        this.failovers = b.failovers;
        this.upstreamConnectionsByNode = Collections.unmodifiableMap(new TreeMap<>(b.upstreamConnectionsByNode));
        this.upstreamConnectFailuresByNode = Collections.unmodifiableMap(new TreeMap<>(b.upstreamConnectFailuresByNode));
    }

    /** {@return a new builder with every figure at zero} */
    public static Builder builder() {
        return new Builder();
    }

    /** {@return the clients connected now (handshake finished); a gauge} */
    public long clientConnections() {
        return clientConnections;
    }

    /** {@return the broker connections open now; a gauge} */
    public long upstreamConnections() {
        return upstreamConnections;
    }

    /** {@return the channels clients have open now; a gauge} */
    public long clientChannels() {
        return clientChannels;
    }

    /**
     * {@return the channel numbers taken on broker connections now: open, still closing, or given to a client channel
     * whose first frame (and so Channel.Open) is yet to come; a gauge}
     */
    public long upstreamChannels() {
        return upstreamChannels;
    }

    /** {@return the bytes read from clients; a counter} */
    public long bytesFromClients() {
        return bytesFromClients;
    }

    /** {@return the bytes written to clients; a counter} */
    public long bytesToClients() {
        return bytesToClients;
    }

    /** {@return the bytes read from the broker; a counter} */
    public long bytesFromUpstream() {
        return bytesFromUpstream;
    }

    /** {@return the bytes written to the broker; a counter} */
    public long bytesToUpstream() {
        return bytesToUpstream;
    }

    /** {@return the frames read from clients, heartbeats included; a counter} */
    public long framesFromClients() {
        return framesFromClients;
    }

    /** {@return the frames written to clients, heartbeats included; a counter} */
    public long framesToClients() {
        return framesToClients;
    }

    /** {@return the frames read from the broker, heartbeats included; a counter} */
    public long framesFromUpstream() {
        return framesFromUpstream;
    }

    /** {@return the frames written to the broker, heartbeats included; a counter} */
    public long framesToUpstream() {
        return framesToUpstream;
    }

    /** {@return the complete messages forwarded from clients to the broker; a counter} */
    public long messagesPublished() {
        return messagesPublished;
    }

    /** {@return the messages forwarded to clients (basic.deliver and basic.get-ok); a counter} */
    public long messagesDelivered() {
        return messagesDelivered;
    }

    /** {@return the clients refused during the handshake; a counter} */
    public long refusedLogins() {
        return refusedLogins;
    }

    /** {@return the upstream connections that failed before they were open; a counter} */
    public long upstreamConnectFailures() {
        return upstreamConnectFailures;
    }

    /** {@return the upstream connections that opened (TCP and AMQP handshake done); a counter} */
    public long upstreamConnects() {
        return upstreamConnects;
    }

    /** {@return the time the openings of {@link #upstreamConnects()} took, summed, in nanoseconds; a counter} */
    public long upstreamConnectNanos() {
        return upstreamConnectNanos;
    }

    /**
     * {@return the clients whose broker connection found its node down while it opened, and went on with another node;
     * a counter}
     */
    public long failovers() {
        return failovers;
    }

    /**
     * {@return the broker connections open now, by node ({@code host:port}, with the address when a name has several),
     * sorted by node; gauges}
     */
    public Map<String, Long> upstreamConnectionsByNode() {
        return upstreamConnectionsByNode;
    }

    /**
     * {@return the attempts to open a broker connection that failed because the node did not answer as a broker, by
     * node, sorted by node; counters}
     */
    public Map<String, Long> upstreamConnectFailuresByNode() {
        return upstreamConnectFailuresByNode;
    }

    /** The figures field by field, in declaration order; for equals, hashCode and toString. */
    private long[] figures() {
        return new long[] {failovers, clientConnections, upstreamConnections, clientChannels, upstreamChannels, bytesFromClients, bytesToClients, bytesFromUpstream, bytesToUpstream, framesFromClients, framesToClients, framesFromUpstream, framesToUpstream, messagesPublished, messagesDelivered, refusedLogins, upstreamConnectFailures, upstreamConnects, upstreamConnectNanos};
    }

    /**
     * This snapshot plus another, figure by figure: the total of two event loops' snapshots. The per-node maps are
     * added node by node.
     *
     * @param other the snapshot to add
     * @return a new snapshot with the sums
     */
    public ProxyStats plus(ProxyStats other) {
        Builder b = new Builder();
        b.clientConnections = clientConnections + other.clientConnections;
        b.upstreamConnections = upstreamConnections + other.upstreamConnections;
        b.clientChannels = clientChannels + other.clientChannels;
        b.upstreamChannels = upstreamChannels + other.upstreamChannels;
        b.bytesFromClients = bytesFromClients + other.bytesFromClients;
        b.bytesToClients = bytesToClients + other.bytesToClients;
        b.bytesFromUpstream = bytesFromUpstream + other.bytesFromUpstream;
        b.bytesToUpstream = bytesToUpstream + other.bytesToUpstream;
        b.framesFromClients = framesFromClients + other.framesFromClients;
        b.framesToClients = framesToClients + other.framesToClients;
        b.framesFromUpstream = framesFromUpstream + other.framesFromUpstream;
        b.framesToUpstream = framesToUpstream + other.framesToUpstream;
        b.messagesPublished = messagesPublished + other.messagesPublished;
        b.messagesDelivered = messagesDelivered + other.messagesDelivered;
        b.refusedLogins = refusedLogins + other.refusedLogins;
        b.upstreamConnectFailures = upstreamConnectFailures + other.upstreamConnectFailures;
        b.upstreamConnects = upstreamConnects + other.upstreamConnects;
        b.upstreamConnectNanos = upstreamConnectNanos + other.upstreamConnectNanos;
        b.failovers = failovers + other.failovers;
        b.upstreamConnectionsByNode = combine(upstreamConnectionsByNode, other.upstreamConnectionsByNode, Long::sum);
        b.upstreamConnectFailuresByNode = combine(upstreamConnectFailuresByNode, other.upstreamConnectFailuresByNode,
                Long::sum);
        return b.build();
    }

    private static Map<String, Long> combine(Map<String, Long> a, Map<String, Long> b, LongBinaryOperator op) {
        Map<String, Long> out = new TreeMap<>(a);
        b.forEach((node, v) -> out.put(node, op.applyAsLong(out.getOrDefault(node, 0L), v)));
        return out;
    }

    /**
     * What happened between {@code earlier} and this snapshot: counters as differences, gauges (connections and
     * channels open now) as they are now. For a test that wants the figures of its own traffic only.
     *
     * @param earlier a snapshot of the same proxy, taken before this one
     * @return a new snapshot: counters since {@code earlier}, gauges now
     */
    public ProxyStats since(ProxyStats earlier) {
        Builder b = new Builder();
        b.clientConnections = clientConnections;
        b.upstreamConnections = upstreamConnections;
        b.clientChannels = clientChannels;
        b.upstreamChannels = upstreamChannels;
        b.bytesFromClients = bytesFromClients - earlier.bytesFromClients;
        b.bytesToClients = bytesToClients - earlier.bytesToClients;
        b.bytesFromUpstream = bytesFromUpstream - earlier.bytesFromUpstream;
        b.bytesToUpstream = bytesToUpstream - earlier.bytesToUpstream;
        b.framesFromClients = framesFromClients - earlier.framesFromClients;
        b.framesToClients = framesToClients - earlier.framesToClients;
        b.framesFromUpstream = framesFromUpstream - earlier.framesFromUpstream;
        b.framesToUpstream = framesToUpstream - earlier.framesToUpstream;
        b.messagesPublished = messagesPublished - earlier.messagesPublished;
        b.messagesDelivered = messagesDelivered - earlier.messagesDelivered;
        b.refusedLogins = refusedLogins - earlier.refusedLogins;
        b.upstreamConnectFailures = upstreamConnectFailures - earlier.upstreamConnectFailures;
        b.upstreamConnects = upstreamConnects - earlier.upstreamConnects;
        b.upstreamConnectNanos = upstreamConnectNanos - earlier.upstreamConnectNanos;
        b.failovers = failovers - earlier.failovers;
        b.upstreamConnectionsByNode = upstreamConnectionsByNode;
        Map<String, Long> failures = new TreeMap<>(upstreamConnectFailuresByNode);
        earlier.upstreamConnectFailuresByNode.forEach((node, v) -> failures.merge(node, -v, Long::sum));
        b.upstreamConnectFailuresByNode = failures;
        return b.build();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ProxyStats other && Arrays.equals(figures(), other.figures())
                && upstreamConnectionsByNode.equals(other.upstreamConnectionsByNode)
                && upstreamConnectFailuresByNode.equals(other.upstreamConnectFailuresByNode);
    }

    @Override
    public int hashCode() {
        return Objects.hash(Arrays.hashCode(figures()), upstreamConnectionsByNode, upstreamConnectFailuresByNode);
    }

    @Override
    public String toString() {
        return "ProxyStats[clientConnections=" + clientConnections + ", upstreamConnections=" + upstreamConnections
                + ", clientChannels=" + clientChannels + ", upstreamChannels=" + upstreamChannels
                + ", bytesFromClients=" + bytesFromClients + ", bytesToClients=" + bytesToClients
                + ", bytesFromUpstream=" + bytesFromUpstream + ", bytesToUpstream=" + bytesToUpstream
                + ", framesFromClients=" + framesFromClients + ", framesToClients=" + framesToClients
                + ", framesFromUpstream=" + framesFromUpstream + ", framesToUpstream=" + framesToUpstream
                + ", messagesPublished=" + messagesPublished + ", messagesDelivered=" + messagesDelivered
                + ", refusedLogins=" + refusedLogins + ", upstreamConnectFailures=" + upstreamConnectFailures
                + ", upstreamConnects=" + upstreamConnects + ", upstreamConnectNanos=" + upstreamConnectNanos
                + ", failovers=" + failovers + ", upstreamConnectionsByNode=" + upstreamConnectionsByNode
                + ", upstreamConnectFailuresByNode=" + upstreamConnectFailuresByNode + "]";
    }

    /** Collects the figures of a snapshot; every figure not set is zero. Not thread-safe. */
    public static final class Builder {
        private long clientConnections;
        private long upstreamConnections;
        private long clientChannels;
        private long upstreamChannels;
        private long bytesFromClients;
        private long bytesToClients;
        private long bytesFromUpstream;
        private long bytesToUpstream;
        private long framesFromClients;
        private long framesToClients;
        private long framesFromUpstream;
        private long framesToUpstream;
        private long messagesPublished;
        private long messagesDelivered;
        private long refusedLogins;
        private long upstreamConnectFailures;
        private long upstreamConnects;
        private long upstreamConnectNanos;
        private long failovers;
        private Map<String, Long> upstreamConnectionsByNode = Map.of();
        private Map<String, Long> upstreamConnectFailuresByNode = Map.of();

        private Builder() {
        }

        /**
         * Sets {@link ProxyStats#clientConnections()}.
         *
         * @param value clients connected now
         * @return this builder
         */
        public Builder clientConnections(long value) {
            this.clientConnections = value;
            return this;
        }

        /**
         * Sets {@link ProxyStats#upstreamConnections()}.
         *
         * @param value broker connections open now
         * @return this builder
         */
        public Builder upstreamConnections(long value) {
            this.upstreamConnections = value;
            return this;
        }

        /**
         * Sets {@link ProxyStats#clientChannels()}.
         *
         * @param value channels clients have open now
         * @return this builder
         */
        public Builder clientChannels(long value) {
            this.clientChannels = value;
            return this;
        }

        /**
         * Sets {@link ProxyStats#upstreamChannels()}.
         *
         * @param value channel numbers taken on broker connections now
         * @return this builder
         */
        public Builder upstreamChannels(long value) {
            this.upstreamChannels = value;
            return this;
        }

        /**
         * Sets {@link ProxyStats#bytesFromClients()}.
         *
         * @param value bytes read from clients
         * @return this builder
         */
        public Builder bytesFromClients(long value) {
            this.bytesFromClients = value;
            return this;
        }

        /**
         * Sets {@link ProxyStats#bytesToClients()}.
         *
         * @param value bytes written to clients
         * @return this builder
         */
        public Builder bytesToClients(long value) {
            this.bytesToClients = value;
            return this;
        }

        /**
         * Sets {@link ProxyStats#bytesFromUpstream()}.
         *
         * @param value bytes read from the broker
         * @return this builder
         */
        public Builder bytesFromUpstream(long value) {
            this.bytesFromUpstream = value;
            return this;
        }

        /**
         * Sets {@link ProxyStats#bytesToUpstream()}.
         *
         * @param value bytes written to the broker
         * @return this builder
         */
        public Builder bytesToUpstream(long value) {
            this.bytesToUpstream = value;
            return this;
        }

        /**
         * Sets {@link ProxyStats#framesFromClients()}.
         *
         * @param value frames read from clients
         * @return this builder
         */
        public Builder framesFromClients(long value) {
            this.framesFromClients = value;
            return this;
        }

        /**
         * Sets {@link ProxyStats#framesToClients()}.
         *
         * @param value frames written to clients
         * @return this builder
         */
        public Builder framesToClients(long value) {
            this.framesToClients = value;
            return this;
        }

        /**
         * Sets {@link ProxyStats#framesFromUpstream()}.
         *
         * @param value frames read from the broker
         * @return this builder
         */
        public Builder framesFromUpstream(long value) {
            this.framesFromUpstream = value;
            return this;
        }

        /**
         * Sets {@link ProxyStats#framesToUpstream()}.
         *
         * @param value frames written to the broker
         * @return this builder
         */
        public Builder framesToUpstream(long value) {
            this.framesToUpstream = value;
            return this;
        }

        /**
         * Sets {@link ProxyStats#messagesPublished()}.
         *
         * @param value messages forwarded from clients to the broker
         * @return this builder
         */
        public Builder messagesPublished(long value) {
            this.messagesPublished = value;
            return this;
        }

        /**
         * Sets {@link ProxyStats#messagesDelivered()}.
         *
         * @param value messages forwarded to clients
         * @return this builder
         */
        public Builder messagesDelivered(long value) {
            this.messagesDelivered = value;
            return this;
        }

        /**
         * Sets {@link ProxyStats#refusedLogins()}.
         *
         * @param value clients refused during the handshake
         * @return this builder
         */
        public Builder refusedLogins(long value) {
            this.refusedLogins = value;
            return this;
        }

        /**
         * Sets {@link ProxyStats#upstreamConnectFailures()}.
         *
         * @param value upstream connections that failed before they were open
         * @return this builder
         */
        public Builder upstreamConnectFailures(long value) {
            this.upstreamConnectFailures = value;
            return this;
        }

        /**
         * Sets {@link ProxyStats#upstreamConnects()}.
         *
         * @param value upstream connections that opened
         * @return this builder
         */
        public Builder upstreamConnects(long value) {
            this.upstreamConnects = value;
            return this;
        }

        /**
         * Sets {@link ProxyStats#upstreamConnectNanos()}.
         *
         * @param value nanoseconds those openings took, summed
         * @return this builder
         */
        public Builder upstreamConnectNanos(long value) {
            this.upstreamConnectNanos = value;
            return this;
        }

        /**
         * Sets {@link ProxyStats#failovers()}.
         *
         * @param value clients that went on with another node
         * @return this builder
         */
        public Builder failovers(long value) {
            this.failovers = value;
            return this;
        }

        /**
         * Sets {@link ProxyStats#upstreamConnectionsByNode()}.
         *
         * @param byNode open broker connections by node ({@code host:port}); copied when the snapshot is built
         * @return this builder
         * @throws NullPointerException if {@code byNode} is {@code null}
         */
        public Builder upstreamConnectionsByNode(Map<String, Long> byNode) {
            this.upstreamConnectionsByNode = Objects.requireNonNull(byNode, "byNode");
            return this;
        }

        /**
         * Sets {@link ProxyStats#upstreamConnectFailuresByNode()}.
         *
         * @param byNode failed attempts by node ({@code host:port}); copied when the snapshot is built
         * @return this builder
         * @throws NullPointerException if {@code byNode} is {@code null}
         */
        public Builder upstreamConnectFailuresByNode(Map<String, Long> byNode) {
            this.upstreamConnectFailuresByNode = Objects.requireNonNull(byNode, "byNode");
            return this;
        }

        /** {@return the snapshot of the figures set so far; the builder can go on and build more} */
        public ProxyStats build() {
            return new ProxyStats(this);
        }
    }
}
