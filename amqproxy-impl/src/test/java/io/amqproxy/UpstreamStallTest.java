package io.amqproxy;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.ShutdownSignalException;
import io.amqproxy.testsupport.Await;
import io.amqproxy.testsupport.BrokerSide;
import io.amqproxy.testsupport.CountingProxyListener;
import io.amqproxy.testsupport.ProxyFixture;
import io.amqproxy.testsupport.TestBroker;
import io.amqproxy.testsupport.relay.FaultRelay;
import io.amqproxy.testsupport.relay.RelayEffect.Delay;
import io.amqproxy.testsupport.relay.RelayEffect.Pause;
import io.amqproxy.testsupport.relay.RelayEffect.Reset;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 5, "upstream stalls mid-stream": a {@link FaultRelay} sits between one proxy and the broker while a
 * second proxy talks to the broker directly. A reset of the relayed path closes that proxy's clients at once
 * with Connection.Close 320; a stall shorter than the heartbeat deadline is ridden out, and what was held flows
 * on in order when the path resumes; a slow path (200 ms each way) works, only slower. The directly connected
 * proxy's clients never notice any of it.
 */
@Timeout(value = 80, unit = TimeUnit.SECONDS)
class UpstreamStallTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final Duration PROMPT = Duration.ofSeconds(5);

    @RegisterExtension
    // both proxies: one shared broker connection is the premise here
    final ProxyFixture fx = new ProxyFixture(b -> b.separateConsumers(false));
    private BrokerSide broker;
    private FaultRelay relay;
    private final CountingProxyListener relayedEvents = new CountingProxyListener();
    private CountingProxyListener directEvents;
    private AmqProxy relayed;
    private AmqProxy direct;

    @BeforeEach
    void start() {
        broker = fx.broker();
        relay = fx.relayToBroker();
        relayed = fx.anotherProxy(b -> b.upstream(relay.uri()).listener(relayedEvents));
        direct = fx.proxy();
        directEvents = fx.listener();
    }

    private String newQueue(String what) {
        return fx.newQueue(what);
    }

    private Connection connect(AmqProxy proxy, String name) throws Exception {
        return fx.connect(TestBroker.viaProxy(proxy.port()), name);
    }

    /** An auto-ack consumer that keeps the bodies it gets, in order. */
    private static List<String> consume(Connection c, String queue) throws Exception {
        List<String> got = new CopyOnWriteArrayList<>();
        Channel ch = c.createChannel();
        ch.basicConsume(queue, true, new DefaultConsumer(ch) {
            @Override
            public void handleDelivery(String tag, Envelope env, AMQP.BasicProperties p, byte[] body) {
                got.add(new String(body, StandardCharsets.UTF_8));
            }
        });
        return got;
    }

    private static CompletableFuture<ShutdownSignalException> shutdownOf(Connection c) {
        CompletableFuture<ShutdownSignalException> f = new CompletableFuture<>();
        c.addShutdownListener(f::complete);
        return f;
    }

    /** Publishes {@code count} messages on a confirm channel and waits for the broker's confirms. */
    private static void publishConfirmed(Channel ch, String queue, String prefix, int count) throws Exception {
        for (int i = 0; i < count; i++) {
            ch.basicPublish("", queue, null, (prefix + i).getBytes(StandardCharsets.UTF_8));
        }
        ch.waitForConfirmsOrDie(10_000);
    }

    private static List<String> bodies(String prefix, int count) {
        List<String> l = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            l.add(prefix + i);
        }
        return l;
    }

    /** The directly connected proxy's client still consumes and publishes, and its upstream never closed. */
    private void assertDirectProxyUnaffected(Connection b, List<String> bGot, String bQueue, int alreadyGot)
            throws Exception {
        broker.publishConfirmed(bQueue, 5);
        Await.until(WAIT, "the direct proxy's consumer to get 5 more", () -> bGot.size() == alreadyGot + 5);
        Channel ch = b.createChannel();
        ch.confirmSelect();
        publishConfirmed(ch, bQueue, "b", 1);
        ch.close();
        assertThat(b.isOpen()).isTrue();
        assertThat(directEvents.upstreamsClosed()).as("direct upstream closes: %s", directEvents.upstreamCloseReasons())
                .isZero();
        assertThat(directEvents.upstreamsOpened()).isEqualTo(1);
    }

    @Test
    void aResetOfTheBrokerPathClosesItsClientsAtOnceAndLeavesTheOtherProxyAlone() throws Exception {
        String aQueue = newQueue("stall-reset-a");
        String bQueue = newQueue("stall-reset-b");
        Connection a1 = connect(relayed, "relayed consumer");
        Connection a2 = connect(relayed, "relayed publisher");
        Connection b = connect(direct, "direct consumer");
        CompletableFuture<ShutdownSignalException> a1Down = shutdownOf(a1);
        CompletableFuture<ShutdownSignalException> a2Down = shutdownOf(a2);
        CompletableFuture<ShutdownSignalException> bDown = shutdownOf(b);
        consume(a1, aQueue);
        a2.createChannel().confirmSelect();
        List<String> bGot = consume(b, bQueue);
        Await.until(WAIT, "the relayed consumer at the broker", () -> broker.consumerCount(aQueue) == 1);
        assertThat(relayed.stats().upstreamConnections()).isEqualTo(1);
        assertThat(relay.openLinks()).as("one upstream through the relay").isEqualTo(1);

        relay.apply(new Reset());
        long resetAt = System.nanoTime();

        for (CompletableFuture<ShutdownSignalException> f : List.of(a1Down, a2Down)) {
            ShutdownSignalException sse = f.get(PROMPT.toSeconds(), TimeUnit.SECONDS);
            assertThat(sse.isHardError()).as("a connection-level close").isTrue();
            assertThat(sse.isInitiatedByApplication()).as("initiated by the proxy, not the client").isFalse();
            assertThat(sse.getReason()).as("a Connection.Close, not a dropped socket: %s", sse)
                    .isInstanceOf(AMQP.Connection.Close.class);
            AMQP.Connection.Close close = (AMQP.Connection.Close) sse.getReason();
            assertThat(close.getReplyCode()).isEqualTo(AMQP.CONNECTION_FORCED);
            assertThat(close.getReplyText()).startsWith("CONNECTION_FORCED - ")
                    .matches("(?is).*broker.*(lost|reset|closed).*");
        }
        double seconds = (System.nanoTime() - resetAt) / 1e9;
        assertThat(seconds).as("seconds until both relayed clients knew").isLessThan(PROMPT.toSeconds());
        Await.until(WAIT, "the broker to drop the relayed consumer", () -> broker.consumerCount(aQueue) == 0);
        Await.until(WAIT, "the relayed proxy to count no upstream and no client",
                () -> relayed.stats().upstreamConnections() == 0 && relayed.stats().clientConnections() == 0);
        assertThat(relayedEvents.upstreamCloseReasons()).hasSize(1);
        assertThat(relayedEvents.upstreamCloseReasons().get(0)).startsWith("320 ");

        assertThat(bDown).as("the direct proxy's client is not closed").isNotDone();
        assertDirectProxyUnaffected(b, bGot, bQueue, 0);

        // the path works again for new clients: a fresh upstream through the relay
        Connection a3 = connect(relayed, "relayed after reset");
        Channel ch = a3.createChannel();
        ch.confirmSelect();
        publishConfirmed(ch, aQueue, "after-reset-", 1);
        assertThat(broker.readyCount(aQueue)).isEqualTo(1);
        assertThat(relay.acceptedConnections()).as("a second upstream through the relay").isEqualTo(2);
    }

    @Test
    void aStallShorterThanTheHeartbeatDeadlineIsRiddenOutAndHeldTrafficFlowsOnInOrder() throws Exception {
        String aQueue = newQueue("stall-pause-a");
        String aPublishQueue = newQueue("stall-pause-apub");
        String bQueue = newQueue("stall-pause-b");
        Connection a1 = connect(relayed, "relayed consumer");
        Connection a2 = connect(relayed, "relayed publisher");
        Connection b = connect(direct, "direct consumer");
        CompletableFuture<ShutdownSignalException> a1Down = shutdownOf(a1);
        CompletableFuture<ShutdownSignalException> a2Down = shutdownOf(a2);
        List<String> aGot = consume(a1, aQueue);
        Channel publisher = a2.createChannel();
        publisher.confirmSelect();
        List<String> bGot = consume(b, bQueue);
        Await.until(WAIT, "the relayed consumer at the broker", () -> broker.consumerCount(aQueue) == 1);

        relay.apply(new Pause());
        long pausedAt = System.nanoTime();
        broker.publishConfirmed(aQueue, 5); // the broker sends them; the stalled path holds them
        CompletableFuture<Void> aPublished = CompletableFuture.runAsync(() -> {
            try {
                publishConfirmed(publisher, aPublishQueue, "a", 3);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertDirectProxyUnaffected(b, bGot, bQueue, 0);

        Duration restOfStall = Duration.ofMillis(Math.max(0, 3000 - (System.nanoTime() - pausedAt) / 1_000_000));
        boolean somethingHappened = Await.quietly(restOfStall,
                () -> !aGot.isEmpty() || a1Down.isDone() || a2Down.isDone() || aPublished.isDone());
        assertThat(somethingHappened)
                .as("during the stall: deliveries %s, a1 closed %s, a2 closed %s, publish done %s",
                        aGot, a1Down.isDone(), a2Down.isDone(), aPublished.isDone())
                .isFalse();
        assertThat(relayedEvents.upstreamsClosed()).as("relayed upstream closes: %s",
                relayedEvents.upstreamCloseReasons()).isZero();
        assertThat(relayed.stats().upstreamConnections()).isEqualTo(1);
        assertThat(broker.readyCount(aPublishQueue)).as("the relayed publishes are still held").isZero();

        relay.heal();

        Await.until(WAIT, "the held deliveries to arrive", () -> aGot.size() == 5);
        assertThat(aGot).as("in order, each once").containsExactlyElementsOf(bodies("m", 5));
        aPublished.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(broker.readyCount(aPublishQueue)).isEqualTo(3);
        assertThat(broker.get(aPublishQueue).getBody()).isEqualTo("a0".getBytes(StandardCharsets.UTF_8));

        // the same connections carry on: more traffic both ways, no reconnect
        broker.publishConfirmed(aQueue, 2);
        Await.until(WAIT, "deliveries after the stall", () -> aGot.size() == 7);
        publishConfirmed(publisher, aPublishQueue, "after", 1);
        assertThat(a1.isOpen()).isTrue();
        assertThat(a2.isOpen()).isTrue();
        assertThat(relayedEvents.upstreamsOpened()).as("the one upstream survived the stall").isEqualTo(1);
        assertThat(relayedEvents.upstreamsClosed()).isZero();
        assertThat(relay.acceptedConnections()).isEqualTo(1);
    }

    @Test
    void aSlowBrokerPathWorksOnlySlower() throws Exception {
        Duration oneWay = Duration.ofMillis(200);
        relay.apply(new Delay(oneWay));
        String aQueue = newQueue("stall-delay-a");
        String aPublishQueue = newQueue("stall-delay-apub");
        String bQueue = newQueue("stall-delay-b");
        Connection b = connect(direct, "direct consumer");
        List<String> bGot = consume(b, bQueue);

        long t0 = System.nanoTime();
        Connection a = connect(relayed, "relayed over a slow path");
        long connectMillis = (System.nanoTime() - t0) / 1_000_000;
        // header/Start, StartOk/Tune, Open/OpenOk: at least three round trips to the broker
        assertThat(connectMillis).as("ms to connect over the slow path").isBetween(3 * 2 * oneWay.toMillis() - 100, 10_000L);

        List<String> aGot = consume(a, aQueue);
        Channel publisher = a.createChannel();
        publisher.confirmSelect();
        long p0 = System.nanoTime();
        publishConfirmed(publisher, aPublishQueue, "slow", 20);
        long confirmMillis = (System.nanoTime() - p0) / 1_000_000;
        assertThat(confirmMillis).as("ms until 20 publishes were confirmed").isBetween(2 * oneWay.toMillis() - 50, 8_000L);
        assertThat(broker.readyCount(aPublishQueue)).isEqualTo(20);

        Await.until(WAIT, "the relayed consumer at the broker", () -> broker.consumerCount(aQueue) == 1);
        broker.publishConfirmed(aQueue, 50);
        Await.until(WAIT, "50 deliveries over the slow path", () -> aGot.size() == 50);
        assertThat(aGot).containsExactlyElementsOf(bodies("m", 50));

        assertThat(a.isOpen()).isTrue();
        assertThat(relayedEvents.upstreamsClosed()).isZero();
        assertDirectProxyUnaffected(b, bGot, bQueue, 0);
    }
}
