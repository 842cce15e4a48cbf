package io.amqproxy;

import io.amqproxy.testsupport.Await;
import io.amqproxy.testsupport.Frames;
import io.amqproxy.testsupport.ProxyFixture;
import io.amqproxy.testsupport.RawAmqpClient;
import io.amqproxy.testsupport.ScriptedBroker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Behaviour 9, broker side: the proxy sends heartbeats to the broker at the interval the broker asked for, and
 * detects a broker that stops sending anything. A scripted fake broker stands in for RabbitMQ, whose heartbeat
 * offer cannot be lowered without restarting it.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UpstreamHeartbeatTest {

    @RegisterExtension
    final ProxyFixture fx = new ProxyFixture();

    @Test
    void proxySendsHeartbeatsToTheBrokerAtTheBrokersInterval() throws Exception {
        try (ScriptedBroker broker = ScriptedBroker.start(1);
             RawAmqpClient client = RawAmqpClient.connect(fx.startProxy(b -> b.upstream(broker.uri())).port())) {
            client.handshake(0, 0);
            client.openChannel(1);
            long start = System.nanoTime();
            Thread.sleep(4000); // the test is about time passing: four broker heartbeat intervals, client idle

            List<Long> beats = broker.received().stream()
                    .filter(r -> r.frame().type() == Frames.HEARTBEAT && r.atNanos() >= start)
                    .map(ScriptedBroker.Received::atNanos).toList();
            assertThat(beats.size()).as("heartbeats the broker got from the proxy in 4 s at a 1 s interval")
                    .isGreaterThanOrEqualTo(3);
            long prev = start;
            for (long t : beats) {
                assertThat((t - prev) / 1e9).as("gap between heartbeats to the broker (s)").isLessThanOrEqualTo(1.6);
                prev = t;
            }
            assertThat(broker.peerClosedAt()).as("the proxy kept its live upstream").isEmpty();
            client.openChannel(2); // the client is still served
        }
    }

    @Test
    void brokerThatGoesSilentIsDetectedAndItsClientsAreToldPromptly() throws Exception {
        try (ScriptedBroker broker = ScriptedBroker.start(1);
             RawAmqpClient client = RawAmqpClient.connect(fx.startProxy(b -> b.upstream(broker.uri())).port())) {
            client.handshake(0, 0); // the client itself wants no heartbeats: only the upstream can fail here
            client.openChannel(1);
            assertThat(fx.proxy().stats().upstreamConnections()).isEqualTo(1);

            broker.goSilent();
            long silentAt = System.nanoTime();
            RawAmqpClient.Close close = client.expectConnectionClose(Duration.ofSeconds(6));
            double seconds = (System.nanoTime() - silentAt) / 1e9;
            assertThat(close.replyCode()).as("Connection.Close for a lost upstream").isEqualTo(320);
            assertThat(seconds).as("seconds from broker silence to the client's Close (heartbeat 1 s)")
                    .isBetween(1.0, 5.0);
            Await.until(Duration.ofSeconds(5), "the proxy drops the dead upstream",
                    () -> fx.proxy().stats().upstreamConnections() == 0);
            Await.until(Duration.ofSeconds(5), "the proxy closes its socket to the dead broker",
                    () -> !broker.peerClosedAt().isEmpty());
        }
    }
}
