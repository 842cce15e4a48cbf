package io.amqproxy;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.sun.management.UnixOperatingSystemMXBean;
import io.amqproxy.testsupport.Await;
import io.amqproxy.testsupport.HeapProbe;
import io.amqproxy.testsupport.IdleClientFleet;
import io.amqproxy.testsupport.ProxyFixture;
import io.amqproxy.testsupport.TestBroker;
import io.amqproxy.testsupport.relay.FaultRelay;
import io.amqproxy.testsupport.relay.RelayEffect.Pause;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Client floods (issue 5): many idle clients, many clients at once, and a publisher faster than the broker. The
 * proxy multiplexes them onto few broker connections, its heap stays bounded, and nothing the broker confirmed
 * is lost.
 *
 * <p>The figures (heap per idle client, heap growth under a held-back publisher) are printed to the test output.
 */
@Timeout(value = 85, unit = TimeUnit.SECONDS)
class ClientFloodTest {

    private static final int IDLE_CLIENTS = 10_000;
    /** The proxy's side of each idle client is one socket in this JVM; the rest is jars, selectors, the broker. */
    private static final long OPEN_FILES_NEEDED = IDLE_CLIENTS + 1024;
    private static final long MAX_HEAP_PER_IDLE_CLIENT = 10 * 1024;

    private static final int BURST_CLIENTS = 1_000;
    private static final int BURST_THREADS = 100;

    private static final int FLOOD_BODY = 64 * 1024;
    /** 800 * 64 KiB = 50 MiB, far more than the socket buffers and the 1 MiB upstream limit hold. */
    private static final int FLOOD_MESSAGES = 800;
    private static final long MAX_UPSTREAM_OUTPUT = 1024 * 1024;
    private static final long MAX_FLOOD_HEAP_GROWTH = 32L * 1024 * 1024;
    private static final int CONFIRMED_MESSAGES = 200;

    @RegisterExtension
    final ProxyFixture fx = new ProxyFixture();
    /** What the test started besides the fixture's: closed after it, last first, before the fixture's teardown. */
    private final List<AutoCloseable> closeLast = new ArrayList<>();
    private String queue;

    @BeforeEach
    void declareQueue() {
        queue = fx.newQueue("flood");
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (int i = closeLast.size() - 1; i >= 0; i--) {
            closeLast.get(i).close();
        }
    }

    private <T extends AutoCloseable> T closeAfter(T resource) {
        closeLast.add(resource);
        return resource;
    }

    @Test
    void tenThousandIdleClientsRideOnFiveUpstreamConnectionsAndCostLittleHeap() {
        requireOpenFiles(OPEN_FILES_NEEDED, IDLE_CLIENTS + " idle client connections");
        AmqProxy proxy = fx.proxy();
        long baseline = HeapProbe.usedAfterGc();

        long started = System.nanoTime();
        IdleClientFleet fleet = closeAfter(IdleClientFleet.start(proxy.port(), IDLE_CLIENTS, 256));
        IdleClientFleet.Ready ready = fleet.awaitReady(Duration.ofSeconds(70));
        double seconds = (System.nanoTime() - started) / 1e9;
        assertThat(ready.opened()).as("clients that got Connection.OpenOk and Channel.OpenOk (%s)", ready)
                .isEqualTo(IDLE_CLIENTS);
        ProxyStats stats = Await.valueOrFail(Duration.ofSeconds(10), IDLE_CLIENTS + " clients and channels in the stats",
                proxy::stats, s -> s.clientConnections() == IDLE_CLIENTS && s.clientChannels() == IDLE_CLIENTS);
        long maxUpstreams = (IDLE_CLIENTS + 2046) / 2047;
        // for the record only: other proxies (other test runs) may share the broker
        long atBroker = TestBroker.hasRabbitmqctl() ? TestBroker.brokerConnectionsNamed("amqproxy upstream") : -1;

        long loaded = HeapProbe.usedAfterGc();
        long perClient = (loaded - baseline) / IDLE_CLIENTS;
        System.out.printf("ClientFloodTest: %d idle clients connected in %.1f s over %d upstream connections "
                        + "(broker lists %d); heap after GC %s -> %s, %d bytes per idle client%n",
                IDLE_CLIENTS, seconds, stats.upstreamConnections(), atBroker, HeapProbe.mib(baseline),
                HeapProbe.mib(loaded), perClient);
        assertThat(stats.upstreamConnections()).as("upstream connections for %d channels", IDLE_CLIENTS)
                .isBetween(1L, maxUpstreams);
        assertThat(stats.upstreamChannels()).isEqualTo(IDLE_CLIENTS);
        assertThat(perClient).as("heap per idle client (bytes)").isLessThanOrEqualTo(MAX_HEAP_PER_IDLE_CLIENT);

        fleet.closeAll(Duration.ofSeconds(20));
        ProxyStats after = Await.value(Duration.ofSeconds(30), proxy::stats,
                s -> s.clientConnections() == 0 && s.clientChannels() == 0 && s.upstreamChannels() == 0);
        assertThat(after.clientConnections()).as("client connections after they all closed").isZero();
        assertThat(after.clientChannels()).as("client channels after they all closed").isZero();
        assertThat(after.upstreamChannels()).as("upstream channels after they all closed").isZero();
    }

    @Test
    void thousandClientsConnectingAtOnceAllGetTheirMessageConfirmed() throws Exception {
        AmqProxy proxy = fx.proxy();
        ExecutorService consumerWork = Executors.newFixedThreadPool(8);
        ScheduledExecutorService heartbeats = Executors.newScheduledThreadPool(2);
        ExecutorService clients = Executors.newFixedThreadPool(BURST_THREADS);
        closeAfter(consumerWork::shutdownNow);
        closeAfter(heartbeats::shutdownNow);
        closeAfter(clients::shutdownNow);
        ConnectionFactory factory = TestBroker.viaProxy(proxy.port());
        factory.setSharedExecutor(consumerWork);
        factory.setHeartbeatExecutor(heartbeats);

        CountDownLatch go = new CountDownLatch(1);
        CountDownLatch allPublished = new CountDownLatch(BURST_THREADS);
        AtomicInteger connected = new AtomicInteger();
        AtomicInteger confirmed = new AtomicInteger();
        AtomicLong peakClients = new AtomicLong();
        Map<String, Throwable> failures = new ConcurrentHashMap<>();
        List<Future<?>> done = new ArrayList<>();
        int perThread = BURST_CLIENTS / BURST_THREADS;
        for (int t = 0; t < BURST_THREADS; t++) {
            int thread = t;
            done.add(clients.submit(() -> {
                List<Connection> mine = new ArrayList<>();
                try {
                    go.await();
                    for (int i = 0; i < perThread; i++) {
                        mine.add(factory.newConnection("burst " + thread + "/" + i));
                        connected.incrementAndGet();
                    }
                    for (Connection c : mine) {
                        Channel ch = c.createChannel();
                        ch.confirmSelect();
                        ch.basicPublish("", queue, null, c.getClientProvidedName().getBytes());
                        ch.waitForConfirmsOrDie(20_000);
                        confirmed.incrementAndGet();
                    }
                    peakClients.accumulateAndGet(proxy.stats().clientConnections(), Math::max);
                } catch (Throwable e) {
                    failures.putIfAbsent("thread " + thread, e);
                } finally {
                    allPublished.countDown();
                    try {
                        allPublished.await(40, TimeUnit.SECONDS); // hold the connections until everyone published
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    for (Connection c : mine) {
                        try {
                            c.close(5_000);
                        } catch (Exception e) {
                            failures.putIfAbsent("closing " + c.getClientProvidedName(), e);
                        }
                    }
                }
                return null;
            }));
        }
        long started = System.nanoTime();
        go.countDown();
        for (Future<?> f : done) {
            f.get(60, TimeUnit.SECONDS);
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        ProxyStats stats = proxy.stats();
        System.out.printf("ClientFloodTest: %d clients at once on %d threads: %d connected, %d confirmed in %.1f s; "
                        + "peak %d clients on %d upstream connections (%d opened in all)%n",
                BURST_CLIENTS, BURST_THREADS, connected.get(), confirmed.get(), seconds, peakClients.get(),
                stats.upstreamConnections(), stats.upstreamConnects());

        assertThat(failures).as("failures of the clients").isEmpty();
        assertThat(confirmed.get()).isEqualTo(BURST_CLIENTS);
        assertThat(seconds).as("seconds until all were confirmed and closed").isLessThan(45);
        assertThat(readyCount()).as("messages in the queue").isEqualTo(BURST_CLIENTS);
        ProxyStats after = Await.value(Duration.ofSeconds(15), proxy::stats,
                s -> s.clientConnections() == 0 && s.upstreamChannels() == 0);
        assertThat(after.clientConnections()).isZero();
        assertThat(after.upstreamChannels()).isZero();
    }

    @Test
    void publisherFasterThanAStalledBrokerIsHeldBackWithBoundedHeapAndLosesNothing() throws Exception {
        FaultRelay relay = fx.relayToBroker(); // healed after the test, so no close is stuck behind the pause
        AmqProxy proxy = fx.startProxy(b -> b.upstream(relay.uri()).maxUpstreamOutputBytes(MAX_UPSTREAM_OUTPUT));
        Connection conn = fx.viaProxy("flood publisher");
        Channel flood = conn.createChannel();
        Channel checked = conn.createChannel();
        checked.confirmSelect();
        long baseline = HeapProbe.usedAfterGc();

        relay.apply(new Pause());
        AtomicInteger published = new AtomicInteger();
        AtomicLong publishError = new AtomicLong();
        Thread publisher = new Thread(() -> {
            byte[] body = new byte[FLOOD_BODY];
            try {
                for (int i = 0; i < FLOOD_MESSAGES; i++) {
                    flood.basicPublish("", queue, props("flood-" + i), body);
                    published.incrementAndGet();
                }
            } catch (Exception e) {
                publishError.set(1);
            }
        }, "flood-publisher");
        publisher.setDaemon(true);
        publisher.start();

        int heldAt = awaitStall(published, Duration.ofMillis(1500), Duration.ofSeconds(20));
        assertThat(heldAt).as("messages published before the publisher was held back (of %d)", FLOOD_MESSAGES)
                .isLessThan(FLOOD_MESSAGES);
        long held = HeapProbe.usedAfterGc();
        long growth = held - baseline;
        int beforeWindow = published.get();
        Thread.sleep(2000); // a measuring window, not synchronisation: the rate while paused
        int inWindow = published.get() - beforeWindow;
        System.out.printf("ClientFloodTest: publisher held back after %d of %d messages (%s); %d published in the "
                        + "next 2 s; heap after GC %s -> %s (+%s) with maxUpstreamOutputBytes %s%n",
                heldAt, FLOOD_MESSAGES, HeapProbe.mib((long) heldAt * FLOOD_BODY), inWindow, HeapProbe.mib(baseline),
                HeapProbe.mib(held), HeapProbe.mib(growth), HeapProbe.mib(MAX_UPSTREAM_OUTPUT));
        assertThat(inWindow).as("messages published in 2 s while the broker is stalled").isLessThanOrEqualTo(1);
        assertThat(growth).as("heap growth while the publisher is held back (bytes)").isLessThan(MAX_FLOOD_HEAP_GROWTH);
        assertThat(proxy.stats().clientConnections()).as("the publisher stays connected").isEqualTo(1);

        relay.heal();
        publisher.join(30_000);
        assertThat(publisher.isAlive()).as("the publisher finished after the broker came back").isFalse();
        assertThat(publishError.get()).as("publish errors").isZero();
        assertThat(published.get()).isEqualTo(FLOOD_MESSAGES);

        for (int i = 0; i < CONFIRMED_MESSAGES; i++) {
            checked.basicPublish("", queue, props("checked-" + i), new byte[1024]);
        }
        checked.waitForConfirmsOrDie(20_000);

        Map<String, Integer> seen = consumeAll(proxy, FLOOD_MESSAGES + CONFIRMED_MESSAGES, Duration.ofSeconds(30));
        for (int i = 0; i < CONFIRMED_MESSAGES; i++) {
            assertThat(seen.get("checked-" + i)).as("deliveries of confirmed message checked-%d", i).isEqualTo(1);
        }
        for (int i = 0; i < FLOOD_MESSAGES; i++) {
            assertThat(seen.get("flood-" + i)).as("deliveries of flood-%d", i).isEqualTo(1);
        }
        assertThat(seen).hasSize(FLOOD_MESSAGES + CONFIRMED_MESSAGES);
    }

    /** Waits until {@code count} stops growing for {@code quiet}; returns where it stopped. */
    private static int awaitStall(AtomicInteger count, Duration quiet, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        int last = count.get();
        long lastChange = System.nanoTime();
        while (System.nanoTime() < deadline && last < FLOOD_MESSAGES) {
            Thread.sleep(50);
            int now = count.get();
            if (now != last) {
                last = now;
                lastChange = System.nanoTime();
            } else if (System.nanoTime() - lastChange >= quiet.toNanos()) {
                return now;
            }
        }
        throw new AssertionError("the publisher was never held back: " + count.get() + " of " + FLOOD_MESSAGES
                + " messages published within " + timeout.toSeconds() + " s while the broker was stalled");
    }

    /** Consumes with manual acks through the proxy until {@code expected} deliveries arrived and 500 ms passed. */
    private Map<String, Integer> consumeAll(AmqProxy proxy, int expected, Duration timeout) throws Exception {
        Map<String, Integer> seen = new ConcurrentHashMap<>();
        AtomicInteger deliveries = new AtomicInteger();
        try (Connection c = TestBroker.viaProxy(proxy.port()).newConnection("flood consumer")) {
            Channel ch = c.createChannel();
            ch.basicQos(100);
            ch.basicConsume(queue, false, new DefaultConsumer(ch) {
                @Override
                public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties properties, byte[] body)
                        throws java.io.IOException {
                    seen.merge(String.valueOf(properties.getMessageId()), 1, Integer::sum);
                    deliveries.incrementAndGet();
                    getChannel().basicAck(envelope.getDeliveryTag(), false);
                }
            });
            Await.until(timeout, expected + " deliveries",
                    () -> deliveries.get() >= expected);
            int settled = deliveries.get();
            Thread.sleep(500); // a window for duplicates to show up
            assertThat(deliveries.get()).as("deliveries, counted again after 500 ms").isEqualTo(settled);
        }
        return seen;
    }

    private static AMQP.BasicProperties props(String id) {
        return new AMQP.BasicProperties.Builder().messageId(id).build();
    }

    private long readyCount() {
        return fx.broker().readyCount(queue);
    }

    private static void requireOpenFiles(long needed, String what) {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (!(os instanceof UnixOperatingSystemMXBean unix)) {
            return; // no such limit to check
        }
        long limit = unix.getMaxFileDescriptorCount();
        assertThat(limit).as("this test holds %s and needs an open files limit (ulimit -n) of at least %d; this JVM "
                + "has %d. Raise it before running Maven, e.g. `ulimit -n %d` (bash .ci/run raises the soft limit "
                + "to the hard limit)", what, needed, limit, needed).isGreaterThanOrEqualTo(needed);
    }
}
