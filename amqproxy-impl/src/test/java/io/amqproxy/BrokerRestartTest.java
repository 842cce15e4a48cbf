package io.amqproxy;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import com.rabbitmq.client.ShutdownSignalException;
import io.amqproxy.testsupport.AmqpErrors;
import io.amqproxy.testsupport.Await;
import io.amqproxy.testsupport.CountingProxyListener;
import io.amqproxy.testsupport.LoopThreadCpu;
import io.amqproxy.testsupport.PrivateNode;
import io.amqproxy.testsupport.PrivateRabbit;
import io.amqproxy.testsupport.PrivateRabbitScript;
import io.amqproxy.testsupport.ProxyFixture;
import io.amqproxy.testsupport.TestBroker;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Issue 5, "broker restart": {@code rabbitmqctl stop_app} with clients connected through the proxy. They learn
 * within 10 s (Connection.Close 320, the broker's or the proxy's); while the broker is down a new client is
 * refused clearly within the connect timeout and the proxy's event loop idles instead of spinning; after
 * {@code start_app} new clients work within 10 s.
 *
 * <p>The broker is the private node {@link PrivateRabbit#shared()}, never the shared broker: stopping that would fail
 * every other run's tests meanwhile. The application is always restarted, in {@code finally}, and the test waits
 * until the node is fully up again, so that the next class sharing the node finds it serving.
 */
@Tag("private-rabbit")
@Timeout(value = 85, unit = TimeUnit.SECONDS)
class BrokerRestartTest {

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(3);
    private static final Duration CLIENTS_LEARN = Duration.ofSeconds(10);
    private static final Duration BACK_IN_SERVICE = Duration.ofSeconds(10);
    private static final Duration CPU_WINDOW = Duration.ofSeconds(3);

    private static PrivateRabbit rabbit;
    private static PrivateNode node;

    @RegisterExtension
    final ProxyFixture fx = ProxyFixture.on(node, b -> b.upstreamConnectTimeout(CONNECT_TIMEOUT));
    private CountingProxyListener events;
    private AmqProxy proxy;
    private LoopThreadCpu loopCpu;

    @BeforeAll
    @Timeout(value = 200, unit = TimeUnit.SECONDS)
    static void startNode() {
        assumeTrue(PrivateRabbitScript.locate().rabbitmqInstalled(), "needs RabbitMQ installed to start private nodes");
        rabbit = PrivateRabbit.shared();
        node = rabbit.node();
    }

    @BeforeEach
    void start() {
        events = fx.listener();
        LoopThreadCpu.Started<AmqProxy> started = LoopThreadCpu.around(fx::proxy);
        proxy = started.value();
        loopCpu = started.cpu();
    }

    private ConnectionFactory client() {
        ConnectionFactory f = TestBroker.viaProxy(proxy.port());
        f.setConnectionTimeout(10_000);
        f.setHandshakeTimeout(10_000);
        return f;
    }

    private Connection connect(String name) throws Exception {
        return fx.connect(client(), name);
    }

    private static CompletableFuture<ShutdownSignalException> shutdownOf(Connection c) {
        CompletableFuture<ShutdownSignalException> f = new CompletableFuture<>();
        c.addShutdownListener(f::complete);
        return f;
    }

    @Test
    void clientsLearnOfARestartNewClientsAreRefusedClearlyMeanwhileAndWorkWhenTheBrokerIsBack() throws Exception {
        Connection consumer = connect("restart consumer");
        Connection publisher = connect("restart publisher");
        CompletableFuture<ShutdownSignalException> consumerDown = shutdownOf(consumer);
        CompletableFuture<ShutdownSignalException> publisherDown = shutdownOf(publisher);
        Channel consuming = consumer.createChannel();
        String before = consuming.queueDeclare().getQueue(); // server-named, exclusive: gone with the broker app
        consuming.basicConsume(before, true, (tag, d) -> { }, tag -> { });
        publisher.createChannel().confirmSelect();
        assertThat(proxy.stats().upstreamConnections()).isEqualTo(1);

        long stopAt = System.nanoTime();
        CompletableFuture<Void> stopApp = CompletableFuture.runAsync(() -> rabbit.stopApp(node));
        long backAt;
        try {
            // connected clients learn within 10 s of the stop
            for (CompletableFuture<ShutdownSignalException> f : List.of(consumerDown, publisherDown)) {
                long leftMillis = CLIENTS_LEARN.toMillis() - (System.nanoTime() - stopAt) / 1_000_000;
                ShutdownSignalException sse = f.get(Math.max(1, leftMillis), TimeUnit.MILLISECONDS);
                assertThat(sse.isHardError()).as("a connection-level close").isTrue();
                assertThat(sse.isInitiatedByApplication()).as("not initiated by the client").isFalse();
                assertThat(sse.getReason()).as("a Connection.Close, not a dropped socket: %s", sse)
                        .isInstanceOf(AMQP.Connection.Close.class);
                AMQP.Connection.Close close = (AMQP.Connection.Close) sse.getReason();
                assertThat(close.getReplyCode()).as("reply to a client: %s", close.getReplyText())
                        .isEqualTo(AMQP.CONNECTION_FORCED);
                assertThat(close.getReplyText()).startsWith("CONNECTION_FORCED - ");
            }
            stopApp.get(60, TimeUnit.SECONDS);
            Await.until(Duration.ofSeconds(10), "the proxy to count no upstream",
                    () -> proxy.stats().upstreamConnections() == 0);

            // the broker's app is down: a new client is refused at once with a reason, not left hanging
            long t0 = System.nanoTime();
            Exception refused = null;
            try {
                connect("while the broker is down").abort();
            } catch (Exception e) {
                refused = e;
            }
            long refusedMillis = (System.nanoTime() - t0) / 1_000_000;
            if (refused == null) {
                fail("a client got a connection through the proxy while the broker's app was stopped");
            }
            assertThat(AmqpErrors.replyCode(refused)).as("a Connection.Close from the proxy: %s", refused)
                    .isEqualTo(AMQP.CONNECTION_FORCED);
            assertThat(AmqpErrors.replyText(refused)).contains(fx.brokerHost() + ":" + fx.brokerPort());
            assertThat(refusedMillis).as("ms until refused: %s", AmqpErrors.replyText(refused))
                    .isLessThan(CONNECT_TIMEOUT.toMillis() + 2_000);
            assertThat(proxy.health().upstreamError()).as("health while the broker is down")
                    .contains(fx.brokerHost() + ":" + fx.brokerPort());

            // and with nobody asking, the proxy neither spins nor keeps dialling the broker
            long failures = proxy.stats().upstreamConnectFailures();
            double share = loopCpu.shareDuring(() -> pause(CPU_WINDOW));
            assertThat(share).as("event loop CPU share while the broker is down").isLessThan(0.3);
            assertThat(proxy.stats().upstreamConnectFailures()).as("no retries without demand").isEqualTo(failures);
        } finally {
            backAt = restartBrokerApp(stopApp);
        }

        // the broker is back: new clients work within 10 s, on a fresh upstream, with real effects
        Connection after = Await.value(BACK_IN_SERVICE.minusNanos(System.nanoTime() - backAt), this::tryConnect,
                c -> c != null);
        assertThat(after).as("a client through the proxy within %s of the broker being back", BACK_IN_SERVICE)
                .isNotNull();
        String queue = fx.newQueue("restart");
        Channel ch = after.createChannel();
        ch.confirmSelect();
        ch.basicPublish("", queue, null, "after restart".getBytes(StandardCharsets.UTF_8));
        ch.waitForConfirmsOrDie(10_000);
        GetResponse got = fx.broker().get(queue);
        assertThat(got).as("the message at the broker").isNotNull();
        assertThat(new String(got.getBody(), StandardCharsets.UTF_8)).isEqualTo("after restart");
        assertThat(proxy.health().upstreamError()).as("health once the broker is back").isNull();
        assertThat(proxy.health().healthy()).isTrue();
        assertThat(events.upstreamsOpened()).as("a fresh upstream after the restart").isEqualTo(2);
    }

    /** One attempt to connect through the proxy; {@code null} when refused. */
    private Connection tryConnect() {
        try {
            return fx.connect(client(), "after restart");
        } catch (Exception e) {
            return null;
        }
    }

    /**
     * Starts the node's app again (after the stop has finished, whatever it did) and waits until it takes
     * connections; returns when it was back, as System.nanoTime().
     */
    private static long restartBrokerApp(CompletableFuture<Void> stopApp) {
        try {
            stopApp.get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            System.err.println("rabbitmqctl stop_app: " + e);
        }
        rabbit.startApp(node);
        Await.until(Duration.ofSeconds(60), "the node to listen on " + node.amqpPort() + " again",
                () -> answers("127.0.0.1", node.amqpPort()));
        rabbit.rabbitmqctl(node, "await_startup");
        return System.nanoTime();
    }

    private static boolean answers(String host, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void pause(Duration d) {
        try {
            Thread.sleep(d.toMillis()); // a measuring window, not synchronisation
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
