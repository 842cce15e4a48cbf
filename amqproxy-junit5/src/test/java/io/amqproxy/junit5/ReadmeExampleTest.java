package io.amqproxy.junit5;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import io.amqproxy.fixture.FaultRule;
import io.amqproxy.fixture.Faults;
import io.amqproxy.fixture.PublishRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static io.amqproxy.fixture.PublishOutcome.CONFIRMED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

/**
 * The README's example of the extension, as written there (only the broker's address comes from {@link Broker}), so
 * that the example is known to work: two tests on one class proxy, each seeing its own traffic and counters.
 */
class ReadmeExampleTest {

    @RegisterExtension
    static AmqProxyExtension rabbit = AmqProxyExtension.upstream(Broker.upstream());

    @Test
    void publishesEachOrderOnce() throws Exception {
        ConnectionFactory factory = new ConnectionFactory();          // com.rabbitmq:amqp-client
        factory.setUri(rabbit.uri());                                // amqp://127.0.0.1:PORT
        new OrderPublisher(factory).publish(List.of("order-1", "order-2"));  // waits for publisher confirms

        assertThat(rabbit.traffic().awaitPublishes(2, Duration.ofSeconds(5)))
                .extracting(PublishRecord::bodyAsString, PublishRecord::outcome)
                .containsExactly(tuple("order-1", CONFIRMED), tuple("order-2", CONFIRMED));
        assertThat(rabbit.stats().messagesPublished()).isEqualTo(2);  // this test's own publishes
    }

    @Test
    void reportsAFailedOrder(Faults faults) throws Exception {        // injected: the proxy's fault rules
        faults.add(FaultRule.on("basic.publish").nth(2).closeChannel(406, "PRECONDITION_FAILED - injected"));
        ConnectionFactory factory = new ConnectionFactory();
        factory.setUri(rabbit.uri());

        assertThatThrownBy(() -> new OrderPublisher(factory).publish(List.of("order-3", "order-4")))
                .hasStackTraceContaining("PRECONDITION_FAILED - injected");
        assertThat(rabbit.stats().messagesPublished()).isEqualTo(1);  // not the other test's
    }

    /** The code under test of the README's example: publishes orders on a confirm channel and waits for the confirms. */
    static final class OrderPublisher {
        private final ConnectionFactory factory;

        OrderPublisher(ConnectionFactory factory) {
            this.factory = factory;
        }

        void publish(List<String> orders) throws Exception {
            try (Connection connection = factory.newConnection("order-publisher");
                 Channel channel = connection.createChannel()) {
                channel.confirmSelect();
                for (String order : orders) {
                    channel.basicPublish("", Clients.NOWHERE + "orders", null, order.getBytes(StandardCharsets.UTF_8));
                }
                channel.waitForConfirmsOrDie(5_000);
            }
        }
    }
}
