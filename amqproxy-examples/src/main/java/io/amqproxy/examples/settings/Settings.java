package io.amqproxy.examples.settings;

import io.amqproxy.Upstream;
import io.amqproxy.AmqProxy;
import io.amqproxy.ProxyConfig;
import io.amqproxy.examples.logging.LogFormat;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What the standalone proxy runs with, once {@link SettingsResolver} has merged the config file, the environment
 * and the command line and checked every value.
 *
 * @param upstreams              the brokers: URLs as given, per-vhost URLs, the upstream connection name and
 *                               heartbeat; user, password and vhost in a URL are ignored (never logged, see
 *                               {@link #toString()})
 * @param listenAddress          the address the proxy and its HTTP endpoints listen on
 * @param listenPort             the AMQP port; 0 picks a free one
 * @param httpPort               the port of /healthz and /metrics; 0 picks a free one; {@link #HTTP_OFF} for no
 *                               HTTP endpoints
 * @param logLevel               how much to log
 * @param logFormat              how log lines look
 * @param idleConnectionTimeout  how long an upstream connection without channels stays open
 * @param maxUpstreamChannels    the most channels on one upstream connection (the broker's channel_max lowers it)
 * @param termTimeout            at SIGTERM, how long to wait for clients' CloseOk after sending them Close 320;
 *                               {@link #INFINITE} for no limit
 * @param termClientCloseTimeout at SIGTERM, how long to wait for clients to leave by themselves before sending
 *                               Close 320
 * @param upstreamTrust          how an amqps:// upstream's certificate is checked
 * @param tlsListener            the TLS listener for clients, or {@code null} for none
 * @param safeChannelReuse       whether "safe" upstream channels are kept for the next client, see
 *                               {@link ProxyConfig.Builder#safeChannelReuse(boolean)}
 * @param separateConsumers      whether consuming channels get broker connections of their own, see
 *                               {@link ProxyConfig.Builder#separateConsumers(boolean)}
 * @param capacity               client limit, upstream lifetime and event loops
 * @param testApi                whether the HTTP test API ({@code /faults}, {@code /traffic}) is served, and with
 *                               it traffic recorded
 */
public record Settings(Upstreams upstreams, String listenAddress, int listenPort, int httpPort, LogLevel logLevel,
                       LogFormat logFormat, Duration idleConnectionTimeout, int maxUpstreamChannels,
                       Duration termTimeout, Duration termClientCloseTimeout, UpstreamTrust upstreamTrust,
                       TlsListenerSettings tlsListener, boolean safeChannelReuse, boolean separateConsumers,
                       Capacity capacity, boolean testApi) {

    /**
     * "No limit" for {@link #termTimeout}: ten years, long enough to mean forever and short enough that adding it
     * to {@link System#nanoTime()} cannot overflow.
     */
    public static final Duration INFINITE = Duration.ofDays(3650);

    /** Defaults, as in cloudamqp/amqproxy. */
    public static final String DEFAULT_LISTEN_ADDRESS = "localhost";
    public static final int DEFAULT_LISTEN_PORT = 5673;
    public static final int DEFAULT_HTTP_PORT = 15673;
    /** {@link #httpPort} when the HTTP endpoints are off ({@code --http-port off}). */
    public static final int HTTP_OFF = -1;
    public static final LogLevel DEFAULT_LOG_LEVEL = LogLevel.INFO;
    public static final Duration DEFAULT_IDLE_CONNECTION_TIMEOUT = Duration.ofSeconds(5);
    /** The broker's channel_max decides unless it is higher, which RabbitMQ's never is. */
    public static final int DEFAULT_MAX_UPSTREAM_CHANNELS = 65535;
    public static final Duration DEFAULT_TERM_TIMEOUT = INFINITE;
    public static final Duration DEFAULT_TERM_CLIENT_CLOSE_TIMEOUT = Duration.ZERO;

    /** Checks that nothing is missing; the values themselves were checked by the resolver. */
    public Settings {
        Objects.requireNonNull(upstreams, "upstreams");
        Objects.requireNonNull(listenAddress, "listenAddress");
        Objects.requireNonNull(logLevel, "logLevel");
        Objects.requireNonNull(logFormat, "logFormat");
        Objects.requireNonNull(idleConnectionTimeout, "idleConnectionTimeout");
        Objects.requireNonNull(termTimeout, "termTimeout");
        Objects.requireNonNull(termClientCloseTimeout, "termClientCloseTimeout");
        Objects.requireNonNull(upstreamTrust, "upstreamTrust");
        Objects.requireNonNull(capacity, "capacity");
    }

    /**
     * Settings with plain log lines, the default upstream trust, no TLS listener, no channel reuse, consumers kept
     * apart and the default {@link Capacity}.
     */
    public Settings(String upstream, String listenAddress, int listenPort, int httpPort, LogLevel logLevel,
                    Duration idleConnectionTimeout, int maxUpstreamChannels, Duration termTimeout,
                    Duration termClientCloseTimeout) {
        this(Upstreams.of(upstream), listenAddress, listenPort, httpPort, logLevel, LogFormat.PLAIN,
                idleConnectionTimeout, maxUpstreamChannels, termTimeout, termClientCloseTimeout, UpstreamTrust.DEFAULT,
                null, false, true, Capacity.DEFAULT, false);
    }

    /**
     * The brokers and how the proxy appears to them.
     *
     * @param urls           the default upstream set: one URL, or a cluster's nodes; never empty
     * @param vhosts         vhosts with brokers of their own, in the order given; each list never empty
     * @param connectionName the {@code connection_name} broker connections announce, or {@code null} for the
     *                       builder's default
     * @param heartbeat      the longest heartbeat agreed with a broker, or {@code null} for the builder's default
     */
    public record Upstreams(List<String> urls, Map<String, List<String>> vhosts, String connectionName,
                            Duration heartbeat) {

        /** Copies the lists, which stay unmodifiable. */
        public Upstreams {
            urls = List.copyOf(urls);
            if (urls.isEmpty()) {
                throw new IllegalArgumentException("at least one upstream URL");
            }
            Map<String, List<String>> copy = new LinkedHashMap<>();
            vhosts.forEach((vhost, list) -> copy.put(vhost, List.copyOf(list)));
            vhosts = Collections.unmodifiableMap(copy);
        }

        /** One broker for every vhost, with the builder's defaults. */
        public static Upstreams of(String url) {
            return new Upstreams(List.of(url), Map.of(), null, null);
        }

        /** Whether the brokers are amqps://; the resolver checked that they all agree. */
        public boolean tls() {
            return Upstream.parse(urls.get(0)).tls();
        }

        /** Every URL, without user, password or vhost: {@code amqp://a:5672, amqp://b:5672; vhost x: amqp://c:5672}. */
        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder(display(urls));
            vhosts.forEach((vhost, list) -> sb.append("; vhost ").append(vhost).append(": ").append(display(list)));
            if (connectionName != null) {
                sb.append("; upstream connection name ").append(connectionName);
            }
            if (heartbeat != null) {
                sb.append("; upstream heartbeat ").append(describe(heartbeat));
            }
            return sb.toString();
        }

        private static String display(List<String> list) {
            StringBuilder sb = new StringBuilder();
            for (String url : list) {
                sb.append(sb.isEmpty() ? "" : ", ").append(Upstream.parse(url));
            }
            return sb.toString();
        }
    }

    /** The first broker of the default set, as given: the one URL of a proxy with a single upstream. */
    public String upstream() {
        return upstreams.urls().get(0);
    }

    /**
     * What the proxy may take on: settings cloudamqp/amqproxy does not have, which its users asked for.
     *
     * @param maxClients          client connections at most; 0 for no limit
     * @param maxUpstreamLifetime how long an upstream connection takes new clients; zero for no limit
     * @param eventLoops          I/O threads, at least 1
     */
    public record Capacity(int maxClients, Duration maxUpstreamLifetime, int eventLoops) {

        /** No client limit, no upstream lifetime, one event loop: the builder's defaults. */
        public static final Capacity DEFAULT = new Capacity(0, Duration.ZERO, 1);

        /** Checks that the lifetime is present. */
        public Capacity {
            Objects.requireNonNull(maxUpstreamLifetime, "maxUpstreamLifetime");
        }

        @Override
        public String toString() {
            return "max clients " + (maxClients == 0 ? "no limit" : maxClients)
                    + ", max upstream lifetime "
                    + (maxUpstreamLifetime.isZero() ? "no limit" : describe(maxUpstreamLifetime))
                    + ", event loops " + eventLoops;
        }
    }

    /** Whether the HTTP endpoints are on. */
    public boolean httpEnabled() {
        return httpPort != HTTP_OFF;
    }

    /** A proxy builder with these settings; the SIGTERM waits map to {@code stop(termClientCloseTimeout)}. */
    public ProxyConfig.Builder proxyBuilder() {
        ProxyConfig.Builder builder = AmqProxy.builder()
                .upstreams(upstreams.urls())
                .listen(listenAddress, listenPort)
                .idleUpstreamTimeout(idleConnectionTimeout)
                .maxChannelsPerUpstream(maxUpstreamChannels)
                .shutdownTimeout(termTimeout)
                .verifyUpstreamHostname(upstreamTrust.verifyHostname())
                .safeChannelReuse(safeChannelReuse)
                .separateConsumers(separateConsumers)
                .maxClients(capacity.maxClients())
                .maxUpstreamLifetime(capacity.maxUpstreamLifetime())
                .eventLoops(capacity.eventLoops())
                .upstreamConnectionName(upstreams.connectionName())
                .recordTraffic(testApi);
        upstreams.vhosts().forEach((vhost, urls) -> builder.vhostUpstream(vhost, urls.toArray(String[]::new)));
        if (upstreams.heartbeat() != null) {
            builder.upstreamHeartbeat(upstreams.heartbeat());
        }
        if (upstreamTrust.context() != null) {
            builder.upstreamSslContext(upstreamTrust.context());
        }
        if (tlsListener != null) {
            builder.listenTls(listenAddress, tlsListener.port(), tlsListener.context());
        }
        return builder;
    }

    /** The upstreams without user, password or vhost: {@code amqp://host:port}, comma-separated. */
    public String upstreamForDisplay() {
        return Upstreams.display(upstreams.urls());
    }

    /** A duration as the operator wrote it: whole seconds, or "no limit". */
    public static String describe(Duration d) {
        return d.equals(INFINITE) ? "no limit" : d.toSeconds() + "s";
    }

    /** Every setting, with the upstream shown without credentials. */
    @Override
    public String toString() {
        return "upstream " + upstreams
                + ", listen " + listenAddress + ":" + listenPort
                + ", http port " + (httpEnabled() ? String.valueOf(httpPort) : "off")
                + ", log level " + logLevel.configName()
                + ", log format " + logFormat.configName()
                + ", idle connection timeout " + describe(idleConnectionTimeout)
                + ", max upstream channels " + maxUpstreamChannels
                + ", term timeout " + describe(termTimeout)
                + ", term client close timeout " + describe(termClientCloseTimeout)
                + (upstreams.tls() ? ", upstream " + upstreamTrust : "")
                + ", TLS listener " + (tlsListener == null ? "none" : tlsListener)
                + ", safe channel reuse " + (safeChannelReuse ? "on" : "off")
                + ", consumers on their own connections " + (separateConsumers ? "yes" : "no")
                + ", " + capacity
                + ", test API " + (testApi ? "on" : "off");
    }
}
