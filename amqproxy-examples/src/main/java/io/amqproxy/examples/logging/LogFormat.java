package io.amqproxy.examples.logging;

import io.amqproxy.examples.json.JsonWriter;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;

import org.slf4j.event.Level;

/**
 * How a log line looks. Each format writes one event as one line (plain and journal add the stack trace of an
 * exception as further lines; json keeps it inside the object).
 *
 * <ul>
 *   <li>{@link #PLAIN}: {@code 2026-11-25T10:00:00.123Z INFO ProxyServer - amqproxy listening on ...}</li>
 *   <li>{@link #JSON}: {@code {"time":"2026-11-25T10:00:00.123Z","level":"INFO","logger":"io.amqproxy.impl.server.ProxyServer",
 *       "thread":"main","message":"amqproxy listening on ..."}}, with {@code "exception"} when there is one</li>
 *   <li>{@link #JOURNAL}: {@code <6>INFO ProxyServer - amqproxy listening on ...}: no timestamp, since journald
 *       stamps every line itself, and the syslog priority in angle brackets, which journald reads as the entry's
 *       priority (sd-daemon(3)).</li>
 * </ul>
 */
public enum LogFormat {
    PLAIN, JSON, JOURNAL;

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX");

    /**
     * The format for a name, in any case: {@code plain}, {@code json} or {@code journal}.
     *
     * @throws IllegalArgumentException for any other name
     */
    public static LogFormat parse(String name) {
        return switch (name.strip().toLowerCase(Locale.ROOT)) {
            case "plain" -> PLAIN;
            case "json" -> JSON;
            case "journal" -> JOURNAL;
            default -> throw new IllegalArgumentException("log format must be plain, json or journal, was '"
                    + name.strip() + "'");
        };
    }

    /**
     * The format when none is configured: {@link #JOURNAL} when {@code JOURNAL_STREAM} is set (systemd sets it for
     * a service whose output goes to the journal; cloudamqp/amqproxy decides the same way), else {@link #PLAIN}.
     */
    public static LogFormat byDefault(Map<String, String> env) {
        String stream = env.get("JOURNAL_STREAM");
        return stream != null && !stream.isEmpty() ? JOURNAL : PLAIN;
    }

    /** The name as configured: {@code plain}, {@code json}, {@code journal}. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * One event as text, ending with a line feed.
     *
     * @param millis    when it happened, ms since the epoch
     * @param logger    the logger's full name
     * @param thread    the thread that logged it
     * @param message   the message, arguments already filled in
     * @param throwable the exception logged with it, or {@code null}
     */
    String format(long millis, Level level, String logger, String thread, String message, Throwable throwable) {
        StringBuilder line = new StringBuilder(96 + message.length());
        switch (this) {
            case PLAIN -> {
                line.append(time(millis)).append(' ').append(level).append(' ').append(shortName(logger))
                        .append(" - ").append(message).append('\n');
                if (throwable != null) {
                    line.append(stackTrace(throwable));
                }
            }
            case JOURNAL -> {
                String priority = "<" + syslogPriority(level) + ">";
                line.append(priority).append(level).append(' ').append(shortName(logger)).append(" - ")
                        .append(message).append('\n');
                if (throwable != null) {
                    for (String traceLine : stackTrace(throwable).split("\n")) {
                        line.append(priority).append(traceLine).append('\n');
                    }
                }
            }
            case JSON -> {
                line.append("{\"time\":\"").append(time(millis));
                line.append("\",\"level\":\"").append(level);
                line.append("\",\"logger\":\"");
                JsonWriter.escape(logger, line);
                line.append("\",\"thread\":\"");
                JsonWriter.escape(thread, line);
                line.append("\",\"message\":\"");
                JsonWriter.escape(message, line);
                line.append('"');
                if (throwable != null) {
                    line.append(",\"exception\":\"");
                    JsonWriter.escape(stackTrace(throwable), line);
                    line.append('"');
                }
                line.append("}\n");
            }
            default -> throw new AssertionError(this);
        }
        return line.toString();
    }

    /** syslog's numbers: 3 err, 4 warning, 6 info, 7 debug. */
    static int syslogPriority(Level level) {
        return switch (level) {
            case ERROR -> 3;
            case WARN -> 4;
            case INFO -> 6;
            case DEBUG, TRACE -> 7;
        };
    }

    private static String time(long millis) {
        return TIME.format(OffsetDateTime.ofInstant(Instant.ofEpochMilli(millis), ZoneId.systemDefault()));
    }

    /** {@code ProxyServer} for {@code io.amqproxy.impl.server.ProxyServer}. */
    private static String shortName(String logger) {
        return logger.substring(logger.lastIndexOf('.') + 1);
    }

    private static String stackTrace(Throwable t) {
        StringWriter out = new StringWriter();
        t.printStackTrace(new PrintWriter(out, true));
        return out.toString();
    }
}
