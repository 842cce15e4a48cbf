package io.amqproxy.testsupport;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A memory alarm on the test broker, raised with {@code rabbitmqctl set_vm_memory_high_watermark} and
 * cleared by restoring the watermark the broker was configured with. Use in try-with-resources so the broker
 * is always restored.
 */
public final class MemoryAlarm implements AutoCloseable {

    private static final Pattern WATERMARK = Pattern.compile("\\{vm_memory_high_watermark,(\\{absolute,)?([^}]+)}");

    /** The alarm raised last and not cleared yet, for {@link #clearAnyLeftOn()}. */
    private static volatile MemoryAlarm active;

    private final String[] original;
    private boolean cleared;

    private MemoryAlarm(String[] original) {
        this.original = original;
    }

    /** Sets a watermark far below what the broker uses, so the alarm goes off at once. */
    public static MemoryAlarm raise() {
        MemoryAlarm alarm = new MemoryAlarm(configuredWatermark());
        active = alarm;
        TestBroker.rabbitmqctl("set_vm_memory_high_watermark", "0.0000001");
        return alarm;
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

    /** Restores the configured watermark; the broker clears the alarm shortly after. Idempotent. */
    public synchronized void clear() {
        if (!cleared) {
            cleared = true;
            active = null;
            String[] args = new String[original.length + 1];
            args[0] = "set_vm_memory_high_watermark";
            System.arraycopy(original, 0, args, 1, original.length);
            TestBroker.rabbitmqctl(args);
        }
    }

    @Override
    public void close() {
        clear();
    }

    /** The watermark the broker is configured with, as set_vm_memory_high_watermark takes it. */
    private static String[] configuredWatermark() {
        Matcher m = WATERMARK.matcher(TestBroker.rabbitmqctl("environment"));
        if (!m.find()) {
            return new String[] {"0.4"}; // RabbitMQ's default
        }
        return m.group(1) != null ? new String[] {"absolute", m.group(2).trim()} : new String[] {m.group(2).trim()};
    }
}
