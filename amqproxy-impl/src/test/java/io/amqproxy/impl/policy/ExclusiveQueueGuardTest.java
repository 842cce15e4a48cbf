package io.amqproxy.impl.policy;

import io.amqproxy.impl.codec.Methods;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Two clients behind one shared connection, "up", and a second connection, "other"; no broker needed. */
class ExclusiveQueueGuardTest {

    private final ExclusiveQueues<String> registry = new ExclusiveQueues<>();
    private final ExclusiveQueueGuard<String> alice = new ExclusiveQueueGuard<>(registry, "/");
    private final ExclusiveQueueGuard<String> bob = new ExclusiveQueueGuard<>(registry, "/");

    private void aliceDeclares(String queue) {
        assertThat(alice.onClientMethod(1, Payloads.queueDeclare(queue, false, true, false), "up")).isNull();
        alice.onBrokerMethod(1, Payloads.declareOk(queue), "up");
    }

    @Test
    void aNeighbourCannotUseAnExclusiveQueueOnTheSharedConnection() {
        aliceDeclares("mine");
        for (int method : new int[] {Methods.QUEUE_DECLARE, Methods.QUEUE_BIND, Methods.QUEUE_PURGE,
                Methods.QUEUE_DELETE, Methods.QUEUE_UNBIND, Methods.BASIC_CONSUME, Methods.BASIC_GET}) {
            var m = method == Methods.QUEUE_DECLARE ? Payloads.queueDeclare("mine", true, false, false)
                    : method == Methods.QUEUE_UNBIND
                    ? Payloads.client(w -> w.begin(Methods.QUEUE_UNBIND).u16(0).shortStr("mine").shortStr("x")
                    .shortStr("rk").u32(0))
                    : Payloads.queueMethod(method, "mine");
            Refusal r = bob.onClientMethod(3, m, "up");
            assertThat(r).as(m.name()).isNotNull();
            assertThat(r.scope()).isEqualTo(Refusal.Scope.CHANNEL);
            assertThat(r.code()).isEqualTo(405);
            assertThat(r.text()).startsWith("RESOURCE_LOCKED - cannot obtain exclusive access to locked queue 'mine' "
                    + "in vhost '/'");
            assertThat(r.methodId()).isEqualTo(method);
            if (method != Methods.QUEUE_DELETE) { // the owner's delete would free the name for the next rounds
                assertThat(alice.onClientMethod(1, m, "up")).as("the owner may").isNull();
            }
        }
        assertThat(bob.onClientMethod(3, Payloads.queueMethod(Methods.BASIC_CONSUME, "mine"), "other"))
                .as("on another connection it is another queue to the broker, and the broker judges").isNull();
    }

    @Test
    void aServerNamedQueueIsKnownByTheNameInItsDeclareOk() {
        assertThat(alice.onClientMethod(2, Payloads.queueDeclare("", false, true, false), "up")).isNull();
        assertThat(alice.onClientMethod(2, Payloads.queueDeclare("shared", false, false, false), "up")).isNull();
        alice.onBrokerMethod(2, Payloads.declareOk("amq.gen-XYZ"), "up");
        alice.onBrokerMethod(2, Payloads.declareOk("shared"), "up");
        assertThat(bob.onClientMethod(1, Payloads.queueMethod(Methods.BASIC_GET, "amq.gen-XYZ"), "up")).isNotNull();
        assertThat(bob.onClientMethod(1, Payloads.queueMethod(Methods.BASIC_GET, "shared"), "up"))
                .as("the second declare was not exclusive").isNull();
    }

    @Test
    void aNoWaitExclusiveDeclareCountsAtOnceAndAPassiveOneNever() {
        alice.onClientMethod(1, Payloads.queueDeclare("fast", false, true, true), "up");
        assertThat(registry.owner("up", "fast")).isSameAs(alice);
        alice.onClientMethod(1, Payloads.queueDeclare("peek", true, true, false), "up");
        alice.onBrokerMethod(1, Payloads.declareOk("peek"), "up");
        assertThat(registry.owner("up", "peek")).isNull();
    }

    @Test
    void aDeclareOkOnAClosedChannelRegistersNothing() {
        alice.onClientMethod(1, Payloads.queueDeclare("late", false, true, false), "up");
        alice.channelClosed(1);
        alice.onBrokerMethod(1, Payloads.declareOk("late"), "up");
        assertThat(registry.owner("up", "late")).isNull();
    }

    @Test
    void theOwnerDeletingItsQueueFreesTheName() {
        aliceDeclares("mine");
        assertThat(alice.onClientMethod(1, Payloads.queueMethod(Methods.QUEUE_DELETE, "mine"), "up")).isNull();
        assertThat(registry.owner("up", "mine")).isNull();
        assertThat(alice.release()).as("nothing left to delete").isEmpty();
    }

    @Test
    void aClientThatGoesHandsBackItsQueuesWhichStayLockedUntilForgotten() {
        aliceDeclares("a");
        aliceDeclares("b");
        alice.onClientMethod(1, Payloads.queueDeclare("c", false, true, true), "other");
        Map<String, List<String>> release = alice.release();
        assertThat(release).containsOnlyKeys("up", "other");
        assertThat(release.get("up")).containsExactly("a", "b");
        assertThat(bob.onClientMethod(1, Payloads.queueMethod(Methods.BASIC_GET, "a"), "up"))
                .as("locked while the broker deletes it").isNotNull();
        alice.forget("up", "a");
        assertThat(bob.onClientMethod(1, Payloads.queueMethod(Methods.BASIC_GET, "a"), "up")).isNull();
        assertThat(alice.lockedOn("up", "b")).isTrue();
    }

    @Test
    void otherMethodsAreNotLookedAt() {
        aliceDeclares("mine");
        assertThat(bob.onClientMethod(1, Payloads.publish(false), "up")).isNull();
    }
}
