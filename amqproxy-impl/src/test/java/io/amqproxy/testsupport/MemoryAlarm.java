package io.amqproxy.testsupport;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A memory alarm on a private node ({@link PrivateRabbit#shared()}), raised with {@code rabbitmqctl -n NODE
 * set_vm_memory_high_watermark} and cleared by restoring the watermark the node was configured with. Never on the
 * shared broker: an alarm there would block every other run's publishers. Use in try-with-resources so the node is
 * always restored. Called from one test thread at a time; {@link #clearAnyLeftOn()} may come from another.
 */
public final class MemoryAlarm implements AutoCloseable {

    private static final Pattern WATERMARK = Pattern.compile("\\{vm_memory_high_watermark,(\\{absolute,)?([^}]+)}");

    /** The alarm raised last and not cleared yet, for {@link #clearAnyLeftOn()}. */
    private static volatile MemoryAlarm active;

    private final PrivateNodeSet nodes;
    private final PrivateNode node;
    private final String[] original;
    private boolean cleared;

    private MemoryAlarm(PrivateNodeSet nodes, PrivateNode node, String[] original) {
        this.nodes = nodes;
        this.node = node;
        this.original = original;
    }

    /** Sets a watermark far below what {@code node} of {@code nodes} uses, so its alarm goes off at once. */
    public static MemoryAlarm raise(PrivateNodeSet nodes, PrivateNode node) {
        MemoryAlarm alarm = new MemoryAlarm(nodes, node, configuredWatermark(nodes, node));
        active = alarm;
        nodes.rabbitmqctl(node, "set_vm_memory_high_watermark", "0.0000001");
        return alarm;
    }

    /** Sets a watermark far below what the node of {@code rabbit} uses, so its alarm goes off at once. */
    public static MemoryAlarm raise(PrivateRabbit rabbit) {
        return raise(rabbit, rabbit.node());
    }

    /**
     * Clears an alarm a test left on, for an {@code @AfterEach}: when a test thread hangs under the alarm and
     * its timeout abandons it, its try-with-resources never runs, and every later test would meet the alarm.
     */
    public static void clearAnyLeftOn() {
        MemoryAlarm left = active;
        if (left != null) {
            left.clear();
        }
    }

    /** Restores the configured watermark; the node clears the alarm shortly after. Idempotent. */
    public synchronized void clear() {
        if (!cleared) {
            cleared = true;
            active = null;
            String[] args = new String[original.length + 1];
            args[0] = "set_vm_memory_high_watermark";
            System.arraycopy(original, 0, args, 1, original.length);
            nodes.rabbitmqctl(node, args);
        }
    }

    @Override
    public void close() {
        clear();
    }

    /** The watermark the node is configured with, as set_vm_memory_high_watermark takes it. */
    private static String[] configuredWatermark(PrivateNodeSet nodes, PrivateNode node) {
        Matcher m = WATERMARK.matcher(nodes.rabbitmqctl(node, "environment"));
        if (!m.find()) {
            return new String[] {"0.4"}; // RabbitMQ's default
        }
        return m.group(1) != null ? new String[] {"absolute", m.group(2).trim()} : new String[] {m.group(2).trim()};
    }
}
