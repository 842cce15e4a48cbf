package io.amqproxy;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.GetResponse;
import io.amqproxy.testsupport.Await;
import io.amqproxy.testsupport.ProxyFixture;
import io.amqproxy.testsupport.TestBroker;
import io.amqproxy.testsupport.relay.FaultRelay;
import io.amqproxy.testsupport.relay.RelayEffect.Fin;
import io.amqproxy.testsupport.relay.RelayEffect.Reset;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Behaviour 6, a client that goes away (Connection.Close, FIN, RST as after kill -9) gets its upstream channels
 * closed exactly once: its unacked deliveries are back in the queue at once and its consumers are gone, as the
 * broker reports; the shared upstream and the neighbour on it carry on. A client that dies in the middle of a
 * publish leaves no partial message. Abrupt ends go through a {@link FaultRelay} between client and proxy.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ClientDisconnectTest {

    private static final Duration REQUEUE_DEADLINE = Duration.ofSeconds(5);
    private static final Duration WAIT = Duration.ofSeconds(10);

    /** How client A leaves. */
    enum Departure {
        CONNECTION_CLOSE, FIN, RESET
    }

    @RegisterExtension
    // neighbours on ONE broker connection are the premise here, consumers included
    final ProxyFixture fx = new ProxyFixture(b -> b.separateConsumers(false));
    private FaultRelay relay;

    @BeforeEach
    void startRelay() {
        relay = fx.relayToProxy();
    }

    private Connection connectThroughRelay(String name) throws Exception {
        return fx.connect(TestBroker.viaProxy(relay.port()), name);
    }

    /** Starts a manual-ack consumer with the given prefetch; returns the count of deliveries it got. */
    private static AtomicInteger holdUnacked(Channel ch, String queue, int prefetch) throws Exception {
        AtomicInteger deliveries = new AtomicInteger();
        ch.basicQos(prefetch);
        ch.basicConsume(queue, false, new DefaultConsumer(ch) {
            @Override
            public void handleDelivery(String tag, Envelope env, AMQP.BasicProperties p, byte[] body) {
                deliveries.incrementAndGet();
            }
        });
        return deliveries;
    }

    /** Client B, straight to the proxy (same credentials, same upstream): a consumer that must never notice. */
    private AtomicInteger neighbourConsuming(String queue) throws Exception {
        Channel ch = fx.viaProxy("B").createChannel();
        AtomicInteger received = new AtomicInteger();
        ch.basicConsume(queue, true, new DefaultConsumer(ch) {
            @Override
            public void handleDelivery(String tag, Envelope env, AMQP.BasicProperties p, byte[] body) {
                received.incrementAndGet();
            }
        });
        return received;
    }

    private void leave(Departure how, Connection a) throws Exception {
        switch (how) {
            case CONNECTION_CLOSE -> a.close(5_000);
            case FIN -> relay.apply(new Fin());
            case RESET -> relay.apply(new Reset());
        }
    }

    private void assertUpstreamUntouched() {
        assertThat(fx.listener().upstreamsClosed()).as("upstream closes: %s", fx.listener().upstreamCloseReasons())
                .isZero();
        assertThat(fx.listener().upstreamsOpened()).isEqualTo(1);
        assertThat(fx.proxy().stats().upstreamConnections()).isEqualTo(1);
    }

    @ParameterizedTest
    @EnumSource(Departure.class)
    void unackedDeliveriesAreRequeuedAndConsumersCancelledWhenTheClientGoes(Departure how) throws Exception {
        String first = fx.newQueue("gone-1");
        String second = fx.newQueue("gone-2");
        String neighbourQueue = fx.newQueue("gone-b");
        fx.broker().publishConfirmed(first, 20);
        fx.broker().publishConfirmed(second, 20);
        AtomicInteger neighbourGot = neighbourConsuming(neighbourQueue);

        Connection a = connectThroughRelay("A");
        AtomicInteger firstDeliveries = holdUnacked(a.createChannel(), first, 5);
        AtomicInteger secondDeliveries = holdUnacked(a.createChannel(), second, 3);
        a.createChannel(); // an idle channel, which must be closed too
        Await.until(WAIT, "A to hold its prefetch", () -> firstDeliveries.get() == 5 && secondDeliveries.get() == 3);
        assertThat(Await.value(WAIT, () -> fx.broker().readyCount(first), n -> n == 15)).isEqualTo(15);
        assertThat(Await.value(WAIT, () -> fx.broker().readyCount(second), n -> n == 17)).isEqualTo(17);
        assertThat(fx.broker().consumerCount(first)).isEqualTo(1);
        assertThat(fx.proxy().stats().upstreamConnections()).as("A and B share one upstream").isEqualTo(1);
        assertThat(Await.value(WAIT, () -> fx.proxy().stats().upstreamChannels(), n -> n == 4))
                .as("B's channel and A's three").isEqualTo(4);

        leave(how, a);

        Await.until(REQUEUE_DEADLINE, "unacked deliveries requeued and consumers gone at the broker",
                () -> fx.broker().readyCount(first) == 20 && fx.broker().consumerCount(first) == 0
                        && fx.broker().readyCount(second) == 20 && fx.broker().consumerCount(second) == 0);
        Await.until(WAIT, "the proxy to drop A's channels", () -> fx.proxy().stats().upstreamChannels() == 1
                && fx.proxy().stats().clientChannels() == 1 && fx.proxy().stats().clientConnections() == 1);

        fx.broker().publishConfirmed(neighbourQueue, 10);
        Await.until(WAIT, "B to keep receiving", () -> neighbourGot.get() == 10);
        assertUpstreamUntouched();
        assertThat(fx.broker().consumerCount(neighbourQueue)).isEqualTo(1);
    }

    @ParameterizedTest
    @EnumSource(Departure.class)
    void deliveriesInFlightWhenAClientGoesAreAllRequeued(Departure how) throws Exception {
        // no prefetch limit: the broker floods the upstream channel while the client goes away, so deliveries
        // are still arriving for a channel the proxy is closing
        String queue = fx.newQueue("flood");
        String neighbourQueue = fx.newQueue("flood-b");
        fx.broker().publishConfirmed(queue, 3000);
        AtomicInteger neighbourGot = neighbourConsuming(neighbourQueue);
        Connection a = connectThroughRelay("A");
        AtomicInteger got = holdUnacked(a.createChannel(), queue, 0);
        Await.until(WAIT, "the flood to start", () -> got.get() > 10);

        leave(how, a);

        int ready = Await.value(REQUEUE_DEADLINE, () -> fx.broker().readyCount(queue), n -> n == 3000);
        assertThat(ready).as("every message back in the queue (A had received %d)", got.get()).isEqualTo(3000);
        assertThat(fx.broker().consumerCount(queue)).isZero();
        Await.until(WAIT, "the proxy to drop A's channel", () -> fx.proxy().stats().upstreamChannels() == 1);
        fx.broker().publishConfirmed(neighbourQueue, 5);
        Await.until(WAIT, "B to keep receiving", () -> neighbourGot.get() == 5);
        assertUpstreamUntouched();
    }

    @ParameterizedTest
    @EnumSource(value = Departure.class, names = {"FIN", "RESET"})
    void aClientDyingInTheMiddleOfAPublishLeavesNoPartialMessage(Departure how) throws Exception {
        String queue = fx.newQueue("half");
        Connection b = fx.viaProxy("B");
        Channel bChannel = b.createChannel();
        bChannel.confirmSelect();

        Connection a = connectThroughRelay("A");
        Channel aChannel = a.createChannel();
        Await.until(WAIT, "A's channel at the proxy", () -> fx.proxy().stats().upstreamChannels() == 2);
        byte[] big = new byte[1024 * 1024];
        // method + header + the first two body frames get through, then the client is gone
        if (how == Departure.RESET) {
            relay.cutAfterClientBytes(300_000, new Reset());
        } else {
            relay.cutAfterClientBytes(300_000, new Fin());
        }
        try {
            aChannel.basicPublish("", queue, null, big);
        } catch (Exception expected) {
            // the socket went away under the client's feet
        }
        Await.until(WAIT, "the proxy to see A gone", () -> fx.proxy().stats().clientConnections() == 1
                && fx.proxy().stats().upstreamChannels() == 1);
        assertThat(relay.bytesFromClients()).as("A got part of the message out").isGreaterThan(200_000);

        // B, on the same upstream, publishes after the wreck
        bChannel.basicPublish("", queue, null, "from B".getBytes(StandardCharsets.UTF_8));
        bChannel.waitForConfirmsOrDie(10_000);
        assertThat(bChannel.isOpen()).isTrue();
        assertThat(fx.broker().readyCount(queue)).as("only B's message, no partial one").isEqualTo(1);
        GetResponse only = fx.broker().get(queue);
        assertThat(new String(only.getBody(), StandardCharsets.UTF_8)).isEqualTo("from B");
        assertUpstreamUntouched();
        assertThat(fx.proxy().stats().messagesPublished()).as("complete messages forwarded").isEqualTo(1);
    }

    @Test
    void channelsOfAClosedClientAreNotClosedTwice() throws Exception {
        // a client that closes its channels itself and then the connection: each upstream channel gets one Close;
        // a second Close for a freed channel id would make the broker close the whole shared upstream (504)
        String neighbourQueue = fx.newQueue("twice-b");
        AtomicInteger neighbourGot = neighbourConsuming(neighbourQueue);
        for (int round = 0; round < 5; round++) {
            Connection a = fx.viaProxy("A" + round);
            List<Channel> chans = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                chans.add(a.createChannel());
            }
            chans.get(0).close();
            chans.get(2).close();
            a.close(5_000);
        }
        Await.until(WAIT, "only B's channel left", () -> fx.proxy().stats().upstreamChannels() == 1);
        fx.broker().publishConfirmed(neighbourQueue, 3);
        Await.until(WAIT, "B to keep receiving", () -> neighbourGot.get() == 3);
        assertUpstreamUntouched();
    }
}
