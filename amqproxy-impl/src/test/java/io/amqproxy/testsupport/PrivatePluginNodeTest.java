package io.amqproxy.testsupport;

import com.rabbitmq.client.AuthenticationFailureException;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DeliverCallback;
import com.rabbitmq.client.impl.NetworkConnection;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The private plugin node that tests of OAuth 2 token refresh and plugin exchange types stand on (issue 14): one
 * node with {@code rabbitmq_auth_backend_oauth2} (trusting an HS256 key made by the test, then the internal user
 * database) and {@code rabbitmq_consistent_hash_exchange}. Real broker, real Java client, no proxy.
 *
 * <p>Tagged {@code private-rabbit}: this starts its own RabbitMQ node (7 to 19 s on a busy 2-core machine);
 * {@code -DexcludedGroups=private-rabbit} leaves it out.
 */
@Tag("private-rabbit")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PrivatePluginNodeTest {

    private static final String RESOURCE_SERVER = "rabbitmq";
    private static final List<String> ALL_ON_EVERY_VHOST =
            List.of("rabbitmq.configure:*/*", "rabbitmq.write:*/*", "rabbitmq.read:*/*");
    private static final String TOKEN_USER = "amqproxy-token-user";

    private static final Hs256SigningKey KEY = Hs256SigningKey.random("amqproxy-test-key");
    private static PrivateRabbit rabbit;

    private final List<Connection> connections = new ArrayList<>();

    @BeforeAll
    @Timeout(value = 200, unit = TimeUnit.SECONDS)
    static void startNode() {
        assumeTrue(PrivateRabbitScript.locate().rabbitmqInstalled(), "needs RabbitMQ installed to start private nodes");
        long t0 = System.nanoTime();
        rabbit = PrivateRabbit.builder("plugins")
                .plugins("rabbitmq_auth_backend_oauth2", "rabbitmq_consistent_hash_exchange")
                // tokens first; guest (internal database) still logs in for set-up
                .conf("auth_backends.1 = rabbit_auth_backend_oauth2")
                .conf("auth_backends.2 = rabbit_auth_backend_internal")
                .advancedConfig(KEY.advancedConfig(RESOURCE_SERVER))
                .start();
        System.out.printf("private plugin node %s started in %d ms%n", rabbit.node(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
    }

    @AfterAll
    static void stopNode() {
        if (rabbit != null) {
            rabbit.close();
        }
    }

    @AfterEach
    void closeClients() {
        for (Connection c : connections) {
            c.abort(2_000);
        }
    }

    @Test
    void tokenSignedWithTheTrustedKeyLogsInAndPublishesAndConsumes() throws Exception {
        String token = KEY.token(TOKEN_USER, RESOURCE_SERVER, ALL_ON_EVERY_VHOST, Instant.now().plusSeconds(300));
        Connection c = open(tokenLogin(token));
        Channel ch = c.createChannel();
        String queue = ch.queueDeclare().getQueue();
        BlockingQueue<String> received = new ArrayBlockingQueue<>(1);
        DeliverCallback onDelivery = (tag, d) -> received.add(new String(d.getBody(), StandardCharsets.UTF_8));
        ch.basicConsume(queue, true, onDelivery, tag -> { });
        ch.basicPublish("", queue, null, "with a token".getBytes(StandardCharsets.UTF_8));
        assertThat(received.poll(10, TimeUnit.SECONDS)).isEqualTo("with a token");

        // the user exists only in the token: the OAuth 2 backend, not the internal database, let it in
        assertThat(rabbit.connections(rabbit.node()))
                .contains(new PrivateNodeSet.NodeConnection(((NetworkConnection) c).getLocalPort(), TOKEN_USER, "/"));
    }

    @Test
    void tokenSignedWithAnotherKeyOrExpiredIsRefused() {
        Instant later = Instant.now().plusSeconds(300);
        Hs256SigningKey stranger = Hs256SigningKey.random(KEY.keyId()); // same key id, other secret
        String forged = stranger.token(TOKEN_USER, RESOURCE_SERVER, ALL_ON_EVERY_VHOST, later);
        assertThatThrownBy(() -> open(tokenLogin(forged))).isInstanceOf(AuthenticationFailureException.class);

        String expired = KEY.token(TOKEN_USER, RESOURCE_SERVER, ALL_ON_EVERY_VHOST, Instant.now().minusSeconds(60));
        assertThatThrownBy(() -> open(tokenLogin(expired))).isInstanceOf(AuthenticationFailureException.class);

        String otherAudience = KEY.token(TOKEN_USER, "another-server", ALL_ON_EVERY_VHOST, later);
        assertThatThrownBy(() -> open(tokenLogin(otherAudience))).isInstanceOf(AuthenticationFailureException.class);
    }

    @Test
    void consistentHashExchangeIsDeclaredAndSpreadsMessagesByRoutingKey() throws Exception {
        Channel ch = open(rabbit.node().factory()).createChannel();
        String exchange = "chx-" + UUID.randomUUID();
        ch.exchangeDeclare(exchange, "x-consistent-hash", false, true, null);
        List<String> queues = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            String q = ch.queueDeclare().getQueue();
            ch.queueBind(q, exchange, "1"); // the binding key is the queue's weight
            queues.add(q);
        }
        ch.confirmSelect();
        for (int i = 0; i < 100; i++) {
            ch.basicPublish(exchange, "key-" + i, null, new byte[] {(byte) i});
        }
        ch.waitForConfirmsOrDie(10_000);
        long first = ch.messageCount(queues.get(0));
        long second = ch.messageCount(queues.get(1));
        assertThat(first + second).as("every message routed to one queue").isEqualTo(100);
        assertThat(first).as("spread over both queues").isPositive();
        assertThat(second).as("spread over both queues").isPositive();

        // the exchange type comes from the plugin: a type no plugin provides is refused, closing the connection
        Channel other = open(rabbit.node().factory()).createChannel();
        assertThatThrownBy(() -> other.exchangeDeclare("x-" + UUID.randomUUID(), "x-no-such-type"))
                .satisfies(e -> assertThat(AmqpErrors.replyCode(e)).isEqualTo(503));
    }

    private ConnectionFactory tokenLogin(String token) {
        ConnectionFactory f = rabbit.node().factory();
        f.setUsername("ignored-by-the-oauth2-backend");
        f.setPassword(token);
        return f;
    }

    private Connection open(ConnectionFactory f) throws Exception {
        Connection c = f.newConnection("private-plugin-node-test");
        connections.add(c);
        return c;
    }
}
