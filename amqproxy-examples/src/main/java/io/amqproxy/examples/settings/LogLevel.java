package io.amqproxy.examples.settings;

import java.util.Locale;

/**
 * How much the standalone proxy logs. The names of slf4j are accepted, and so are the other names of
 * cloudamqp/amqproxy's {@code log_level} (Crystal's severities), so that its config files keep working.
 */
public enum LogLevel {
    TRACE, DEBUG, INFO, WARN, ERROR, OFF;

    /**
     * The level for a name, in any case: {@code trace}, {@code debug}, {@code info} (or {@code notice}),
     * {@code warn} (or {@code warning}), {@code error} (or {@code fatal}), {@code off} (or {@code none}).
     *
     * @throws IllegalArgumentException for any other name
     */
    public static LogLevel parse(String name) {
        return switch (name.strip().toLowerCase(Locale.ROOT)) {
            case "trace" -> TRACE;
            case "debug" -> DEBUG;
            case "info", "notice" -> INFO;
            case "warn", "warning" -> WARN;
            case "error", "fatal" -> ERROR;
            case "off", "none" -> OFF;
            default -> throw new IllegalArgumentException(
                    "log level must be one of trace, debug, info, warn, error, off, was '" + name.strip() + "'");
        };
    }

    /** The name as configured: {@code trace}, {@code debug}, {@code info}, {@code warn}, {@code error}, {@code off}. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
