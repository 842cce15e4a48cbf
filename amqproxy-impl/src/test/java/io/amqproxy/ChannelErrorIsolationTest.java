package io.amqproxy;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.AlreadyClosedException;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.ShutdownSignalException;
import com.rabbitmq.client.impl.AMQChannel;
import com.rabbitmq.client.impl.AMQConnection;
import com.rabbitmq.client.impl.Frame;
import com.rabbitmq.client.impl.Method;
import io.amqproxy.testsupport.AmqpErrors;
import io.amqproxy.testsupport.Await;
import io.amqproxy.testsupport.BrokerSide;
import io.amqproxy.testsupport.ProxyFixture;
import io.amqproxy.testsupport.TestBroker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Lock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * Behaviour 5, errors stay where they belong: a channel error (404) closes only that client channel, also when
 * the client pipelined more frames on it after the failing one, and a neighbour on the same upstream connection
 * never notices; a client's connection-level protocol error closes only that client, with the broker's reply code.
 * Every scenario is run against the broker directly first, so the proxy is held to what the broker does.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ChannelErrorIsolationTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @RegisterExtension
    // neighbours on ONE broker connection are the premise here, consumers included
    final ProxyFixture fx = new ProxyFixture(b -> b.separateConsumers(false));

    /** Client B: a consumer on its own queue, fed from the broker side; counts what it receives. */
    private static final class Neighbour {
        final Connection connection;
        final Channel channel;
        final String queue;
        final AtomicInteger received = new AtomicInteger();

        Neighbour(Connection connection, String queue) throws Exception {
            this.connection = connection;
            this.queue = queue;
            this.channel = connection.createChannel();
            channel.basicConsume(queue, true, new DefaultConsumer(channel) {
                @Override
                public void handleDelivery(String tag, Envelope env, AMQP.BasicProperties p, byte[] body) {
                    received.incrementAndGet();
                }
            });
        }

        void assertStillReceives(BrokerSide broker, int expectedTotal, int add) {
            broker.publishConfirmed(queue, add);
            Await.until(WAIT, "neighbour to receive " + expectedTotal + " messages", () -> received.get() >= expectedTotal);
            assertThat(received.get()).isEqualTo(expectedTotal);
            assertThat(connection.isOpen()).as("neighbour connection open").isTrue();
            assertThat(channel.isOpen()).as("neighbour channel open").isTrue();
        }
    }

    private void assertUpstreamUntouched() {
        assertThat(fx.listener().upstreamsClosed()).as("upstream closes: %s", fx.listener().upstreamCloseReasons())
                .isZero();
        assertThat(fx.listener().upstreamsOpened()).isEqualTo(1);
        assertThat(fx.proxy().stats().upstreamConnections()).isEqualTo(1);
    }

    @Test
    void notFoundOnOneChannelLeavesTheOtherChannelAndTheNeighbourAlone() throws Exception {
        String published = fx.newQueue("iso-pub");
        Neighbour b = new Neighbour(fx.viaProxy("B"), fx.newQueue("iso-b"));
        Connection a = fx.viaProxy("A");
        assertThat(fx.proxy().stats().upstreamConnections()).as("A and B share one upstream").isEqualTo(1);
        b.assertStillReceives(fx.broker(), 5, 5);

        Channel failing = a.createChannel();
        Channel publishing = a.createChannel();
        publishing.confirmSelect();
        ExecutorService exec = Executors.newSingleThreadExecutor();
        try {
            CompletableFuture<Void> failed = new CompletableFuture<>();
            Future<Integer> publisher = exec.submit(() -> {
                int n = 0;
                // keep publishing until well after the error has happened
                while (n < 3000 && (n < 500 || !failed.isDone())) {
                    for (int i = 0; i < 50; i++, n++) {
                        publishing.basicPublish("", published, null, ("p" + n).getBytes(StandardCharsets.UTF_8));
                    }
                    publishing.waitForConfirmsOrDie(10_000);
                }
                for (int i = 0; i < 200; i++, n++) {
                    publishing.basicPublish("", published, null, ("p" + n).getBytes(StandardCharsets.UTF_8));
                }
                publishing.waitForConfirmsOrDie(10_000);
                return n;
            });
            Await.until(WAIT, "publisher to get going", () -> fx.broker().readyCount(published) > 0);
            String missing = BrokerSide.uniqueName("missing");
            Throwable error = catchThrowable(() -> failing.queueDeclarePassive(missing));
            failed.complete(null);
            assertThat(AmqpErrors.replyCode(error)).as(AmqpErrors.describe(error)).isEqualTo(AMQP.NOT_FOUND);
            assertThat(AmqpErrors.isConnectionError(error)).isFalse();
            assertThat(AmqpErrors.replyText(error)).isEqualTo("NOT_FOUND - no queue '" + missing + "' in vhost '/'");

            int sent = publisher.get(20, TimeUnit.SECONDS);
            assertThat(failing.isOpen()).isFalse();
            assertThat(publishing.isOpen()).isTrue();
            assertThat(a.isOpen()).isTrue();
            assertThat(fx.broker().readyCount(published)).as("every confirmed publish at the broker").isEqualTo(sent);
        } finally {
            exec.shutdownNow();
        }
        // A carries on with a fresh channel, and B never noticed
        assertThat(a.createChannel().queueDeclarePassive(published).getMessageCount()).isPositive();
        b.assertStillReceives(fx.broker(), 10, 5);
        assertUpstreamUntouched();
    }

    /** What a client sees when it publishes to a missing exchange and keeps publishing on that channel. */
    private record PipelineOutcome(int closeCode, String closeText, int reachedQueue) {
    }

    private PipelineOutcome publishToMissingExchangeThenPipeline(Connection c, String queue) throws Exception {
        CompletableFuture<ShutdownSignalException> closed = new CompletableFuture<>();
        Channel ch = c.createChannel();
        ch.addShutdownListener(closed::complete);
        String missingExchange = BrokerSide.uniqueName("no-exchange");
        // the failing publish and 100 more, written as one batch: certainly pipelined behind the error. The
        // channel's lock is held, as basicPublish does, so the client's own CloseOk (sent by its reader thread
        // when the Close arrives) cannot slip in between the frames of the batch once its buffer spills
        AMQConnection conn = (AMQConnection) c;
        Lock channelLock = channelLock(ch);
        channelLock.lock();
        try {
            writePublish(conn, ch.getChannelNumber(), missingExchange, "x", "lost");
            for (int i = 0; i < 100; i++) {
                writePublish(conn, ch.getChannelNumber(), "", queue, "batched-after-error-" + i);
            }
            conn.flush();
        } finally {
            channelLock.unlock();
        }
        // then keep publishing on the failed channel until the client itself has seen the Close, so frames also
        // reach the proxy after it has handled the broker's Close (bounded in count and time)
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        int pipelined = 0;
        try {
            while (ch.isOpen() && pipelined < 200_000 && System.nanoTime() < until) {
                ch.basicPublish("", queue, null, ("after-error-" + pipelined).getBytes(StandardCharsets.UTF_8));
                pipelined++;
            }
        } catch (AlreadyClosedException expected) {
            // the Close arrived while we were publishing: that is the race we want
        }
        ShutdownSignalException sse = closed.get(10, TimeUnit.SECONDS);
        assertThat(sse.isHardError()).as("channel, not connection, error: %s", sse.getMessage()).isFalse();
        AMQP.Channel.Close close = (AMQP.Channel.Close) sse.getReason();
        assertThat(close.getReplyText()).contains(missingExchange);
        // the same connection carries on, probably on the same channel number
        Channel next = c.createChannel();
        next.confirmSelect();
        next.basicPublish("", queue, null, "after-reopen".getBytes(StandardCharsets.UTF_8));
        next.waitForConfirmsOrDie(10_000);
        next.close();
        int reached = fx.broker().readyCount(queue) - 1;
        fx.broker().run(x -> x.queuePurge(queue));
        return new PipelineOutcome(close.getReplyCode(), close.getReplyText().replace(missingExchange, "X"), reached);
    }

    @Test
    void framesPipelinedAfterAChannelErrorAreDroppedAndHarmNobody() throws Exception {
        String queue = fx.newQueue("iso-pipe");
        PipelineOutcome atBroker;
        try (Connection direct = TestBroker.direct().newConnection("direct reference")) {
            atBroker = publishToMissingExchangeThenPipeline(direct, queue);
        }
        assertThat(atBroker.closeCode()).isEqualTo(AMQP.NOT_FOUND);
        assertThat(atBroker.reachedQueue()).as("the broker drops frames after a channel error").isZero();

        Neighbour b = new Neighbour(fx.viaProxy("B"), fx.newQueue("iso-pipe-b"));
        Connection a = fx.viaProxy("A");
        for (int round = 0; round < 3; round++) {
            PipelineOutcome viaProxy = publishToMissingExchangeThenPipeline(a, queue);
            assertThat(viaProxy).as("round %d", round).isEqualTo(atBroker);
            assertThat(a.isOpen()).isTrue();
            b.assertStillReceives(fx.broker(), 3 * (round + 1), 3);
        }
        assertUpstreamUntouched();
    }

    /** The lock the Java client holds while it writes a command on this channel (and while it answers a Close). */
    private static Lock channelLock(Channel ch) throws ReflectiveOperationException {
        Field f = AMQChannel.class.getDeclaredField("_channelLock");
        f.setAccessible(true);
        return (Lock) f.get(ch);
    }

    /** Writes basic.publish, its content header and one body frame, without flushing. */
    private static void writePublish(AMQConnection conn, int channel, String exchange, String routingKey, String body)
            throws Exception {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        Method publish = (Method) new AMQP.Basic.Publish.Builder().exchange(exchange).routingKey(routingKey).build();
        conn.writeFrame(publish.toFrame(channel));
        conn.writeFrame(new AMQP.BasicProperties().toFrame(channel, bytes.length));
        conn.writeFrame(Frame.fromBodyFragment(channel, java.nio.ByteBuffer.wrap(bytes), 0, bytes.length));
    }

    /** Publishes to a missing exchange and closes the channel at once; returns what close() reported. */
    private static List<String> publishToMissingExchangeAndClose(Connection c, int rounds) throws Exception {
        List<String> outcomes = new ArrayList<>();
        String missingExchange = BrokerSide.uniqueName("no-exchange");
        for (int i = 0; i < rounds; i++) {
            Channel ch = c.createChannel();
            ch.basicPublish(missingExchange, "x", null, "lost".getBytes(StandardCharsets.UTF_8));
            try {
                ch.close();
                outcomes.add("closed cleanly");
            } catch (Exception e) {
                outcomes.add(AmqpErrors.describe(e).replace(missingExchange, "X"));
            }
        }
        return outcomes;
    }

    @Test
    void aChannelErrorThatCrossesTheClientsCloseStillReachesTheClient() throws Exception {
        // "publish, then close" is how many clients end a channel; the broker's Close for the failed publish crosses
        // the client's Close, and the client learns from it that its publish was lost
        List<String> atBroker;
        try (Connection direct = TestBroker.direct().newConnection("direct reference")) {
            atBroker = publishToMissingExchangeAndClose(direct, 30);
        }
        assertThat(atBroker).as("the broker's answers").allMatch(o -> o.startsWith("channel error 404 NOT_FOUND"));

        Neighbour b = new Neighbour(fx.viaProxy("B"), fx.newQueue("iso-cross-b"));
        Connection a = fx.viaProxy("A");
        List<String> viaProxy = publishToMissingExchangeAndClose(a, 30);
        assertThat(viaProxy).isEqualTo(atBroker);
        assertThat(a.isOpen()).isTrue();
        b.assertStillReceives(fx.broker(), 3, 3);
        assertUpstreamUntouched();
    }

    /** Sends a content header on an open channel with no basic.publish before it. */
    private static void sendOrphanContentHeader(Connection c) throws Exception {
        Channel ch = c.createChannel();
        AMQConnection conn = (AMQConnection) c;
        conn.writeFrame(new AMQP.BasicProperties().toFrame(ch.getChannelNumber(), 5));
        conn.flush();
    }

    /** Sends basic.publish followed by another method instead of the content header. */
    private static void sendPublishWithoutContent(Connection c) throws Exception {
        Channel ch = c.createChannel();
        AMQConnection conn = (AMQConnection) c;
        Method publish = (Method) new AMQP.Basic.Publish.Builder().exchange("").routingKey("nowhere").build();
        Method qos = (Method) new AMQP.Basic.Qos.Builder().prefetchCount(1).build();
        conn.writeFrame(publish.toFrame(ch.getChannelNumber()));
        conn.writeFrame(qos.toFrame(ch.getChannelNumber()));
        conn.flush();
    }

    private interface Offence {
        void commit(Connection c) throws Exception;
    }

    private static AMQP.Connection.Close awaitConnectionClose(Connection c) {
        Await.until(WAIT, "the offending connection to be closed", () -> !c.isOpen());
        ShutdownSignalException sse = c.getCloseReason();
        assertThat(sse.isHardError()).isTrue();
        assertThat(sse.isInitiatedByApplication()).as("closed by the server side, not by the client").isFalse();
        assertThat(sse.getReason()).as("a Connection.Close, not a lost socket: %s", sse.getMessage())
                .isInstanceOf(AMQP.Connection.Close.class);
        return (AMQP.Connection.Close) sse.getReason();
    }

    private void assertProtocolErrorClosesOnlyThatClient(Offence offence) throws Exception {
        Connection direct = fx.connect(TestBroker.direct(), "direct reference");
        offence.commit(direct);
        AMQP.Connection.Close atBroker = awaitConnectionClose(direct);
        Neighbour b = new Neighbour(fx.viaProxy("B"), fx.newQueue("iso-proto-b"));
        Connection a = fx.viaProxy("A");
        assertThat(fx.proxy().stats().upstreamConnections()).isEqualTo(1);
        offence.commit(a);
        AMQP.Connection.Close viaProxy = awaitConnectionClose(a);
        assertThat(viaProxy.getReplyCode()).as("proxy said %s, broker said %s", viaProxy.getReplyText(),
                atBroker.getReplyText()).isEqualTo(atBroker.getReplyCode());
        assertThat(viaProxy.getReplyText()).startsWith(atBroker.getReplyText().split(" ")[0]);
        b.assertStillReceives(fx.broker(), 5, 5);
        assertUpstreamUntouched();
        // the next client on the same credentials is served as usual
        try (Connection c = TestBroker.viaProxy(fx.proxy().port()).newConnection()) {
            assertThat(c.createChannel().queueDeclarePassive(b.queue).getConsumerCount()).isEqualTo(1);
        }
    }

    @Test
    void contentHeaderWithoutPublishClosesOnlyThatClient() throws Exception {
        assertProtocolErrorClosesOnlyThatClient(ChannelErrorIsolationTest::sendOrphanContentHeader);
    }

    @Test
    void publishWithoutContentClosesOnlyThatClient() throws Exception {
        assertProtocolErrorClosesOnlyThatClient(ChannelErrorIsolationTest::sendPublishWithoutContent);
    }
}
