package io.amqproxy.examples;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import io.amqproxy.AmqProxy;
import io.amqproxy.testsupport.relay.FaultRelay;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;
import org.springframework.amqp.rabbit.listener.SimpleMessageListenerContainer;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Issue 12, "a down broker looks like a down broker", with Spring AMQP's {@link SimpleMessageListenerContainer}.
 * Directly, a container whose broker is down keeps retrying until the broker is back. A refusal after the login
 * (what the proxy used to answer) is a possible authentication failure to the Java client, which the container
 * treats as fatal at start-up: it stops for good. Through the proxy, a container started while the broker is
 * known to be down must keep retrying, and consume once the broker is back.
 *
 * <p>The broker's address is a {@link FaultRelay} that first listens to nothing and then relays to the real broker.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class SpringListenerContainerTest {

    @Test
    void aContainerStartedWhileTheBrokerIsDownKeepsRetryingAndConsumesOnceItIsBack() throws Exception {
        URI real = URI.create(LocalBroker.upstream());
        String queue = "spring-container-" + UUID.randomUUID();
        try (FaultRelay broker = FaultRelay.builder(real.getHost(), real.getPort()).start();
             Connection direct = directFactory(real).newConnection("spring test setup")) {
            Channel setup = direct.createChannel();
            setup.queueDeclare(queue, false, false, true, null);
            broker.stopListening(); // the broker is down

            try (AmqProxy proxy = AmqProxy.builder().upstream(broker.uri()).listen("127.0.0.1", 0)
                    .upstreamConnectTimeout(Duration.ofSeconds(2)).start()) {
                // the proxy finds the broker down through a first client, as it would through any application's
                try {
                    LocalBroker.viaProxy(proxy.port()).newConnection("first").abort();
                    fail("a client got through while the broker was down");
                } catch (Exception expected) {
                    // refused: 320 after its login, the proxy did not know yet
                }

                List<String> received = new CopyOnWriteArrayList<>();
                CachingConnectionFactory cf = new CachingConnectionFactory("127.0.0.1", proxy.port());
                cf.setUsername("guest");
                cf.setPassword("guest");
                SimpleMessageListenerContainer container = new SimpleMessageListenerContainer(cf);
                container.setQueueNames(queue);
                container.setRecoveryInterval(500);
                container.setMessageListener(m -> received.add(new String(m.getBody(), StandardCharsets.UTF_8)));
                try {
                    container.start();
                    // several recovery intervals, across the node's backoffs and probes, with the broker down
                    Thread.sleep(4_000); // a window in which the container must not give up, not synchronisation
                    assertThat(container.isRunning()).as("the container after 4 s of a down broker").isTrue();

                    broker.startListening();
                    broker.onAccept(); // the broker is back: relay to it
                    setup.basicPublish("", queue, null, "after the outage".getBytes(StandardCharsets.UTF_8));
                    Poll.until("the container's delivery", Duration.ofSeconds(20), () -> received.size(),
                            n -> n > 0);
                    assertThat(received).containsExactly("after the outage");
                } finally {
                    container.stop();
                    cf.destroy();
                }
            } finally {
                setup.queueDelete(queue);
            }
        }
    }

    private static ConnectionFactory directFactory(URI broker) {
        ConnectionFactory f = new ConnectionFactory();
        f.setHost(broker.getHost());
        f.setPort(broker.getPort());
        f.setUsername("guest");
        f.setPassword("guest");
        f.setAutomaticRecoveryEnabled(false);
        return f;
    }
}
