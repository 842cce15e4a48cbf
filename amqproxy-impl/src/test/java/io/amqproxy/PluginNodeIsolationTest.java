package io.amqproxy;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DeliverCallback;
import com.rabbitmq.client.GetResponse;
import com.rabbitmq.client.ShutdownSignalException;
import io.amqproxy.testsupport.AmqpErrors;
import io.amqproxy.testsupport.Await;
import io.amqproxy.testsupport.Bystanders;
import io.amqproxy.testsupport.CountingProxyListener;
import io.amqproxy.testsupport.Hs256SigningKey;
import io.amqproxy.testsupport.PrivateRabbit;
import io.amqproxy.testsupport.Frames;
import io.amqproxy.testsupport.PrivateRabbitScript;
import io.amqproxy.testsupport.RawAmqpClient;
import io.amqproxy.testsupport.SecretUpdates;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Issue 14 on a private node with plugins: the consistent-hash exchange type (a plugin type, so the proxy tries it
 * on a connection nobody shares before it lets the declare reach a shared one) and OAuth 2 token refresh through
 * Connection.UpdateSecret, with tokens signed by the test's HS256 key. Each test keeps a publisher with confirms and
 * a consumer on the upstream connection the acting client uses, and checks they saw nothing.
 *
 * <p>Tagged {@code private-rabbit}: it starts its own RabbitMQ node.
 */
@Tag("private-rabbit")
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class PluginNodeIsolationTest {

    private static final String RESOURCE_SERVER = "rabbitmq";
    private static final List<String> ALL = List.of("rabbitmq.configure:*/*", "rabbitmq.write:*/*", "rabbitmq.read:*/*");
    private static final Hs256SigningKey KEY = Hs256SigningKey.random("amqproxy-isolation-key");
    private static PrivateRabbit rabbit;

    private final CountingProxyListener listener = new CountingProxyListener();
    private final List<Connection> connections = new ArrayList<>();
    private AmqProxy proxy;

    @BeforeAll
    @Timeout(value = 200, unit = TimeUnit.SECONDS)
    static void startNode() {
        assumeTrue(PrivateRabbitScript.locate().rabbitmqInstalled(), "needs RabbitMQ installed to start private nodes");
        rabbit = PrivateRabbit.builder("isolation")
                .plugins("rabbitmq_auth_backend_oauth2", "rabbitmq_consistent_hash_exchange")
                .conf("auth_backends.1 = rabbit_auth_backend_oauth2")
                .conf("auth_backends.2 = rabbit_auth_backend_internal")
                .advancedConfig(KEY.advancedConfig(RESOURCE_SERVER))
                .start();
    }

    @AfterAll
    static void stopNode() {
        if (rabbit != null) {
            rabbit.close();
        }
    }

    @BeforeEach
    void startProxy() {
        proxy = AmqProxy.builder().upstream(rabbit.node().upstreamUri()).listen("127.0.0.1", 0)
                .separateConsumers(false).listener(listener).start();
    }

    @AfterEach
    void stop() {
        connections.forEach(c -> c.abort(2_000));
        proxy.close();
    }

    @Test
    void aPluginExchangeTypeIsDeclaredThroughTheProxyAndAnUnknownOneClosesOnlyItsClient() throws Exception {
        ConnectionFactory guest = viaProxy("guest", "guest");
        try (Bystanders bystanders = Bystanders.start(guest, queue(), queue(), rabbit.node().factory())) {
            Channel ch = open(guest).createChannel();
            String exchange = "chx-" + UUID.randomUUID();
            ch.exchangeDeclare(exchange, "x-consistent-hash", false, true, null);
            String q1 = ch.queueDeclare().getQueue();
            String q2 = ch.queueDeclare().getQueue();
            ch.queueBind(q1, exchange, "1");
            ch.queueBind(q2, exchange, "1");
            ch.confirmSelect();
            for (int i = 0; i < 100; i++) {
                ch.basicPublish(exchange, "key-" + i, null, new byte[] {(byte) i});
            }
            ch.waitForConfirmsOrDie(10_000);
            assertThat(ch.messageCount(q1) + ch.messageCount(q2)).as("routed by the plugin's exchange").isEqualTo(100);
            assertThat(ch.messageCount(q1)).isPositive();
            assertThat(ch.messageCount(q2)).isPositive();

            Connection other = open(guest);
            Throwable e = catchThrowable(() -> other.createChannel().exchangeDeclare("x-" + UUID.randomUUID(), "x-no-such-type"));
            assertThat(AmqpErrors.isConnectionError(e)).as(AmqpErrors.describe(e)).isTrue();
            assertThat(AmqpErrors.replyText(e)).isEqualTo("COMMAND_INVALID - unknown exchange type 'x-no-such-type'");
            assertThat(ch.isOpen()).as("the declaring client's channel, on the same upstream").isTrue();
            bystanders.assertUndisturbed();
        }
    }

    @Test
    void aConsumerRefreshesItsTokenAndKeepsWorkingPastItsFirstExpiry() throws Exception {
        Instant firstExpiry = Instant.now().plusSeconds(6);
        String shortLived = KEY.token("token-user", RESOURCE_SERVER, ALL, firstExpiry);
        ConnectionFactory withToken = viaProxy("ignored", shortLived);
        String fed = queue();
        try (Bystanders bystanders = Bystanders.start(withToken, queue(), queue(), rabbit.node().factory())) {
            Connection consumer = open(withToken);
            AtomicInteger received = new AtomicInteger();
            DeliverCallback onDelivery = (tag, d) -> received.incrementAndGet();
            consumer.createChannel().basicConsume(fed, true, onDelivery, tag -> { });
            assertThat(proxy.stats().upstreamConnections()).as("consumer and bystanders share one upstream").isEqualTo(1);

            SecretUpdates.send(consumer, KEY.token("token-user", RESOURCE_SERVER, ALL, Instant.now().plusSeconds(600)),
                    "refresh before expiry");
            Await.until(Duration.ofSeconds(20), "the first token to expire",
                    () -> Instant.now().isAfter(firstExpiry.plusSeconds(3)));

            feed(fed, 3);
            Await.until(Duration.ofSeconds(10), "3 deliveries after the first expiry", () -> received.get() >= 3);
            // what the broker checks the token for: a new channel that declares, publishes and gets
            Channel later = consumer.createChannel();
            String own = later.queueDeclare().getQueue();
            later.basicPublish("", own, null, new byte[] {9});
            assertThat(awaitGet(later, own).getBody()).containsExactly(9);
            bystanders.assertUndisturbed();
        }
    }

    @Test
    void aRefreshWithAnotherUsersTokenClosesOnlyThatClient() throws Exception {
        String token = KEY.token("token-user", RESOURCE_SERVER, ALL, Instant.now().plusSeconds(600));
        ConnectionFactory withToken = viaProxy("ignored", token);
        try (Bystanders bystanders = Bystanders.start(withToken, queue(), queue(), rabbit.node().factory())) {
            Connection refreshing = open(withToken);
            String stranger = KEY.token("another-user", RESOURCE_SERVER, ALL, Instant.now().plusSeconds(600));
            Throwable e = catchThrowable(() -> SecretUpdates.send(refreshing, stranger, "someone else's token"));
            ShutdownSignalException closed = AmqpErrors.shutdownSignal(e);
            assertThat(closed).as("%s", e).isNotNull();
            assertThat(closed.isHardError()).isTrue();
            assertThat(((AMQP.Connection.Close) closed.getReason()).getReplyCode()).isEqualTo(530);
            assertThat(((AMQP.Connection.Close) closed.getReason()).getReplyText())
                    .isEqualTo("NOT_ALLOWED - New secret was refused by one of the backends");
            bystanders.assertUndisturbed();
        }
    }

    @Test
    void aRefreshWithAForgedTokenIsRefusedWithTheBrokersReply() throws Exception {
        String token = KEY.token("token-user", RESOURCE_SERVER, ALL, Instant.now().plusSeconds(600));
        String forged = Hs256SigningKey.random(KEY.keyId())
                .token("token-user", RESOURCE_SERVER, ALL, Instant.now().plusSeconds(600));
        // what the broker answers, read off the wire (the Java client reports this close without its reply)
        RawAmqpClient.Close expected;
        try (RawAmqpClient direct = RawAmqpClient.connect(rabbit.node().amqpPort())) {
            direct.handshake("ignored", token, "/", 0, 0, true);
            direct.sendMethod(0, 10, 70, Frames.args().longstr(forged).shortstr("forged"));
            expected = direct.expectConnectionClose(Duration.ofSeconds(10));
        }
        assertThat(expected.replyCode()).as("the broker refuses a forged token").isEqualTo(530);

        ConnectionFactory withToken = viaProxy("ignored", token);
        try (Bystanders bystanders = Bystanders.start(withToken, queue(), queue(), rabbit.node().factory())) {
            ShutdownSignalException got = AmqpErrors.shutdownSignal(
                    catchThrowable(() -> SecretUpdates.send(open(withToken), forged, "forged")));
            assertThat(got).isNotNull();
            assertThat(got.isHardError()).isTrue();
            AMQP.Connection.Close was = (AMQP.Connection.Close) got.getReason();
            assertThat(was.getReplyCode()).isEqualTo(expected.replyCode());
            assertThat(was.getReplyText()).isEqualTo(expected.replyText());
            assertThat(was.getClassId() << 16 | was.getMethodId()).isEqualTo(expected.classId() << 16 | expected.methodId());
            bystanders.assertUndisturbed();
        }
    }

    private ConnectionFactory viaProxy(String user, String password) {
        ConnectionFactory f = rabbit.node().factory();
        f.setPort(proxy.port());
        f.setUsername(user);
        f.setPassword(password);
        return f;
    }

    private Connection open(ConnectionFactory f) throws Exception {
        Connection c = f.newConnection("plugin-node-isolation-test");
        connections.add(c);
        return c;
    }

    /** A new durable queue on the node, declared directly as guest. */
    private static String queue() throws Exception {
        try (Connection c = rabbit.node().factory().newConnection()) {
            String q = "isolation-" + UUID.randomUUID();
            c.createChannel().queueDeclare(q, false, false, true, null);
            return q;
        }
    }

    private static void feed(String queue, int n) throws Exception {
        try (Connection c = rabbit.node().factory().newConnection()) {
            Channel ch = c.createChannel();
            ch.confirmSelect();
            for (int i = 0; i < n; i++) {
                ch.basicPublish("", queue, null, new byte[] {(byte) i});
            }
            ch.waitForConfirmsOrDie(10_000);
        }
    }

    private static GetResponse awaitGet(Channel ch, String queue) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            GetResponse r = ch.basicGet(queue, true);
            if (r != null) {
                return r;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("nothing in " + queue + " within 10 s");
    }
}
