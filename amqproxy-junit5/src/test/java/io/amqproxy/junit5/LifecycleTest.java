package io.amqproxy.junit5;

import com.rabbitmq.client.Connection;
import io.amqproxy.AmqProxy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.platform.testkit.engine.EngineExecutionResults;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * When the extension starts and closes its proxy: once per class for a static field (shared with @Nested classes),
 * once per test for an instance field, and always closed afterwards, also when tests fail. Each case runs an example
 * class on the JUnit engine and looks at the proxies its tests saw.
 */
class LifecycleTest {

    /** The proxies the example tests saw, in the order they saw them. */
    static final List<AmqProxy> seen = new CopyOnWriteArrayList<>();

    @BeforeEach
    void forgetEarlierRuns() {
        seen.clear();
    }

    @Test
    void aStaticFieldRunsOneProxyForTheWholeClassAndClosesItAfterwards() throws IOException {
        ExampleRuns.runAndExpectSuccess(OneProxyPerClass.class, 3);

        assertThat(seen).hasSize(4).allSatisfy(p -> assertThat(p).isSameAs(seen.get(0)));
        assertClosed(seen.get(0));
    }

    @Test
    void anInstanceFieldRunsAProxyForEachTestOnItsOwnPort() throws IOException {
        ExampleRuns.runAndExpectSuccess(OneProxyPerTest.class, 3);

        assertThat(seen).hasSize(3).doesNotHaveDuplicates();
        assertThat(seen).extracting(AmqProxy::port).doesNotHaveDuplicates();
        for (AmqProxy proxy : seen) {
            assertClosed(proxy);
        }
    }

    @Test
    void anInstanceFieldOfAPerClassTestInstanceRunsOneProxyForTheClass() throws IOException {
        ExampleRuns.runAndExpectSuccess(PerClassTestInstance.class, 2);

        assertThat(seen).hasSize(2).allSatisfy(p -> assertThat(p).isSameAs(seen.get(0)));
        assertClosed(seen.get(0));
    }

    @Test
    void nestedClassesShareTheEnclosingClassProxy() throws IOException {
        ExampleRuns.runAndExpectSuccess(EnclosingClass.class, 2);

        assertThat(seen).hasSize(2).allSatisfy(p -> assertThat(p).isSameAs(seen.get(0)));
        assertClosed(seen.get(0));
    }

    @Test
    void theProxiesAreClosedWhenATestFails() throws IOException {
        EngineExecutionResults results = ExampleRuns.run(FailingTest.class);

        results.testEvents().assertStatistics(s -> s.started(1).failed(1));
        assertThat(seen).hasSize(2).doesNotHaveDuplicates();
        assertClosed(seen.get(0));
        assertClosed(seen.get(1));
    }

    @Test
    void theClassProxyIsClosedWhenBeforeAllFails() throws IOException {
        EngineExecutionResults results = ExampleRuns.run(FailingBeforeAll.class);

        results.containerEvents().assertStatistics(s -> s.failed(1));
        results.testEvents().assertStatistics(s -> s.started(0));
        assertThat(seen).hasSize(1);
        assertClosed(seen.get(0));
    }

    @Test
    void aSuppliedUpstreamIsAskedForAtEachStart() {
        int before = SuppliedUpstream.calls.get();

        ExampleRuns.runAndExpectSuccess(SuppliedUpstream.class, 2);

        // once for the static field's proxy, once for each of the two tests' own proxies
        assertThat(SuppliedUpstream.calls.get() - before).isEqualTo(3);
    }

    @Test
    void aProxyLeftPausedWithAClientConnectedClosesPromptly() throws IOException {
        try {
            ExampleRuns.runAndExpectSuccess(LeftPaused.class, 1);
        } finally {
            for (Connection connection : LeftPaused.clients) {
                connection.abort(1000);
            }
        }

        // the proxy's shutdown timeout is 5 s: a proxy still paused would wait that long for the client's CloseOk
        assertThat(Duration.ofNanos(LeftPaused.closeEndedAt - LeftPaused.closeStartedAt)).isLessThan(
                Duration.ofSeconds(2));
        assertClosed(seen.get(0));
    }

    private static void assertClosed(AmqProxy proxy) throws IOException {
        assertThat(proxy.isRunning()).as("proxy on port %d running", proxy.port()).isFalse();
        try (Socket socket = new Socket()) {
            assertThatThrownBy(() -> socket.connect(new InetSocketAddress("127.0.0.1", proxy.port()), 2000))
                    .as("connect to the closed proxy's port %d", proxy.port())
                    .isInstanceOf(ConnectException.class);
        }
    }

    /** Connects a real client through {@code rabbit.uri()}: the proxy in front of the broker works. */
    private static void connectThrough(AmqProxyExtension rabbit) throws Exception {
        try (Connection connection = Broker.client(rabbit.uri()).newConnection("lifecycle")) {
            assertThat(connection.createChannel().isOpen()).isTrue();
        }
    }

    @Example
    static class OneProxyPerClass {
        @RegisterExtension
        static AmqProxyExtension rabbit = AmqProxyExtension.upstream(Broker.upstream());

        @BeforeAll
        static void beforeAll() {
            seen.add(rabbit.proxy());
        }

        @Test
        void first() throws Exception {
            seen.add(rabbit.proxy());
            connectThrough(rabbit);
        }

        @Test
        void second() throws Exception {
            seen.add(rabbit.proxy());
            connectThrough(rabbit);
        }

        @Test
        void third() throws Exception {
            seen.add(rabbit.proxy());
            connectThrough(rabbit);
        }
    }

    @Example
    static class OneProxyPerTest {
        @RegisterExtension
        AmqProxyExtension rabbit = AmqProxyExtension.upstream(Broker.upstream());

        @Test
        void first() throws Exception {
            checkEarlierProxiesAreClosedThenUse();
        }

        @Test
        void second() throws Exception {
            checkEarlierProxiesAreClosedThenUse();
        }

        @Test
        void third() throws Exception {
            checkEarlierProxiesAreClosedThenUse();
        }

        private void checkEarlierProxiesAreClosedThenUse() throws Exception {
            // an earlier test's proxy was closed when that test ended, before this one started
            assertThat(seen).noneMatch(AmqProxy::isRunning);
            seen.add(rabbit.proxy());
            connectThrough(rabbit);
        }
    }

    @Example
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    static class PerClassTestInstance {
        @RegisterExtension
        AmqProxyExtension rabbit = AmqProxyExtension.upstream(Broker.upstream());

        @Test
        void first() throws Exception {
            seen.add(rabbit.proxy());
            connectThrough(rabbit);
        }

        @Test
        void second() throws Exception {
            seen.add(rabbit.proxy());
            connectThrough(rabbit);
        }
    }

    @Example
    static class EnclosingClass {
        @RegisterExtension
        static AmqProxyExtension rabbit = AmqProxyExtension.upstream(Broker.upstream());

        @Test
        void outer() throws Exception {
            seen.add(rabbit.proxy());
            connectThrough(rabbit);
        }

        @AfterAll
        static void stillRunningAfterTheNestedClassEnded() {
            assertThat(rabbit.proxy().isRunning()).isTrue();
        }

        @Nested
        class Inner {
            @Test
            void inner() throws Exception {
                seen.add(rabbit.proxy());
                connectThrough(rabbit);
            }
        }
    }

    @Example
    static class FailingTest {
        @RegisterExtension
        static AmqProxyExtension classRabbit = AmqProxyExtension.upstream(Broker.upstream());
        @RegisterExtension
        AmqProxyExtension testRabbit = AmqProxyExtension.upstream(Broker.upstream());

        @Test
        void fails() {
            seen.add(classRabbit.proxy());
            seen.add(testRabbit.proxy());
            throw new AssertionError("failing on purpose");
        }
    }

    @Example
    static class FailingBeforeAll {
        @RegisterExtension
        static AmqProxyExtension rabbit = AmqProxyExtension.upstream(Broker.upstream());

        @BeforeAll
        static void fails() {
            seen.add(rabbit.proxy());
            throw new IllegalStateException("failing on purpose");
        }

        @Test
        void neverRuns() {
        }
    }

    /** Leaves its proxy paused with a client connected; notes when the proxy's afterEach begins and ends. */
    @Example
    static class LeftPaused {
        static final List<Connection> clients = new CopyOnWriteArrayList<>();
        static volatile long closeStartedAt;
        static volatile long closeEndedAt;

        @RegisterExtension
        @Order(1)
        AfterEachCallback afterTheProxyClosed = context -> closeEndedAt = System.nanoTime();

        @RegisterExtension
        @Order(2)
        AmqProxyExtension rabbit = AmqProxyExtension.upstream(Broker.upstream());

        @RegisterExtension
        @Order(3)
        AfterEachCallback beforeTheProxyCloses = context -> closeStartedAt = System.nanoTime();

        @Test
        void pausesAndLeaves() throws Exception {
            seen.add(rabbit.proxy());
            clients.add(Broker.client(rabbit.uri()).newConnection("left-connected"));
            rabbit.conditions().pause();
        }
    }

    @Example
    static class SuppliedUpstream {
        static final AtomicInteger calls = new AtomicInteger();

        @RegisterExtension
        static AmqProxyExtension classRabbit = AmqProxyExtension.upstream(SuppliedUpstream::upstream);
        @RegisterExtension
        AmqProxyExtension testRabbit = AmqProxyExtension.upstream(SuppliedUpstream::upstream);

        private static String upstream() {
            calls.incrementAndGet();
            return Broker.upstream();
        }

        @Test
        void first() throws Exception {
            connectThrough(classRabbit);
            connectThrough(testRabbit);
        }

        @Test
        void second() throws Exception {
            connectThrough(classRabbit);
            connectThrough(testRabbit);
        }
    }
}
