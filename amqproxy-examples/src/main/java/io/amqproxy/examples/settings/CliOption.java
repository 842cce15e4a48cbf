package io.amqproxy.examples.settings;

import java.util.Objects;

/**
 * One option of the standalone proxy's command line: its names, whether it takes a value, the help text, and what
 * it gives. An option either gives a {@link Setting} (with the value written after it, or with {@link #fixedValue}
 * for a flag such as {@code --debug}), or is one of the options that steer the command line itself
 * ({@code --config}, {@code --help}, {@code --version}).
 *
 * @param shortName  {@code -p}, or {@code null} when there is no short form
 * @param longName   {@code --port}; also the origin error messages name
 * @param paramLabel {@code PORT} for an option that takes a value, {@code null} for a flag
 * @param setting    what the option gives, or {@code null} for {@code --config}, {@code --help}, {@code --version}
 * @param fixedValue the value a flag gives its setting, e.g. {@code "debug"} for {@code --debug}
 * @param help       the text of {@code --help}
 * @param separator  for an option that may be repeated and gathers its values, the text that joins them (the
 *                   separator of the setting's list syntax, so that the resolver reads them as it reads the
 *                   environment variable); {@code null} when the last occurrence wins
 */
record CliOption(String shortName, String longName, String paramLabel, Setting setting, String fixedValue,
                 String help, String separator) {

    /** Checks that a flag gives a fixed value and an option with a value does not. */
    CliOption {
        Objects.requireNonNull(longName, "longName");
        Objects.requireNonNull(help, "help");
        if (paramLabel != null && fixedValue != null) {
            throw new IllegalArgumentException(longName + ": an option takes a value or gives a fixed one, not both");
        }
        if (separator != null && paramLabel == null) {
            throw new IllegalArgumentException(longName + ": only an option with a value can gather its values");
        }
    }

    /** An option whose last occurrence wins. */
    CliOption(String shortName, String longName, String paramLabel, Setting setting, String fixedValue, String help) {
        this(shortName, longName, paramLabel, setting, fixedValue, help, null);
    }

    /** An option that may be repeated; its values are joined with {@code separator}. */
    static CliOption repeatable(String longName, String paramLabel, Setting setting, String separator, String help) {
        return new CliOption(null, longName, paramLabel, setting, null, help, separator);
    }

    /** An option that takes a value for a setting. */
    static CliOption value(String shortName, String longName, String paramLabel, Setting setting, String help) {
        return new CliOption(shortName, longName, paramLabel, setting, null, help);
    }

    /** A flag that gives a setting a fixed value. */
    static CliOption flag(String shortName, String longName, Setting setting, String fixedValue, String help) {
        return new CliOption(shortName, longName, null, setting, fixedValue, help);
    }

    /** Whether the option takes a value. */
    boolean takesValue() {
        return paramLabel != null;
    }

    /** {@code -p, --port=PORT} as the help shows it. */
    String synopsis() {
        return (shortName == null ? "    " : shortName + ", ") + longName + (takesValue() ? "=" + paramLabel : "");
    }
}
