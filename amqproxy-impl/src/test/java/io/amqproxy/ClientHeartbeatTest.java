package io.amqproxy;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import com.rabbitmq.client.ShutdownSignalException;
import io.amqproxy.testsupport.Frames;
import io.amqproxy.testsupport.ProxyFixture;
import io.amqproxy.testsupport.RawAmqpClient;
import io.amqproxy.testsupport.TestBroker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.EOFException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Behaviour 9: heartbeats are per client. The proxy sends heartbeats at the interval the client negotiated,
 * takes any frame from the client as a sign of life, and drops a client that goes silent.
 *
 * <p>These tests are about time passing, so they wait in real time, each bounded.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ClientHeartbeatTest {

    @RegisterExtension
    final ProxyFixture fx = new ProxyFixture();

    private static double secondsSince(long nanos) {
        return (System.nanoTime() - nanos) / 1e9;
    }

    @Test
    void silentClientReceivesHeartbeatsAndIsDroppedAfterMissingItsOwn() throws Exception {
        try (RawAmqpClient raw = RawAmqpClient.connect(fx.proxy().port())) {
            RawAmqpClient.Tune offered = raw.handshake(0, 1);
            assertThat(offered.heartbeat()).as("default heartbeat offered to clients").isEqualTo(60);
            long openedAt = System.nanoTime();

            List<Double> heartbeatsAt = new ArrayList<>();
            double closedAt = -1;
            while (secondsSince(openedAt) < 10) {
                try {
                    RawAmqpClient.Frame f = raw.readFrame(Duration.ofMillis(500));
                    if (f.type() == Frames.HEARTBEAT) {
                        assertThat(f.channel()).isZero();
                        assertThat(f.payload()).isEmpty();
                        heartbeatsAt.add(secondsSince(openedAt));
                    } else if (f.isMethod(Frames.CONNECTION, 50)) {
                        // a Close before the socket goes is acceptable; the socket must still go
                        continue;
                    } else {
                        throw new AssertionError("unexpected frame from the proxy: " + f);
                    }
                } catch (SocketTimeoutException e) {
                    // nothing in the last 500 ms; keep waiting
                } catch (EOFException | SocketException e) {
                    closedAt = secondsSince(openedAt);
                    break;
                }
            }

            assertThat(closedAt).as("a client silent for 10 s with heartbeat 1 s must be dropped").isPositive();
            assertThat(closedAt).as("dropped after missing heartbeats, not at once (s)").isGreaterThanOrEqualTo(1.0);
            assertThat(closedAt).as("dropped within a few heartbeat intervals (s)").isLessThanOrEqualTo(5.0);
            assertThat(heartbeatsAt).as("heartbeats the proxy sent before dropping the client").isNotEmpty();
            assertThat(heartbeatsAt.get(0)).as("first heartbeat (s after OpenOk)").isLessThanOrEqualTo(1.6);
            for (int i = 1; i < heartbeatsAt.size(); i++) {
                assertThat(heartbeatsAt.get(i) - heartbeatsAt.get(i - 1)).as("gap between heartbeats (s)")
                        .isLessThanOrEqualTo(1.6);
            }
        }
    }

    @Test
    void clientThatSendsHeartbeatsStaysConnected() throws Exception {
        try (RawAmqpClient raw = RawAmqpClient.connect(fx.proxy().port())) {
            raw.handshake(0, 1);
            long openedAt = System.nanoTime();
            int heartbeats = 0;
            while (secondsSince(openedAt) < 5) {
                raw.sendHeartbeat();
                long sliceStart = System.nanoTime();
                while (secondsSince(sliceStart) < 0.4) {
                    try {
                        RawAmqpClient.Frame f = raw.readFrame(Duration.ofMillis(100));
                        assertThat(f.type()).as("only heartbeats expected, got %s", f).isEqualTo(Frames.HEARTBEAT);
                        heartbeats++;
                    } catch (SocketTimeoutException e) {
                        // nothing yet
                    }
                }
            }
            assertThat(heartbeats).as("heartbeats received in 5 s at a 1 s interval").isGreaterThanOrEqualTo(3);
            raw.openChannel(1); // still served after 5 s, five times the interval
        }
    }

    @Test
    void anyFrameFromTheClientCountsAsLiveness() throws Exception {
        try (RawAmqpClient raw = RawAmqpClient.connect(fx.proxy().port())) {
            raw.handshake(0, 1);
            raw.openChannel(1);
            long openedAt = System.nanoTime();
            int qosOks = 0;
            while (secondsSince(openedAt) < 5) {
                // Basic.Qos instead of heartbeats: traffic, but never a heartbeat frame
                raw.sendMethod(1, Frames.BASIC, 10, Frames.args().longInt(0).shortInt(10 + qosOks % 5).bit(false));
                raw.expectMethod(1, Frames.BASIC, 11, Duration.ofSeconds(2));
                qosOks++;
                Thread.sleep(400); // time passing is the point here
            }
            assertThat(qosOks).isGreaterThanOrEqualTo(8);
            raw.openChannel(2);
        }
    }

    @Test
    void clientThatDeclinesHeartbeatsGetsNoneAndIsNotDropped() throws Exception {
        AmqProxy fast = fx.startProxy(b -> b.clientHeartbeat(Duration.ofSeconds(1)));
        try (RawAmqpClient raw = RawAmqpClient.connect(fast.port())) {
            RawAmqpClient.Tune offered = raw.handshake(0, 0);
            assertThat(offered.heartbeat()).as("configured clientHeartbeat is what the proxy offers").isEqualTo(1);
            long openedAt = System.nanoTime();
            while (secondsSince(openedAt) < 3.5) {
                try {
                    RawAmqpClient.Frame f = raw.readFrame(Duration.ofMillis(500));
                    throw new AssertionError("client negotiated heartbeat 0 but received " + f);
                } catch (SocketTimeoutException e) {
                    // silence is what it asked for
                }
            }
            raw.openChannel(1);
        }
    }

    @Test
    void javaClientWithOneSecondHeartbeatSurvivesFiveIdleSeconds() throws Exception {
        ConnectionFactory f = TestBroker.viaProxy(fx.proxy().port());
        f.setRequestedHeartbeat(1);
        String q = "amqproxy-test-heartbeat-" + System.nanoTime();
        AtomicReference<ShutdownSignalException> shutdown = new AtomicReference<>();
        try (Connection c = f.newConnection("heartbeat 1 s client")) {
            c.addShutdownListener(shutdown::set);
            assertThat(c.getHeartbeat()).isEqualTo(1);
            Channel ch = c.createChannel();
            ch.queueDeclare(q, false, false, false, null);
            try {
                // the Java client declares the connection dead after about 2 s without any frame from the proxy
                Thread.sleep(5000);
                assertThat(shutdown.get()).as("connection shut down while idle").isNull();
                assertThat(c.isOpen()).isTrue();
                ch.basicPublish("", q, null, "still here".getBytes(StandardCharsets.UTF_8));
                GetResponse r = null;
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (r == null && System.nanoTime() < deadline) {
                    r = ch.basicGet(q, true);
                }
                assertThat(r).isNotNull();
                assertThat(new String(r.getBody(), StandardCharsets.UTF_8)).isEqualTo("still here");
            } finally {
                deleteQueueDirect(q);
            }
        }
    }

    private void deleteQueueDirect(String q) {
        fx.broker().deleteQueue(q);
    }
}
