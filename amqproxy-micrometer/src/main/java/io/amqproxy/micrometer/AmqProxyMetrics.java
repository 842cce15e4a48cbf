package io.amqproxy.micrometer;

import io.amqproxy.AmqProxy;
import io.amqproxy.ProxyStats;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.micrometer.core.instrument.binder.MeterBinder;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.ToLongFunction;

/**
 * Binds an embedded proxy's {@link ProxyStats} to a Micrometer registry: the gauges and counters of the standalone
 * proxy's {@code /metrics}, under Micrometer's dotted names.
 *
 * <pre>{@code
 * new AmqProxyMetrics(proxy, Tags.of("proxy", "orders")).bindTo(registry);
 * }</pre>
 *
 * <table>
 *   <caption>Meters</caption>
 *   <tr><th>Name</th><th>Type</th><th>What it counts</th></tr>
 *   <tr><td>{@code amqproxy.client.connections}</td><td>gauge</td><td>clients connected (handshake finished)</td></tr>
 *   <tr><td>{@code amqproxy.upstream.connections}</td><td>gauge</td><td>connections open to the broker</td></tr>
 *   <tr><td>{@code amqproxy.client.channels}</td><td>gauge</td><td>channels clients have open</td></tr>
 *   <tr><td>{@code amqproxy.upstream.channels}</td><td>gauge</td><td>channel numbers taken on broker connections</td></tr>
 *   <tr><td>{@code amqproxy.client.received.bytes}, {@code amqproxy.client.sent.bytes}</td><td>counter</td>
 *       <td>bytes read from and written to clients</td></tr>
 *   <tr><td>{@code amqproxy.upstream.received.bytes}, {@code amqproxy.upstream.sent.bytes}</td><td>counter</td>
 *       <td>bytes read from and written to the broker</td></tr>
 *   <tr><td>{@code amqproxy.client.received.frames}, {@code amqproxy.client.sent.frames}</td><td>counter</td>
 *       <td>AMQP frames read from and written to clients</td></tr>
 *   <tr><td>{@code amqproxy.upstream.received.frames}, {@code amqproxy.upstream.sent.frames}</td><td>counter</td>
 *       <td>AMQP frames read from and written to the broker</td></tr>
 *   <tr><td>{@code amqproxy.messages.published}, {@code amqproxy.messages.delivered}</td><td>counter</td>
 *       <td>messages forwarded to the broker, and to clients</td></tr>
 *   <tr><td>{@code amqproxy.refused.logins}</td><td>counter</td><td>clients refused during the handshake</td></tr>
 *   <tr><td>{@code amqproxy.upstream.connect.failures}</td><td>counter</td>
 *       <td>broker connections that failed before they were open</td></tr>
 *   <tr><td>{@code amqproxy.upstream.connect}</td><td>function timer</td>
 *       <td>broker connections opened, and the time that took</td></tr>
 *   <tr><td>{@code amqproxy.upstream.failovers}</td><td>counter</td>
 *       <td>clients handed to another broker node after the one they waited for failed</td></tr>
 *   <tr><td>{@code amqproxy.upstream.node.connections}</td><td>gauge, tag {@code node}</td>
 *       <td>connections open to each broker node</td></tr>
 *   <tr><td>{@code amqproxy.upstream.node.connect.failures}</td><td>counter, tag {@code node}</td>
 *       <td>failed attempts to each broker node</td></tr>
 * </table>
 *
 * <p>The per-node meters are registered for the nodes the proxy knows when the binder is bound, and for any node it
 * learns of later (a host name that resolves to more addresses) when a scrape first sees it.
 *
 * <p>A Prometheus registry renders these with the names of {@code /metrics} ({@code amqproxy_client_connections},
 * {@code amqproxy_client_received_bytes_total}, {@code amqproxy_upstream_connect_seconds_count}, ...), so the same
 * dashboards serve both. The identity gauge of {@code /metrics} is left out: in an application the version is the
 * application's dependency, and the host is a common tag of the registry.
 *
 * <p>Nothing is counted on the data path for this: the meters read {@link AmqProxy#stats()}, one snapshot shared by
 * all of them and taken again at most once per {@code maxAge} (one second by default), so a scrape costs the
 * proxy's event loops one small task each. The registry holds the proxy weakly; once the proxy is unreachable the
 * meters report NaN.
 */
public final class AmqProxyMetrics implements MeterBinder {

    /** How old the shared snapshot may be when a meter is read, unless the constructor says otherwise. */
    public static final Duration DEFAULT_MAX_AGE = Duration.ofSeconds(1);

    private final AmqProxy proxy;
    private final Iterable<Tag> tags;
    private final SharedSnapshot snapshot;

    /**
     * A binder for this proxy, with no tags of its own.
     *
     * @param proxy the running proxy
     */
    public AmqProxyMetrics(AmqProxy proxy) {
        this(proxy, Tags.empty());
    }

    /**
     * A binder for this proxy, whose meters carry these tags (e.g. {@code Tags.of("proxy", "orders")} to tell
     * several proxies of one application apart).
     *
     * @param proxy the running proxy
     * @param tags  tags for every meter
     */
    public AmqProxyMetrics(AmqProxy proxy, Iterable<Tag> tags) {
        this(proxy, tags, DEFAULT_MAX_AGE);
    }

    /**
     * A binder whose meters share a snapshot of at most {@code maxAge}.
     *
     * @param proxy  the running proxy
     * @param tags   tags for every meter
     * @param maxAge how old the shared snapshot may be; zero takes one per meter read
     */
    public AmqProxyMetrics(AmqProxy proxy, Iterable<Tag> tags, Duration maxAge) {
        this(proxy, tags, maxAge, System::nanoTime);
    }

    /** With the clock the snapshot's age is read from; for tests. */
    AmqProxyMetrics(AmqProxy proxy, Iterable<Tag> tags, Duration maxAge, LongSupplier nanoClock) {
        this.proxy = Objects.requireNonNull(proxy, "proxy");
        this.tags = Tags.of(Objects.requireNonNull(tags, "tags"));
        if (maxAge.isNegative()) {
            throw new IllegalArgumentException("maxAge must not be negative, was " + maxAge);
        }
        this.snapshot = new SharedSnapshot(maxAge.toNanos(), nanoClock);
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        gauge(registry, "amqproxy.client.connections", "Client connections that finished the AMQP handshake.",
                ProxyStats::clientConnections);
        gauge(registry, "amqproxy.upstream.connections", "Connections open to the broker.",
                ProxyStats::upstreamConnections);
        gauge(registry, "amqproxy.client.channels", "Channels clients have open.", ProxyStats::clientChannels);
        gauge(registry, "amqproxy.upstream.channels",
                "Channel numbers taken on broker connections: open, closing, or awaiting their first frame.",
                ProxyStats::upstreamChannels);

        counter(registry, "amqproxy.client.received.bytes", BaseUnits.BYTES, "Bytes read from clients.",
                ProxyStats::bytesFromClients);
        counter(registry, "amqproxy.client.sent.bytes", BaseUnits.BYTES, "Bytes written to clients.",
                ProxyStats::bytesToClients);
        counter(registry, "amqproxy.upstream.received.bytes", BaseUnits.BYTES, "Bytes read from the broker.",
                ProxyStats::bytesFromUpstream);
        counter(registry, "amqproxy.upstream.sent.bytes", BaseUnits.BYTES, "Bytes written to the broker.",
                ProxyStats::bytesToUpstream);
        counter(registry, "amqproxy.client.received.frames", "frames",
                "AMQP frames read from clients, heartbeats included.", ProxyStats::framesFromClients);
        counter(registry, "amqproxy.client.sent.frames", "frames",
                "AMQP frames written to clients, heartbeats included.", ProxyStats::framesToClients);
        counter(registry, "amqproxy.upstream.received.frames", "frames",
                "AMQP frames read from the broker, heartbeats included.", ProxyStats::framesFromUpstream);
        counter(registry, "amqproxy.upstream.sent.frames", "frames",
                "AMQP frames written to the broker, heartbeats included.", ProxyStats::framesToUpstream);

        counter(registry, "amqproxy.messages.published", null, "Messages forwarded from clients to the broker.",
                ProxyStats::messagesPublished);
        counter(registry, "amqproxy.messages.delivered", null,
                "Messages forwarded to clients (basic.deliver and basic.get-ok).", ProxyStats::messagesDelivered);
        counter(registry, "amqproxy.refused.logins", null, "Clients refused during the AMQP handshake.",
                ProxyStats::refusedLogins);
        counter(registry, "amqproxy.upstream.connect.failures", null,
                "Broker connections that failed before they were open.", ProxyStats::upstreamConnectFailures);

        counter(registry, "amqproxy.upstream.failovers", null,
                "Clients handed to another broker node after the one they waited for failed.", ProxyStats::failovers);
        snapshot.onFresh(new NodeMeters(registry, tags, snapshot));
        snapshot.of(proxy); // registers the meters of the nodes known now

        SharedSnapshot shared = snapshot;
        FunctionTimer.builder("amqproxy.upstream.connect", proxy,
                        p -> shared.of(p).upstreamConnects(),
                        p -> shared.of(p).upstreamConnectNanos(), TimeUnit.NANOSECONDS)
                .description("Time taken to open broker connections, TCP and AMQP handshake.")
                .tags(tags)
                .register(registry);
    }

    // The functions capture the snapshot, not this binder or the proxy: see SharedSnapshot.

    private void gauge(MeterRegistry registry, String name, String help, ToLongFunction<ProxyStats> value) {
        SharedSnapshot shared = snapshot;
        Gauge.builder(name, proxy, p -> value.applyAsLong(shared.of(p)))
                .description(help)
                .tags(tags)
                .register(registry);
    }

    private void counter(MeterRegistry registry, String name, String baseUnit, String help,
                         ToLongFunction<ProxyStats> value) {
        SharedSnapshot shared = snapshot;
        FunctionCounter.builder(name, proxy, p -> value.applyAsLong(shared.of(p)))
                .description(help)
                .baseUnit(baseUnit)
                .tags(tags)
                .register(registry);
    }
}
