package io.amqproxy;

/**
 * Sizes and counts, set through the {@link ProxyConfig.Builder}.
 */
public final class ProxyLimits {
    private final int maxChannelsPerUpstream;
    private final int maxChannelsPerClient;
    private final int frameMax;
    private final long maxClientOutputBytes;
    private final long maxUpstreamOutputBytes;
    private final long maxMessageSize;
    private final int maxClients;
    private final long maxTotalClientOutputBytes;

    ProxyLimits(ProxyConfig.Builder b) {
        if (b.maxChannelsPerUpstream < 1 || b.maxChannelsPerUpstream > 65535) {
            throw new IllegalArgumentException("maxChannelsPerUpstream must be between 1 and 65535, was " + b.maxChannelsPerUpstream);
        }
        if (b.maxChannelsPerClient < 1 || b.maxChannelsPerClient > 65535) {
            throw new IllegalArgumentException("maxChannelsPerClient must be between 1 and 65535, was " + b.maxChannelsPerClient);
        }
        if (b.frameMax < 4096 || b.frameMax > 16 * 1024 * 1024) {
            throw new IllegalArgumentException("frameMax must be between 4096 and 16777216, was " + b.frameMax);
        }
        if (b.maxClientOutputBytes < b.frameMax) {
            throw new IllegalArgumentException("maxClientOutputBytes must be at least frameMax (" + b.frameMax + "), was " + b.maxClientOutputBytes);
        }
        if (b.maxUpstreamOutputBytes < b.frameMax) {
            throw new IllegalArgumentException("maxUpstreamOutputBytes must be at least frameMax (" + b.frameMax + "), was " + b.maxUpstreamOutputBytes);
        }
        if (b.maxTotalClientOutputBytes < b.frameMax) {
            throw new IllegalArgumentException("maxTotalClientOutputBytes must be at least frameMax (" + b.frameMax
                    + "), was " + b.maxTotalClientOutputBytes);
        }
        if (b.maxClients < 0) {
            throw new IllegalArgumentException("maxClients must not be negative (0 means no limit), was " + b.maxClients);
        }
        if (b.maxMessageSize < 0) {
            throw new IllegalArgumentException("maxMessageSize must not be negative, was " + b.maxMessageSize);
        }
        this.maxChannelsPerUpstream = b.maxChannelsPerUpstream;
        this.maxChannelsPerClient = b.maxChannelsPerClient;
        this.frameMax = b.frameMax;
        this.maxClientOutputBytes = b.maxClientOutputBytes;
        this.maxUpstreamOutputBytes = b.maxUpstreamOutputBytes;
        this.maxMessageSize = b.maxMessageSize;
        this.maxClients = b.maxClients;
        this.maxTotalClientOutputBytes = b.maxTotalClientOutputBytes;
    }

    /**
     * {@return the channels the proxy opens on one broker connection at most; 2047 by default} The broker's
     * {@code channel_max} lowers it further.
     */
    public int maxChannelsPerUpstream() {
        return maxChannelsPerUpstream;
    }

    /** {@return the {@code channel_max} offered to clients; 2047 by default} */
    public int maxChannelsPerClient() {
        return maxChannelsPerClient;
    }

    /** {@return the {@code frame_max} offered to clients, in bytes; also the largest frame accepted} */
    public int frameMax() {
        return frameMax;
    }

    /** {@return the bytes queued for one client that does not read before it is disconnected; 32 MiB by default} */
    public long maxClientOutputBytes() {
        return maxClientOutputBytes;
    }

    /**
     * {@return the bytes queued for one broker connection before the proxy stops reading from the clients that feed
     * it, until it drains to half; 8 MiB by default}
     */
    public long maxUpstreamOutputBytes() {
        return maxUpstreamOutputBytes;
    }

    /** {@return the largest message body a client may publish, in bytes (RabbitMQ 3.x default: 128 MiB)} */
    public long maxMessageSize() {
        return maxMessageSize;
    }

    /** {@return the client connections allowed at once, counted from TCP accept; 0 (the default) for no limit} */
    public int maxClients() {
        return maxClients;
    }

    /**
     * {@return the output queued for all clients together, in bytes; 512 MiB by default} Past it, a client that
     * does not keep up is disconnected even below its own limit.
     */
    public long maxTotalClientOutputBytes() {
        return maxTotalClientOutputBytes;
    }

    @Override
    public String toString() {
        return "ProxyLimits[maxChannelsPerUpstream=" + maxChannelsPerUpstream + ", maxChannelsPerClient="
                + maxChannelsPerClient + ", frameMax=" + frameMax + ", maxClientOutputBytes=" + maxClientOutputBytes
                + ", maxUpstreamOutputBytes=" + maxUpstreamOutputBytes + ", maxMessageSize=" + maxMessageSize
                + ", maxClients=" + maxClients + ", maxTotalClientOutputBytes=" + maxTotalClientOutputBytes + "]";
    }
}
