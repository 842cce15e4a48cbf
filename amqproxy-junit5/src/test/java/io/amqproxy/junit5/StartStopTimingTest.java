package io.amqproxy.junit5;

import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How long the extension takes to start and to close a proxy when no client is connected, measured around the
 * extension's own callbacks: a stopwatch extension registered before it and one registered after it (JUnit calls
 * before-callbacks in registration order and after-callbacks in reverse). Prints the figures.
 */
class StartStopTimingTest {

    static final int TESTS = 20;
    static final List<Long> startNanos = new CopyOnWriteArrayList<>();
    static final List<Long> closeNanos = new CopyOnWriteArrayList<>();

    @Test
    void startingAndClosingAProxyTakeMilliseconds() {
        ExampleRuns.runAndExpectSuccess(TimedProxies.class, TESTS);

        List<Long> starts = sorted(startNanos);
        List<Long> closes = sorted(closeNanos);
        System.out.printf("AmqProxyExtension, %d proxies, no client: start median %.1f ms, max %.1f ms (the first "
                        + "of this run, which may load the proxy's classes: %.1f ms); close median %.1f ms, max %.1f ms%n", TESTS,
                millis(median(starts)), millis(starts.get(TESTS - 1)), millis(startNanos.get(0)),
                millis(median(closes)), millis(closes.get(TESTS - 1)));
        assertThat(starts).hasSize(TESTS);
        assertThat(closes).hasSize(TESTS);
        // Milliseconds, with room for a shared 2-core machine; the first start also loads the proxy's classes.
        assertThat(millis(median(starts))).as("median start, ms").isLessThan(100);
        assertThat(millis(median(closes))).as("median close, ms").isLessThan(100);
        assertThat(millis(starts.get(TESTS - 1))).as("slowest start, ms").isLessThan(2000);
        assertThat(millis(closes.get(TESTS - 1))).as("slowest close, ms").isLessThan(2000);
    }

    private static List<Long> sorted(List<Long> values) {
        List<Long> copy = new ArrayList<>(values);
        copy.sort(null);
        return copy;
    }

    private static long median(List<Long> sorted) {
        return sorted.get(sorted.size() / 2);
    }

    private static double millis(long nanos) {
        return nanos / 1e6;
    }

    @Example
    static class TimedProxies {
        @RegisterExtension
        @Order(1)
        Stopwatch before = new Stopwatch();

        @RegisterExtension
        @Order(2)
        AmqProxyExtension rabbit = AmqProxyExtension.upstream(Broker.upstream());

        @RegisterExtension
        @Order(3)
        Stopwatch after = new Stopwatch();

        @RepeatedTest(TESTS)
        void idle() {
            assertThat(rabbit.proxy().isRunning()).isTrue();
            before.lapEndingAt(after); // before's beforeEach to after's beforeEach: the proxy's start
        }
    }

    /** Notes when JUnit calls it, before and after each test. */
    static final class Stopwatch implements BeforeEachCallback, AfterEachCallback {
        private long beforeEachAt;
        private long afterEachAt;
        private Stopwatch inner;

        @Override
        public void beforeEach(ExtensionContext context) {
            beforeEachAt = System.nanoTime();
        }

        @Override
        public void afterEach(ExtensionContext context) {
            afterEachAt = System.nanoTime();
            if (inner != null) {
                // called after the inner stopwatch's afterEach and the proxy's: the close
                closeNanos.add(afterEachAt - inner.afterEachAt);
            }
        }

        void lapEndingAt(Stopwatch innerWatch) {
            inner = innerWatch;
            startNanos.add(innerWatch.beforeEachAt - beforeEachAt);
        }
    }
}
