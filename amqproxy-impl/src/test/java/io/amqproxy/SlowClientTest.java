package io.amqproxy;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.GetResponse;
import io.amqproxy.testsupport.Await;
import io.amqproxy.testsupport.ProxyFixture;
import io.amqproxy.testsupport.RawAmqpClient;
import io.amqproxy.testsupport.TestBroker;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Behaviour 12: a client that stops reading never stalls the other clients of its upstream, and the proxy's
 * memory stays bounded: at {@code maxClientOutputBytes} queued for it, the client is disconnected and its
 * upstream channels closed (so its unacked deliveries go back to the queue).
 *
 * <p>Client A is a raw socket with a tiny receive buffer that consumes and then never reads. Client B shares
 * the upstream and publishes the very stream A consumes, with confirms.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SlowClientTest {

    private static final int BODY = 64 * 1024;
    private static final int BATCH = 8;
    /** Bounds the publishing: 2000 * 64 KiB = 125 MiB, far past any socket buffers plus the 1 MiB limit. */
    private static final int MAX_MESSAGES = 2000;

    @RegisterExtension
    final ProxyFixture fx = new ProxyFixture(b -> b
            .separateConsumers(false) // one shared broker connection is the premise here
            .maxClientOutputBytes(1024 * 1024));
    private AmqProxy proxy;
    private String queue;

    @BeforeEach
    void start() {
        proxy = fx.proxy();
        queue = fx.newQueue("slow");
    }

    /** What B saw while publishing. */
    private record Run(long confirmed, double maxGapSeconds, double slowClientGoneAfter) {
    }

    /**
     * B publishes in confirmed batches until A has been gone for a while (or the bounds are hit), and measures
     * the longest time between two confirmed batches.
     */
    private Run publishWithConfirmsWhileWatching(Channel b) throws Exception {
        byte[] body = new byte[BODY];
        long start = System.nanoTime();
        long last = start;
        long gone = -1;
        long maxGap = 0;
        long confirmed = 0;
        while (confirmed < MAX_MESSAGES && System.nanoTime() - start < TimeUnit.SECONDS.toNanos(30)) {
            for (int i = 0; i < BATCH; i++) {
                b.basicPublish("", queue, null, body);
            }
            b.waitForConfirmsOrDie(10_000);
            confirmed += BATCH;
            long now = System.nanoTime();
            maxGap = Math.max(maxGap, now - last);
            last = now;
            if (gone < 0 && proxy.stats().clientConnections() == 1) {
                gone = now;
            }
            if (gone >= 0 && now - gone > TimeUnit.MILLISECONDS.toNanos(1500)) {
                break; // B kept going well past A's disconnect
            }
        }
        return new Run(confirmed, maxGap / 1e9, gone < 0 ? -1 : (gone - start) / 1e9);
    }

    @Test
    void consumerThatStopsReadingIsDisconnectedWhileItsNeighboursConfirmsKeepFlowing() throws Exception {
        try (RawAmqpClient a = RawAmqpClient.connect(proxy.port(), 4096);
             Connection bConn = TestBroker.viaProxy(proxy.port()).newConnection("slow test B (publisher)")) {
            a.handshake(0, 0); // no heartbeats: A must be dropped for its backlog, not for silence
            a.openChannel(1);
            a.consume(1, queue, true);
            // from here on A never reads its socket
            Channel b = bConn.createChannel();
            b.confirmSelect();
            assertThat(proxy.stats().upstreamConnections()).as("precondition: A and B share one upstream").isEqualTo(1);
            assertThat(proxy.stats().clientConnections()).isEqualTo(2);

            Run run = publishWithConfirmsWhileWatching(b);

            assertThat(run.slowClientGoneAfter()).as("A (not reading) was disconnected; B confirmed %d messages",
                    run.confirmed()).isPositive();
            assertThat(run.maxGapSeconds()).as("longest gap between B's confirmed batches (s)").isLessThan(2.0);
            assertThat(bConn.isOpen()).isTrue();
            Await.until(Duration.ofSeconds(5), "A's consumer is gone at the broker",
                    () -> consumerCount() == 0);
            assertThat(a.awaitClosed(Duration.ofSeconds(10))).as("A's socket is closed by the proxy").isTrue();

            // the proxy keeps serving, old and new clients alike
            b.basicPublish("", queue, null, "after".getBytes(StandardCharsets.UTF_8));
            b.waitForConfirmsOrDie(5_000);
            try (Connection c = TestBroker.viaProxy(proxy.port()).newConnection("slow test C")) {
                Channel ch = c.createChannel();
                ch.queuePurge(queue);
                ch.basicPublish("", queue, null, "fresh".getBytes(StandardCharsets.UTF_8));
                GetResponse r = Await.valueOrFail(Duration.ofSeconds(5), "C gets its message back",
                        () -> get(ch, queue), x -> x != null);
                assertThat(new String(r.getBody(), StandardCharsets.UTF_8)).isEqualTo("fresh");
            }
        }
    }

    @Test
    void unackedDeliveriesOfTheDisconnectedSlowClientAreRequeued() throws Exception {
        try (RawAmqpClient a = RawAmqpClient.connect(proxy.port(), 4096);
             Connection bConn = TestBroker.viaProxy(proxy.port()).newConnection("slow test B (publisher)")) {
            a.handshake(0, 0);
            a.openChannel(1);
            a.consume(1, queue, false); // manual ack, and A never acks
            Channel b = bConn.createChannel();
            b.confirmSelect();

            Run run = publishWithConfirmsWhileWatching(b);
            assertThat(run.slowClientGoneAfter()).as("A was disconnected").isPositive();
            assertThat(run.maxGapSeconds()).as("longest gap between B's confirmed batches (s)").isLessThan(2.0);

            // every message B got confirmed is back in the queue: A's deliveries were requeued, none lost
            long expected = run.confirmed();
            Await.valueOrFail(Duration.ofSeconds(10), "all " + expected + " messages ready in the queue",
                    this::readyCount, n -> n == expected);
            assertThat(consumerCount()).isZero();
        }
    }

    private static GetResponse get(Channel ch, String queue) {
        try {
            return ch.basicGet(queue, true);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private long consumerCount() {
        return fx.broker().consumerCount(queue);
    }

    private long readyCount() {
        return fx.broker().readyCount(queue);
    }
}
