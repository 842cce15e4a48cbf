package io.amqproxy.examples.bench;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * neighbours: client A publishes 16-byte messages one at a time and waits for each confirm, while client B, with
 * the same credentials (so through a proxy both share one broker connection), streams 1 MiB messages without
 * confirms. Reports A's confirm latency p50/p99 and B's rate. Directly each has a TCP connection of its own, so B
 * can only delay A through the broker's CPU; through a shared upstream B's bytes queued ahead of A's frames delay
 * them too (head-of-line blocking), unless the proxy interleaves the channels fairly.
 *
 * <p>B's queue keeps its last few messages only ({@code x-max-length}), so the broker's memory stays bounded
 * however long the run. B starts first and keeps going until A is done.
 */
final class NeighboursWorkload implements Workload {

    private static final int BULK_SIZE = 1024 * 1024;
    private static final long CONFIRM_TIMEOUT_MS = 10_000;
    private static final Map<String, Object> BOUNDED = Map.of("x-expires", 60_000, "x-max-length", 4);

    private final Endpoints endpoints;
    private final int confirms;
    private final Duration limit;

    NeighboursWorkload(Endpoints endpoints, int confirms, Duration limit) {
        this.endpoints = endpoints;
        this.confirms = confirms;
        this.limit = limit;
    }

    @Override
    public String label() {
        return "neighbours 1 MiB";
    }

    @Override
    public RunResult run(Side side, boolean warmup) throws Exception {
        int count = warmup ? Math.max(100, confirms / 5) : confirms;
        ConnectionFactory factory = endpoints.target(side).factory();
        long[] latencies = new long[count];
        int done = 0;
        RunResult result = new RunResult(label());
        AtomicLong bulkSent = new AtomicLong();
        AtomicReference<Exception> bulkError = new AtomicReference<>();
        Connection small = factory.newConnection("amqproxy-bench-neighbours-small");
        Connection bulk = null;
        Thread streamer = null;
        long bulkStart = 0;
        long bulkEnd = 0;
        try {
            bulk = factory.newConnection("amqproxy-bench-neighbours-bulk");
            Channel a = small.createChannel();
            a.confirmSelect();
            String smallQueue = BenchQueues.declare(a, "neighbours-small");
            Channel b = bulk.createChannel();
            String bulkQueue = "amqproxy-bench-neighbours-bulk-" + Long.toHexString(System.nanoTime());
            b.queueDeclare(bulkQueue, false, false, false, BOUNDED);
            try {
                a.basicPublish("", smallQueue, null, new byte[16]); // primes A's path, untimed
                a.waitForConfirmsOrDie(CONFIRM_TIMEOUT_MS);
                long deadline = System.nanoTime() + limit.toNanos();
                streamer = new Thread(() -> stream(b, bulkQueue, bulkSent, bulkError, deadline + 5_000_000_000L),
                        "bench-neighbours-bulk");
                streamer.setDaemon(true);
                bulkStart = System.nanoTime();
                streamer.start();
                // let B's stream reach its pace before A starts measuring
                long settle = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
                while (System.nanoTime() < settle && bulkError.get() == null) {
                    Thread.sleep(10);
                }
                byte[] body = new byte[16];
                while (done < count && System.nanoTime() < deadline && bulkError.get() == null) {
                    long start = System.nanoTime();
                    a.basicPublish("", smallQueue, null, body);
                    a.waitForConfirmsOrDie(CONFIRM_TIMEOUT_MS);
                    latencies[done++] = System.nanoTime() - start;
                }
                streamer.interrupt();
                streamer.join(CONFIRM_TIMEOUT_MS);
                bulkEnd = System.nanoTime();
            } finally {
                a.queueDelete(smallQueue);
                a.queueDelete(bulkQueue);
            }
        } finally {
            if (streamer != null) {
                streamer.interrupt();
            }
            if (bulk != null) {
                Target.close(bulk);
            }
            Target.close(small);
        }
        double bulkSeconds = (bulkEnd - bulkStart) / 1e9;
        result.add("A confirm p50 us", Stats.percentile(latencies, done, 0.50) / 1_000.0)
                .add("A confirm p99 us", Stats.percentile(latencies, done, 0.99) / 1_000.0)
                .add("B MiB/s", bulkSeconds > 0 ? bulkSent.get() / bulkSeconds : Double.NaN);
        if (bulkError.get() != null) {
            result.warn("the bulk publisher failed: " + bulkError.get());
        }
        if (done < count) {
            result.warn("time limit after " + done + " of " + count + " confirms");
        }
        return result;
    }

    /** B's loop: 1 MiB messages as fast as the connection takes them, until interrupted or past the deadline. */
    private static void stream(Channel b, String queue, AtomicLong sent, AtomicReference<Exception> error,
                               long deadline) {
        byte[] body = new byte[BULK_SIZE];
        AMQP.BasicProperties transientMessage = new AMQP.BasicProperties.Builder().deliveryMode(1).build();
        try {
            while (!Thread.currentThread().isInterrupted() && System.nanoTime() < deadline) {
                b.basicPublish("", queue, transientMessage, body);
                sent.incrementAndGet();
            }
        } catch (Exception e) {
            if (!Thread.currentThread().isInterrupted()) {
                error.set(e);
            }
        }
    }
}
