package io.amqproxy.impl.loop;

import java.util.concurrent.ThreadLocalRandom;

/**
 * How the endpoints of one direction on one loop write, when a test asks for a slow network: each write delayed
 * by a latency plus a random jitter (order kept), and paced to a rate. Off (all zero) normally, and then the
 * endpoints write as they always do. Set and read on the loop thread only.
 */
public final class EgressShaping {

    private long latencyNanos;
    private long jitterNanos;
    private long bytesPerSecond;

    public void set(long latencyNanos, long jitterNanos) {
        this.latencyNanos = latencyNanos;
        this.jitterNanos = jitterNanos;
    }

    public void rate(long bytesPerSecond) {
        this.bytesPerSecond = bytesPerSecond;
    }

    public boolean active() {
        return latencyNanos > 0 || jitterNanos > 0 || bytesPerSecond > 0;
    }

    /** The delay for one write: the latency plus a random part of the jitter. */
    long delayNanos() {
        return latencyNanos + (jitterNanos > 0 ? ThreadLocalRandom.current().nextLong(jitterNanos + 1) : 0);
    }

    long bytesPerSecond() {
        return bytesPerSecond;
    }
}
