package io.amqproxy.impl.policy;

import io.amqproxy.impl.codec.MethodReader;
import io.amqproxy.impl.codec.MethodView;
import io.amqproxy.impl.codec.Methods;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The connection-error rules as plain state machines: what each refuses, with the broker's code and text (the
 * texts are RabbitMQ 3.10.8's, as {@code ClientConnectionErrorTest} checks against the broker), and what they let on.
 */
class ConnectionErrorGuardTest {

    private final BrokerFacts facts = new BrokerFacts();
    private final ConnectionErrorGuard guard = new ConnectionErrorGuard(facts, "/");
    private final MethodReader reader = new MethodReader();

    @Test
    void notImplementedArgumentsAreRefusedWithTheBrokersText() {
        assertRefused(Payloads.client(w -> w.begin(Methods.CHANNEL_FLOW).u8(0)), 540, "NOT_IMPLEMENTED - active=false");
        assertThat(guard.onClientMethod(Payloads.client(w -> w.begin(Methods.CHANNEL_FLOW).u8(1)), reader)).isNull();
        assertRefused(Payloads.client(w -> w.begin(Methods.BASIC_QOS).u32(4096).u16(10).u8(0)), 540,
                "NOT_IMPLEMENTED - prefetch_size!=0 (4096)");
        assertThat(guard.onClientMethod(Payloads.qos(10), reader)).isNull();
        assertRefused(Payloads.client(w -> w.begin(Methods.BASIC_RECOVER).u8(0)), 540, "NOT_IMPLEMENTED - requeue=false");
        assertRefused(Payloads.client(w -> w.begin(Methods.BASIC_RECOVER_ASYNC).u8(0)), 540,
                "NOT_IMPLEMENTED - requeue=false");
        assertThat(guard.onClientMethod(Payloads.client(w -> w.begin(Methods.BASIC_RECOVER).u8(1)), reader)).isNull();
        assertRefused(Payloads.client(w -> w.begin(Methods.BASIC_PUBLISH).u16(0).shortStr("").shortStr("q").u8(2)),
                540, "NOT_IMPLEMENTED - immediate=true");
        assertThat(guard.onClientMethod(Payloads.publish(true), reader)).as("mandatory is fine").isNull();
    }

    @Test
    void aConsumerTagInUseIsRefusedUntilCancelled() {
        assertThat(guard.onClientMethod(consume("q", "t1", false), reader)).isNull();
        assertThat(guard.onClientMethod(consume("other", "t2", false), reader)).isNull();
        assertRefused(consume("other", "t1", false), 530, "NOT_ALLOWED - attempt to reuse consumer tag 't1'");
        guard.onClientMethod(Payloads.client(w -> w.begin(Methods.BASIC_CANCEL).shortStr("t1").u8(0)), reader);
        assertThat(guard.onClientMethod(consume("q", "t1", false), reader)).as("free after its cancel").isNull();

        guard.onBrokerMethod(Payloads.broker(w -> w.begin(Methods.BASIC_CANCEL).shortStr("t2").u8(0)));
        assertThat(guard.onClientMethod(consume("q", "t2", false), reader)).as("free after the broker's cancel").isNull();

        assertThat(guard.onClientMethod(consume("q", "", false), reader)).isNull();
        guard.onBrokerMethod(Payloads.broker(w -> w.begin(Methods.BASIC_CONSUME_OK).shortStr("amq.ctag-x")));
        assertRefused(consume("q", "amq.ctag-x", false), 530, "NOT_ALLOWED - attempt to reuse consumer tag 'amq.ctag-x'");
    }

    @Test
    void streamMethodsAreRefusedOnceTheProxySawTheStreamDeclared() {
        assertThat(new ConnectionErrorGuard(facts, "/").onClientMethod(Payloads.basicGet("s", false), reader))
                .as("type not known yet").isNull();
        declare("s", "stream");

        assertRefused(Payloads.basicGet("s", false), 540,
                "NOT_IMPLEMENTED - basic.get not supported by stream queues queue 's' in vhost '/'");
        assertRefused(Payloads.queueMethod(Methods.QUEUE_PURGE, "s"), 540,
                "NOT_IMPLEMENTED - queue.purge not supported by stream queues queue 's' in vhost '/'");
        assertThat(guard.onClientMethod(consume("s", "a", true), reader))
                .as("without a prefetch the broker's 406 comes first: a channel error").isNull();
        guard.onClientMethod(Payloads.qos(10), reader);
        assertRefused(consume("s", "b", true), 540,
                "NOT_IMPLEMENTED - automatic acknowledgement not supported by stream queues queue 's' in vhost '/'");
        assertThat(guard.onClientMethod(consume("s", "c", false), reader)).isNull();
        assertRefused(Payloads.client(w -> w.begin(Methods.BASIC_NACK).u64(1).u8(2)), 540,
                "NOT_IMPLEMENTED - basic.nack and basic.reject not supported by stream queues queue 's' in vhost '/'");

        assertThat(guard.onClientMethod(Payloads.basicGet("classic", false), reader)).isNull();
        assertThat(guard.onClientMethod(Payloads.client(w -> w.begin(Methods.BASIC_REJECT).u64(2).u8(1)), reader))
                .as("the channel also got from a queue of another type: its nack may be of that").isNull();

        guard.onClientMethod(Payloads.queueMethod(Methods.QUEUE_DELETE, "s"), reader);
        assertThat(guard.onClientMethod(Payloads.basicGet("s", false), reader)).as("forgotten at its delete").isNull();
    }

    @Test
    void theBrokersOwnConnectionErrorTeachesTheTypeOfAQueueDeclaredElsewhere() {
        facts.queueTypes.learnFrom(540,
                "NOT_IMPLEMENTED - basic.get not supported by stream queues queue 'elsewhere' in vhost '/'");
        assertRefused(Payloads.queueMethod(Methods.QUEUE_PURGE, "elsewhere"), 540,
                "NOT_IMPLEMENTED - queue.purge not supported by stream queues queue 'elsewhere' in vhost '/'");
        facts.queueTypes.learnFrom(540, "NOT_IMPLEMENTED - queue 'qq2' in vhost '/' does not support global qos");
        guard.onClientMethod(Payloads.client(w -> w.begin(Methods.BASIC_QOS).u32(0).u16(5).u8(1)), reader);
        assertRefused(consume("qq2", "", false), 540, "NOT_IMPLEMENTED - queue 'qq2' in vhost '/' does not support global qos");
        facts.queueTypes.learnFrom(503, "COMMAND_INVALID - unknown exchange type 'x'");
        assertThat(guard.onClientMethod(Payloads.basicGet("other", false), reader)).isNull();
    }

    @Test
    void aGlobalPrefetchIsRefusedForAQuorumQueueOnly() {
        declare("qq", "quorum");
        declare("classic", null);
        guard.onClientMethod(Payloads.client(w -> w.begin(Methods.BASIC_QOS).u32(0).u16(10).u8(1)), reader);
        assertThat(guard.onClientMethod(consume("classic", "", false), reader)).isNull();
        assertRefused(consume("qq", "", false), 540, "NOT_IMPLEMENTED - queue 'qq' in vhost '/' does not support global qos");
        assertThat(guard.onClientMethod(Payloads.basicGet("qq", false), reader)).as("basic.get of a quorum queue").isNull();
    }

    @Test
    void anEmptyQueueNameMeansTheChannelsLastDeclaredQueue() {
        guard.onClientMethod(declareWithType("", "stream"), reader);
        guard.onBrokerMethod(Payloads.declareOk("amq.gen-1"));
        assertRefused(Payloads.basicGet("", false), 540,
                "NOT_IMPLEMENTED - basic.get not supported by stream queues queue 'amq.gen-1' in vhost '/'");
    }

    @Test
    void exchangeTypesNotBuiltInAreAskedOnceThenJudgedFromMemory() {
        for (String builtIn : new String[] {"direct", "fanout", "topic", "headers"}) {
            assertThat(guard.onClientMethod(exchangeDeclare(builtIn, false), reader)).as(builtIn).isNull();
        }
        assertThat(guard.onClientMethod(exchangeDeclare("nosuchtype", true), reader)).as("passive: no type check").isNull();
        assertThat(guard.onClientMethod(exchangeDeclare("x-consistent-hash", false), reader))
                .isSameAs(ConnectionErrorGuard.ASK_BROKER);
        facts.exchangeTypes.remember(guard.trialKey(), null);
        assertThat(guard.onClientMethod(exchangeDeclare("x-consistent-hash", false), reader)).isNull();

        assertThat(guard.onClientMethod(exchangeDeclare("nosuchtype", false), reader)).isSameAs(ConnectionErrorGuard.ASK_BROKER);
        facts.exchangeTypes.remember(guard.trialKey(), Refusal.connection(503, "unknown exchange type 'nosuchtype'",
                Methods.EXCHANGE_DECLARE));
        ConnectionErrorGuard another = new ConnectionErrorGuard(facts, "/");
        Refusal r = another.onClientMethod(exchangeDeclare("nosuchtype", false), reader);
        assertThat(r.code()).isEqualTo(503);
        assertThat(r.text()).isEqualTo("COMMAND_INVALID - unknown exchange type 'nosuchtype'");
        assertThat(new ConnectionErrorGuard(facts, "other-vhost").onClientMethod(exchangeDeclare("nosuchtype", false),
                reader)).as("verdicts are per vhost").isSameAs(ConnectionErrorGuard.ASK_BROKER);
    }

    @Test
    void aTokenNamesItsUserAndAPasswordNamesNone() {
        String alice = jwt("{\"sub\":\"alice\",\"aud\":[\"rabbitmq\"]}");
        String alice2 = jwt("{\"exp\":1,\"sub\":\"alice\"}");
        String bob = jwt("{\"client_id\":\"bob\"}");
        assertThat(TokenIdentity.userOf(alice.getBytes())).isEqualTo("alice");
        assertThat(TokenIdentity.userOf(bob.getBytes())).isEqualTo("bob");
        assertThat(TokenIdentity.userOf("guest".getBytes())).isNull();
        assertThat(TokenIdentity.changesUser(alice.getBytes(), alice2.getBytes())).isFalse();
        assertThat(TokenIdentity.changesUser(alice.getBytes(), bob.getBytes())).isTrue();
        assertThat(TokenIdentity.changesUser("guest".getBytes(), bob.getBytes())).as("a password: the broker decides").isFalse();
    }

    private static String jwt(String payload) {
        Base64.Encoder b = Base64.getUrlEncoder().withoutPadding();
        return b.encodeToString("{\"alg\":\"HS256\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + b.encodeToString(payload.getBytes(StandardCharsets.UTF_8)) + ".c2ln";
    }

    private void declare(String queue, String type) {
        guard.onClientMethod(declareWithType(queue, type), reader);
        guard.onBrokerMethod(Payloads.declareOk(queue));
    }

    private static MethodView declareWithType(String queue, String type) {
        Map<String, Object> args = type == null ? Map.of() : Map.of("x-queue-type", type);
        return Payloads.client(w -> w.begin(Methods.QUEUE_DECLARE).u16(0).shortStr(queue).u8(2).table(args));
    }

    private static MethodView consume(String queue, String tag, boolean noAck) {
        return Payloads.client(w -> w.begin(Methods.BASIC_CONSUME).u16(0).shortStr(queue).shortStr(tag)
                .u8(noAck ? 2 : 0).u32(0));
    }

    private static MethodView exchangeDeclare(String type, boolean passive) {
        return Payloads.client(w -> w.begin(Methods.EXCHANGE_DECLARE).u16(0).shortStr("x").shortStr(type)
                .u8(passive ? 1 : 0).u32(0));
    }

    private void assertRefused(MethodView m, int code, String text) {
        Refusal r = guard.onClientMethod(m, reader);
        assertThat(r).as(m.name()).isNotNull();
        assertThat(r.scope()).isEqualTo(Refusal.Scope.CONNECTION);
        assertThat(r.code()).isEqualTo(code);
        assertThat(r.text()).isEqualTo(text);
        assertThat(r.methodId()).isEqualTo(m.id());
    }
}
