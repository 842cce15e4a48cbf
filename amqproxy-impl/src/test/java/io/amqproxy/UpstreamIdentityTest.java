package io.amqproxy;

import com.rabbitmq.client.Connection;
import io.amqproxy.testsupport.Await;
import io.amqproxy.testsupport.ProxyFixture;
import io.amqproxy.testsupport.TestBroker;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Issue 12: what the broker sees of the proxy's upstream connections: the connection name an operator sets
 * (cloudamqp/amqproxy issue 187) or the proxy's own, and the heartbeat interval the proxy asks for, capped by
 * {@code upstreamHeartbeat} so that a stalled broker is noticed in time. Read at the broker with rabbitmqctl.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UpstreamIdentityTest {

    private static final Duration WAIT = Duration.ofSeconds(15);

    @RegisterExtension
    final ProxyFixture fx = new ProxyFixture();

    @BeforeAll
    static void needsRabbitmqctl() {
        assumeTrue(TestBroker.hasRabbitmqctl(), "rabbitmqctl is needed to see connections at the broker");
    }

    /** The broker's line for the connection named {@code name}: its name, then its heartbeat ("timeout"). */
    private static String brokerConnection(String name) {
        for (String line : TestBroker.rabbitmqctl("list_connections", "client_properties", "timeout").split("\n")) {
            if (line.contains("<<\"" + name + "\">>") || line.contains("\"" + name + "\"")) {
                return line;
            }
        }
        return null;
    }

    @Test
    void theConnectionNameAnOperatorSetsIsWhatTheBrokerShows() throws Exception {
        String name = "orders-proxy-" + UUID.randomUUID();
        AmqProxy proxy = fx.startProxy(b -> b.upstreamConnectionName(name).upstreamHeartbeat(Duration.ofSeconds(3)));
        Connection c = fx.connect(TestBroker.viaProxy(proxy.port()), "a client");
        c.createChannel();
        String line = Await.valueOrFail(WAIT, "the upstream connection at the broker", () -> brokerConnection(name),
                java.util.Objects::nonNull);
        assertThat(line).as("the heartbeat the proxy asked of the broker").endsWith("\t3");
    }

    @Test
    void withoutANameTheProxyNamesItsConnectionsAndCapsTheHeartbeatAtFiveSeconds() throws Exception {
        java.util.List<Long> ids = new java.util.concurrent.CopyOnWriteArrayList<>();
        AmqProxy proxy = fx.startProxy(b -> b.listener(new ProxyListener() {
            @Override
            public void upstreamOpened(UpstreamInfo upstream) {
                ids.add(upstream.id());
            }
        }));
        Connection c = fx.connect(TestBroker.viaProxy(proxy.port()), "a client of the default proxy");
        c.createChannel();
        Await.until(WAIT, "the proxy's upstream connection", () -> !ids.isEmpty());
        String name = "amqproxy upstream #" + ids.get(0);
        String line = Await.valueOrFail(WAIT, "an upstream connection named by the proxy",
                () -> brokerConnection(name), java.util.Objects::nonNull);
        assertThat(line).as("RabbitMQ offers 60 s; the proxy asks for at most 5 s").endsWith("\t5");
    }

    @Test
    void anUpstreamHeartbeatOfZeroKeepsTheBrokersOffer() throws Exception {
        String name = "broker-heartbeat-" + UUID.randomUUID();
        AmqProxy proxy = fx.startProxy(b -> b.upstreamConnectionName(name).upstreamHeartbeat(Duration.ZERO));
        fx.connect(TestBroker.viaProxy(proxy.port()), "a client").createChannel();
        String line = Await.valueOrFail(WAIT, "the upstream connection at the broker", () -> brokerConnection(name),
                java.util.Objects::nonNull);
        assertThat(line).as("the broker's own offer, RabbitMQ's default of 60 s").endsWith("\t60");
    }
}
