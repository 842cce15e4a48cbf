package io.amqproxy.junit5;

import io.amqproxy.AmqProxy;
import io.amqproxy.fixture.Fault;
import io.amqproxy.fixture.FaultRule;
import io.amqproxy.fixture.PublishRecord;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Tests that JUnit runs at the same time ({@code junit.jupiter.execution.parallel}): with an instance field each
 * sees only its own proxy, traffic and counters; with a static field the shared proxy is never reset under a test
 * that is still running (and what the tests see mixes, as documented). Every example proves that its tests did run
 * at the same time by meeting at a barrier, which fails after a bounded wait otherwise.
 */
class ParallelTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    /** The proxies the concurrent tests saw. */
    static final List<AmqProxy> seen = new CopyOnWriteArrayList<>();

    @BeforeEach
    void forgetEarlierRuns() {
        seen.clear();
    }

    @Test
    void concurrentTestsWithAnInstanceFieldEachCountOnlyTheirOwnPublishes() {
        ExampleRuns.expectSuccess(ExampleRuns.run(OwnCounters.class, ExampleRuns.CONCURRENT), 4);

        assertThat(seen).hasSize(4).doesNotHaveDuplicates().noneMatch(AmqProxy::isRunning);
        assertThat(seen).extracting(AmqProxy::port).doesNotHaveDuplicates();
    }

    @Test
    void concurrentTestsWithAnInstanceFieldEachRecordOnlyTheirOwnTraffic() {
        ExampleRuns.expectSuccess(ExampleRuns.run(OwnTraffic.class, ExampleRuns.CONCURRENT), 4);
    }

    @Test
    void aSharedProxyKeepsItsCountersWhileAnotherTestStarts() {
        ExampleRuns.expectSuccess(ExampleRuns.run(SharedCounters.class, ExampleRuns.CONCURRENT), 2);
    }

    @Test
    void aSharedProxyKeepsARunningTestsFaultRuleWhileAnotherTestStarts() {
        ExampleRuns.expectSuccess(ExampleRuns.run(SharedFaults.class, ExampleRuns.CONCURRENT), 2);
    }

    /** Four tests meet, then each publishes as many messages as its number and counts them. */
    @Example
    static class OwnCounters {
        static final CyclicBarrier allIn = new CyclicBarrier(4);

        @RegisterExtension
        AmqProxyExtension rabbit = AmqProxyExtension.upstream(Broker.upstream());

        @Test
        void one(TestInfo test) throws Exception {
            publishAndCount(test, 1);
        }

        @Test
        void two(TestInfo test) throws Exception {
            publishAndCount(test, 2);
        }

        @Test
        void three(TestInfo test) throws Exception {
            publishAndCount(test, 3);
        }

        @Test
        void four(TestInfo test) throws Exception {
            publishAndCount(test, 4);
        }

        private void publishAndCount(TestInfo test, int messages) throws Exception {
            seen.add(rabbit.proxy());
            allIn.await(WAIT.toMillis(), TimeUnit.MILLISECONDS);

            Clients.publishConfirmed(rabbit.uri(), test.getDisplayName(), bodies(test, messages));

            assertThat(rabbit.stats().messagesPublished()).isEqualTo(messages);
        }
    }

    /** Four tests meet, then each publishes as many messages as its number and finds exactly those recorded. */
    @Example
    static class OwnTraffic {
        static final CyclicBarrier allIn = new CyclicBarrier(4);

        @RegisterExtension
        AmqProxyExtension rabbit = AmqProxyExtension.upstream(Broker.upstream());

        @Test
        void one(TestInfo test) throws Exception {
            publishAndFindThem(test, 1);
        }

        @Test
        void two(TestInfo test) throws Exception {
            publishAndFindThem(test, 2);
        }

        @Test
        void three(TestInfo test) throws Exception {
            publishAndFindThem(test, 3);
        }

        @Test
        void four(TestInfo test) throws Exception {
            publishAndFindThem(test, 4);
        }

        private void publishAndFindThem(TestInfo test, int messages) throws Exception {
            allIn.await(WAIT.toMillis(), TimeUnit.MILLISECONDS);

            Clients.publishConfirmed(rabbit.uri(), test.getDisplayName(), bodies(test, messages));

            rabbit.traffic().awaitPublishes(messages, WAIT);
            assertThat(rabbit.traffic().publishes()).extracting(PublishRecord::bodyAsString)
                    .containsExactly(bodies(test, messages));
        }
    }

    /**
     * Test {@code a} publishes one message; only then does test {@code b} start (a gate ahead of the proxy's
     * extension holds it), while {@code a} is still running. Had {@code b}'s start reset the shared proxy, {@code a}
     * would count nothing.
     */
    @Example
    static class SharedCounters {
        static final CountDownLatch aPublished = new CountDownLatch(1);
        static final CountDownLatch bStarted = new CountDownLatch(1);

        @RegisterExtension
        @Order(1)
        static BeforeEachCallback gate = holdTestBUntil(aPublished);

        @RegisterExtension
        @Order(2)
        static AmqProxyExtension rabbit = AmqProxyExtension.upstream(Broker.upstream());

        @Test
        void a() throws Exception {
            try {
                Clients.publishConfirmed(rabbit.uri(), "a", "from a");
            } finally {
                aPublished.countDown(); // also when a fails: b need not wait out its gate
            }
            assertThat(bStarted.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).as("b started").isTrue();

            assertThat(rabbit.stats().messagesPublished()).isEqualTo(1);
        }

        @Test
        void b() {
            bStarted.countDown();

            assertThat(rabbit.stats().messagesPublished()).as("a's publish: a shared proxy's figures mix")
                    .isEqualTo(1);
        }
    }

    /** As {@link SharedCounters}, with a fault rule that test {@code a} added and still relies on. */
    @Example
    static class SharedFaults {
        static final CountDownLatch aAddedItsRule = new CountDownLatch(1);
        static final CountDownLatch bStarted = new CountDownLatch(1);

        @RegisterExtension
        @Order(1)
        static BeforeEachCallback gate = holdTestBUntil(aAddedItsRule);

        @RegisterExtension
        @Order(2)
        static AmqProxyExtension rabbit = AmqProxyExtension.upstream(Broker.upstream());

        @Test
        void a() throws Exception {
            Fault fault;
            try {
                fault = rabbit.faults().add(FaultRule.on("basic.publish").connectionName("a").always()
                        .closeChannel(406, "PRECONDITION_FAILED - injected by a"));
            } finally {
                aAddedItsRule.countDown(); // also when a fails: b need not wait out its gate
            }
            assertThat(bStarted.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).as("b started").isTrue();

            assertThat(rabbit.faults().list()).extracting(Fault::id).containsExactly(fault.id());
            assertThatThrownBy(() -> Clients.publishConfirmed(rabbit.uri(), "a", "refused"))
                    .hasStackTraceContaining("PRECONDITION_FAILED - injected by a");
        }

        @Test
        void b() throws Exception {
            bStarted.countDown();

            Clients.publishConfirmed(rabbit.uri(), "b", "not a's: confirmed");
        }
    }

    /** Holds the start of the test named {@code b} (before the extensions registered after it) until {@code go}. */
    private static BeforeEachCallback holdTestBUntil(CountDownLatch go) {
        return (ExtensionContext context) -> {
            if (context.getRequiredTestMethod().getName().equals("b")
                    && !go.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("test a did not get ready for b within " + WAIT);
            }
        };
    }

    private static String[] bodies(TestInfo test, int messages) {
        String[] bodies = new String[messages];
        for (int i = 0; i < messages; i++) {
            bodies[i] = test.getDisplayName() + " #" + (i + 1);
        }
        return bodies;
    }
}
