package io.amqproxy.testsupport;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;

import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A publisher as a careful application writes one: persistent messages with publisher confirms, one at a time,
 * and when its connection is closed it connects again after a short pause (no automatic recovery). It remembers
 * which messages the broker confirmed, how many connections it needed and the longest time between two confirms.
 *
 * <p>Its own thread publishes; the getters may be read from any thread. {@link #stop()} ends it within a few
 * seconds.
 */
public final class ConfirmingPublisher {

    private static final long RECONNECT_PAUSE_MILLIS = 200;
    private static final long CONFIRM_TIMEOUT_MILLIS = 5_000;

    private final ConnectionFactory factory;
    private final String queue;
    private final String name;
    private final Set<String> confirmed = ConcurrentHashMap.newKeySet();
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicLong longestGapNanos = new AtomicLong();
    private final Thread thread;
    private volatile boolean stopping;
    private volatile Connection current;

    private ConfirmingPublisher(ConnectionFactory factory, String queue, String name) {
        this.factory = factory;
        this.queue = queue;
        this.name = name;
        factory.setAutomaticRecoveryEnabled(false);
        factory.setConnectionTimeout(5_000);
        factory.setHandshakeTimeout(10_000);
        this.thread = new Thread(this::run, "confirming-publisher-" + name);
        this.thread.setDaemon(true);
    }

    /** Starts publishing to {@code queue} (through the default exchange) on a thread of its own. */
    public static ConfirmingPublisher start(ConnectionFactory factory, String queue, String name) {
        ConfirmingPublisher p = new ConfirmingPublisher(factory, queue, name);
        p.thread.start();
        return p;
    }

    private void run() {
        long sequence = 0;
        long lastConfirm = System.nanoTime();
        AMQP.BasicProperties persistent = new AMQP.BasicProperties.Builder().deliveryMode(2).build();
        while (!stopping) {
            try (Connection c = factory.newConnection("confirming publisher " + name)) {
                current = c;
                connections.incrementAndGet();
                Channel ch = c.createChannel();
                ch.confirmSelect();
                while (!stopping) {
                    String body = name + "-" + sequence++;
                    ch.basicPublish("", queue, true, persistent, body.getBytes(StandardCharsets.UTF_8));
                    ch.waitForConfirmsOrDie(CONFIRM_TIMEOUT_MILLIS);
                    confirmed.add(body);
                    long now = System.nanoTime();
                    longestGapNanos.accumulateAndGet(now - lastConfirm, Math::max);
                    lastConfirm = now;
                }
            } catch (Exception e) {
                pause(); // the connection or channel went: connect again, as an application would
            }
        }
    }

    private void pause() {
        try {
            Thread.sleep(RECONNECT_PAUSE_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopping = true;
        }
    }

    /** Ends the publisher and waits for its thread. */
    public void stop() {
        stopping = true;
        Connection c = current;
        try {
            thread.join(TimeUnit.SECONDS.toMillis(CONFIRM_TIMEOUT_MILLIS / 1000 + 5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive() && c != null) {
            c.abort(1_000);
        }
    }

    public String name() {
        return name;
    }

    /** The bodies of every message the broker confirmed. */
    public Set<String> confirmed() {
        return confirmed;
    }

    /** Connections opened so far, the first included. */
    public int connections() {
        return connections.get();
    }

    /** The longest time between two confirms (or from the start to the first), in milliseconds. */
    public long longestGapMillis() {
        return TimeUnit.NANOSECONDS.toMillis(longestGapNanos.get());
    }
}
