package io.amqproxy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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

    private final List<Upstream> upstreams;
    private final Map<String, List<Upstream>> vhostUpstreams;
    private final String upstreamConnectionName;
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
    private final boolean recordTraffic;
    private final int maxTrafficRecords;
    private final long maxTrafficBodyBytes;
    private final boolean faithful;

    private ProxyConfig(Builder b) {
        if (b.upstreams.isEmpty()) {
            throw new IllegalArgumentException("upstream is required, e.g. upstream(\"amqp://127.0.0.1:5672\")");
        }
        this.upstreams = Upstream.parseAll(b.upstreams, "upstream");
        Map<String, List<Upstream>> byVhost = new LinkedHashMap<>();
        b.vhostUpstreams.forEach((vhost, uris) -> byVhost.put(vhost,
                Upstream.parseAll(uris, "upstream of vhost '" + vhost + "'")));
        this.vhostUpstreams = Collections.unmodifiableMap(byVhost);
        List<Upstream> all = new ArrayList<>(upstreams);
        byVhost.values().forEach(all::addAll);
        Upstream.checkOneScheme(all);
        this.upstreamConnectionName = b.upstreamConnectionName;
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
        this.separateConsumers = b.separateConsumers && !b.faithful;
        this.recordTraffic = b.recordTraffic;
        if (b.maxTrafficRecords < 1) {
            throw new IllegalArgumentException("maxTrafficRecords must be at least 1, was " + b.maxTrafficRecords);
        }
        if (b.maxTrafficBodyBytes < 0) {
            throw new IllegalArgumentException("maxTrafficBodyBytes must not be negative, was " + b.maxTrafficBodyBytes);
        }
        this.maxTrafficRecords = b.maxTrafficRecords;
        this.maxTrafficBodyBytes = b.maxTrafficBodyBytes;
        this.faithful = b.faithful;
    }

    /** {@return the first broker of the default upstreams: what logs and health checks name when one is enough} */
    public Upstream upstream() {
        return upstreams.get(0);
    }

    /**
     * {@return the brokers (a cluster's nodes, or one) for vhosts without their own, in the order given; never
     * empty} See {@link Builder#upstream(String...)}.
     */
    public List<Upstream> upstreams() {
        return upstreams;
    }

    /**
     * {@return the vhosts routed to upstreams of their own (see {@link Builder#vhostUpstream}), in the order given;
     * empty when every vhost uses the default upstreams}
     */
    public Map<String, List<Upstream>> vhostUpstreams() {
        return vhostUpstreams;
    }

    /**
     * The upstreams that serve a vhost.
     *
     * @param vhost the vhost a client names in {@code Connection.Open}, e.g. {@code "/"}
     * @return the vhost's own upstreams, or the default ones when it has none
     */
    public List<Upstream> upstreamsFor(String vhost) {
        List<Upstream> own = vhostUpstreams.get(vhost);
        return own != null ? own : upstreams;
    }

    /**
     * {@return the {@code connection_name} broker connections announce, or {@code null} for the default one} See
     * {@link Builder#upstreamConnectionName}.
     */
    public String upstreamConnectionName() {
        return upstreamConnectionName;
    }

    /** {@return the address to listen on; {@code "localhost"} by default} */
    public String listenHost() {
        return listenHost;
    }

    /** {@return the port to listen on as configured; 0 picks a free one (see {@link AmqProxy#port()})} */
    public int listenPort() {
        return listenPort;
    }

    /** {@return the sizes and counts: channels, frame size, output queues, message size, clients} */
    public ProxyLimits limits() {
        return limits;
    }

    /** {@return the durations: timeouts, heartbeats and the upstream lifetime} */
    public ProxyTimeouts timeouts() {
        return timeouts;
    }

    /** {@return how many I/O threads (event loops) run; each has its own upstream pool} */
    public int eventLoops() {
        return eventLoops;
    }

    /** {@return the event hooks; {@link ProxyListener#NOOP} by default} */
    public ProxyListener listener() {
        return listener;
    }

    /** {@return how to check the broker's certificate for an amqps:// upstream; unused for amqp://} */
    public UpstreamTls upstreamTls() {
        return upstreamTls;
    }

    /** {@return the additional listener where clients connect with TLS, or {@code null} for none} */
    public TlsListener tlsListener() {
        return tlsListener;
    }

    /**
     * {@return whether safe channels are kept for the next client} See {@link Builder#safeChannelReuse(boolean)}.
     */
    public boolean safeChannelReuse() {
        return safeChannelReuse;
    }

    /**
     * {@return whether consumers get broker connections of their own; always {@code false} in faithful mode} See
     * {@link Builder#separateConsumers(boolean)}.
     */
    public boolean separateConsumers() {
        return separateConsumers;
    }

    /** {@return whether the proxy records traffic for tests} See {@link Builder#recordTraffic(boolean)}. */
    public boolean recordTraffic() {
        return recordTraffic;
    }

    /** {@return the records kept at most when recording traffic} See {@link Builder#trafficLimits(int, long)}. */
    public int maxTrafficRecords() {
        return maxTrafficRecords;
    }

    /**
     * {@return the message body bytes kept at most when recording traffic} See
     * {@link Builder#trafficLimits(int, long)}.
     */
    public long maxTrafficBodyBytes() {
        return maxTrafficBodyBytes;
    }

    /** {@return whether each client gets a broker connection of its own} See {@link Builder#faithful(boolean)}. */
    public boolean faithful() {
        return faithful;
    }

    @Override
    public String toString() {
        return "ProxyConfig[upstreams=" + upstreams + (vhostUpstreams.isEmpty() ? "" : ", by vhost " + vhostUpstreams)
                + ", listen=" + listenHost + ":" + listenPort + ", " + limits
                + ", " + timeouts + ", eventLoops=" + eventLoops + ", " + upstreamTls
                + (tlsListener == null ? "" : ", " + tlsListener) + ", safeChannelReuse=" + safeChannelReuse
                + ", separateConsumers=" + separateConsumers + (faithful ? ", faithful" : "")
                + (recordTraffic ? ", recording" : "") + "]";
    }

    static void checkPort(String what, int port) {
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
     *
     * <p>Setters store what they are given (a few refuse {@code null} at once); {@link #build()} checks the settings
     * and names the bad one. Durations must not be {@code null} or negative, nor longer than
     * {@link ProxyConfig#MAX_DURATION}. Not thread-safe.
     */
    public static final class Builder {
        final List<String> upstreams = new ArrayList<>();
        final Map<String, List<String>> vhostUpstreams = new LinkedHashMap<>();
        String upstreamConnectionName;
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
        Duration upstreamHeartbeat = Duration.ofSeconds(5);
        int maxClients;
        long maxTotalClientOutputBytes = 512L * 1024 * 1024;
        int eventLoops = 1;
        ProxyListener listener = ProxyListener.NOOP;
        javax.net.ssl.SSLContext upstreamSslContext;
        boolean verifyUpstreamHostname = true;
        TlsListener tlsListener;
        boolean safeChannelReuse;
        boolean separateConsumers = true;
        boolean recordTraffic;
        int maxTrafficRecords = 100_000;
        long maxTrafficBodyBytes = 64L * 1024 * 1024;
        boolean faithful;

        Builder() {
        }

        /**
         * The broker, for every vhost without upstreams of its own. Required: this, {@link #upstream(String...)} or
         * {@link #upstreams(List)}. Replaces the upstreams set before.
         *
         * @param uri {@code amqp://host[:port]} or {@code amqps://host[:port]}; the port defaults to
         *            {@value ProxyConfig#AMQP_PORT} or {@value ProxyConfig#AMQPS_PORT}. User, password and vhost in
         *            it are ignored: every client brings its own. Parsed by {@link #build()}
         * @return this builder
         * @throws NullPointerException if {@code uri} is {@code null}
         */
        public Builder upstream(String uri) {
            return upstreams(List.of(Objects.requireNonNull(uri, "upstream URI")));
        }

        /**
         * Several brokers, e.g. the nodes of a RabbitMQ cluster: new broker connections are spread over the nodes
         * that are up (the node with the fewest connections of this proxy first), a node that failed is skipped
         * while it is in backoff, and a host name that resolves to several addresses makes each address a node.
         * They share one scheme and one TLS setting. Replaces the upstreams set before.
         *
         * @param uris one or more URIs, each as for {@link #upstream(String)}, all {@code amqp://} or all
         *             {@code amqps://}; {@link #build()} refuses an empty list, and a mix of schemes
         * @return this builder
         * @throws NullPointerException if an element is {@code null}
         */
        public Builder upstream(String... uris) {
            return upstreams(List.of(uris));
        }

        /**
         * Like {@link #upstream(String...)}, from a list. Replaces the upstreams set before.
         *
         * @param uris the URIs, as for {@link #upstream(String...)}; copied, so later changes to the list do not
         *             count
         * @return this builder
         */
        public Builder upstreams(List<String> uris) {
            this.upstreams.clear();
            this.upstreams.addAll(uris);
            return this;
        }

        /**
         * Routes clients of {@code vhost} to brokers of their own (e.g. another cluster); other vhosts use the
         * default upstreams. Repeat for more vhosts.
         *
         * @param vhost the vhost as clients name it in {@code Connection.Open}, e.g. {@code "/"}; naming it again
         *              replaces its upstreams
         * @param uris  one or more URIs, as for {@link #upstream(String...)}; they must use the scheme of every
         *              other upstream, since one TLS setting serves them all
         * @return this builder
         * @throws NullPointerException if {@code vhost} or a URI is {@code null}
         */
        public Builder vhostUpstream(String vhost, String... uris) {
            this.vhostUpstreams.put(Objects.requireNonNull(vhost, "vhost"), List.of(uris));
            return this;
        }

        /**
         * The {@code connection_name} broker connections announce, what the management UI lists; by default
         * {@code "amqproxy upstream #N"}. In faithful mode each broker connection announces its client's
         * {@code connection_name} instead.
         *
         * @param name the name, or {@code null} for the default
         * @return this builder
         */
        public Builder upstreamConnectionName(String name) {
            this.upstreamConnectionName = name;
            return this;
        }

        /**
         * The port to listen on, on the address set by {@link #listen(String, int)} ({@code "localhost"} unless
         * set).
         *
         * @param port 0 to 65535, 5673 by default; 0 picks a free port, which {@link AmqProxy#port()} tells
         * @return this builder
         */
        public Builder listen(int port) {
            this.listenPort = port;
            return this;
        }

        /**
         * The address and port to listen on.
         *
         * @param host a host name or address, {@code "localhost"} by default; {@code "0.0.0.0"} for every
         *             interface
         * @param port as for {@link #listen(int)}
         * @return this builder
         * @throws NullPointerException if {@code host} is {@code null}
         */
        public Builder listen(String host, int port) {
            this.listenHost = Objects.requireNonNull(host, "listen host");
            this.listenPort = port;
            return this;
        }

        /**
         * How long an upstream connection with no channels stays open before it is closed. A parked channel (see
         * {@link #safeChannelReuse(boolean)}) does not keep it open; a consumer's channel does.
         *
         * @param timeout 5 s by default; zero closes a connection at the first check after its last channel is
         *                gone
         * @return this builder
         */
        public Builder idleUpstreamTimeout(Duration timeout) {
            this.idleUpstream = timeout;
            return this;
        }

        /**
         * How long a client may take from connecting to sending {@code Connection.Open}; a client that takes
         * longer is dropped, though never while the proxy is waiting for the broker on its behalf (that wait is
         * bounded by {@link #upstreamConnectTimeout(Duration)}).
         *
         * @param timeout 10 s by default
         * @return this builder
         */
        public Builder handshakeTimeout(Duration timeout) {
            this.handshake = timeout;
            return this;
        }

        /**
         * The heartbeat interval offered to clients in {@code Connection.Tune}; the proxy uses what each client
         * agrees to.
         * The proxy sends a heartbeat after half an interval of silence and drops a client silent for two.
         *
         * @param interval 60 s by default, whole seconds (a fraction is dropped), at most 65535 s; zero offers none
         * @return this builder
         */
        public Builder clientHeartbeat(Duration interval) {
            this.clientHeartbeat = interval;
            return this;
        }

        /**
         * The longest heartbeat interval agreed with a broker; see {@link ProxyTimeouts#upstreamHeartbeat()}.
         *
         * @param interval 5 s by default, whole seconds (a fraction is dropped), at most 65535 s; zero (or less
         *                 than a second) accepts whatever the broker offers
         * @return this builder
         */
        public Builder upstreamHeartbeat(Duration interval) {
            this.upstreamHeartbeat = interval;
            return this;
        }

        /**
         * How long opening one broker connection (TCP, TLS and the AMQP handshake) may take before the clients
         * waiting for it get {@code Connection.Close 320 CONNECTION_FORCED}.
         *
         * @param timeout 10 s by default
         * @return this builder
         */
        public Builder upstreamConnectTimeout(Duration timeout) {
            this.upstreamConnect = timeout;
            return this;
        }

        /**
         * How long {@link AmqProxy#close()} waits for clients to acknowledge its {@code Connection.Close} before it
         * closes the upstream connections and stops regardless.
         *
         * @param timeout 5 s by default
         * @return this builder
         */
        public Builder shutdownTimeout(Duration timeout) {
            this.shutdown = timeout;
            return this;
        }

        /**
         * The most channels the proxy opens on one broker connection before it opens another (for the same
         * credentials); the broker's own {@code channel_max} lowers it further.
         *
         * @param channels 1 to 65535, 2047 by default
         * @return this builder
         */
        public Builder maxChannelsPerUpstream(int channels) {
            this.maxChannelsPerUpstream = channels;
            return this;
        }

        /**
         * The {@code channel_max} offered to clients in {@code Connection.Tune}.
         *
         * @param channels 1 to 65535, 2047 by default
         * @return this builder
         */
        public Builder maxChannelsPerClient(int channels) {
            this.maxChannelsPerClient = channels;
            return this;
        }

        /**
         * The {@code frame_max} offered to clients, and the largest frame the proxy accepts from them; a larger
         * one closes the client's connection with {@code 501 FRAME_ERROR}.
         *
         * @param bytes 4096 to 16777216, 131072 by default
         * @return this builder
         */
        public Builder frameMax(int bytes) {
            this.frameMax = bytes;
            return this;
        }

        /**
         * Output queued for one client past which the client is disconnected (it is not reading): its socket is
         * closed and its upstream channels too, so the broker requeues its unacknowledged deliveries.
         *
         * @param bytes at least {@link #frameMax(int)}, 32 MiB by default
         * @return this builder
         */
        public Builder maxClientOutputBytes(long bytes) {
            this.maxClientOutputBytes = bytes;
            return this;
        }

        /**
         * Output queued for all clients together (512 MiB by default) past which a client that does not keep up
         * is disconnected, even below {@link #maxClientOutputBytes}: the bound on the proxy's memory for slow
         * readers, however many there are.
         *
         * @param bytes at least {@link #frameMax(int)}, 512 MiB by default
         * @return this builder
         */
        public Builder maxTotalClientOutputBytes(long bytes) {
            this.maxTotalClientOutputBytes = bytes;
            return this;
        }

        /**
         * Output queued for one broker connection past which the proxy stops reading the clients that hold more
         * than a quarter of it, until half of it has drained; past twice this it stops reading every client of
         * that connection, so the queue stays below about twice this (plus one read per client).
         *
         * @param bytes at least {@link #frameMax(int)}, 8 MiB by default
         * @return this builder
         */
        public Builder maxUpstreamOutputBytes(long bytes) {
            this.maxUpstreamOutputBytes = bytes;
            return this;
        }

        /**
         * How long an upstream connection serves new clients. After that it takes no new client or channel,
         * and closes once its channels are gone; new clients get a new connection, so a password changed or
         * revoked at the broker stops being accepted. Clients already connected keep working.
         *
         * @param lifetime zero (the default) for no limit
         * @return this builder
         */
        public Builder maxUpstreamLifetime(Duration lifetime) {
            this.maxUpstreamLifetime = lifetime;
            return this;
        }

        /**
         * Client connections at most; a client beyond is disconnected right after TCP accept, with a warning
         * logged at most once a minute.
         *
         * @param clients zero (the default) for no limit; not negative
         * @return this builder
         */
        public Builder maxClients(int clients) {
            this.maxClients = clients;
            return this;
        }

        /**
         * The largest message body a client may publish; a larger one closes the channel with
         * {@code 406 PRECONDITION_FAILED}, as RabbitMQ does.
         *
         * @param bytes not negative, 128 MiB by default (RabbitMQ 3.x's own limit)
         * @return this builder
         */
        public Builder maxMessageSize(long bytes) {
            this.maxMessageSize = bytes;
            return this;
        }

        /**
         * How many I/O threads (event loops) to run. Each has its own upstream pool, so more loops mean more broker
         * connections: the same credentials may hold one per loop.
         *
         * @param loops at least 1, 1 by default
         * @return this builder
         */
        public Builder eventLoops(int loops) {
            this.eventLoops = loops;
            return this;
        }

        /**
         * The trust (and keys) for an amqps:// broker, e.g. a context trusting a private CA; by default the
         * JVM's trust store. SNI and host name verification stay on. Used for {@code amqps://} upstreams only.
         *
         * @param context the trust (and, for client certificates, the keys) to use
         * @return this builder
         * @throws NullPointerException if {@code context} is {@code null}
         */
        public Builder upstreamSslContext(javax.net.ssl.SSLContext context) {
            this.upstreamSslContext = Objects.requireNonNull(context, "upstream SSLContext");
            return this;
        }

        /**
         * Whether an amqps:// broker's certificate must name the upstream host.
         *
         * @param verify {@code true} by default; {@code false} skips the check, and is logged as a warning
         * @return this builder
         */
        public Builder verifyUpstreamHostname(boolean verify) {
            this.verifyUpstreamHostname = verify;
            return this;
        }

        /**
         * Also listen for TLS clients on this address and port, with this server certificate and key (for
         * example from {@code KeyManagerFactory} over a PKCS#12 keystore). The plain listener stays.
         *
         * @param host    the address to listen on, e.g. {@code "0.0.0.0"} for every interface
         * @param port    0 to 65535; 0 picks a free port, which {@link AmqProxy#tlsPort()} tells
         * @param context the server's certificate and key (and trust, to ask clients for certificates)
         * @return this builder
         * @throws NullPointerException     if {@code host} or {@code context} is {@code null}
         * @throws IllegalArgumentException if the port is out of range (checked here, not in {@link #build()})
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
         * so one client's late error never reaches another.
         *
         * @param enabled {@code true} to keep safe channels; {@code false} by default
         * @return this builder
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
         * is replayed on the new channel. Costs one more broker connection per credentials that consume.
         *
         * @param enabled {@code true} by default; {@code false} lets consumers share broker connections with
         *                publishers, as cloudamqp/amqproxy does. Faithful mode turns it off whatever is set here
         * @return this builder
         */
        public Builder separateConsumers(boolean enabled) {
            this.separateConsumers = enabled;
            return this;
        }

        /**
         * Records the AMQP traffic for tests (see {@link AmqProxy#traffic()}): connections, channels, whole publishes
         * with their properties, bodies and outcomes, deliveries, acknowledgements, declares and binds. While off
         * the data path pays nothing for it.
         *
         * @param enabled {@code true} to record, bounded by {@link #trafficLimits(int, long)}; {@code false} by
         *                default
         * @return this builder
         */
        public Builder recordTraffic(boolean enabled) {
            this.recordTraffic = enabled;
            return this;
        }

        /**
         * Bounds what a traffic recording keeps; what does not fit is counted as dropped, bodies are cut short
         * first (see {@link io.amqproxy.fixture.Traffic#dropped()}).
         *
         * @param maxRecords   records of all kinds together, at least 1; 100,000 by default
         * @param maxBodyBytes message body bytes, not negative; 64 MiB by default. Zero keeps no body at all
         * @return this builder
         */
        public Builder trafficLimits(int maxRecords, long maxBodyBytes) {
            this.maxTrafficRecords = maxRecords;
            this.maxTrafficBodyBytes = maxBodyBytes;
            return this;
        }

        /**
         * For tests that want the broker to see what the code under test does: every client connection gets a broker
         * connection of its own (no pooling, no consumer moves), opened with the client's {@code connection_name} and
         * the heartbeat the client agreed to, and closed when the client goes.
         *
         * @param enabled {@code true} for one broker connection per client; {@code false} (pooling) by default
         * @return this builder
         */
        public Builder faithful(boolean enabled) {
            this.faithful = enabled;
            return this;
        }

        /**
         * Event hooks for metrics and auditing; see the threading rules on {@link ProxyListener}.
         *
         * @param listener the hooks; {@link ProxyListener#NOOP} by default
         * @return this builder
         * @throws NullPointerException if {@code listener} is {@code null}
         */
        public Builder listener(ProxyListener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * Validates the settings. The builder can be changed and built again afterwards.
         *
         * @return the immutable configuration
         * @throws IllegalArgumentException with a message naming the bad setting
         * @throws NullPointerException     if a duration was set to {@code null}
         */
        public ProxyConfig build() {
            return new ProxyConfig(this);
        }

        /**
         * Validates the settings and starts the proxy; returns once clients can connect.
         *
         * @return the running proxy; close it to stop it
         * @throws IllegalArgumentException for a bad setting
         * @throws AmqProxyException        if the port cannot be bound or no implementation is on the classpath
         */
        public AmqProxy start() {
            return AmqProxy.start(build());
        }
    }
}
