package io.amqproxy.testsupport;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Bounded polling for integration tests: wait until a condition holds or a deadline passes, then fail with a
 * message that says what was awaited and what was last seen. Never an unbounded wait, never a bare sleep used
 * as synchronisation.
 */
public final class Await {

    private static final long POLL_MILLIS = 25;

    private Await() {
    }

    /** Waits until {@code condition} is true; throws {@link AssertionError} naming {@code what} after {@code timeout}. */
    public static void until(Duration timeout, String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (condition.getAsBoolean()) {
                return;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out after " + timeout.toMillis() + " ms waiting for " + what);
            }
            pause();
        }
    }

    /**
     * Polls {@code value} until it satisfies {@code accept} and returns that value; after {@code timeout} returns
     * the last value seen instead, so the caller's assertion shows what was wrong.
     */
    public static <T> T value(Duration timeout, Supplier<T> value, Predicate<? super T> accept) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            T v = value.get();
            if (accept.test(v) || System.nanoTime() - deadline > 0) {
                return v;
            }
            pause();
        }
    }

    /**
     * Polls {@code value} until it satisfies {@code accept} and returns that value; throws {@link AssertionError}
     * naming {@code what} and the last value seen after {@code timeout}.
     */
    public static <T> T valueOrFail(Duration timeout, String what, Supplier<T> value, Predicate<? super T> accept) {
        T last = value(timeout, value, accept);
        if (!accept.test(last)) {
            throw new AssertionError("timed out after " + timeout.toMillis() + " ms waiting for " + what
                    + "; last value: " + last);
        }
        return last;
    }

    /** Polls {@code condition} for at most {@code timeout}; returns whether it came to hold. Never fails. */
    public static boolean quietly(Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            pause();
        }
        return true;
    }

    private static void pause() {
        try {
            Thread.sleep(POLL_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting", e);
        }
    }
}
