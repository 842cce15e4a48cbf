package io.amqproxy;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.GetResponse;
import com.rabbitmq.client.ShutdownSignalException;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Behaviour 11: when the broker closes an upstream connection, every client on it gets Connection.Close with the
 * broker's code and text at once, and the next client gets a fresh upstream.
 *
 * <p>The clients log in as a throw-away broker user so that the test can pick out and close its own proxy's
 * upstream while other tests use the same broker.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UpstreamClosedByBrokerTest {

    private static ScratchBrokerUser user;
    @RegisterExtension
    // one shared broker connection is the premise here
    final ProxyFixture fx = new ProxyFixture(b -> b.separateConsumers(false));
    private AmqProxy proxy;

    @BeforeEach
    void start() {
        proxy = fx.proxy();
    }

    @BeforeAll
    static void createUser() {
        assumeTrue(TestBroker.hasRabbitmqctl(), "needs rabbitmqctl to tell this test's broker connections apart");
        user = ScratchBrokerUser.create("upstream-close");
    }

    @AfterAll
    static void deleteUser() {
        if (user != null) {
            user.close();
        }
    }

    @Test
    void clientsOfAnUpstreamClosedByTheBrokerGetItsCodeAndTextPromptlyAndNewClientsGetAFreshUpstream()
            throws Exception {
        String queue = "amqproxy-test-upstream-close-" + UUID.randomUUID();
        fx.deleteAfter(queue);
        Connection c1 = fx.connect(user.viaProxy(proxy.port()), "close test client 1");
        Connection c2 = fx.connect(user.viaProxy(proxy.port()), "close test client 2");
        CompletableFuture<ShutdownSignalException> s1 = new CompletableFuture<>();
        CompletableFuture<ShutdownSignalException> s2 = new CompletableFuture<>();
        c1.addShutdownListener(s1::complete);
        c2.addShutdownListener(s2::complete);
        Channel ch1 = c1.createChannel();
        ch1.queueDeclare(queue, false, false, false, null);
        Channel ch2 = c2.createChannel();
        ch2.basicConsume(queue, true, (tag, d) -> { }, tag -> { }); // a consumer waiting, never a hang

        List<String> upstreams = Await.valueOrFail(Duration.ofSeconds(10), "one upstream for this user at the broker", user::upstreamPids, l -> l.size() == 1);
        String reason = "closed-by-amqproxy-test-" + UUID.randomUUID().toString().substring(0, 8);

        TestBroker.rabbitmqctl("close_connection", upstreams.get(0), reason);
        long closedAt = System.nanoTime();

        for (CompletableFuture<ShutdownSignalException> f : List.of(s1, s2)) {
            ShutdownSignalException sse = f.get(5, TimeUnit.SECONDS);
            assertThat(sse.isHardError()).as("a connection-level close").isTrue();
            assertThat(sse.isInitiatedByApplication()).as("initiated by the server side").isFalse();
            assertThat(sse.getReason()).isInstanceOf(AMQP.Connection.Close.class);
            AMQP.Connection.Close close = (AMQP.Connection.Close) sse.getReason();
            assertThat(close.getReplyCode()).isEqualTo(AMQP.CONNECTION_FORCED);
            assertThat(close.getReplyText()).isEqualTo("CONNECTION_FORCED - " + reason);
        }
        double seconds = (System.nanoTime() - closedAt) / 1e9;
        assertThat(seconds).as("seconds until both clients knew").isLessThan(5);
        assertThat(c1.isOpen()).isFalse();
        assertThat(c2.isOpen()).isFalse();
        Await.until(Duration.ofSeconds(5), "the proxy counts no upstream",
                () -> proxy.stats().upstreamConnections() == 0);

        // a new client works, on a new upstream
        try (Connection c3 = user.viaProxy(proxy.port()).newConnection("close test client 3")) {
            Channel ch3 = c3.createChannel();
            ch3.confirmSelect();
            ch3.basicPublish("", queue, null, "after".getBytes(StandardCharsets.UTF_8));
            ch3.waitForConfirmsOrDie(10_000);
            GetResponse r = ch3.basicGet(queue, true);
            assertThat(r).isNotNull();
            assertThat(new String(r.getBody(), StandardCharsets.UTF_8)).isEqualTo("after");
            List<String> now = user.upstreamPids();
            assertThat(now).hasSize(1);
            assertThat(now.get(0)).as("a fresh upstream connection").isNotEqualTo(upstreams.get(0));
        }
    }
}
