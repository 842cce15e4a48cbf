package io.amqproxy.micrometer;

import io.amqproxy.AmqProxy;
import io.amqproxy.ProxyStats;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;
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
    /** Told of every fresh snapshot, with the proxy it came from (held only for the call). */
    private final List<BiConsumer<AmqProxy, ProxyStats>> freshListeners = new CopyOnWriteArrayList<>();

    SharedSnapshot(long maxAgeNanos, LongSupplier nanoClock) {
        this.maxAgeNanos = maxAgeNanos;
        this.nanoClock = nanoClock;
    }

    /** The snapshot of at most the maximum age, taken from {@code proxy} if the last one is older. */
    ProxyStats of(AmqProxy proxy) {
        ProxyStats fresh;
        synchronized (this) {
            long now = nanoClock.getAsLong();
            if (last != null && now - takenAt < maxAgeNanos) {
                return last;
            }
            last = proxy.stats();
            takenAt = now;
            fresh = last;
        }
        // outside the lock: a listener may register meters, whose registry has locks of its own
        for (BiConsumer<AmqProxy, ProxyStats> listener : freshListeners) {
            listener.accept(proxy, fresh);
        }
        return fresh;
    }

    /** {@code listener} hears of every snapshot taken from now on. */
    void onFresh(BiConsumer<AmqProxy, ProxyStats> listener) {
        freshListeners.add(listener);
    }
}
