package io.amqproxy.testsupport;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What {@link CapturingSlf4jProvider} recorded: every log event of every level, trace included, as formatted text
 * with the full stack trace of its throwable. Recording is off unless a test turns it on with {@link #start()}, so
 * the other tests of the module log nothing and keep nothing, as with no SLF4J provider at all.
 *
 * <p>Thread-safe: the proxy logs from its event loop threads while the test reads.
 */
public final class LogCapture {

    /** One log event: level, logger name, the message with its arguments filled in, and the stack trace if any. */
    public record Event(String level, String logger, String message, String throwable) {
        /** Everything the event would show in a log file. */
        public String text() {
            return level + " " + logger + " - " + message + (throwable.isEmpty() ? "" : "\n" + throwable);
        }
    }

    private static final ConcurrentLinkedQueue<Event> EVENTS = new ConcurrentLinkedQueue<>();
    private static final AtomicInteger ACTIVE = new AtomicInteger();

    private LogCapture() {
    }

    /** Whether SLF4J chose the capturing provider in this JVM; if not, nothing is ever recorded. */
    public static boolean installed() {
        return org.slf4j.LoggerFactory.getILoggerFactory() instanceof CapturingSlf4jProvider.Factory;
    }

    /** Starts recording (calls nest); clears what an earlier recording kept. */
    public static void start() {
        if (ACTIVE.getAndIncrement() == 0) {
            EVENTS.clear();
        }
    }

    /** Stops recording; the events recorded stay readable until the next {@link #start()}. */
    public static void stop() {
        ACTIVE.updateAndGet(n -> Math.max(0, n - 1));
    }

    static boolean active() {
        return ACTIVE.get() > 0;
    }

    static void record(String level, String logger, String message, Throwable t) {
        String trace = "";
        if (t != null) {
            StringWriter w = new StringWriter();
            t.printStackTrace(new PrintWriter(w));
            trace = w.toString();
        }
        EVENTS.add(new Event(level, logger, String.valueOf(message), trace));
    }

    /** The events recorded so far, oldest first. */
    public static List<Event> events() {
        return new ArrayList<>(EVENTS);
    }
}
