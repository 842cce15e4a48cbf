package io.amqproxy;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.DefaultConsumer;
import io.amqproxy.testsupport.Await;
import io.amqproxy.testsupport.ProxyFixture;
import io.amqproxy.testsupport.TestBroker;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Opt-in safe channel reuse: a channel on which only plain publishes and no-ack gets happened stays open
 * upstream when its client closes it, and the next client gets it; any other channel is closed as usual.
 */
@Timeout(60)
class SafeChannelReuseTest {

    @RegisterExtension
    final ProxyFixture fx = new ProxyFixture();
    private String queue;
    private AmqProxy proxy;

    @BeforeEach
    void setUp() {
        queue = fx.newQueue("reuse");
        proxy = fx.startProxy(b -> b.safeChannelReuse(true));
    }

    private long readyAtBroker() {
        return fx.broker().readyCount(queue);
    }

    private void awaitUpstreamChannels(long expected, String why) {
        Await.until(Duration.ofSeconds(5), why, () -> proxy.stats().upstreamChannels() == expected);
    }

    @Test
    void connectPublishDisconnectKeepsReusingOneUpstreamChannel() throws Exception {
        for (int i = 0; i < 50; i++) {
            try (Connection c = TestBroker.viaProxy(proxy.port()).newConnection(); Channel ch = c.createChannel()) {
                ch.basicPublish("", queue, null, ("m" + i).getBytes(StandardCharsets.UTF_8));
                if (i % 10 == 0) {
                    ch.basicGet(queue, true); // a no-ack get keeps the channel safe
                }
            }
        }
        Await.until(Duration.ofSeconds(5), "45 messages at the broker", () -> readyAtBroker() == 45);
        // a parked channel is handed out once its channel.flow round trip has settled it, so a client that comes
        // back within that round trip gets a fresh one: the parked set stays as small as the arrival rate allows
        assertThat(proxy.stats().upstreamChannels()).as("parked channels kept open for the next clients")
                .isBetween(1L, 8L);
        assertThat(proxy.stats().upstreamConnections()).isEqualTo(1);
    }

    @Test
    void aChannelClosedUnusedIsKeptAndServesTheNextClient() throws Exception {
        // the broker first hears of this channel when it is parked (its channel.flow), not at the client's open
        long framesBefore;
        try (Connection c = TestBroker.viaProxy(proxy.port()).newConnection()) {
            framesBefore = proxy.stats().framesFromUpstream(); // the upstream handshake is over: c was admitted
            c.createChannel().close();
        }
        awaitUpstreamChannels(1, "the unused channel parked");
        Await.until(Duration.ofSeconds(5), "Channel.OpenOk and Channel.FlowOk for the parked channel",
                () -> proxy.stats().framesFromUpstream() >= framesBefore + 2);
        try (Connection c = TestBroker.viaProxy(proxy.port()).newConnection(); Channel ch = c.createChannel()) {
            ch.basicPublish("", queue, null, "after an unused channel".getBytes(StandardCharsets.UTF_8));
        }
        Await.until(Duration.ofSeconds(5), "the message at the broker", () -> readyAtBroker() == 1);
        assertThat(proxy.stats().upstreamChannels()).as("the one channel, reused").isEqualTo(1);
    }

    @Test
    void channelsWithStateOrPendingRepliesAreClosedNotReused() throws Exception {
        Action[] unsafe = {
                ch -> ch.confirmSelect(),
                ch -> ch.txSelect(),
                ch -> ch.basicQos(5),
                ch -> ch.basicConsume(queue, true, new DefaultConsumer(ch)),
                ch -> ch.basicPublish("", queue, true, null, new byte[1]),
                ch -> ch.basicGet(queue, false),
                ch -> ch.queueDeclarePassive(queue),
        };
        for (Action action : unsafe) {
            try (Connection c = TestBroker.viaProxy(proxy.port()).newConnection(); Channel ch = c.createChannel()) {
                action.run(ch);
            }
            awaitUpstreamChannels(0, "an unsafe channel is closed at the broker, not parked");
        }
        // and a safe one is parked, so the check above could have seen a parked channel
        try (Connection c = TestBroker.viaProxy(proxy.port()).newConnection(); Channel ch = c.createChannel()) {
            ch.basicPublish("", queue, null, new byte[1]);
        }
        awaitUpstreamChannels(1, "a safe channel is parked");
    }

    @Test
    void aLateChannelErrorNeverReachesTheNextClient() throws Exception {
        for (int round = 0; round < 10; round++) {
            try (Connection a = TestBroker.viaProxy(proxy.port()).newConnection()) {
                Channel ch = a.createChannel();
                // a publish to a missing exchange: the broker's 404 arrives after the local CloseOk, or
                // just before it, and then A learns of it; either way it must not reach B
                ch.basicPublish("amqproxy-missing-" + UUID.randomUUID(), "rk", null, new byte[1]);
                try {
                    ch.close();
                } catch (com.rabbitmq.client.ShutdownSignalException e) {
                    assertThat(e.getMessage()).contains("404");
                }
            }
            try (Connection b = TestBroker.viaProxy(proxy.port()).newConnection(); Channel ch = b.createChannel()) {
                ch.confirmSelect();
                ch.basicPublish("", queue, null, ("b" + round).getBytes(StandardCharsets.UTF_8));
                ch.waitForConfirmsOrDie(5_000);
                assertThat(ch.isOpen()).as("round %d: B's channel is not the one the broker closed", round).isTrue();
            }
        }
        assertThat(readyAtBroker()).isEqualTo(10);
    }

    @Test
    void reuseIsOffByDefault() throws Exception {
        AmqProxy plain = fx.anotherProxy(UnaryOperator.identity()); // without the reuse the other tests turn on
        try (Connection c = TestBroker.viaProxy(plain.port()).newConnection(); Channel ch = c.createChannel()) {
            ch.basicPublish("", queue, null, new byte[1]);
        }
        Await.until(Duration.ofSeconds(5), "the channel closed at the broker", () -> plain.stats().upstreamChannels() == 0);
    }

    @FunctionalInterface
    private interface Action {
        void run(Channel ch) throws IOException;
    }
}
