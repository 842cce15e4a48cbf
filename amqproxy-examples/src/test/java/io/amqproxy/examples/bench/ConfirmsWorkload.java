package io.amqproxy.examples.bench;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;

import java.time.Duration;

/** confirms: publish one 16-byte message and wait for its confirm, again and again, on one channel. */
final class ConfirmsWorkload implements Workload {

    private static final long CONFIRM_TIMEOUT_MS = 5_000;

    private final Endpoints endpoints;
    private final int messages;
    private final Duration limit;

    ConfirmsWorkload(Endpoints endpoints, int messages, Duration limit) {
        this.endpoints = endpoints;
        this.messages = messages;
        this.limit = limit;
    }

    @Override
    public String label() {
        return "confirms";
    }

    @Override
    public RunResult run(Side side, boolean warmup) throws Exception {
        int count = warmup ? Math.max(200, messages / 5) : messages;
        byte[] body = new byte[16];
        long[] latencies = new long[count];
        int done = 0;

        Connection connection = endpoints.target(side).factory().newConnection("amqproxy-bench-confirms");
        try {
            Channel channel = connection.createChannel();
            channel.confirmSelect();
            String queue = BenchQueues.declare(channel, "confirms");
            try {
                channel.basicPublish("", queue, null, body); // primes the path, untimed
                channel.waitForConfirmsOrDie(CONFIRM_TIMEOUT_MS);
                long deadline = System.nanoTime() + limit.toNanos();
                while (done < count && System.nanoTime() < deadline) {
                    long start = System.nanoTime();
                    channel.basicPublish("", queue, null, body);
                    channel.waitForConfirmsOrDie(CONFIRM_TIMEOUT_MS);
                    latencies[done++] = System.nanoTime() - start;
                }
            } finally {
                channel.queueDelete(queue);
            }
        } finally {
            Target.close(connection);
        }
        RunResult result = new RunResult(label())
                .add("p50 us", Stats.percentile(latencies, done, 0.50) / 1_000.0)
                .add("p99 us", Stats.percentile(latencies, done, 0.99) / 1_000.0);
        if (done < count) {
            result.warn("time limit after " + done + " of " + count + " confirms");
        }
        return result;
    }
}
