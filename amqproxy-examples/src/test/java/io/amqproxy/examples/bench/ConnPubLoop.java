package io.amqproxy.examples.bench;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The short-lived-client pattern the proxy exists for: {new connection, open channel, publish one 16-byte
 * message, close channel, close connection}, repeated by a few concurrent workers.
 *
 * <p>The message goes to the default exchange with a routing key no queue has, so the broker drops it and
 * nothing piles up.
 */
final class ConnPubLoop {

    /** A routing key that matches no queue. */
    static final String VOID_ROUTING_KEY = "amqproxy-bench-void";
    private static final byte[] BODY = new byte[16];

    /**
     * What one loop measured.
     *
     * @param latencies  nanoseconds per completed operation, in the first {@code completed} slots
     * @param completed  operations that finished without an error
     * @param wallNanos  from the first worker's start to the last worker's end
     * @param errors     operations that failed
     * @param firstError the first failure, or null
     */
    record Result(long[] latencies, int completed, long wallNanos, int errors, Exception firstError) {

        double opsPerSecond() {
            return completed / (wallNanos / 1e9);
        }

        double percentileMillis(double p) {
            return Stats.millis(Stats.percentile(latencies, completed, p));
        }
    }

    private ConnPubLoop() {
    }

    /** One operation, timed by the caller. */
    static void once(ConnectionFactory factory) throws Exception {
        Connection connection = factory.newConnection("amqproxy-bench-connpub");
        try {
            Channel channel = connection.createChannel();
            channel.basicPublish("", VOID_ROUTING_KEY, null, BODY);
            channel.close();
            connection.close(Target.CONNECT_TIMEOUT_MS); // close() alone would wait for Close-Ok forever
        } finally {
            if (connection.isOpen()) {
                connection.abort(Target.CONNECT_TIMEOUT_MS);
            }
        }
    }

    /**
     * Runs {@code ops} operations over {@code workers} threads, after one untimed operation that primes the
     * path (for the proxy: its upstream connection, which it keeps open between clients).
     *
     * @param limit the loop stops starting operations after this long; the result tells how many finished
     */
    static Result run(ConnectionFactory factory, int ops, int workers, Duration limit) throws InterruptedException {
        try {
            once(factory);
        } catch (Exception e) {
            return new Result(new long[0], 0, 1, 1, e);
        }
        long[] latencies = new long[ops];
        AtomicInteger next = new AtomicInteger();
        AtomicInteger completed = new AtomicInteger();
        AtomicInteger errors = new AtomicInteger();
        AtomicReference<Exception> firstError = new AtomicReference<>();
        long deadline = System.nanoTime() + limit.toNanos();

        Runnable worker = () -> {
            int i;
            while ((i = next.getAndIncrement()) < ops && System.nanoTime() < deadline) {
                long start = System.nanoTime();
                try {
                    once(factory);
                    latencies[completed.getAndIncrement()] = System.nanoTime() - start;
                } catch (Exception e) {
                    errors.incrementAndGet();
                    firstError.compareAndSet(null, e);
                }
            }
        };
        List<Thread> threads = new ArrayList<>();
        long start = System.nanoTime();
        for (int w = 0; w < workers; w++) {
            Thread t = new Thread(worker, "bench-connpub-" + w);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            // Every operation is bounded by the client's connect and handshake timeouts.
            t.join(limit.toMillis() + 4L * Target.CONNECT_TIMEOUT_MS);
        }
        long wall = System.nanoTime() - start;
        return new Result(latencies, completed.get(), wall, errors.get(), firstError.get());
    }
}
