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
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Behaviour 1, pooling: short-lived clients (connect, publish one message, disconnect) are served by a pooled
 * upstream connection instead of a broker connection each. Upstreams are counted three ways: the listener's
 * upstreamOpened events (catches "open one per client and close it again"), the stats gauge, and the broker's
 * own list of this class's scratch user's connections.
 */
@Timeout(value = 45, unit = TimeUnit.SECONDS)
class ConnectionPoolingTest {

    @RegisterExtension
    final ProxyFixture fx = new ProxyFixture(b -> b
            // long enough that an idle gap between clients never closes the pooled upstream in this test
            .idleUpstreamTimeout(Duration.ofSeconds(30)));

    private static ScratchBrokerUser user;

    @BeforeAll
    static void createUser() {
        user = ScratchBrokerUser.create("pooling");
    }

    @AfterAll
    static void deleteUser() {
        if (user != null) {
            user.close();
        }
    }

    private static void connectPublishDisconnect(ConnectionFactory f, String queue, String body) throws Exception {
        try (Connection c = f.newConnection(); Channel ch = c.createChannel()) {
            ch.basicPublish("", queue, null, body.getBytes(StandardCharsets.UTF_8));
        }
    }

    @Test
    void twoHundredSequentialClientsAreServedByOneUpstreamConnection() throws Exception {
        BrokerSide broker = fx.broker();
        String queue = fx.newQueue("pool-seq");
        CountingProxyListener listener = fx.listener();
        AmqProxy proxy = fx.proxy();
        ConnectionFactory f = user.viaProxy(proxy.port());
        for (int i = 0; i < 200; i++) {
            connectPublishDisconnect(f, queue, "msg-" + i);
        }

        int ready = Await.value(Duration.ofSeconds(10), () -> broker.readyCount(queue), n -> n >= 200);
        assertThat(ready).as("messages at the broker").isEqualTo(200);
        assertThat(listener.clientsConnected()).as("clients that completed the handshake").isEqualTo(200);
        assertThat(listener.upstreamsOpened()).as("upstream connections opened for 200 clients").isEqualTo(1);
        assertThat(listener.upstreamsClosed()).as("upstream connections closed meanwhile").isZero();
        assertThat(proxy.stats().upstreamConnections()).isEqualTo(1);
        assertThat(user.brokerConnections()).as("this user's connections at the broker").isEqualTo(1);

        Set<String> bodies = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            GetResponse r = broker.get(queue);
            assertThat(r).as("message %d at the broker", i).isNotNull();
            bodies.add(new String(r.getBody(), StandardCharsets.UTF_8));
        }
        Set<String> expected = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            expected.add("msg-" + i);
        }
        assertThat(bodies).isEqualTo(expected);

        Await.until(Duration.ofSeconds(5), "client channels and connections back to 0",
                () -> proxy.stats().clientConnections() == 0 && proxy.stats().upstreamChannels() == 0);
    }

    @Test
    void hundredConcurrentClientsNeedOnlyAHandfulOfUpstreams() throws Exception {
        BrokerSide broker = fx.broker();
        String queue = fx.newQueue("pool-conc");
        CountingProxyListener listener = fx.listener();
        AmqProxy proxy = fx.proxy();
        ExecutorService pool = Executors.newFixedThreadPool(20);
        try {
            ConnectionFactory f = user.viaProxy(proxy.port());
            List<Future<?>> results = new ArrayList<>();
            for (int t = 0; t < 20; t++) {
                int thread = t;
                results.add(pool.submit(() -> {
                    for (int i = 0; i < 5; i++) {
                        connectPublishDisconnect(f, queue, "t" + thread + "-" + i);
                    }
                    return null;
                }));
            }
            for (Future<?> r : results) {
                r.get(30, TimeUnit.SECONDS);
            }

            int ready = Await.value(Duration.ofSeconds(10), () -> broker.readyCount(queue), n -> n >= 100);
            assertThat(ready).as("messages at the broker").isEqualTo(100);
            assertThat(listener.clientsConnected()).isEqualTo(100);
            assertThat(listener.upstreamsOpened()).as("upstream connections opened for 100 concurrent clients")
                    .isBetween(1, 3);
            assertThat(proxy.stats().upstreamConnections()).isBetween(1L, 3L);
            assertThat(user.brokerConnections()).as("this user's connections at the broker").isBetween(1L, 3L);
        } finally {
            pool.shutdownNow();
        }
    }
}
