package io.amqproxy.examples.bench;

/**
 * One number from one run.
 *
 * @param row    the table row's workload label, e.g. {@code "connpub x8"}
 * @param metric what was measured, with its unit, e.g. {@code "p50 ms"}
 * @param value  the value; NaN when the run could not measure it
 */
record Measurement(String row, String metric, double value) {
}
