package io.amqproxy;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.AMQP;
import io.amqproxy.testsupport.Await;
import io.amqproxy.testsupport.BlockedRecorder;
import io.amqproxy.testsupport.BrokerSide;
import io.amqproxy.testsupport.MemoryAlarm;
import io.amqproxy.testsupport.PrivateRabbit;
import io.amqproxy.testsupport.PrivateRabbitScript;
import io.amqproxy.testsupport.ProxyFixture;
import io.amqproxy.testsupport.TestBroker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * During a memory alarm RabbitMQ stops reading every connection that publishes, acknowledgements included.
 * A client that keeps its consumer on a connection of its own keeps draining; through the proxy its
 * consumer must keep draining too, although its connection and the publisher's share one pooled broker
 * connection until the consumer starts consuming.
 *
 * <p>The alarm is raised on the private node {@link PrivateRabbit#shared()}, never on the shared broker, where it
 * would block every other run's publishers.
 */
@Tag("private-rabbit")
// a separate thread, so that a client call hung under the alarm cannot keep the test (and the alarm) forever
@Timeout(value = 90, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ConsumersDuringAlarmTest {

    private static final int MESSAGES = 300;
    private static final int PREFETCH = 10;
    private static final int LATE_PUBLISHERS = 5;

    private static PrivateRabbit rabbit;

    @RegisterExtension
    final ProxyFixture fx = ProxyFixture.on(rabbit.node());
    private BrokerSide broker;
    private String queue;

    @BeforeAll
    @Timeout(value = 200, unit = TimeUnit.SECONDS)
    static void startNode() {
        assumeTrue(PrivateRabbitScript.locate().rabbitmqInstalled(), "needs RabbitMQ installed to start private nodes");
        rabbit = PrivateRabbit.shared();
    }

    @BeforeEach
    void setUp() {
        broker = fx.broker();
        queue = fx.newQueue("alarm");
        broker.publishConfirmed(queue, MESSAGES);
    }

    @AfterEach
    void tearDown() {
        MemoryAlarm.clearAnyLeftOn(); // before the fixture's teardown
    }

    @Test
    void manualAckConsumerKeepsDrainingWhileThePublisherBesideItIsBlocked() throws Exception {
        AmqProxy proxy = fx.proxy();
        try (Connection publisher = TestBroker.viaProxy(proxy.port()).newConnection("alarm test publisher");
             Connection consumer = TestBroker.viaProxy(proxy.port()).newConnection("alarm test consumer")) {
            GatedConsumer gated = startGatedConsumer(consumer);
            Await.until(Duration.ofSeconds(10), "the consumer holds its prefetch of " + PREFETCH,
                    () -> gated.received.get() == PREFETCH);
            assertThat(proxy.stats().upstreamConnections())
                    .as("the consuming channel moved to a broker connection of its own").isEqualTo(2);

            Channel pub = publisher.createChannel();
            BlockedRecorder blocked = new BlockedRecorder();
            publisher.addBlockedListener(blocked);
            try (MemoryAlarm alarm = MemoryAlarm.raise(rabbit)) {
                publishUntilBlocked(pub, queue, blocked);

                gated.open(); // now acknowledge: the acks must reach the broker during the alarm
                Await.until(Duration.ofSeconds(20), "all " + MESSAGES + " messages consumed and acked under the alarm",
                        () -> gated.acked.get() == MESSAGES);
                assertThat(blocked.unblocked()).as("the alarm was still on while the consumer drained").isFalse();
            }
            Await.until(Duration.ofSeconds(20), "the publisher is unblocked", blocked::unblocked);
            // what the publisher sent under the alarm arrives after it, and is consumed like the rest
            Await.until(Duration.ofSeconds(20), "the messages published under the alarm are consumed",
                    () -> gated.acked.get() > MESSAGES);
            Await.until(Duration.ofSeconds(10), "nothing left in the queue", () -> broker.readyCount(queue) == 0);
        }
    }

    @Test
    void withoutSeparationTheConsumerStallsBehindThePublisherAsOnOneDirectConnection() throws Exception {
        AmqProxy proxy = fx.startProxy(b -> b.separateConsumers(false));
        try (Connection publisher = TestBroker.viaProxy(proxy.port()).newConnection("alarm test publisher");
             Connection consumer = TestBroker.viaProxy(proxy.port()).newConnection("alarm test consumer")) {
            GatedConsumer gated = startGatedConsumer(consumer);
            Await.until(Duration.ofSeconds(10), "the consumer holds its prefetch of " + PREFETCH,
                    () -> gated.received.get() == PREFETCH);
            assertThat(proxy.stats().upstreamConnections()).as("one shared broker connection").isEqualTo(1);

            Channel pub = publisher.createChannel();
            BlockedRecorder blocked = new BlockedRecorder();
            publisher.addBlockedListener(blocked);
            try (MemoryAlarm alarm = MemoryAlarm.raise(rabbit)) {
                publishUntilBlocked(pub, queue, blocked);
                gated.open();
                Thread.sleep(3000); // the claim is that nothing moves for a while
                assertThat(gated.received.get()).as("deliveries while the shared connection is blocked")
                        .isLessThanOrEqualTo(2 * PREFETCH);
            }
            Await.until(Duration.ofSeconds(30), "the consumer drains once the alarm is over",
                    () -> gated.acked.get() >= MESSAGES);
        }
    }

    @Test
    void prefetchStillHoldsAfterTheMove() throws Exception {
        AmqProxy proxy = fx.proxy();
        try (Connection consumer = TestBroker.viaProxy(proxy.port()).newConnection("alarm test consumer")) {
            GatedConsumer gated = startGatedConsumer(consumer); // never opened: nothing is acked
            Await.until(Duration.ofSeconds(10), "the prefetch is delivered", () -> gated.received.get() == PREFETCH);
            Thread.sleep(500); // more would arrive now if the broker did not know the prefetch
            assertThat(gated.received.get()).as("deliveries with basic.qos " + PREFETCH + " and no ack").isEqualTo(PREFETCH);
            assertThat(gated.channel.isOpen()).isTrue();
            // the client's channel still answers a synchronous method after the move
            assertThat(gated.channel.queueDeclarePassive(queue).getConsumerCount()).isEqualTo(1);
        }
    }

    @Test
    void clientsArrivingDuringTheAlarmConsumeAndDeclareWhileTheirPublishesWaitInTheProxy() throws Exception {
        AmqProxy proxy = fx.proxy();
        try (Connection first = TestBroker.viaProxy(proxy.port()).newConnection("alarm test first publisher")) {
            Channel pub = first.createChannel();
            BlockedRecorder blocked = new BlockedRecorder();
            first.addBlockedListener(blocked);
            String other = BrokerSide.uniqueName("alarm-declared-late");
            fx.deleteAfter(other); // auto-delete, but it never gets a consumer to go away with
            GatedConsumer late;
            int published;
            List<Connection> latePublishers = new ArrayList<>();
            try (MemoryAlarm alarm = MemoryAlarm.raise(rabbit)) {
                published = publishUntilBlocked(pub, queue, blocked); // the pooled broker connection is blocked now

                // a consumer that starts only now: set-up, deliveries and acks must not wait for the alarm
                ConnectionFactory bounded = TestBroker.viaProxy(proxy.port());
                bounded.setChannelRpcTimeout(5000); // a set-up stuck behind the alarm fails fast
                Connection consumer = bounded.newConnection("alarm test late consumer");
                late = startGatedConsumer(consumer);
                late.open();
                Await.until(Duration.ofSeconds(20), "the late consumer drains the " + MESSAGES + " messages under the alarm",
                        () -> late.acked.get() == MESSAGES);

                // publishers that start now: their publishes wait in the proxy, so the broker connection they share
                // is not blocked and keeps serving them and their neighbours; were the publishes sent, each new
                // client would meet a blocked connection and need a new one
                for (int i = 0; i < LATE_PUBLISHERS; i++) {
                    Connection c = TestBroker.viaProxy(proxy.port()).newConnection("alarm test late publisher " + i);
                    latePublishers.add(c);
                    c.createChannel().basicPublish("", queue, null, new byte[16]);
                }
                try (Connection neighbour = bounded.newConnection("alarm test late neighbour")) {
                    neighbour.createChannel().queueDeclare(other, false, false, true, null);
                }
                assertThat(proxy.stats().upstreamConnections())
                        .as("broker connections: the blocked one, one for everything since, one for consumers")
                        .isLessThanOrEqualTo(3);
                Thread.sleep(300); // a publish that slipped through would be delivered by now
                assertThat(late.received.get()).as("deliveries of messages published under the alarm").isEqualTo(MESSAGES);
                assertThat(blocked.unblocked()).as("the alarm was still on").isFalse();
            }
            Await.until(Duration.ofSeconds(20), "the first publisher is unblocked", blocked::unblocked);
            int expected = MESSAGES + published + LATE_PUBLISHERS;
            Await.until(Duration.ofSeconds(20), "every message published under the alarm is consumed after it",
                    () -> late.received.get() == expected);
            for (Connection c : latePublishers) {
                c.close(5000); // read again now: their Close is answered
            }
        }
    }

    @Test
    void channelsTiedToTheirConnectionStayWhereTheyAre() throws Exception {
        AmqProxy proxy = fx.proxy();
        try (Connection client = TestBroker.viaProxy(proxy.port()).newConnection("alarm test pinned channels")) {
            // the RPC reply pattern: a server-named exclusive queue, consumed by the empty name on its channel
            Channel replies = client.createChannel();
            String replyQueue = replies.queueDeclare().getQueue();
            AtomicInteger gotReply = new AtomicInteger();
            replies.basicConsume("", true, (tag, d) -> gotReply.incrementAndGet(), tag -> { });
            // a channel that published before it consumes (an RPC server) is a publisher
            Channel server = client.createChannel();
            server.basicPublish("", queue, null, new byte[16]);
            AtomicInteger served = new AtomicInteger();
            server.basicConsume(queue, true, (tag, d) -> served.incrementAndGet(), tag -> { });
            Await.until(Duration.ofSeconds(10), "the publisher-consumer gets the queue's messages",
                    () -> served.get() == MESSAGES + 1);
            broker.publish(replyQueue, new byte[1]);
            Await.until(Duration.ofSeconds(10), "the reply arrives", () -> gotReply.get() == 1);
            assertThat(proxy.stats().upstreamConnections()).as("nothing moved").isEqualTo(1);
        }
    }

    /** A consumer set up as most applications do it (qos, declare, consume) that acks only once opened. */
    private GatedConsumer startGatedConsumer(Connection connection) throws IOException {
        Channel ch = connection.createChannel();
        ch.basicQos(PREFETCH);
        ch.queueDeclare(queue, false, false, false, null);
        GatedConsumer c = new GatedConsumer(ch);
        ch.basicConsume(queue, false, c);
        return c;
    }

    /** Publishes until the broker blocks the publisher's connection; returns how many it published. */
    private static int publishUntilBlocked(Channel pub, String queue, BlockedRecorder blocked) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        int published = 0;
        while (!blocked.blocked() && System.nanoTime() < deadline) {
            pub.basicPublish("", queue, null, new byte[16]);
            published++;
            Await.quietly(Duration.ofMillis(200), blocked::blocked);
        }
        assertThat(blocked.blocked()).as("the publisher got Connection.Blocked").isTrue();
        return published;
    }

    /** Counts deliveries; holds back its acks until {@link #open()}, then acks everything at once. */
    private static final class GatedConsumer extends DefaultConsumer {
        final Channel channel;
        final AtomicInteger received = new AtomicInteger();
        final AtomicInteger acked = new AtomicInteger();
        private final List<Long> held = new ArrayList<>();
        private boolean open;

        GatedConsumer(Channel channel) {
            super(channel);
            this.channel = channel;
        }

        @Override
        public synchronized void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties properties,
                                                byte[] body) throws IOException {
            received.incrementAndGet();
            if (open) {
                ack(envelope.getDeliveryTag());
            } else {
                held.add(envelope.getDeliveryTag());
            }
        }

        synchronized void open() throws IOException {
            open = true;
            for (long tag : held) {
                ack(tag);
            }
            held.clear();
        }

        private void ack(long tag) throws IOException {
            channel.basicAck(tag, false);
            acked.incrementAndGet();
        }
    }
}
