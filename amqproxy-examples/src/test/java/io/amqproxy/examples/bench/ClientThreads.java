package io.amqproxy.examples.bench;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Threads shared by every benchmark client. Left to itself the Java client starts a consumer pool and a
 * heartbeat thread per connection, which on a small machine costs more CPU than the connection itself
 * and drowns what the benchmark compares; sharing them keeps the client's overhead low on both sides.
 */
final class ClientThreads {

    /** Dispatches deliveries and other callbacks of all client connections. */
    static final ExecutorService CONSUMER_WORK = Executors.newFixedThreadPool(2, daemon("bench-client-work"));

    /** Sends heartbeats of all client connections. */
    static final ScheduledExecutorService HEARTBEATS =
            Executors.newScheduledThreadPool(1, daemon("bench-client-heartbeat"));

    private ClientThreads() {
    }

    private static ThreadFactory daemon(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
