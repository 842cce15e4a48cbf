package io.amqproxy;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.GetResponse;
import io.amqproxy.testsupport.Await;
import io.amqproxy.testsupport.BrokerSide;
import io.amqproxy.testsupport.ProxyFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fair upstream output against a real broker: clients of the same credentials share one upstream connection, one
 * streaming 1 MiB messages (eight 128 KiB body frames each) while others publish small messages on several
 * channels, so the proxy interleaves frames of different channels, content frames included. Every message must
 * arrive whole, none lost, and in its channel's order.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class FairUpstreamTest {

    private static final int BULK_MESSAGES = 24;
    private static final int BULK_SIZE = 1024 * 1024;
    private static final int SMALL_MESSAGES = 400;

    @RegisterExtension
    final ProxyFixture fx = new ProxyFixture();

    private static byte[] bulkBody(int seq) {
        byte[] b = new byte[BULK_SIZE];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (seq * 7 + i * 31 + (i >>> 17));
        }
        ByteBuffer.wrap(b).putInt(0, seq);
        return b;
    }

    @Test
    void interleavedChannelsOnASharedUpstreamLoseAndReorderNothing() throws Exception {
        BrokerSide broker = fx.broker();
        AmqProxy proxy = fx.proxy();
        String bulkQueue = fx.newQueue("fair-bulk");
        List<String> smallQueues = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            smallQueues.add(fx.newQueue("fair-small-" + i));
        }

        ExecutorService threads = Executors.newFixedThreadPool(5);
        try (Connection bulk = fx.viaProxy("fair-bulk");
             Connection smallA = fx.viaProxy("fair-small-a");
             Connection smallB = fx.viaProxy("fair-small-b")) {
            List<Future<?>> done = new ArrayList<>();
            done.add(threads.submit(publisher(bulk, bulkQueue, BULK_MESSAGES, FairUpstreamTest::bulkBody)));
            for (int i = 0; i < smallQueues.size(); i++) {
                Connection c = i % 2 == 0 ? smallA : smallB; // two channels on each small client
                String q = smallQueues.get(i);
                done.add(threads.submit(publisher(c, q, SMALL_MESSAGES,
                        seq -> (q + "#" + seq).getBytes(StandardCharsets.UTF_8))));
            }
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
            assertThat(proxy.stats().upstreamConnections()).as("all three clients on one upstream").isEqualTo(1);
        } finally {
            threads.shutdownNow();
        }

        Await.until(Duration.ofSeconds(20), "every message at the broker",
                () -> broker.readyCount(bulkQueue) == BULK_MESSAGES
                        && smallQueues.stream().allMatch(q -> broker.readyCount(q) == SMALL_MESSAGES));
        for (int seq = 0; seq < BULK_MESSAGES; seq++) {
            GetResponse r = broker.get(bulkQueue);
            assertThat(r).as("bulk message %d", seq).isNotNull();
            assertThat(ByteBuffer.wrap(r.getBody()).getInt(0)).as("bulk message order").isEqualTo(seq);
            assertThat(r.getBody()).as("bulk message %d intact", seq).isEqualTo(bulkBody(seq));
        }
        for (String q : smallQueues) {
            for (int seq = 0; seq < SMALL_MESSAGES; seq++) {
                GetResponse r = broker.get(q);
                assertThat(r).as("%s message %d", q, seq).isNotNull();
                assertThat(new String(r.getBody(), StandardCharsets.UTF_8)).isEqualTo(q + "#" + seq);
            }
        }
    }

    private interface Body {
        byte[] of(int seq);
    }

    /** Publishes {@code count} messages on a channel of its own with confirms, waiting for all at the end. */
    private static Callable<Void> publisher(Connection c, String queue, int count, Body body) {
        return () -> {
            Channel ch = c.createChannel();
            ch.confirmSelect();
            for (int seq = 0; seq < count; seq++) {
                ch.basicPublish("", queue, null, body.of(seq));
            }
            ch.waitForConfirmsOrDie(60_000);
            ch.close();
            return null;
        };
    }
}
