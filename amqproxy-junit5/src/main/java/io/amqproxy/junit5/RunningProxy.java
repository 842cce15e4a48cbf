package io.amqproxy.junit5;

import io.amqproxy.AmqProxy;
import io.amqproxy.ProxyStats;

/**
 * One started proxy of an {@link AmqProxyExtension} and the fixture state around it: which tests are in progress on
 * it, and the stats baseline of the tests in progress.
 *
 * <p>Thread-safe. JUnit may run the tests that share this proxy (a static extension field) on several threads; the
 * count of tests in progress and the reset it guards are changed under {@link #lock} only, and the baseline is read
 * by any thread through a volatile field.
 *
 * <p>The invariant: the fixture state (fault rules, recording, conditions, stats baseline) is reset when a test starts
 * while no other test is in progress on this proxy, and only then. With tests one after the other that is before each
 * test; with concurrent tests it never pulls a fault rule or a recording from under a test that is still running.
 */
final class RunningProxy {

    private final AmqProxy proxy;
    private final Object lock = new Object();
    private int testsInProgress; // guarded by lock
    private volatile ProxyStats baseline;

    RunningProxy(AmqProxy proxy) {
        this.proxy = proxy;
        this.baseline = proxy.stats();
    }

    AmqProxy proxy() {
        return proxy;
    }

    /** A test starts on this shared proxy: resets the fixture state when it is the only test in progress. */
    void testStarted() {
        synchronized (lock) {
            // Held across the reset: a test that starts meanwhile waits, so it cannot add a rule that the reset would
            // then remove.
            if (testsInProgress == 0) {
                reset();
            }
            testsInProgress++;
        }
    }

    /** A test that {@link #testStarted() started} on this shared proxy is over. */
    void testFinished() {
        synchronized (lock) {
            testsInProgress--;
        }
    }

    /** The proxy's counters since the baseline: the figures of the tests in progress; gauges as they are now. */
    ProxyStats stats() {
        return proxy.stats().since(baseline);
    }

    /**
     * Closes the proxy. The conditions are reset first: a paused or throttled proxy would hold back the
     * Connection.Close it sends its clients and their answers, and close would wait out its shutdown timeout.
     */
    void close() {
        try {
            proxy.conditions().reset();
        } finally {
            proxy.close();
        }
    }

    private void reset() {
        // Rules first, so that no rule acts on the goodbyes of the previous test's clients while the rest is reset;
        // the recording is cleared last, after the conditions stopped holding traffic back.
        proxy.faults().clear();
        proxy.conditions().reset();
        proxy.traffic().clear();
        baseline = proxy.stats();
    }
}
