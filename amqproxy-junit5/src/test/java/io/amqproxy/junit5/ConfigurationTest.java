package io.amqproxy.junit5;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.GetResponse;
import io.amqproxy.ProxyConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The proxy the extension builds: its defaults, the user's settings on top, and where clients find it. */
class ConfigurationTest {

    @RegisterExtension
    static AmqProxyExtension rabbit = AmqProxyExtension.upstream(Broker.upstream());

    @RegisterExtension
    static AmqProxyExtension configured = AmqProxyExtension.upstream(Broker.upstream())
            .configure(b -> b.faithful(true))
            .configure(b -> b.maxChannelsPerClient(7).recordTraffic(false));

    @Test
    void theProxyListensOnLoopbackAtAFreePortAndRecordsTraffic() {
        ProxyConfig config = rabbit.proxy().config();

        assertThat(config.listenHost()).isEqualTo("127.0.0.1");
        assertThat(config.listenPort()).isZero();
        assertThat(config.recordTraffic()).isTrue();
        assertThat(rabbit.port()).isPositive().isEqualTo(rabbit.proxy().port());
        assertThat(rabbit.uri()).isEqualTo("amqp://127.0.0.1:" + rabbit.port());
    }

    @Test
    void settingsApplyInTheirOrderOnTopOfTheExtensionsOwn() {
        ProxyConfig config = configured.proxy().config();

        assertThat(config.faithful()).isTrue();
        assertThat(config.limits().maxChannelsPerClient()).isEqualTo(7);
        assertThat(config.recordTraffic()).as("recording turned off by the user").isFalse();
        assertThat(config.listenHost()).isEqualTo("127.0.0.1");
    }

    @Test
    void aClientGivenTheUriReachesTheBroker() throws Exception {
        try (Connection connection = Broker.client(rabbit.uri()).newConnection("configuration-test");
             Channel channel = connection.createChannel()) {
            String queue = channel.queueDeclare().getQueue();
            channel.basicPublish("", queue, null, "through the proxy".getBytes(StandardCharsets.UTF_8));

            GetResponse got = null;
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (got == null && System.nanoTime() < deadline) {
                got = channel.basicGet(queue, true); // a synchronous round trip through proxy and broker
            }

            assertThat(got).as("the message published through the proxy, got back within 10 s").isNotNull();
            assertThat(new String(got.getBody(), StandardCharsets.UTF_8)).isEqualTo("through the proxy");
        }
        assertThat(rabbit.stats().messagesPublished()).isEqualTo(1);
    }

    @Test
    void configureIsRefusedOnceTheProxyHasStarted() {
        assertThatThrownBy(() -> rabbit.configure(b -> b.faithful(true)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("where it is declared");
    }

    @Test
    void everyAccessorSaysClearlyWhenNoProxyRuns() {
        AmqProxyExtension unregistered = AmqProxyExtension.upstream(Broker.upstream());

        List<Consumer<AmqProxyExtension>> accessors = List.of(AmqProxyExtension::proxy, AmqProxyExtension::port,
                AmqProxyExtension::uri, AmqProxyExtension::traffic, AmqProxyExtension::faults,
                AmqProxyExtension::conditions, AmqProxyExtension::stats);
        for (Consumer<AmqProxyExtension> accessor : accessors) {
            assertThatThrownBy(() -> accessor.accept(unregistered))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("no proxy is running")
                    .hasMessageContaining("@RegisterExtension");
        }
    }
}
