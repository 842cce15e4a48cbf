package io.amqproxy;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.ShutdownSignalException;
import io.amqproxy.testsupport.Await;
import io.amqproxy.testsupport.Bystanders;
import io.amqproxy.testsupport.ProxyFixture;
import io.amqproxy.testsupport.TestBroker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 14, part 1: what RabbitMQ answers with a connection error closes only the client that asked for it, with the
 * broker's own code and text, and never the upstream connection it shares. Each case of the README's catalogue is run
 * against the broker directly first, so the proxy is held to what the broker does; then through the proxy beside a
 * publisher with confirms and a consumer on the same upstream connection, which must see nothing.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ClientConnectionErrorTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @RegisterExtension
    // neighbours on ONE broker connection are the premise here, consumers included
    final ProxyFixture fx = new ProxyFixture(b -> b.separateConsumers(false));

    /** What a client does that the broker answers with a connection error; {@code queue} is made for it. */
    interface Offence {
        void commit(Channel ch, String queue) throws Exception;
    }

    /** A case: its name, the queue type it needs ({@code null}: none), what it does. */
    static Stream<Arguments> offences() {
        return Stream.of(
                Arguments.of("exchange.declare of an unknown type", null,
                        (Offence) (ch, q) -> ch.exchangeDeclare(q + "-x", "nosuchtype", false, true, null)),
                Arguments.of("exchange.declare of a type that is no exchange type", null,
                        (Offence) (ch, q) -> ch.exchangeDeclare(q + "-x", "queue", false, true, null)),
                Arguments.of("exchange.declare of a plugin type the broker lacks", null,
                        (Offence) (ch, q) -> ch.exchangeDeclare(q + "-x", "x-delayed-message", false, true,
                                Map.of("x-delayed-type", "direct"))),
                Arguments.of("channel.flow active=false", null,
                        (Offence) (ch, q) -> ch.asyncRpc(new AMQP.Channel.Flow.Builder().active(false).build())),
                Arguments.of("basic.qos prefetch_size", null, (Offence) (ch, q) -> ch.basicQos(4096, 10, false)),
                Arguments.of("basic.recover requeue=false", null, (Offence) (ch, q) -> ch.basicRecover(false)),
                Arguments.of("basic.recover-async requeue=false", null,
                        (Offence) (ch, q) -> ch.asyncRpc(new AMQP.Basic.RecoverAsync.Builder().requeue(false).build())),
                Arguments.of("basic.publish immediate=true", null,
                        (Offence) (ch, q) -> ch.basicPublish("", q, false, true, null, new byte[] {1})),
                Arguments.of("basic.consume reusing a consumer tag", "classic", (Offence) (ch, q) -> {
                    ch.asyncCompletableRpc(new AMQP.Basic.Consume.Builder().queue(q).consumerTag("tag-1").build())
                            .get(5, TimeUnit.SECONDS);
                    ch.asyncRpc(new AMQP.Basic.Consume.Builder().queue(q).consumerTag("tag-1").build());
                }),
                Arguments.of("basic.consume of a quorum queue with a global prefetch", "quorum", (Offence) (ch, q) -> {
                    ch.basicQos(10, true);
                    ch.basicConsume(q, false, new DefaultConsumer(ch));
                }),
                Arguments.of("basic.get of a stream", "stream", (Offence) (ch, q) -> ch.basicGet(q, false)),
                Arguments.of("queue.purge of a stream", "stream", (Offence) (ch, q) -> ch.queuePurge(q)),
                Arguments.of("basic.consume of a stream without acknowledgements", "stream", (Offence) (ch, q) -> {
                    ch.basicQos(10);
                    ch.basicConsume(q, true, new DefaultConsumer(ch));
                }),
                Arguments.of("basic.consume of a stream with a global prefetch", "stream", (Offence) (ch, q) -> {
                    ch.basicQos(10);
                    ch.basicQos(10, true);
                    ch.basicConsume(q, false, new DefaultConsumer(ch));
                }),
                Arguments.of("basic.nack of a stream's delivery", "stream", (Offence) (ch, q) -> settleStream(ch, q, true)),
                Arguments.of("basic.reject of a stream's delivery", "stream", (Offence) (ch, q) -> settleStream(ch, q, false)));
    }

    private static void settleStream(Channel ch, String q, boolean nack) throws IOException {
        ch.basicQos(10);
        ch.basicConsume(q, false, Map.of("x-stream-offset", "first"), new DefaultConsumer(ch) {
            @Override
            public void handleDelivery(String tag, Envelope env, AMQP.BasicProperties p, byte[] body) throws IOException {
                if (nack) {
                    ch.basicNack(env.getDeliveryTag(), false, true);
                } else {
                    ch.basicReject(env.getDeliveryTag(), false);
                }
            }
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("offences")
    void onlyTheOffendingClientIsClosedWithTheBrokersReply(String name, String queueType, Offence offence)
            throws Exception {
        String queue = prepareQueue(queueType);
        ShutdownSignalException direct = commit(TestBroker.direct(), queueType, queue, offence);
        assertThat(direct.isHardError()).as("the broker answers %s with a connection error: %s", name, direct).isTrue();

        try (Bystanders bystanders = Bystanders.start(TestBroker.viaProxy(fx.proxy().port()), fx.newQueue("pub"),
                fx.newQueue("con"), TestBroker.direct())) {
            assertThat(fx.proxy().stats().upstreamConnections()).as("the bystanders share one upstream").isEqualTo(1);
            ShutdownSignalException viaProxy = commit(TestBroker.viaProxy(fx.proxy().port()), queueType, queue, offence);

            assertThat(viaProxy.isHardError()).as("closed as a connection: %s", viaProxy).isTrue();
            AMQP.Connection.Close got = (AMQP.Connection.Close) viaProxy.getReason();
            AMQP.Connection.Close expected = (AMQP.Connection.Close) direct.getReason();
            assertThat(got.getReplyCode()).isEqualTo(expected.getReplyCode());
            assertThat(got.getReplyText()).isEqualTo(expected.getReplyText());
            bystanders.assertUndisturbed();
            // the only upstream that may have closed is a trial's, for an exchange type nobody had tried
            int trials = name.startsWith("exchange.declare") ? 1 : 0;
            assertThat(fx.listener().upstreamCloseReasons()).as("upstream closes").hasSizeLessThanOrEqualTo(trials);
        }
    }

    @Test
    void aPluginTypeTheBrokerLacksIsTriedOnceThenRefusedFromMemory() throws Exception {
        String queue = fx.newQueue("memory");
        Offence declare = (ch, q) -> ch.exchangeDeclare(q + "-x", "x-consistent-hash", false, true, null);
        commit(TestBroker.viaProxy(fx.proxy().port()), null, queue, declare);
        int opened = fx.listener().upstreamsOpened();
        ShutdownSignalException second = commit(TestBroker.viaProxy(fx.proxy().port()), null, queue, declare);
        assertThat(((AMQP.Connection.Close) second.getReason()).getReplyText())
                .isEqualTo("COMMAND_INVALID - unknown exchange type 'x-consistent-hash'");
        assertThat(fx.listener().upstreamsOpened()).as("no second trial: the second client reuses the pooled upstream")
                .isEqualTo(opened);
    }

    @Test
    void aStreamDeclaredElsewhereCostsItsUpstreamOnceThenItsClientAlone() throws Exception {
        String stream = prepareQueue("stream"); // declared at the broker only: the proxy does not know its type
        Offence get = (ch, q) -> ch.basicGet(q, false);
        ShutdownSignalException first = commit(TestBroker.viaProxy(fx.proxy().port()), null, stream, get);
        assertThat(first.isHardError()).isTrue();
        assertThat(fx.listener().upstreamCloseReasons()).as("the first time, the upstream it was sent on").hasSize(1);

        try (Bystanders bystanders = Bystanders.start(TestBroker.viaProxy(fx.proxy().port()), fx.newQueue("pub"),
                fx.newQueue("con"), TestBroker.direct())) {
            ShutdownSignalException second = commit(TestBroker.viaProxy(fx.proxy().port()), null, stream, get);
            assertThat(((AMQP.Connection.Close) second.getReason()).getReplyText())
                    .isEqualTo("NOT_IMPLEMENTED - basic.get not supported by stream queues queue '" + stream
                            + "' in vhost '/'");
            bystanders.assertUndisturbed();
            assertThat(fx.listener().upstreamCloseReasons()).as("no upstream lost the second time").hasSize(1);
        }
    }

    /** Declares the queue the case needs at the broker; {@code null}: a classic queue all the same, unused. */
    private String prepareQueue(String queueType) {
        String queue = fx.newQueue("offence-" + (queueType == null ? "none" : queueType));
        if (queueType != null && !queueType.equals("classic")) {
            fx.broker().deleteQueue(queue);
            fx.broker().run(ch -> {
                ch.queueDeclare(queue, true, false, false, Map.of("x-queue-type", queueType));
                ch.confirmSelect();
                ch.basicPublish("", queue, null, new byte[] {42});
                ch.waitForConfirmsOrDie(10_000);
            });
        }
        return queue;
    }

    /**
     * Commits the offence on a new connection from {@code f} (a client that first declares the queue as an
     * application would, which teaches the proxy its type) and returns how the connection was closed.
     */
    private ShutdownSignalException commit(ConnectionFactory f, String queueType, String queue, Offence offence)
            throws Exception {
        Connection c = fx.connect(f, "offender");
        Channel ch = c.createChannel();
        if (queueType != null && !queueType.equals("classic")) {
            ch.queueDeclare(queue, true, false, false, Map.of("x-queue-type", queueType));
        }
        try {
            offence.commit(ch, queue);
        } catch (IOException | RuntimeException e) {
            // the close arrives as the method's failure, or as the connection's end below
        }
        Await.until(WAIT, "the offender's connection to close", () -> !c.isOpen());
        return c.getCloseReason();
    }
}
