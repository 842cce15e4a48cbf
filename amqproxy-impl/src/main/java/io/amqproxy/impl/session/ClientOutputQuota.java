package io.amqproxy.impl.session;

import io.amqproxy.ProxyLimits;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Bounds what the proxy holds for one client that reads slower than its traffic arrives: its own queued output,
 * and its share of what all slow clients hold together. Only a client that fell behind (a partial flush) has a
 * share in the shared total, so the fast path never touches the shared counter. Owned by the client's event
 * loop; the total is shared by all loops.
 */
final class ClientOutputQuota {

    private final ProxyLimits limits;
    private final AtomicLong total;
    /** This client's queued output as last added to the shared total. */
    private long accounted;

    ClientOutputQuota(ProxyLimits limits, AtomicLong total) {
        this.limits = limits;
        this.total = total;
    }

    /**
     * Brings this client's share up to date after a partial flush and judges it.
     *
     * @param queued what is queued for the client now
     * @return {@code null} when within bounds, or which bound it broke
     */
    String afterPartialFlush(long queued) {
        long all = account(queued);
        if (queued > limits.maxClientOutputBytes()) {
            return "output limit exceeded";
        }
        if (all > limits.maxTotalClientOutputBytes()) {
            return "total output limit exceeded";
        }
        return null;
    }

    /** Everything queued went out (or was dropped with the socket): the share goes back to zero. */
    void drained() {
        if (accounted != 0) {
            account(0);
        }
    }

    /** The shared total as last seen. */
    long total() {
        return total.get();
    }

    private long account(long queued) {
        long delta = queued - accounted;
        accounted = queued;
        return delta == 0 ? total.get() : total.addAndGet(delta);
    }
}
