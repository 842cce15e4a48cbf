package io.amqproxy.examples.bench;

/**
 * One row group of the table: the same work done once per call, on the side asked for. The benchmark calls
 * {@link #run} alternately for each side (direct, proxy, and other when given); medians over the repetitions
 * go in the table.
 */
interface Workload extends AutoCloseable {

    /** The row label, e.g. {@code "connpub x8"}. */
    String label();

    /**
     * Does the work once and measures it. Every metric is added on every side, in the same order, NaN where
     * a side has no value (the proxy's CPU on the direct side), so rows line up.
     *
     * @param warmup a shorter, unrecorded run that lets the JIT and the proxy's pool settle
     */
    RunResult run(Side side, boolean warmup) throws Exception;

    /** Whether this workload can run on a side; one that cannot leaves "-" in that column. */
    default boolean covers(Side side) {
        return true;
    }

    /** Releases whatever the workload started (relays, extra proxies). */
    @Override
    default void close() throws Exception {
    }
}
