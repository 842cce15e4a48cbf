package io.amqproxy.examples.logging;

import io.amqproxy.examples.settings.LogLevel;
import org.slf4j.event.Level;

import java.io.PrintStream;

/**
 * Where the standalone proxy's log goes and how it looks: one line per event on standard error, at a level and
 * in a {@link LogFormat} set once at start by {@link #configure}. Until then, info and above in the plain format.
 *
 * <p>Thread-safe: the settings are volatile, and each event is written with one {@code print} call, which
 * {@link PrintStream} makes atomic, so lines from different threads never interleave.
 */
public final class ConsoleLog {

    private static volatile int threshold = LogLevel.INFO.ordinal();
    private static volatile LogFormat format = LogFormat.PLAIN;
    private static volatile PrintStream out = System.err;

    private ConsoleLog() {
    }

    /**
     * Sets the level and the format for every logger, those made before included.
     *
     * @param level  events below it are dropped; {@link LogLevel#OFF} drops all
     * @param format how each event is written
     */
    public static void configure(LogLevel level, LogFormat format) {
        threshold = level.ordinal();
        ConsoleLog.format = format;
    }

    /** Sends the log elsewhere than standard error; for tests. */
    static void redirect(PrintStream stream) {
        out = stream;
    }

    /** Whether events of this level are written now. */
    static boolean enabled(Level level) {
        return toLogLevel(level).ordinal() >= threshold;
    }

    static void write(Level level, String logger, String message, Throwable throwable) {
        out.print(format.format(System.currentTimeMillis(), level, logger, Thread.currentThread().getName(), message,
                throwable));
    }

    private static LogLevel toLogLevel(Level level) {
        return switch (level) {
            case TRACE -> LogLevel.TRACE;
            case DEBUG -> LogLevel.DEBUG;
            case INFO -> LogLevel.INFO;
            case WARN -> LogLevel.WARN;
            case ERROR -> LogLevel.ERROR;
        };
    }
}
