package io.amqproxy;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import io.amqproxy.testsupport.Await;
import io.amqproxy.testsupport.ProxyFixture;
import io.amqproxy.testsupport.TestBroker;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Issue 12: an upstream named by a host name. Every address the name resolves to is a node; a dead address among
 * live ones costs clients nothing (the proxy fails over to a live one), and when the name's record changes after a
 * failure the proxy follows it.
 *
 * <p>Runs in a JVM of its own (the {@code name-resolution} execution of this module's pom) whose name service is a
 * hosts file this test writes: {@code 127.0.0.3} is dead (the test broker listens on 127.0.0.1 only, so a connect
 * to 127.0.0.3 is refused), {@code 127.0.0.1} is the broker.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NameResolutionTest {

    private static final String NAME = "broker.amqproxy.test";
    private static final String DEAD = "127.0.0.3";
    private static final String LIVE = "127.0.0.1";

    @RegisterExtension
    final ProxyFixture fx = new ProxyFixture(b -> b.eventLoops(1).upstreamConnectTimeout(Duration.ofSeconds(3)));

    private Path hostsFile;

    @BeforeEach
    void hostsFileIsTheNameService() {
        String path = System.getProperty("amqproxy.test.hostsFile");
        assumeTrue(path != null && path.equals(System.getProperty("jdk.net.hosts.file")),
                "runs in the name-resolution execution, whose JVM resolves names from a hosts file");
        assumeTrue(TestBroker.host().equals(LIVE) && TestBroker.port() == 5672, "needs the broker on 127.0.0.1:5672");
        hostsFile = Path.of(path);
    }

    private void nameResolvesTo(String... addresses) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (String a : addresses) {
            sb.append(a).append(' ').append(NAME).append('\n');
        }
        Files.writeString(hostsFile, sb.toString(), StandardCharsets.US_ASCII);
    }

    private ConnectionFactory viaProxy(AmqProxy proxy) {
        ConnectionFactory f = TestBroker.viaProxy(proxy.port());
        f.setConnectionTimeout(5_000);
        return f;
    }

    @Test
    void aNameWithADeadAndALiveAddressServesEveryClient() throws Exception {
        nameResolvesTo(DEAD, LIVE); // the dead one first: the first connection goes there
        // one channel per upstream connection, so that every client needs a connection of its own
        AmqProxy proxy = fx.startProxy(b -> b.upstream("amqp://" + NAME + ":5672").maxChannelsPerUpstream(1));
        String queue = fx.newQueue("name-resolution");
        for (int i = 0; i < 4; i++) {
            Connection c = fx.connect(viaProxy(proxy), "two addresses " + i);
            Channel ch = c.createChannel();
            ch.confirmSelect();
            ch.basicPublish("", queue, null, ("m" + i).getBytes(StandardCharsets.UTF_8));
            ch.waitForConfirmsOrDie(5_000);
        }

        ProxyStats stats = proxy.stats();
        System.out.println("by node: " + stats.upstreamConnectionsByNode() + ", failures: "
                + stats.upstreamConnectFailuresByNode() + ", failovers: " + stats.failovers());
        String deadNode = NAME + ":5672 (" + DEAD + ")";
        String liveNode = NAME + ":5672 (" + LIVE + ")";
        assertThat(stats.upstreamConnectFailuresByNode()).as("failed connects by node")
                .containsKey(deadNode).containsEntry(liveNode, 0L);
        assertThat(stats.upstreamConnectFailuresByNode().get(deadNode)).isPositive();
        assertThat(stats.failovers()).as("connections handed from the dead address to the live one").isPositive();
        assertThat(stats.upstreamConnectionsByNode()).containsEntry(deadNode, 0L).containsEntry(liveNode, 4L);
        assertThat(fx.broker().readyCount(queue)).isEqualTo(4);
    }

    @Test
    void aChangedRecordIsFollowedAfterAFailure() throws Exception {
        nameResolvesTo(DEAD);
        AmqProxy proxy = fx.startProxy(b -> b.upstream("amqp://" + NAME + ":5672"));
        ConnectionFactory f = viaProxy(proxy);
        try {
            f.newConnection("while the name points at nothing").abort();
            throw new AssertionError("a client got through while the only address was dead");
        } catch (IOException | java.util.concurrent.TimeoutException expected) {
            // refused: the only address does not answer
        }

        nameResolvesTo(LIVE);
        Connection c = Await.valueOrFail(Duration.ofSeconds(10), "a client once the name points at the broker",
                () -> tryConnect(f), Objects::nonNull);
        try {
            assertThat(c.createChannel().isOpen()).isTrue();
            assertThat(proxy.stats().upstreamConnectionsByNode()).containsEntry(NAME + ":5672", 1L);
        } finally {
            c.abort();
        }
    }

    private static Connection tryConnect(ConnectionFactory f) {
        try {
            return f.newConnection("after the record changed");
        } catch (Exception e) {
            return null;
        }
    }
}
