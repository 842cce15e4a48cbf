package io.amqproxy.examples.bench;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * throughput: one publisher connection (no confirms) and one auto-ack consumer connection on a fresh queue.
 * The clock runs from the first publish to the last delivery, so the figure is the consumed rate.
 */
final class ThroughputWorkload implements Workload {

    private static final double MIB = 1024.0 * 1024.0;

    private final Endpoints endpoints;
    private final int messageSize;
    private final int messages;
    private final Duration limit;

    ThroughputWorkload(Endpoints endpoints, int messageSize, int messages, Duration limit) {
        this.endpoints = endpoints;
        this.messageSize = messageSize;
        this.messages = messages;
        this.limit = limit;
    }

    @Override
    public String label() {
        return "throughput " + sizeLabel(messageSize);
    }

    static String sizeLabel(int bytes) {
        return bytes % 1024 == 0 ? (bytes / 1024) + " KiB" : bytes + " B";
    }

    /** Counts deliveries; the consumer thread of the client calls it one delivery at a time. */
    private static final class CountingConsumer extends DefaultConsumer {
        final AtomicInteger received = new AtomicInteger();
        final CountDownLatch all = new CountDownLatch(1);
        private final int expected;
        volatile long lastNanos;

        CountingConsumer(Channel channel, int expected) {
            super(channel);
            this.expected = expected;
        }

        @Override
        public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties props, byte[] body) {
            if (received.incrementAndGet() == expected) {
                lastNanos = System.nanoTime();
                all.countDown();
            }
        }
    }

    @Override
    public RunResult run(Side side, boolean warmup) throws Exception {
        int count = warmup ? Math.max(1_000, messages / 5) : messages;
        RunResult result = new RunResult(label());
        ConnectionFactory factory = endpoints.target(side).factory();
        byte[] body = new byte[messageSize];

        Connection publisher = factory.newConnection("amqproxy-bench-publisher");
        Connection consumer = null;
        try {
            consumer = factory.newConnection("amqproxy-bench-consumer");
            Channel pub = publisher.createChannel();
            String queue = BenchQueues.declare(pub, "throughput");
            try {
                Channel sub = consumer.createChannel();
                CountingConsumer counter = new CountingConsumer(sub, count);
                sub.basicConsume(queue, true, counter);

                long deadline = System.nanoTime() + limit.toNanos();
                long cpuStart = endpoints.proxyCpuNanos(side);
                long brokerStart = endpoints.brokerCpuNanos();
                long start = System.nanoTime();
                int published = 0;
                while (published < count && ((published & 1023) != 0 || System.nanoTime() < deadline)) {
                    pub.basicPublish("", queue, null, body);
                    published++;
                }
                boolean done = counter.all.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                long end = done ? counter.lastNanos : System.nanoTime();
                long cpuEnd = endpoints.proxyCpuNanos(side);
                long brokerEnd = endpoints.brokerCpuNanos();
                int received = counter.received.get();

                double seconds = (end - start) / 1e9;
                result.add("msg/s", received / seconds)
                        .add("MiB/s", received * (double) messageSize / MIB / seconds)
                        .add("proxy CPU us/msg", ProxyCpu.microsPer(cpuStart, cpuEnd, received))
                        .add("broker CPU us/msg", ProxyCpu.microsPer(brokerStart, brokerEnd, received));
                if (!done) {
                    result.warn("time limit: published " + published + ", consumed " + received + " of " + count);
                }
            } finally {
                pub.queueDelete(queue);
            }
        } finally {
            if (consumer != null) {
                Target.close(consumer);
            }
            Target.close(publisher);
        }
        return result;
    }
}
