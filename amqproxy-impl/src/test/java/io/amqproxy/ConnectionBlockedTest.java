package io.amqproxy;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.ShutdownSignalException;
import io.amqproxy.testsupport.Await;
import io.amqproxy.testsupport.BlockedRecorder;
import io.amqproxy.testsupport.Frames;
import io.amqproxy.testsupport.MemoryAlarm;
import io.amqproxy.testsupport.PrivateRabbit;
import io.amqproxy.testsupport.PrivateRabbitScript;
import io.amqproxy.testsupport.ProxyFixture;
import io.amqproxy.testsupport.RawAmqpClient;
import io.amqproxy.testsupport.TestBroker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.EOFException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Behaviour 10: Connection.Blocked and Connection.Unblocked from the broker reach every client of that
 * upstream that announced the connection.blocked capability, and no client that did not.
 *
 * <p>The broker blocks publishing connections while a resource alarm is on. The test raises a memory alarm with
 * {@code rabbitmqctl set_vm_memory_high_watermark} and always restores the configured value, on the private node
 * {@link PrivateRabbit#shared()}, never on the shared broker, where it would block every other run's publishers.
 */
@Tag("private-rabbit")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ConnectionBlockedTest {

    private static PrivateRabbit rabbit;

    @RegisterExtension
    final ProxyFixture fx = ProxyFixture.on(rabbit.node());
    private String queue;

    @BeforeAll
    @Timeout(value = 200, unit = TimeUnit.SECONDS)
    static void startNode() {
        assumeTrue(PrivateRabbitScript.locate().rabbitmqInstalled(), "needs RabbitMQ installed to start private nodes");
        rabbit = PrivateRabbit.shared();
    }

    @BeforeEach
    void start() {
        queue = fx.newQueue("blocked");
    }

    @AfterEach
    void stop() {
        MemoryAlarm.clearAnyLeftOn(); // before the fixture's teardown
    }

    @Test
    void blockedAndUnblockedReachEveryClientOfTheUpstreamThatAnnouncedTheCapability() throws Exception {
        AmqProxy proxy = fx.proxy();
        try (Connection a = TestBroker.viaProxy(proxy.port()).newConnection("blocked test A (publishes)");
             Connection b = TestBroker.viaProxy(proxy.port()).newConnection("blocked test B (idle)");
             RawAmqpClient c = RawAmqpClient.connect(proxy.port())) {
            BlockedRecorder ra = new BlockedRecorder();
            BlockedRecorder rb = new BlockedRecorder();
            a.addBlockedListener(ra);
            b.addBlockedListener(rb);
            Channel pub = a.createChannel();
            b.createChannel();
            c.handshake("guest", "guest", "/", 0, 0, false); // does NOT announce connection.blocked
            c.openChannel(1);
            assertThat(proxy.stats().upstreamConnections())
                    .as("precondition: A, B and C share one upstream").isEqualTo(1);

            int published = 0;
            try (MemoryAlarm alarm = MemoryAlarm.raise(rabbit)) {
                // the broker blocks a connection when it publishes under an alarm; keep publishing until it does
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (!ra.blocked() && System.nanoTime() < deadline) {
                    pub.basicPublish("", queue, null, ("m" + published).getBytes(StandardCharsets.UTF_8));
                    published++;
                    Await.quietly(Duration.ofMillis(200), ra::blocked);
                }
                assertThat(ra.blocked()).as("A (the publisher) got Connection.Blocked").isTrue();
                Await.until(Duration.ofSeconds(5), "B (same upstream, idle) gets Connection.Blocked", rb::blocked);
                assertThat(ra.events.get(0)).startsWith("blocked:");
                assertThat(rb.events.get(0)).as("B's first event").startsWith("blocked:");
                assertThat(rb.events.get(0)).as("the broker's reason").isEqualTo(ra.events.get(0));
                assertThat(ra.unblocked()).isFalse();
            }
            Await.until(Duration.ofSeconds(15), "A gets Connection.Unblocked", ra::unblocked);
            Await.until(Duration.ofSeconds(15), "B gets Connection.Unblocked", rb::unblocked);

            // the publishes held back during the alarm reach the queue afterwards
            int expected = published;
            Await.until(Duration.ofSeconds(15), "all " + expected + " messages published under the alarm reach the queue", () -> messageCount() == expected);

            // C never announced the capability, so it must have seen neither method
            List<RawAmqpClient.Frame> seen = new ArrayList<>();
            c.sendMethod(1, Frames.BASIC, 10, Frames.args().longInt(0).shortInt(1).bit(false));
            while (true) {
                RawAmqpClient.Frame f;
                try {
                    f = c.readFrame(Duration.ofSeconds(5));
                } catch (SocketTimeoutException | EOFException e) {
                    throw new AssertionError("C (no capability) lost its connection or got no QosOk; saw " + seen, e);
                }
                if (f.isMethod(Frames.BASIC, 11)) {
                    break;
                }
                seen.add(f);
            }
            assertThat(seen).as("frames C got while the alarm came and went")
                    .noneMatch(f -> f.isMethod(Frames.CONNECTION, 60) || f.isMethod(Frames.CONNECTION, 61));
            assertThat(a.isOpen()).isTrue();
            assertThat(b.isOpen()).isTrue();
        }
    }

    @Test
    void clientHeldBackWhileItsUpstreamIsBlockedIsNotDroppedForMissedHeartbeats() throws Exception {
        // RabbitMQ stops reading a blocked connection and pauses its heartbeat monitor meanwhile. The proxy in
        // turn stops reading clients whose upstream is congested; it must not then blame them for the silence.
        AmqProxy small = fx.startProxy(b -> b.maxUpstreamOutputBytes(256 * 1024));
        ConnectionFactory f = TestBroker.viaProxy(small.port());
        f.setRequestedHeartbeat(1);
        Connection p = f.newConnection("blocked test publisher, heartbeat 1 s");
        ExecutorService publisher = Executors.newSingleThreadExecutor();
        try {
            AtomicReference<ShutdownSignalException> lost =
                    new AtomicReference<>();
            p.addShutdownListener(lost::set);
            BlockedRecorder rp = new BlockedRecorder();
            p.addBlockedListener(rp);
            Channel ch = p.createChannel();
            int messages = 600; // 600 * 64 KiB: far more than the socket buffers on both sides hold
            byte[] body = new byte[64 * 1024];

            Future<?> done;
            try (MemoryAlarm alarm = MemoryAlarm.raise(rabbit)) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (!rp.blocked() && System.nanoTime() < deadline) {
                    ch.basicPublish("", queue, null, new byte[1]);
                    Await.quietly(Duration.ofMillis(200), rp::blocked);
                }
                assertThat(rp.blocked()).as("the publisher got Connection.Blocked").isTrue();
                // the Java client blocks in basicPublish once the proxy stops reading: publish elsewhere
                done = publisher.submit(() -> {
                    for (int i = 0; i < messages; i++) {
                        ch.basicPublish("", queue, null, body);
                    }
                    return null;
                });
                // wait until the proxy has stopped reading this client (its byte count stands still) ...
                Await.until(Duration.ofSeconds(15), "the proxy stops reading the held-back client",
                        bytesFromClientsStandStill(small, Duration.ofMillis(700)));
                // ... then stay blocked for more than twice the client's heartbeat interval
                Thread.sleep(3500); // the test is about time passing
                assertThat(lost.get()).as("client connection lost while its upstream was blocked (cause: %s)",
                        lost.get() == null ? null : lost.get().getCause()).isNull();
                assertThat(p.isOpen()).isTrue();
            }
            done.get(30, TimeUnit.SECONDS);
            Await.until(Duration.ofSeconds(20), "everything published under the alarm reaches the queue",
                    () -> messageCount() >= messages);
            assertThat(lost.get()).isNull();
            assertThat(p.isOpen()).isTrue();
        } finally {
            publisher.shutdownNow();
            p.abort();
        }
    }

    /** True once the proxy's count of bytes read from clients has not moved for {@code quiet}. */
    private static BooleanSupplier bytesFromClientsStandStill(AmqProxy proxy, Duration quiet) {
        long[] last = {-1, System.nanoTime()};
        return () -> {
            long now = proxy.stats().bytesFromClients();
            if (now != last[0]) {
                last[0] = now;
                last[1] = System.nanoTime();
                return false;
            }
            return System.nanoTime() - last[1] >= quiet.toNanos();
        };
    }

    private long messageCount() {
        return fx.broker().readyCount(queue);
    }
}
