package io.amqproxy;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import io.amqproxy.testsupport.Await;
import io.amqproxy.testsupport.BrokerSide;
import io.amqproxy.testsupport.CountingProxyListener;
import io.amqproxy.testsupport.ProxyFixture;
import io.amqproxy.testsupport.ScratchBrokerUser;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Behaviour 2, multiplexing: the channels of many clients with the same credentials live on shared upstream
 * connections (client channel numbers overlap, so the proxy must remap them), a full upstream makes the pool open
 * another, and one client may open 2000 channels. The broker's view (this class's scratch user's connections and
 * their channel counts) is checked beside the proxy's stats.
 */
@Timeout(value = 45, unit = TimeUnit.SECONDS)
class ChannelMultiplexingTest {

    @RegisterExtension
    final ProxyFixture fx = new ProxyFixture();

    private static ScratchBrokerUser user;

    @BeforeAll
    static void createUser() {
        user = ScratchBrokerUser.create("mux");
    }

    @AfterAll
    static void deleteUser() {
        if (user != null) {
            user.close();
        }
    }

    private static UnaryOperator<ProxyConfig.Builder> channelsPerUpstream(int max) {
        return b -> b.maxChannelsPerUpstream(max);
    }

    /** Publishes one confirmed message naming the channel and checks the queue through the same channel. */
    private static void useChannel(Channel ch, String queue, String body) throws Exception {
        ch.confirmSelect();
        ch.basicPublish("", queue, null, body.getBytes(StandardCharsets.UTF_8));
        ch.waitForConfirmsOrDie(10_000);
        assertThat(ch.queueDeclarePassive(queue).getQueue()).isEqualTo(queue);
    }

    private Set<String> drain(String queue, int expected) {
        BrokerSide broker = fx.broker();
        Set<String> bodies = new HashSet<>();
        for (int i = 0; i < expected; i++) {
            GetResponse r = broker.get(queue);
            assertThat(r).as("message %d of %d at the broker", i + 1, expected).isNotNull();
            bodies.add(new String(r.getBody(), StandardCharsets.UTF_8));
        }
        assertThat(broker.get(queue)).as("no extra message at the broker").isNull();
        return bodies;
    }

    private static long[] awaitBrokerChannels(long... expected) {
        return Await.value(Duration.ofSeconds(10), user::brokerChannelsPerConnection,
                seen -> Arrays.equals(seen, expected));
    }

    @Test
    void channelsOfTenClientsShareOneUpstreamConnection() throws Exception {
        String queue = fx.newQueue("mux-shared");
        CountingProxyListener listener = fx.listener();
        AmqProxy proxy = fx.startProxy(channelsPerUpstream(2047));
        List<Connection> clients = new ArrayList<>();
        ConnectionFactory f = user.viaProxy(proxy.port());
        Set<String> expected = new HashSet<>();
        for (int c = 0; c < 10; c++) {
            Connection conn = fx.connect(f, "client " + c);
            clients.add(conn);
            for (int n = 0; n < 5; n++) {
                Channel ch = conn.createChannel();
                String body = "client" + c + "-channel" + ch.getChannelNumber();
                useChannel(ch, queue, body);
                expected.add(body);
            }
        }

        ProxyStats stats = proxy.stats();
        assertThat(stats.clientConnections()).isEqualTo(10);
        assertThat(stats.clientChannels()).isEqualTo(50);
        assertThat(stats.upstreamConnections()).as("upstream connections for 10 clients x 5 channels").isEqualTo(1);
        assertThat(stats.upstreamChannels()).isEqualTo(50);
        assertThat(listener.upstreamsOpened()).isEqualTo(1);
        assertThat(awaitBrokerChannels(50)).as("channels per connection of this user at the broker")
                .containsExactly(50);
        assertThat(drain(queue, 50)).isEqualTo(expected);

        for (Connection conn : clients) {
            conn.close();
        }
        Await.until(Duration.ofSeconds(5), "upstream channels to close with their clients",
                () -> proxy.stats().upstreamChannels() == 0 && proxy.stats().clientChannels() == 0);
        // the idle upstream may stay pooled (one connection, 0 channels) or already be gone: either way no channels
        long[] left = Await.value(Duration.ofSeconds(10), user::brokerChannelsPerConnection,
                seen -> Arrays.stream(seen).sum() == 0);
        assertThat(Arrays.stream(left).sum()).as("broker channels after the clients left").isZero();
    }

    @Test
    void fullUpstreamMakesThePoolOpenAnother() throws Exception {
        String queue = fx.newQueue("mux-full");
        CountingProxyListener listener = fx.listener();
        AmqProxy proxy = fx.startProxy(channelsPerUpstream(10));
        ConnectionFactory f = user.viaProxy(proxy.port());
        List<Channel> channels = new ArrayList<>();
        for (int c = 0; c < 3; c++) {
            Connection conn = fx.connect(f, "client " + c);
            for (int n = 0; n < 5; n++) {
                channels.add(conn.createChannel());
            }
        }
        // traffic on every channel, after all of them are open
        Set<String> expected = new HashSet<>();
        for (int i = 0; i < channels.size(); i++) {
            String body = "channel-" + i;
            useChannel(channels.get(i), queue, body);
            expected.add(body);
        }

        assertThat(proxy.stats().upstreamConnections()).as("upstreams for 15 channels, 10 per upstream")
                .isEqualTo(2);
        assertThat(listener.upstreamsOpened()).isEqualTo(2);
        assertThat(awaitBrokerChannels(10, 5)).as("channels per connection of this user at the broker")
                .containsExactly(10, 5);
        assertThat(drain(queue, 15)).isEqualTo(expected);
    }

    @Test
    void oneClientWithMoreChannelsThanAnUpstreamHoldsSpreadsOverSeveral() throws Exception {
        String queue = fx.newQueue("mux-spread");
        AmqProxy proxy = fx.startProxy(channelsPerUpstream(10));
        Connection conn = fx.connect(user.viaProxy(proxy.port()), "spread");
        List<Channel> channels = new ArrayList<>();
        for (int n = 0; n < 25; n++) {
            channels.add(conn.createChannel());
        }
        Set<String> expected = new HashSet<>();
        for (Channel ch : channels) {
            String body = "channel-" + ch.getChannelNumber();
            useChannel(ch, queue, body);
            expected.add(body);
        }
        assertThat(awaitBrokerChannels(10, 10, 5)).containsExactly(10, 10, 5);
        assertThat(proxy.stats().upstreamConnections()).isEqualTo(3);
        assertThat(drain(queue, 25)).isEqualTo(expected);
    }

    @Test
    void theBrokerHearsOfAChannelWithItsFirstFrame() throws Exception {
        String queue = fx.newQueue("mux-unused");
        AmqProxy proxy = fx.startProxy(channelsPerUpstream(2047));
        try (Connection conn = user.viaProxy(proxy.port()).newConnection()) {
            Channel used = conn.createChannel();
            useChannel(used, queue, "used");
            List<Channel> idle = new ArrayList<>();
            for (int n = 0; n < 20; n++) {
                idle.add(conn.createChannel());
            }
            assertThat(proxy.stats().clientChannels()).isEqualTo(21);
            assertThat(awaitBrokerChannels(1)).as("channels at the broker").containsExactly(1);

            for (Channel ch : idle) {
                ch.close(); // answered by the proxy: Channel.Close for a channel it never opened would be an error
            }
            assertThat(proxy.stats().upstreamChannels()).isEqualTo(1);
            Channel reused = conn.createChannel(idle.get(0).getChannelNumber());
            useChannel(reused, queue, "reused");
            assertThat(awaitBrokerChannels(2)).as("channels at the broker").containsExactly(2);
            assertThat(used.isOpen()).isTrue();
            assertThat(drain(queue, 2)).containsExactlyInAnyOrder("used", "reused");
        }
    }

    @Test
    void oneClientCanOpenTwoThousandChannels() throws Exception {
        String queue = fx.newQueue("mux-2000");
        AmqProxy proxy = fx.startProxy(channelsPerUpstream(2047));
        ConnectionFactory f = user.viaProxy(proxy.port());
        try (Connection conn = f.newConnection()) {
            List<Channel> channels = new ArrayList<>();
            for (int n = 0; n < 2000; n++) {
                Channel ch = conn.createChannel();
                assertThat(ch).as("channel %d", n + 1).isNotNull();
                channels.add(ch);
            }
            // answered by the proxy: the broker hears of a channel with its first frame
            assertThat(awaitBrokerChannels(0)).as("channels at the broker before any was used").containsExactly(0);
            Set<String> expected = new HashSet<>();
            for (int index : new int[] {0, 999, 1998, 1999}) {
                Channel ch = channels.get(index);
                String body = "channel-" + ch.getChannelNumber();
                useChannel(ch, queue, body);
                GetResponse own = ch.basicGet(queue, true);
                assertThat(own).as("basic.get on channel %d", ch.getChannelNumber()).isNotNull();
                assertThat(new String(own.getBody(), StandardCharsets.UTF_8)).isEqualTo(body);
                expected.add(body);
            }
            assertThat(expected).hasSize(4);
            for (Channel ch : channels) {
                assertThat(ch.queueDeclarePassive(queue).getQueue()).isEqualTo(queue);
            }
            assertThat(channels).allMatch(Channel::isOpen);
            assertThat(proxy.stats().clientChannels()).isEqualTo(2000);
            assertThat(awaitBrokerChannels(2000)).as("channels at the broker").containsExactly(2000);
            assertThat(fx.broker().readyCount(queue)).isZero();
        }
        Await.until(Duration.ofSeconds(10), "2000 upstream channels to close",
                () -> proxy.stats().upstreamChannels() == 0);
    }

    @Test
    void upstreamChannelIdsAreRecycledAfterClientAndBrokerCloses() throws Exception {
        // more channel lifetimes than one upstream has ids: a leaked id per close would exhaust the upstream
        CountingProxyListener listener = fx.listener();
        AmqProxy proxy = fx.startProxy(channelsPerUpstream(2047));
        Connection conn = fx.connect(user.viaProxy(proxy.port()), "recycling");
        for (int i = 0; i < 2100; i++) {
            Channel ch = conn.createChannel();
            if (i % 2 == 0) {
                ch.close();
            } else {
                // the broker closes this one (404); its id is free only after the proxy's CloseOk
                try {
                    ch.queueDeclarePassive("amqproxy-it-missing-queue");
                    throw new AssertionError("passive declare of a missing queue succeeded");
                } catch (java.io.IOException expected) {
                    assertThat(io.amqproxy.testsupport.AmqpErrors.replyCode(expected)).isEqualTo(404);
                }
            }
        }
        Channel last = conn.createChannel();
        assertThat(last.queueDeclare("", false, true, true, null).getQueue()).startsWith("amq.gen-");
        assertThat(listener.upstreamsOpened()).as("upstreams opened").isEqualTo(1);
        assertThat(listener.upstreamsClosed()).as("upstream closes: %s", listener.upstreamCloseReasons()).isZero();
        assertThat(Await.value(Duration.ofSeconds(10), () -> proxy.stats().upstreamChannels(), n -> n == 1))
                .as("upstream channels left open").isEqualTo(1);
        assertThat(awaitBrokerChannels(1)).as("channels at the broker").containsExactly(1);
    }
}
