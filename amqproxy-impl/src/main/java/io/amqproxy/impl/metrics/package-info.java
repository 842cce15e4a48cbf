/**
 * Per-loop counters written with plain increments by the loop thread and read as snapshots on it, and the
 * wrapper that keeps a user listener's exceptions off the event loop.
 */
package io.amqproxy.impl.metrics;
