package io.amqproxy.examples.bench;

/**
 * One row group of the table: the same work done once per call, on the side asked for. The benchmark calls
 * {@link #run} alternately for the direct and the proxy side; medians over the repetitions go in the table.
 */
interface Workload extends AutoCloseable {

    /** The row label, e.g. {@code "connpub x8"}. */
    String label();

    /**
     * Does the work once and measures it. Every metric is added on both sides, in the same order, NaN where
     * a side has no value (the proxy's CPU on the direct side), so rows line up.
     *
     * @param warmup a shorter, unrecorded run that lets the JIT and the proxy's pool settle
     */
    RunResult run(Side side, boolean warmup) throws Exception;

    /** Releases whatever the workload started (relays, extra proxies). */
    @Override
    default void close() throws Exception {
    }
}
