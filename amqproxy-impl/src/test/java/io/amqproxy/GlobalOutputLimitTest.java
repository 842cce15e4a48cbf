package io.amqproxy;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import io.amqproxy.testsupport.Await;
import io.amqproxy.testsupport.ProxyFixture;
import io.amqproxy.testsupport.RawAmqpClient;
import io.amqproxy.testsupport.TestBroker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * maxTotalClientOutputBytes bounds what all slow clients together hold: past it a client that does not keep
 * up is disconnected even though its own queue is far below maxClientOutputBytes.
 */
@Timeout(60)
class GlobalOutputLimitTest {

    private static final int BODY = 64 * 1024;
    private static final int MAX_MESSAGES = 400; // 25 MiB at most, far below the per-client limit

    @RegisterExtension
    final ProxyFixture fx = new ProxyFixture();

    @Test
    void slowClientsAreCutWhenTogetherTheyHoldTooMuch() throws Exception {
        String q1 = fx.newQueue("total");
        String q2 = fx.newQueue("total");
        AmqProxy proxy = fx.startProxy(b -> b.maxClientOutputBytes(256L * 1024 * 1024)
                .maxTotalClientOutputBytes(2L * 1024 * 1024));
        try (RawAmqpClient a1 = RawAmqpClient.connect(proxy.port(), 4096);
             RawAmqpClient a2 = RawAmqpClient.connect(proxy.port(), 4096);
             Connection bConn = TestBroker.viaProxy(proxy.port()).newConnection()) {
            for (RawAmqpClient a : new RawAmqpClient[]{a1, a2}) {
                a.handshake(0, 0);
                a.openChannel(1);
            }
            a1.consume(1, q1, true);
            a2.consume(1, q2, true);
            // from here on neither A reads its socket
            Channel b = bConn.createChannel();
            b.confirmSelect();
            assertThat(proxy.stats().clientConnections()).as("precondition: both slow clients and B are in").isEqualTo(3);
            byte[] body = new byte[BODY];
            int sent = 0;
            long start = System.nanoTime();
            while (proxy.stats().clientConnections() == 3 && sent < MAX_MESSAGES
                    && System.nanoTime() - start < 30_000_000_000L) {
                b.basicPublish("", sent % 2 == 0 ? q1 : q2, null, body);
                sent++;
                if (sent % 10 == 0) {
                    b.waitForConfirmsOrDie(10_000);
                }
            }
            assertThat(proxy.stats().clientConnections())
                    .as("a slow client was cut after %d messages (%d KiB), each far below its own limit", sent,
                            (long) sent * BODY / 1024)
                    .isLessThan(3);
            assertThat((long) sent * BODY).as("bytes sent before the cut: more than the 2 MiB total limit")
                    .isGreaterThan(2L * 1024 * 1024);
            assertThat(bConn.isOpen()).as("the publisher keeps its connection").isTrue();
            b.basicPublish("", q1, null, new byte[1]);
            b.waitForConfirmsOrDie(5_000);
        } finally {
            Await.until(Duration.ofSeconds(10), "the slow consumers are gone",
                    () -> proxy.stats().clientConnections() == 0);
        }
    }
}
