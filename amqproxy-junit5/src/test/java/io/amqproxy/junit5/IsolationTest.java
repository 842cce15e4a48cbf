package io.amqproxy.junit5;

import com.rabbitmq.client.BlockedListener;
import com.rabbitmq.client.Connection;
import io.amqproxy.fixture.ConnectionRecord;
import io.amqproxy.fixture.FaultRule;
import io.amqproxy.fixture.Faults;
import io.amqproxy.fixture.PublishRecord;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What one test leaves behind on a class's shared proxy (a static field) is gone when the next test starts: its fault
 * rules, its recorded traffic, its conditions and its counters; what a {@code @BeforeEach} method sets up is kept.
 * Each example class runs its tests in a fixed order, the later test checking what the earlier one left.
 */
class IsolationTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @Test
    void aFaultRuleDoesNotOutliveItsTest() {
        ExampleRuns.runAndExpectSuccess(FaultThenNoFault.class, 2);
    }

    @Test
    void aTestSeesOnlyItsOwnTraffic() {
        ExampleRuns.runAndExpectSuccess(TrafficThenTraffic.class, 2);
    }

    @Test
    void conditionsAreResetBetweenTests() {
        ExampleRuns.runAndExpectSuccess(BlockedThenNot.class, 2);
    }

    @Test
    void statsCountOnlyTheCurrentTest() {
        ExampleRuns.runAndExpectSuccess(StatsThenStats.class, 2);
    }

    @Test
    void faultRulesAddedInBeforeEachApplyToEveryTest() {
        ExampleRuns.runAndExpectSuccess(RuleInBeforeEach.class, 2);
    }

    @Example
    @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
    static class FaultThenNoFault {
        @RegisterExtension
        static AmqProxyExtension rabbit = AmqProxyExtension.upstream(Broker.upstream());

        @Test
        @Order(1)
        void aTestBreaksEveryPublish() {
            rabbit.faults().add(FaultRule.on("basic.publish").always()
                    .closeChannel(406, "PRECONDITION_FAILED - injected by the first test"));

            assertThatThrownBy(() -> Clients.publishConfirmed(rabbit.uri(), "first", "refused"))
                    .hasStackTraceContaining("PRECONDITION_FAILED - injected by the first test");
        }

        @Test
        @Order(2)
        void theNextTestPublishesAsUsual() throws Exception {
            assertThat(rabbit.faults().list()).isEmpty();
            Clients.publishConfirmed(rabbit.uri(), "second", "confirmed");
        }
    }

    @Example
    @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
    static class TrafficThenTraffic {
        @RegisterExtension
        static AmqProxyExtension rabbit = AmqProxyExtension.upstream(Broker.upstream());

        @Test
        @Order(1)
        void first() throws Exception {
            Clients.publishConfirmed(rabbit.uri(), "first", "one", "two", "three");

            assertThat(rabbit.traffic().awaitPublishes(3, WAIT)).extracting(PublishRecord::bodyAsString)
                    .containsExactly("one", "two", "three");
        }

        @Test
        @Order(2)
        void second() throws Exception {
            Clients.publishConfirmed(rabbit.uri(), "second", "four");

            rabbit.traffic().awaitPublishes(1, WAIT);
            assertThat(rabbit.traffic().publishes()).extracting(PublishRecord::bodyAsString).containsExactly("four");
            assertThat(rabbit.traffic().connections()).extracting(ConnectionRecord::connectionName)
                    .containsOnly("second");
        }
    }

    @Example
    @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
    static class BlockedThenNot {
        @RegisterExtension
        static AmqProxyExtension rabbit = AmqProxyExtension.upstream(Broker.upstream());

        @Test
        @Order(1)
        void aTestBlocksTheBroker() throws Exception {
            CountDownLatch blocked = new CountDownLatch(1);
            try (Connection connection = Broker.client(rabbit.uri()).newConnection("first")) {
                connection.addBlockedListener(new BlockedListener() {
                    @Override
                    public void handleBlocked(String reason) {
                        blocked.countDown();
                    }

                    @Override
                    public void handleUnblocked() {
                    }
                });
                rabbit.conditions().block("low on memory (injected by the first test)");

                assertThat(blocked.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).as("Connection.Blocked seen")
                        .isTrue();
            }
        }

        @Test
        @Order(2)
        void theNextTestsPublishesAreConfirmed() throws Exception {
            Clients.publishConfirmed(rabbit.uri(), "second", "not held"); // waits at most 10 s for the confirm
        }
    }

    @Example
    @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
    static class StatsThenStats {
        @RegisterExtension
        static AmqProxyExtension rabbit = AmqProxyExtension.upstream(Broker.upstream());

        @Test
        @Order(1)
        void first() throws Exception {
            Clients.publishConfirmed(rabbit.uri(), "first", "one", "two", "three");

            assertThat(rabbit.stats().messagesPublished()).isEqualTo(3);
        }

        @Test
        @Order(2)
        void second() throws Exception {
            Clients.publishConfirmed(rabbit.uri(), "second", "four", "five");

            assertThat(rabbit.stats().messagesPublished()).isEqualTo(2);
            assertThat(rabbit.proxy().stats().messagesPublished()).as("the proxy's own counter").isEqualTo(5);
        }
    }

    @Example
    @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
    static class RuleInBeforeEach {
        @RegisterExtension
        static AmqProxyExtension rabbit = AmqProxyExtension.upstream(Broker.upstream());

        @BeforeEach
        void refuseOneRoutingKey(Faults faults) {
            faults.add(FaultRule.on("basic.publish").routingKey(Clients.NOWHERE + "doomed").always()
                    .closeChannel(406, "PRECONDITION_FAILED - injected before each test"));
        }

        @Test
        @Order(1)
        void first() {
            assertThat(rabbit.faults().list()).hasSize(1);
        }

        @Test
        @Order(2)
        void second() throws Exception {
            assertThat(rabbit.faults().list()).as("the first test's rule was removed, this test's added").hasSize(1);
            assertThatThrownBy(() -> Clients.publishConfirmed(rabbit.uri(), "doomed", "refused"))
                    .hasStackTraceContaining("PRECONDITION_FAILED - injected before each test");
            Clients.publishConfirmed(rabbit.uri(), "spared", "confirmed");
        }
    }
}
