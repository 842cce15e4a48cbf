package io.amqproxy;

import java.util.Arrays;

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
    }

    /** A builder with every figure at zero. */
    public static Builder builder() {
        return new Builder();
    }

    /** Clients connected now (handshake finished). */
    public long clientConnections() {
        return clientConnections;
    }

    /** Broker connections open now. */
    public long upstreamConnections() {
        return upstreamConnections;
    }

    /** Channels clients have open now. */
    public long clientChannels() {
        return clientChannels;
    }

    /** Channel numbers taken on broker connections now: open, still closing, or given to a client channel whose first frame (and so Channel.Open) is yet to come. */
    public long upstreamChannels() {
        return upstreamChannels;
    }

    /** Bytes read from clients. */
    public long bytesFromClients() {
        return bytesFromClients;
    }

    /** Bytes written to clients. */
    public long bytesToClients() {
        return bytesToClients;
    }

    /** Bytes read from the broker. */
    public long bytesFromUpstream() {
        return bytesFromUpstream;
    }

    /** Bytes written to the broker. */
    public long bytesToUpstream() {
        return bytesToUpstream;
    }

    /** Frames read from clients. */
    public long framesFromClients() {
        return framesFromClients;
    }

    /** Frames written to clients. */
    public long framesToClients() {
        return framesToClients;
    }

    /** Frames read from the broker. */
    public long framesFromUpstream() {
        return framesFromUpstream;
    }

    /** Frames written to the broker. */
    public long framesToUpstream() {
        return framesToUpstream;
    }

    /** Complete messages forwarded from clients to the broker. */
    public long messagesPublished() {
        return messagesPublished;
    }

    /** Messages forwarded to clients (basic.deliver and basic.get-ok). */
    public long messagesDelivered() {
        return messagesDelivered;
    }

    /** Clients refused during the handshake. */
    public long refusedLogins() {
        return refusedLogins;
    }

    /** Upstream connections that failed before they were open. */
    public long upstreamConnectFailures() {
        return upstreamConnectFailures;
    }

    /** Upstream connections that opened (TCP and AMQP handshake done). */
    public long upstreamConnects() {
        return upstreamConnects;
    }

    /** The time those openings took, summed, in nanoseconds. */
    public long upstreamConnectNanos() {
        return upstreamConnectNanos;
    }

    /** The figures field by field, in declaration order; for equals, hashCode and toString. */
    private long[] figures() {
        return new long[] {clientConnections, upstreamConnections, clientChannels, upstreamChannels, bytesFromClients, bytesToClients, bytesFromUpstream, bytesToUpstream, framesFromClients, framesToClients, framesFromUpstream, framesToUpstream, messagesPublished, messagesDelivered, refusedLogins, upstreamConnectFailures, upstreamConnects, upstreamConnectNanos};
    }

    /** This snapshot plus {@code other}, figure by figure: the total of two event loops' snapshots. */
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
        return b.build();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ProxyStats other && Arrays.equals(figures(), other.figures());
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(figures());
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
                + ", upstreamConnects=" + upstreamConnects + ", upstreamConnectNanos=" + upstreamConnectNanos + "]";
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

        private Builder() {
        }

        /** Sets {@link ProxyStats#clientConnections()}. */
        public Builder clientConnections(long value) {
            this.clientConnections = value;
            return this;
        }

        /** Sets {@link ProxyStats#upstreamConnections()}. */
        public Builder upstreamConnections(long value) {
            this.upstreamConnections = value;
            return this;
        }

        /** Sets {@link ProxyStats#clientChannels()}. */
        public Builder clientChannels(long value) {
            this.clientChannels = value;
            return this;
        }

        /** Sets {@link ProxyStats#upstreamChannels()}. */
        public Builder upstreamChannels(long value) {
            this.upstreamChannels = value;
            return this;
        }

        /** Sets {@link ProxyStats#bytesFromClients()}. */
        public Builder bytesFromClients(long value) {
            this.bytesFromClients = value;
            return this;
        }

        /** Sets {@link ProxyStats#bytesToClients()}. */
        public Builder bytesToClients(long value) {
            this.bytesToClients = value;
            return this;
        }

        /** Sets {@link ProxyStats#bytesFromUpstream()}. */
        public Builder bytesFromUpstream(long value) {
            this.bytesFromUpstream = value;
            return this;
        }

        /** Sets {@link ProxyStats#bytesToUpstream()}. */
        public Builder bytesToUpstream(long value) {
            this.bytesToUpstream = value;
            return this;
        }

        /** Sets {@link ProxyStats#framesFromClients()}. */
        public Builder framesFromClients(long value) {
            this.framesFromClients = value;
            return this;
        }

        /** Sets {@link ProxyStats#framesToClients()}. */
        public Builder framesToClients(long value) {
            this.framesToClients = value;
            return this;
        }

        /** Sets {@link ProxyStats#framesFromUpstream()}. */
        public Builder framesFromUpstream(long value) {
            this.framesFromUpstream = value;
            return this;
        }

        /** Sets {@link ProxyStats#framesToUpstream()}. */
        public Builder framesToUpstream(long value) {
            this.framesToUpstream = value;
            return this;
        }

        /** Sets {@link ProxyStats#messagesPublished()}. */
        public Builder messagesPublished(long value) {
            this.messagesPublished = value;
            return this;
        }

        /** Sets {@link ProxyStats#messagesDelivered()}. */
        public Builder messagesDelivered(long value) {
            this.messagesDelivered = value;
            return this;
        }

        /** Sets {@link ProxyStats#refusedLogins()}. */
        public Builder refusedLogins(long value) {
            this.refusedLogins = value;
            return this;
        }

        /** Sets {@link ProxyStats#upstreamConnectFailures()}. */
        public Builder upstreamConnectFailures(long value) {
            this.upstreamConnectFailures = value;
            return this;
        }

        /** Sets {@link ProxyStats#upstreamConnects()}. */
        public Builder upstreamConnects(long value) {
            this.upstreamConnects = value;
            return this;
        }

        /** Sets {@link ProxyStats#upstreamConnectNanos()}. */
        public Builder upstreamConnectNanos(long value) {
            this.upstreamConnectNanos = value;
            return this;
        }

        /** The snapshot. */
        public ProxyStats build() {
            return new ProxyStats(this);
        }
    }
}
