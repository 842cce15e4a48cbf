package io.amqproxy.micrometer;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import io.amqproxy.AmqProxy;
import io.amqproxy.ProxyConfig;
import io.amqproxy.ProxyHealth;
import io.amqproxy.ProxyStats;
import io.amqproxy.examples.http.PrometheusText;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.DoubleSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The binder against a real proxy in front of the real broker (127.0.0.1:5672, or AMQPROXY_TEST_BROKER), with the
 * real Java client: the meters move with the traffic, a scrape takes one snapshot, and Micrometer's Prometheus
 * registry renders the names of the standalone proxy's /metrics.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AmqProxyMetricsTest {

    private static AmqProxy proxy;
    private static String brokerHost;
    private static int brokerPort;

    @BeforeAll
    static void startProxy() {
        String env = System.getenv("AMQPROXY_TEST_BROKER");
        java.net.URI broker = java.net.URI.create(env != null && !env.isBlank() ? env.strip() : "amqp://127.0.0.1:5672");
        brokerHost = broker.getHost();
        brokerPort = broker.getPort() == -1 ? 5672 : broker.getPort();
        proxy = AmqProxy.builder().upstream("amqp://" + brokerHost + ":" + brokerPort).listen("127.0.0.1", 0).start();
    }

    @AfterAll
    static void stopProxy() {
        proxy.close();
    }

    private static ConnectionFactory client() {
        ConnectionFactory f = new ConnectionFactory();
        f.setHost("127.0.0.1");
        f.setPort(proxy.port());
        f.setUsername("guest");
        f.setPassword("guest");
        f.setAutomaticRecoveryEnabled(false);
        return f;
    }

    private static double counter(MeterRegistry registry, String name) {
        return registry.get(name).tag("proxy", "orders").functionCounter().count();
    }

    private static double gauge(MeterRegistry registry, String name) {
        return registry.get(name).tag("proxy", "orders").gauge().value();
    }

    /** Polls until the value reaches the target: the shared snapshot may be up to a second old. */
    private static void awaitAtLeast(String what, DoubleSupplier value, double target) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        double last = value.getAsDouble();
        while (last < target) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + " stayed at " + last + ", expected at least " + target);
            }
            Thread.sleep(50);
            last = value.getAsDouble();
        }
    }

    @Test
    void metersMoveWhenAClientPublishesThroughTheProxy() throws Exception {
        MeterRegistry registry = new SimpleMeterRegistry();
        new AmqProxyMetrics(proxy, Tags.of("proxy", "orders")).bindTo(registry);
        double publishedBefore = counter(registry, "amqproxy.messages.published");
        double bytesBefore = counter(registry, "amqproxy.client.received.bytes");

        try (Connection c = client().newConnection(); Channel ch = c.createChannel()) {
            String queue = ch.queueDeclare().getQueue();
            ch.confirmSelect();
            for (int i = 0; i < 3; i++) {
                ch.basicPublish("", queue, null, ("m" + i).getBytes(StandardCharsets.UTF_8));
            }
            ch.waitForConfirmsOrDie(10_000);

            awaitAtLeast("amqproxy.messages.published", () -> counter(registry, "amqproxy.messages.published"),
                    publishedBefore + 3);
            assertThat(gauge(registry, "amqproxy.client.connections")).isGreaterThanOrEqualTo(1);
            assertThat(gauge(registry, "amqproxy.upstream.connections")).isGreaterThanOrEqualTo(1);
            assertThat(gauge(registry, "amqproxy.client.channels")).isGreaterThanOrEqualTo(1);
            assertThat(counter(registry, "amqproxy.client.received.bytes")).isGreaterThan(bytesBefore);
            FunctionTimer connects = registry.get("amqproxy.upstream.connect").tag("proxy", "orders").functionTimer();
            assertThat(connects.count()).isGreaterThanOrEqualTo(1);
            assertThat(connects.totalTime(TimeUnit.NANOSECONDS)).isPositive();
        }
        assertThat(counter(registry, "amqproxy.messages.published")).isEqualTo(proxy.stats().messagesPublished());
    }

    @Test
    void everyMeterOfAScrapeReadsOneSnapshot() {
        CountingProxy counting = new CountingProxy(proxy);
        AtomicLong clock = new AtomicLong();
        MeterRegistry registry = new SimpleMeterRegistry();
        new AmqProxyMetrics(counting, Tags.empty(), Duration.ofSeconds(1), clock::get).bindTo(registry);
        ProxyStats known = proxy.stats();
        Set<String> nodes = new TreeSet<>(known.upstreamConnectionsByNode().keySet());
        nodes.addAll(known.upstreamConnectFailuresByNode().keySet());
        assertThat(registry.getMeters()).as("18 meters, and two for each of the nodes %s", nodes)
                .hasSize(18 + 2 * nodes.size());
        assertThat(counting.snapshots.get()).as("the snapshot that told the nodes at bind time").isEqualTo(1);

        for (int scrape = 0; scrape < 5; scrape++) {
            registry.getMeters().forEach(AmqProxyMetricsTest::read);
        }
        assertThat(counting.snapshots.get()).as("snapshots for 5 scrapes within a second").isEqualTo(1);

        clock.addAndGet(TimeUnit.MILLISECONDS.toNanos(999));
        registry.getMeters().forEach(AmqProxyMetricsTest::read);
        assertThat(counting.snapshots.get()).isEqualTo(1);

        clock.addAndGet(TimeUnit.MILLISECONDS.toNanos(1));
        registry.getMeters().forEach(AmqProxyMetricsTest::read);
        assertThat(counting.snapshots.get()).as("a second later, a fresh one").isEqualTo(2);
    }

    @Test
    void prometheusRegistryRendersTheNamesOfTheStandaloneMetricsPage() throws Exception {
        client().newConnection().close(); // the proxy knows its broker node once it has connected to it
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new AmqProxyMetrics(proxy).bindTo(registry);

        Set<String> micrometer = sampleNames(registry.scrape());
        Set<String> standalone = sampleNames(PrometheusText.format(proxy.stats(), "1.0.0", "host"));
        standalone.remove("amqproxy_identity_info");

        assertThat(micrometer).isEqualTo(standalone);
    }

    @Test
    void aNodeLearntAfterBindingGetsItsMetersAtTheNextScrape() throws Exception {
        try (AmqProxy fresh = AmqProxy.builder().upstream("amqp://" + brokerHost + ":" + brokerPort)
                .listen("127.0.0.1", 0).start()) {
            PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            new AmqProxyMetrics(fresh, Tags.empty(), Duration.ZERO).bindTo(registry);
            assertThat(fresh.stats().upstreamConnectionsByNode()).as("no node known before a first client").isEmpty();

            ConnectionFactory f = client();
            f.setPort(fresh.port());
            try (Connection c = f.newConnection()) {
                registry.scrape(); // sees the node, registers its meters
                String node = brokerHost + ":" + brokerPort;
                assertThat(registry.scrape()).contains("amqproxy_upstream_node_connections{node=\"" + node + "\"} 1")
                        .contains("amqproxy_upstream_node_connect_failures_total{node=\"" + node + "\"} 0");
            }
        }
    }

    private static void read(Meter meter) {
        if (meter instanceof Gauge g) {
            g.value();
        } else if (meter instanceof FunctionCounter c) {
            c.count();
        } else if (meter instanceof FunctionTimer t) {
            t.count();
            t.totalTime(TimeUnit.SECONDS);
        } else {
            throw new AssertionError("unexpected meter " + meter.getId());
        }
    }

    /** The sample names of a Prometheus text exposition, labels dropped. */
    private static Set<String> sampleNames(String exposition) {
        Set<String> names = new TreeSet<>();
        for (String line : exposition.split("\n")) {
            if (!line.startsWith("#") && !line.isBlank()) {
                names.add(line.replaceAll("[{ ].*", ""));
            }
        }
        return names;
    }

    /** The real proxy, counting how often its stats are asked for. */
    private static final class CountingProxy implements AmqProxy {
        final AmqProxy delegate;
        final AtomicInteger snapshots = new AtomicInteger();

        CountingProxy(AmqProxy delegate) {
            this.delegate = delegate;
        }

        @Override
        public ProxyStats stats() {
            snapshots.incrementAndGet();
            return delegate.stats();
        }

        @Override
        public int port() {
            return delegate.port();
        }

        @Override
        public int tlsPort() {
            return delegate.tlsPort();
        }

        @Override
        public InetSocketAddress localAddress() {
            return delegate.localAddress();
        }

        @Override
        public ProxyConfig config() {
            return delegate.config();
        }

        @Override
        public boolean isRunning() {
            return delegate.isRunning();
        }

        @Override
        public ProxyHealth health() {
            return delegate.health();
        }

        @Override
        public io.amqproxy.fixture.Traffic traffic() {
            return delegate.traffic();
        }

        @Override
        public io.amqproxy.fixture.Faults faults() {
            return delegate.faults();
        }

        @Override
        public io.amqproxy.fixture.Conditions conditions() {
            return delegate.conditions();
        }

        @Override
        public void stop(Duration clientGrace) {
            delegate.stop(clientGrace);
        }

        @Override
        public void close() {
            delegate.close();
        }
    }
}
