package io.amqproxy;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import io.amqproxy.testsupport.Await;
import io.amqproxy.testsupport.ProxyFixture;
import io.amqproxy.testsupport.ScratchBrokerUser;
import io.amqproxy.testsupport.TestBroker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Behaviour 14: an upstream connection with no channels closes after the idle timeout; one with channels stays,
 * however quiet they are, so a consumer idle for longer than the timeout keeps receiving.
 *
 * <p>The clients log in as a throw-away broker user so that the broker-side count is this test's alone.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class IdleUpstreamTest {

    private static final Duration IDLE = Duration.ofSeconds(1);

    private static ScratchBrokerUser user;
    @RegisterExtension
    final ProxyFixture fx = new ProxyFixture(b -> b
            .separateConsumers(false) // one shared broker connection is the premise here
            .idleUpstreamTimeout(IDLE));
    private AmqProxy proxy;

    @BeforeEach
    void start() {
        proxy = fx.proxy();
    }

    @BeforeAll
    static void createUser() {
        assumeTrue(TestBroker.hasRabbitmqctl(), "needs rabbitmqctl to tell this test's broker connections apart");
        user = ScratchBrokerUser.create("idle");
    }

    @AfterAll
    static void deleteUser() {
        if (user != null) {
            user.close();
        }
    }

    @Test
    void upstreamClosesAfterTheIdleTimeoutOnceAllClientsLeft() throws Exception {
        try (Connection c = user.viaProxy(proxy.port()).newConnection("idle test client")) {
            Channel ch = c.createChannel();
            ch.exchangeDeclarePassive("amq.direct"); // a round trip to the broker
            assertThat(proxy.stats().upstreamConnections()).isEqualTo(1);
            assertThat(user.upstreamPids()).as("upstream at the broker while the client is there").hasSize(1);
        }
        long leftAt = System.nanoTime();
        Await.until(Duration.ofSeconds(5), "the proxy closes its idle upstream",
                () -> proxy.stats().upstreamConnections() == 0);
        double seconds = (System.nanoTime() - leftAt) / 1e9;
        assertThat(seconds).as("seconds until closed; idle timeout is 1 s, so not at once").isGreaterThanOrEqualTo(0.8);
        Await.valueOrFail(Duration.ofSeconds(10), "the broker no longer lists the upstream",
                user::upstreamPids, List::isEmpty);
        assertThat(fx.listener().upstreamCloseReasons()).as("closed by the proxy itself").hasSize(1)
                .allMatch(s -> s.startsWith("200"));

        // and the pool opens a new one on demand
        try (Connection c = user.viaProxy(proxy.port()).newConnection("idle test client 2")) {
            c.createChannel().exchangeDeclarePassive("amq.direct");
            assertThat(proxy.stats().upstreamConnections()).isEqualTo(1);
        }
    }

    @Test
    void consumerIdleForLongerThanTheTimeoutKeepsReceiving() throws Exception {
        String queue = "amqproxy-test-idle-consumer-" + UUID.randomUUID();
        try (Connection c = user.viaProxy(proxy.port()).newConnection("idle test consumer");
             Connection direct = TestBroker.direct().newConnection("idle test direct")) {
            Channel admin = direct.createChannel();
            admin.queueDeclare(queue, false, false, false, null);
            try {
                Channel ch = c.createChannel();
                BlockingQueue<String> received = new ArrayBlockingQueue<>(10);
                ch.basicConsume(queue, true, (tag, d) -> received.add(new String(d.getBody(), StandardCharsets.UTF_8)),
                        tag -> { });
                Channel idleButOpen = c.createChannel(); // a channel with no traffic at all

                Thread.sleep(3 * IDLE.toMillis()); // the test is about time passing: three idle timeouts

                assertThat(fx.listener().upstreamCloseReasons()).as("no upstream closed while channels were open")
                        .isEmpty();
                assertThat(proxy.stats().upstreamConnections()).isEqualTo(1);
                assertThat(admin.queueDeclarePassive(queue).getConsumerCount()).as("consumer still at the broker")
                        .isEqualTo(1);
                admin.basicPublish("", queue, null, "late".getBytes(StandardCharsets.UTF_8));
                assertThat(received.poll(5, TimeUnit.SECONDS)).isEqualTo("late");
                assertThat(idleButOpen.queueDeclarePassive(queue).getConsumerCount()).isEqualTo(1);
            } finally {
                admin.queueDelete(queue);
            }
        }
    }

    @Test
    void clientWithoutChannelsIsStillServedAfterTheIdleTimeout() throws Exception {
        try (Connection c = user.viaProxy(proxy.port()).newConnection("idle test channel-less client")) {
            // connected but no channel: the upstream that checked the login has no channels and may be retired
            Thread.sleep(3 * IDLE.toMillis()); // the test is about time passing
            assertThat(c.isOpen()).isTrue();
            Channel ch = c.createChannel();
            ch.exchangeDeclarePassive("amq.direct");
            assertThat(proxy.stats().upstreamConnections()).isEqualTo(1);
        }
    }
}
