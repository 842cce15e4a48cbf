package io.amqproxy.testsupport;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Polling with a deadline, so that every wait in a test has a bound and says what it waits for. */
public final class Eventually {

    private Eventually() {
    }

    /** Polls {@code condition} every 50 ms until it holds; fails with {@code what} after {@code timeout}. */
    public static void await(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out after " + timeout + " waiting for: " + what);
            }
            pause(50);
        }
    }

    /**
     * Polls {@code value} until {@code condition} holds for it; fails after {@code timeout} with the last value
     * seen. Returns the value that satisfied it.
     */
    public static <T> T await(String what, Duration timeout, Supplier<T> value, java.util.function.Predicate<T> condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        T last = value.get();
        while (!condition.test(last)) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out after " + timeout + " waiting for: " + what + "; last value: " + last);
            }
            pause(100);
            last = value.get();
        }
        return last;
    }

    /** Polls {@code condition} for at most {@code timeout}; returns whether it came to hold. Never fails. */
    public static boolean awaitQuietly(Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            pause(20);
        }
        return true;
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
