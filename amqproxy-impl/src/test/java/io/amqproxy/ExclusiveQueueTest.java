package io.amqproxy;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.GetResponse;
import io.amqproxy.testsupport.AmqpErrors;
import io.amqproxy.testsupport.Await;
import io.amqproxy.testsupport.BrokerSide;
import io.amqproxy.testsupport.ProxyFixture;
import io.amqproxy.testsupport.TestBroker;
import io.amqproxy.testsupport.relay.FaultRelay;
import io.amqproxy.testsupport.relay.RelayEffect.Reset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Behaviour 7, exclusive queues keep RabbitMQ's meaning behind a shared upstream: only the declaring client may
 * use one (another client with the same credentials, on the same upstream, gets 405 RESOURCE_LOCKED for consume,
 * get, purge, bind, delete and redeclare, like a second connection at the broker does), and it is deleted at the
 * broker when the declaring client goes, although the upstream connection that declared it stays open.
 */
@Timeout(value = 40, unit = TimeUnit.SECONDS)
class ExclusiveQueueTest {

    private static final Duration GONE_DEADLINE = Duration.ofSeconds(5);

    /** What another client tries on someone else's exclusive queue. */
    enum Op {
        CONSUME, GET, PURGE, BIND, DELETE, REDECLARE, DECLARE_PASSIVE
    }

    @RegisterExtension
    // neighbours on ONE broker connection are the premise here, consumers included
    final ProxyFixture fx = new ProxyFixture(b -> b.separateConsumers(false));

    /** Runs {@code op} on {@code queue} on a fresh channel of {@code c}; 0 when it succeeds, else the reply code. */
    private static int attempt(Connection c, Op op, String queue) throws Exception {
        Channel ch = c.createChannel();
        try {
            switch (op) {
                case CONSUME -> ch.basicConsume(queue, true, new DefaultConsumer(ch));
                case GET -> ch.basicGet(queue, true);
                case PURGE -> ch.queuePurge(queue);
                case BIND -> ch.queueBind(queue, "amq.direct", "exclusive-test");
                case DELETE -> ch.queueDelete(queue);
                case REDECLARE -> ch.queueDeclare(queue, false, true, false, null);
                case DECLARE_PASSIVE -> ch.queueDeclarePassive(queue);
            }
            ch.close();
            return 0;
        } catch (java.io.IOException e) {
            assertThat(AmqpErrors.isConnectionError(e)).as("%s: %s must be a channel error", op, AmqpErrors.describe(e))
                    .isFalse();
            assertThat(AmqpErrors.replyCode(e) != AMQP.RESOURCE_LOCKED
                    || AmqpErrors.replyText(e).startsWith("RESOURCE_LOCKED")).as(AmqpErrors.describe(e)).isTrue();
            return AmqpErrors.replyCode(e);
        }
    }

    /** Every op on a queue that another connection holds exclusively, as the broker answers it directly. */
    private Map<Op, Integer> brokerReference(Set<Op> ops, boolean serverNamed) throws Exception {
        Connection owner = fx.connect(TestBroker.direct(), "reference owner");
        Connection other = fx.connect(TestBroker.direct(), "reference other");
        String q = serverNamed ? owner.createChannel().queueDeclare().getQueue()
                : owner.createChannel().queueDeclare(BrokerSide.uniqueName("excl-ref"), false, true, false, null).getQueue();
        Map<Op, Integer> codes = new LinkedHashMap<>();
        for (Op op : ops) {
            codes.put(op, attempt(other, op, q));
        }
        owner.close();
        other.close();
        return codes;
    }

    private Map<Op, Integer> attemptAll(Connection c, Set<Op> ops, String queue) throws Exception {
        Map<Op, Integer> codes = new LinkedHashMap<>();
        for (Op op : ops) {
            codes.put(op, attempt(c, op, queue));
        }
        return codes;
    }

    private static void publishConfirmed(Channel ch, String queue, int count) throws Exception {
        ch.confirmSelect();
        for (int i = 0; i < count; i++) {
            ch.basicPublish("", queue, null, ("x" + i).getBytes(StandardCharsets.UTF_8));
        }
        ch.waitForConfirmsOrDie(10_000);
    }

    @Test
    void anotherClientOnTheSameUpstreamIsLockedOutOfANamedExclusiveQueue() throws Exception {
        Set<Op> ops = EnumSet.allOf(Op.class);
        Map<Op, Integer> reference = brokerReference(ops, false);
        assertThat(reference.values()).as("the broker's own answers %s", reference).containsOnly(AMQP.RESOURCE_LOCKED);

        String queue = BrokerSide.uniqueName("excl-named");
        fx.deleteAfter(queue);
        Connection a = fx.viaProxy("A");
        Connection b = fx.viaProxy("B");
        assertThat(fx.proxy().stats().upstreamConnections()).as("A and B share one upstream").isEqualTo(1);
        Channel aChannel = a.createChannel();
        aChannel.queueDeclare(queue, false, true, false, null);
        publishConfirmed(aChannel, queue, 3);

        assertThat(attemptAll(b, ops, queue)).isEqualTo(reference);
        assertThat(b.isOpen()).isTrue();
        // publishing into someone else's exclusive queue is allowed, as at the broker
        publishConfirmed(b.createChannel(), queue, 1);

        // nothing B tried had an effect, and A (the owner) can use its queue on any of its channels
        Channel another = a.createChannel();
        assertThat(another.queueDeclarePassive(queue).getMessageCount()).isEqualTo(4);
        assertThat(another.queueDeclarePassive(queue).getConsumerCount()).isZero();
        GetResponse got = another.basicGet(queue, true);
        assertThat(new String(got.getBody(), StandardCharsets.UTF_8)).isEqualTo("x0");
        another.queueBind(queue, "amq.direct", "owner-binding");
        another.basicPublish("amq.direct", "owner-binding", null, "routed".getBytes(StandardCharsets.UTF_8));
        another.queuePurge(queue);
        String tag = another.basicConsume(queue, true, new DefaultConsumer(another));
        another.basicCancel(tag);
        aChannel.queueDeclare(queue, false, true, false, null); // redeclare by the owner is fine
        assertThat(fx.broker().queueExists(queue)).isTrue();

        a.close(5_000);
        Await.until(GONE_DEADLINE, "the exclusive queue to be deleted at the broker when A left",
                () -> !fx.broker().queueExists(queue));
        assertThat(fx.proxy().stats().upstreamConnections()).as("the upstream that declared it is still open")
                .isEqualTo(1);

        // the name is free again: B may now declare it for itself
        Channel bChannel = b.createChannel();
        bChannel.queueDeclare(queue, false, true, false, null);
        assertThat(bChannel.queueDeclarePassive(queue).getQueue()).isEqualTo(queue);
        assertThat(fx.listener().upstreamsClosed()).isZero();
    }

    @Test
    void serverNamedExclusiveQueueIsLockedAndDeletedWhenItsClientIsKilled() throws Exception {
        // redeclaring an amq.gen-* name is refused with 403 for everybody (reserved prefix), so it is not tried here
        Set<Op> ops = EnumSet.complementOf(EnumSet.of(Op.REDECLARE));
        Map<Op, Integer> reference = brokerReference(ops, true);
        assertThat(reference.values()).as("the broker's own answers %s", reference).containsOnly(AMQP.RESOURCE_LOCKED);

        FaultRelay relay = fx.relayToProxy();
        Connection a = fx.connect(TestBroker.viaProxy(relay.port()), "A");
        Connection b = fx.viaProxy("B");
        Channel aChannel = a.createChannel();
        String queue = aChannel.queueDeclare().getQueue();
        assertThat(queue).startsWith("amq.gen-");
        publishConfirmed(aChannel, queue, 2);
        assertThat(fx.proxy().stats().upstreamConnections()).isEqualTo(1);

        assertThat(attemptAll(b, ops, queue)).isEqualTo(reference);
        assertThat(aChannel.queueDeclarePassive(queue).getMessageCount()).isEqualTo(2);

        relay.apply(new Reset());
        Await.until(GONE_DEADLINE, "the server-named exclusive queue to be deleted when A was killed",
                () -> !fx.broker().queueExists(queue));
        assertThat(b.isOpen()).isTrue();
        assertThat(fx.proxy().stats().upstreamConnections()).isEqualTo(1);
    }

    @Test
    void exclusiveQueueOutlivesTheChannelThatDeclaredItButNotTheClient() throws Exception {
        String queue = BrokerSide.uniqueName("excl-chan");
        fx.deleteAfter(queue);
        Connection a = fx.viaProxy("A");
        Channel declaring = a.createChannel();
        declaring.queueDeclare(queue, false, true, false, null);
        declaring.close();
        assertThat(fx.broker().queueExists(queue)).as("the queue belongs to the connection, not the channel").isTrue();
        Channel later = a.createChannel();
        publishConfirmed(later, queue, 1);
        assertThat(later.basicGet(queue, true)).isNotNull();

        // another client that comes and goes does not take A's queue with it
        Connection b = fx.viaProxy("B");
        assertThat(attempt(b, Op.GET, queue)).isEqualTo(AMQP.RESOURCE_LOCKED);
        b.close(5_000);
        assertThat(fx.broker().queueExists(queue)).isTrue();
        assertThat(later.queueDeclarePassive(queue).getQueue()).isEqualTo(queue);

        a.close(5_000);
        Await.until(GONE_DEADLINE, "the exclusive queue to be deleted when A left",
                () -> !fx.broker().queueExists(queue));
    }

    @Test
    void noWaitDeclaresAndOwnDeletesAreTrackedToo() throws Exception {
        String noWait = BrokerSide.uniqueName("excl-nowait");
        String deleted = BrokerSide.uniqueName("excl-deleted");
        fx.deleteAfter(noWait);
        fx.deleteAfter(deleted);
        Connection a = fx.viaProxy("A");
        Connection b = fx.viaProxy("B");
        Channel aChannel = a.createChannel();
        aChannel.queueDeclareNoWait(noWait, false, true, false, null);
        aChannel.queueDeclare(deleted, false, true, false, null);
        // a round trip on the same channel, so the no-wait declare has been handled
        assertThat(aChannel.queueDeclarePassive(noWait).getQueue()).isEqualTo(noWait);

        assertThat(attempt(b, Op.GET, noWait)).as("no-wait exclusive declare").isEqualTo(AMQP.RESOURCE_LOCKED);
        assertThat(attempt(b, Op.CONSUME, deleted)).isEqualTo(AMQP.RESOURCE_LOCKED);

        // once A deleted its queue, the name is nobody's: B may declare it exclusively and use it
        aChannel.queueDelete(deleted);
        Channel bChannel = b.createChannel();
        bChannel.queueDeclare(deleted, false, true, false, null);
        publishConfirmed(bChannel, deleted, 1);
        assertThat(bChannel.basicGet(deleted, true)).isNotNull();
        assertThat(attempt(a, Op.GET, deleted)).as("now B's queue, locked for A").isEqualTo(AMQP.RESOURCE_LOCKED);

        a.close(5_000);
        Await.until(GONE_DEADLINE, "A's no-wait exclusive queue to be deleted when A left",
                () -> !fx.broker().queueExists(noWait));
        assertThat(fx.broker().queueExists(deleted)).as("B's queue of the same name as A's old one survives A")
                .isTrue();
        b.close(5_000);
        Await.until(GONE_DEADLINE, "B's exclusive queue to be deleted when B left",
                () -> !fx.broker().queueExists(deleted));
    }
}
