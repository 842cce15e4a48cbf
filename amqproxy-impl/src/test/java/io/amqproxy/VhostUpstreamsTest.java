package io.amqproxy;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import io.amqproxy.testsupport.Await;
import io.amqproxy.testsupport.TestBroker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A vhost with upstreams of its own keeps working while the default upstreams are down: the client's login (user
 * and password, checked before the client names its vhost) is checked where a broker answers, and its vhost then
 * goes to its own upstreams. The default set is a port nothing listens on; the vhost's set is the test broker.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class VhostUpstreamsTest {

    private AmqProxy proxy;

    @BeforeEach
    void defaultSetDownVhostSetUp() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort(); // nothing listens once it is closed
        }
        proxy = AmqProxy.builder().listen("127.0.0.1", 0)
                .upstream("amqp://127.0.0.1:" + closedPort)
                .vhostUpstream("/", TestBroker.upstreamUri())
                .upstreamConnectTimeout(Duration.ofSeconds(2))
                .start();
    }

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
    }

    private Connection client(String name) throws Exception {
        ConnectionFactory f = TestBroker.viaProxy(proxy.port());
        f.setVirtualHost("/");
        f.setAutomaticRecoveryEnabled(false);
        f.setConnectionTimeout(5_000);
        return f.newConnection(name);
    }

    @Test
    void aVhostClientGetsInWhileTheDefaultUpstreamsAreDown() throws Exception {
        for (String name : new String[] {"first, the default set not tried yet", "second, the default set known down"}) {
            try (Connection c = client(name); Channel ch = c.createChannel()) {
                String queue = ch.queueDeclare("", false, true, true, null).getQueue();
                ch.confirmSelect();
                ch.basicPublish("", queue, null, name.getBytes(StandardCharsets.UTF_8));
                ch.waitForConfirmsOrDie(5_000);
                assertThat(new String(ch.basicGet(queue, true).getBody(), StandardCharsets.UTF_8)).isEqualTo(name);
            }
        }
        ProxyHealth health = Await.value(Duration.ofSeconds(5), proxy::health,
                h -> h.nodes().stream().anyMatch(n -> n.upstreamSet().equals(ProxyHealth.DEFAULT_SET) && !n.up()));
        assertThat(health.nodes()).as("the default set down, the vhost's set up")
                .anyMatch(n -> n.upstreamSet().equals(ProxyHealth.DEFAULT_SET) && !n.up())
                .anyMatch(n -> n.upstreamSet().equals("vhost:/") && n.up());
    }
}
