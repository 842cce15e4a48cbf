package io.amqproxy;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * The immutable configuration of a proxy, made by {@link Builder#build()} (start one with
 * {@link AmqProxy#builder()}). It has no public constructor, so that settings can be added in later versions
 * without breaking code that builds configurations.
 */
public final class ProxyConfig {

    /** The AMQP port, used when an upstream URI names none. */
    public static final int AMQP_PORT = 5672;
    /** The AMQPS port, used when an amqps:// upstream URI names none. */
    public static final int AMQPS_PORT = 5671;

    private final Upstream upstream;
    private final String listenHost;
    private final int listenPort;
    private final ProxyLimits limits;
    private final ProxyTimeouts timeouts;
    private final int eventLoops;
    private final ProxyListener listener;
    private final UpstreamTls upstreamTls;
    private final TlsListener tlsListener;
    private final boolean safeChannelReuse;
    private final boolean separateConsumers;

    private ProxyConfig(Builder b) {
        if (b.upstream == null) {
            throw new IllegalArgumentException("upstream is required, e.g. upstream(\"amqp://127.0.0.1:5672\")");
        }
        this.upstream = Upstream.parse(b.upstream);
        this.listenHost = Objects.requireNonNull(b.listenHost, "listenHost");
        checkPort("listen port", b.listenPort);
        this.listenPort = b.listenPort;
        this.limits = new ProxyLimits(b);
        this.timeouts = new ProxyTimeouts(b);
        if (b.eventLoops < 1) {
            throw new IllegalArgumentException("eventLoops must be at least 1, was " + b.eventLoops);
        }
        this.eventLoops = b.eventLoops;
        this.listener = Objects.requireNonNull(b.listener, "listener");
        this.upstreamTls = new UpstreamTls(b.upstreamSslContext, b.verifyUpstreamHostname);
        this.tlsListener = b.tlsListener;
        this.safeChannelReuse = b.safeChannelReuse;
        this.separateConsumers = b.separateConsumers;
    }

    /** Where the broker is. */
    public Upstream upstream() {
        return upstream;
    }

    /** The address to listen on; {@code "localhost"} by default. */
    public String listenHost() {
        return listenHost;
    }

    /** The port to listen on; 0 picks a free one (see {@link AmqProxy#port()}). */
    public int listenPort() {
        return listenPort;
    }

    /** Sizes and counts. */
    public ProxyLimits limits() {
        return limits;
    }

    /** Durations. */
    public ProxyTimeouts timeouts() {
        return timeouts;
    }

    /** How many I/O threads; each has its own upstream pool. */
    public int eventLoops() {
        return eventLoops;
    }

    /** Event hooks; {@link ProxyListener#NOOP} by default. */
    public ProxyListener listener() {
        return listener;
    }

    /** How to check the broker's certificate for an amqps:// upstream. */
    public UpstreamTls upstreamTls() {
        return upstreamTls;
    }

    /** An additional listener where clients connect with TLS, or {@code null} for none. */
    public TlsListener tlsListener() {
        return tlsListener;
    }

    /**
     * Whether "safe" upstream channels are kept open when their client closes them and handed to the next
     * client; see {@link Builder#safeChannelReuse(boolean)}.
     */
    public boolean safeChannelReuse() {
        return safeChannelReuse;
    }

    /**
     * Whether consuming channels are kept on upstream connections of their own, away from publishers; see
     * {@link Builder#separateConsumers(boolean)}.
     */
    public boolean separateConsumers() {
        return separateConsumers;
    }

    @Override
    public String toString() {
        return "ProxyConfig[upstream=" + upstream + ", listen=" + listenHost + ":" + listenPort + ", " + limits
                + ", " + timeouts + ", eventLoops=" + eventLoops + ", " + upstreamTls
                + (tlsListener == null ? "" : ", " + tlsListener) + ", safeChannelReuse=" + safeChannelReuse
                + ", separateConsumers=" + separateConsumers + "]";
    }

    /**
     * The broker the proxy connects to.
     *
     * @param host the broker's host name or address
     * @param port the broker's port
     * @param tls  whether the URI was amqps://
     */
    public record Upstream(String host, int port, boolean tls) {
        /** Validates host and port. */
        public Upstream {
            if (host == null || host.isBlank()) {
                throw new IllegalArgumentException("upstream host is missing");
            }
            checkPort("upstream port", port);
            if (port == 0) {
                throw new IllegalArgumentException("upstream port must be between 1 and 65535, was 0");
            }
        }

        /**
         * Parses an {@code amqp://} or {@code amqps://} URI. User, password and vhost in it are ignored:
         * every client brings its own.
         */
        public static Upstream parse(String uri) {
            Objects.requireNonNull(uri, "upstream URI");
            URI parsed;
            try {
                parsed = new URI(uri.trim());
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException("upstream is not a valid URI (expected amqp://host[:port]): " + e.getReason());
            }
            String scheme = parsed.getScheme() == null ? "" : parsed.getScheme().toLowerCase(Locale.ROOT);
            boolean tls;
            if (scheme.equals("amqp")) {
                tls = false;
            } else if (scheme.equals("amqps")) {
                tls = true;
            } else {
                throw new IllegalArgumentException("upstream must be an amqp:// or amqps:// URI, was scheme '" + scheme + "'");
            }
            String host = parsed.getHost();
            if (host == null || host.isBlank()) {
                throw new IllegalArgumentException("upstream URI has no host");
            }
            int port = parsed.getPort() == -1 ? (tls ? AMQPS_PORT : AMQP_PORT) : parsed.getPort();
            return new Upstream(host, port, tls);
        }

        @Override
        public String toString() {
            return (tls ? "amqps://" : "amqp://") + host + ":" + port;
        }
    }

    /**
     * TLS toward an amqps:// broker.
     *
     * @param context        trust (and, for client certificates, keys) for the broker connection; {@code null}
     *                       uses the JVM's default trust store
     * @param verifyHostname whether the broker's certificate must name the upstream host (on by default;
     *                       turning it off is logged as a warning)
     */
    public record UpstreamTls(javax.net.ssl.SSLContext context, boolean verifyHostname) {
        /** The JVM's trust store, host names verified. */
        public static final UpstreamTls DEFAULT = new UpstreamTls(null, true);

        @Override
        public String toString() {
            return "UpstreamTls[" + (context == null ? "JVM default trust" : "custom SSLContext")
                    + (verifyHostname ? ", hostname verified" : ", hostname NOT verified") + "]";
        }
    }

    /**
     * A listener where clients connect with TLS (amqps), beside the plain one.
     *
     * @param host    the address to listen on
     * @param port    the port; 0 picks a free one, see {@link AmqProxy#tlsPort()}
     * @param context the server's certificate and key (and trust, to ask clients for certificates)
     */
    public record TlsListener(String host, int port, javax.net.ssl.SSLContext context) {
        /** Validates the port and that a context is given. */
        public TlsListener {
            Objects.requireNonNull(host, "TLS listen host");
            Objects.requireNonNull(context, "TLS listener SSLContext");
            checkPort("TLS listen port", port);
        }

        @Override
        public String toString() {
            return "TlsListener[" + host + ":" + port + "]";
        }
    }

    private static void checkPort(String what, int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException(what + " must be between 0 and 65535, was " + port);
        }
    }

    /** The longest duration accepted; longer ones would overflow nanosecond arithmetic. */
    public static final Duration MAX_DURATION = Duration.ofDays(100L * 365);

    static void checkDuration(String what, Duration d) {
        Objects.requireNonNull(d, what);
        if (d.isNegative()) {
            throw new IllegalArgumentException(what + " must not be negative, was " + d);
        }
        if (d.compareTo(MAX_DURATION) > 0) {
            throw new IllegalArgumentException(what + " must be at most 100 years, was " + d);
        }
    }

    /**
     * Collects settings; {@link #build()} validates them into a {@link ProxyConfig}. Defaults match
     * cloudamqp/amqproxy and RabbitMQ where they have one: listen on localhost:5673, idle upstream timeout
     * 5 s, 2047 channels per upstream and per client, frame_max 131072, client heartbeat 60 s, handshake
     * timeout 10 s, 128 MiB max message, 32 MiB queued output per client and 512 MiB for all of them, 8 MiB per
     * upstream, one event loop.
     */
    public static final class Builder {
        String upstream;
        String listenHost = "localhost";
        int listenPort = 5673;
        int maxChannelsPerUpstream = 2047;
        int maxChannelsPerClient = 2047;
        int frameMax = 131072;
        long maxClientOutputBytes = 32L * 1024 * 1024;
        long maxUpstreamOutputBytes = 8L * 1024 * 1024;
        long maxMessageSize = 128L * 1024 * 1024;
        Duration idleUpstream = Duration.ofSeconds(5);
        Duration handshake = Duration.ofSeconds(10);
        Duration clientHeartbeat = Duration.ofSeconds(60);
        Duration upstreamConnect = Duration.ofSeconds(10);
        Duration shutdown = Duration.ofSeconds(5);
        Duration maxUpstreamLifetime = Duration.ZERO;
        int maxClients;
        long maxTotalClientOutputBytes = 512L * 1024 * 1024;
        int eventLoops = 1;
        ProxyListener listener = ProxyListener.NOOP;
        javax.net.ssl.SSLContext upstreamSslContext;
        boolean verifyUpstreamHostname = true;
        TlsListener tlsListener;
        boolean safeChannelReuse;
        boolean separateConsumers = true;

        Builder() {
        }

        /** The broker: {@code amqp://host[:port]} or {@code amqps://host[:port]}. Required. */
        public Builder upstream(String uri) {
            this.upstream = uri;
            return this;
        }

        /** Listen on localhost at this port; 0 picks a free port, see {@link AmqProxy#port()}. */
        public Builder listen(int port) {
            this.listenPort = port;
            return this;
        }

        /** Listen on this address and port; {@code "0.0.0.0"} for every interface. */
        public Builder listen(String host, int port) {
            this.listenHost = Objects.requireNonNull(host, "listen host");
            this.listenPort = port;
            return this;
        }

        /** How long an upstream connection with no channels stays open before it is closed. */
        public Builder idleUpstreamTimeout(Duration timeout) {
            this.idleUpstream = timeout;
            return this;
        }

        /** How long a client may take from connecting to sending {@code Connection.Open}. */
        public Builder handshakeTimeout(Duration timeout) {
            this.handshake = timeout;
            return this;
        }

        /** The heartbeat interval offered to clients in {@code Connection.Tune}; zero offers none. */
        public Builder clientHeartbeat(Duration interval) {
            this.clientHeartbeat = interval;
            return this;
        }

        /** How long opening one broker connection may take before waiting clients are refused. */
        public Builder upstreamConnectTimeout(Duration timeout) {
            this.upstreamConnect = timeout;
            return this;
        }

        /** How long {@link AmqProxy#close()} waits for clients to acknowledge its {@code Connection.Close}. */
        public Builder shutdownTimeout(Duration timeout) {
            this.shutdown = timeout;
            return this;
        }

        /** The most channels the proxy opens on one broker connection before it opens another. */
        public Builder maxChannelsPerUpstream(int channels) {
            this.maxChannelsPerUpstream = channels;
            return this;
        }

        /** The channel_max offered to clients. */
        public Builder maxChannelsPerClient(int channels) {
            this.maxChannelsPerClient = channels;
            return this;
        }

        /** The frame_max offered to clients, and the largest frame the proxy accepts from them. */
        public Builder frameMax(int bytes) {
            this.frameMax = bytes;
            return this;
        }

        /** Output queued for one client past which the client is disconnected (it is not reading). */
        public Builder maxClientOutputBytes(long bytes) {
            this.maxClientOutputBytes = bytes;
            return this;
        }

        /**
         * Output queued for all clients together (512 MiB by default) past which a client that does not keep up
         * is disconnected, even below {@link #maxClientOutputBytes}: the bound on the proxy's memory for slow
         * readers, however many there are.
         */
        public Builder maxTotalClientOutputBytes(long bytes) {
            this.maxTotalClientOutputBytes = bytes;
            return this;
        }

        /** Output queued for one broker connection past which the proxy stops reading its clients. */
        public Builder maxUpstreamOutputBytes(long bytes) {
            this.maxUpstreamOutputBytes = bytes;
            return this;
        }

        /**
         * How long an upstream connection serves new clients. After that it takes no new client or channel,
         * and closes once its channels are gone; new clients get a new connection, so a password changed or
         * revoked at the broker stops being accepted. Zero (the default) for no limit.
         */
        public Builder maxUpstreamLifetime(Duration lifetime) {
            this.maxUpstreamLifetime = lifetime;
            return this;
        }

        /**
         * Client connections at most; a client beyond is disconnected right after TCP accept (and logged).
         * Zero (the default) for no limit.
         */
        public Builder maxClients(int clients) {
            this.maxClients = clients;
            return this;
        }

        /** The largest message body a client may publish; larger ones close the channel with 406. */
        public Builder maxMessageSize(long bytes) {
            this.maxMessageSize = bytes;
            return this;
        }

        /** How many I/O threads to run. Each has its own upstream pool, so more loops mean more broker connections. */
        public Builder eventLoops(int loops) {
            this.eventLoops = loops;
            return this;
        }

        /**
         * The trust (and keys) for an amqps:// broker, e.g. a context trusting a private CA; by default the
         * JVM's trust store. SNI and host name verification stay on.
         */
        public Builder upstreamSslContext(javax.net.ssl.SSLContext context) {
            this.upstreamSslContext = Objects.requireNonNull(context, "upstream SSLContext");
            return this;
        }

        /** Whether an amqps:// broker's certificate must name the upstream host; on by default. */
        public Builder verifyUpstreamHostname(boolean verify) {
            this.verifyUpstreamHostname = verify;
            return this;
        }

        /**
         * Also listen for TLS clients on this address and port, with this server certificate and key (for
         * example from {@code KeyManagerFactory} over a PKCS#12 keystore). The plain listener stays.
         */
        public Builder listenTls(String host, int port, javax.net.ssl.SSLContext context) {
            this.tlsListener = new TlsListener(host, port, context);
            return this;
        }

        /**
         * Opt-in: answer a client's Channel.Close locally and keep the upstream channel for the next client
         * of the same credentials, when the channel was "safe": only basic.publish (not mandatory, no confirm
         * mode, no tx) and basic.get with no-ack happened on it, with no get pending. Connect-publish-disconnect
         * then costs no broker round trip at all. The price: a client does not learn of an asynchronous channel
         * error (e.g. 404 for a publish to a missing exchange) that arrives after its close. A parked channel is
         * handed out only after a channel.flow round trip shows the broker has processed everything sent on it,
         * so one client's late error never reaches another. Off by default.
         */
        public Builder safeChannelReuse(boolean enabled) {
            this.safeChannelReuse = enabled;
            return this;
        }

        /**
         * Whether a channel that starts consuming (basic.consume or basic.get) moves to an upstream connection
         * that carries no publishers. RabbitMQ stops reading a connection that publishes during a memory or
         * disk alarm, acknowledgements included; clients keep their consumers on connections of their own for
         * that reason, and pooling must not undo it. A channel moves only while nothing ties it to its first
         * connection: no publish, confirm mode, tx, exclusive queue, get or reply outstanding; its basic.qos
         * is replayed on the new channel. Costs one more broker connection per credentials that consume. On by
         * default.
         */
        public Builder separateConsumers(boolean enabled) {
            this.separateConsumers = enabled;
            return this;
        }

        /** Event hooks for metrics and auditing; see the threading rules on {@link ProxyListener}. */
        public Builder listener(ProxyListener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * Validates the settings.
         *
         * @throws IllegalArgumentException with a message naming the bad setting
         */
        public ProxyConfig build() {
            return new ProxyConfig(this);
        }

        /**
         * Validates the settings and starts the proxy.
         *
         * @throws IllegalArgumentException for a bad setting
         * @throws AmqProxyException        if the port cannot be bound or no implementation is on the classpath
         */
        public AmqProxy start() {
            return AmqProxy.start(build());
        }
    }
}
