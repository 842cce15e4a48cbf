package io.amqproxy.micrometer;

import io.amqproxy.AmqProxy;
import io.amqproxy.ProxyStats;

import java.util.function.LongSupplier;

/**
 * One {@link ProxyStats} snapshot that all meters of a binder read, taken again only when it is older than the
 * maximum age. A snapshot asks every event loop of the proxy for its figures (a task queued on each loop), so a
 * scrape of twenty meters costs the data path one such round, not twenty; between scrapes it costs nothing.
 *
 * <p>Holds no reference to the proxy: the meters hand it in, and hold the proxy only weakly, as Micrometer does
 * for the objects of its function meters, so a registry never keeps a closed proxy alive. Thread-safe: scrapes
 * may come from any thread, and one of them at a time takes the snapshot.
 */
final class SharedSnapshot {

    private final long maxAgeNanos;
    private final LongSupplier nanoClock;
    private ProxyStats last;
    private long takenAt;

    SharedSnapshot(long maxAgeNanos, LongSupplier nanoClock) {
        this.maxAgeNanos = maxAgeNanos;
        this.nanoClock = nanoClock;
    }

    /** The snapshot of at most the maximum age, taken from {@code proxy} if the last one is older. */
    synchronized ProxyStats of(AmqProxy proxy) {
        long now = nanoClock.getAsLong();
        if (last == null || now - takenAt >= maxAgeNanos) {
            last = proxy.stats();
            takenAt = now;
        }
        return last;
    }
}
