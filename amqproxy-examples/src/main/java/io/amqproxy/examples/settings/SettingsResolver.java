package io.amqproxy.examples.settings;

import io.amqproxy.ProxyConfig;
import io.amqproxy.examples.logging.LogFormat;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * Merges the three sources of settings, config file &lt; environment &lt; command line, and checks the values
 * that win. A value that is overridden is never looked at, so a bad {@code LISTEN_PORT} does not matter when
 * {@code --port} is given. Every error names where the bad value came from.
 */
public final class SettingsResolver {

    /** More I/O threads than this would only contend for the cores; a typo (1000 for 10) should not start. */
    static final int MAX_EVENT_LOOPS = 256;

    private SettingsResolver() {
    }

    /**
     * Resolves the settings of a parsed command line: reads its config file if it names one, then lets the
     * environment and then the command line override it.
     *
     * @param env the environment, usually {@link System#getenv()}; an empty variable counts as unset
     * @throws UsageException with a one-line message for an unreadable or invalid config file, a bad value or a
     *                        missing upstream
     */
    public static Settings resolve(CliOptions options, Map<String, String> env) throws UsageException {
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(env, "env");
        Map<Setting, RawValue> fromFile = options.configFile().isPresent()
                ? ConfigFile.read(options.configFile().get())
                : Map.of();
        return resolve(fromFile, env, options.given());
    }

    /** Merges already gathered sources, the later overriding the earlier, and checks the result. */
    static Settings resolve(Map<Setting, RawValue> fromFile, Map<String, String> env,
                            Map<Setting, RawValue> fromCommandLine) throws UsageException {
        Map<Setting, RawValue> merged = new EnumMap<>(Setting.class);
        merged.putAll(fromFile);
        for (Setting s : Setting.values()) {
            if (s.environmentVariable == null) {
                continue;
            }
            String value = env.get(s.environmentVariable);
            if (value != null && !value.isEmpty()) {
                merged.put(s, new RawValue(value, "environment variable " + s.environmentVariable));
            }
        }
        merged.putAll(fromCommandLine);
        return check(merged, LogFormat.byDefault(env));
    }

    private static Settings check(Map<Setting, RawValue> v, LogFormat environmentFormat) throws UsageException {
        Settings.Upstreams upstreams = UpstreamSettingsResolver.upstreams(v);
        int listenPort = port(v.get(Setting.LISTEN_PORT), Settings.DEFAULT_LISTEN_PORT);
        int httpPort = httpPort(v.get(Setting.HTTP_PORT));
        boolean testApi = bool(v.get(Setting.TEST_API), false);
        if (testApi && httpPort == Settings.HTTP_OFF) {
            // asked for and not served would leave a test suite puzzling over refused connections
            throw new UsageException(v.get(Setting.TEST_API).origin() + ": the test API is served on the HTTP port, "
                    + "which " + v.get(Setting.HTTP_PORT).origin() + " turns off");
        }
        return new Settings(
                upstreams,
                address(v.get(Setting.LISTEN_ADDRESS)),
                listenPort,
                httpPort,
                logLevel(v.get(Setting.LOG_LEVEL)),
                logFormat(v.get(Setting.LOG_FORMAT), environmentFormat),
                seconds(v.get(Setting.IDLE_CONNECTION_TIMEOUT), Settings.DEFAULT_IDLE_CONNECTION_TIMEOUT, false),
                channels(v.get(Setting.MAX_UPSTREAM_CHANNELS)),
                seconds(v.get(Setting.TERM_TIMEOUT), Settings.DEFAULT_TERM_TIMEOUT, true),
                seconds(v.get(Setting.TERM_CLIENT_CLOSE_TIMEOUT), Settings.DEFAULT_TERM_CLIENT_CLOSE_TIMEOUT, false),
                TlsSettingsResolver.upstreamTrust(v, upstreams.tls()),
                TlsSettingsResolver.tlsListener(v, listenPort, httpPort),
                bool(v.get(Setting.SAFE_CHANNEL_REUSE), false),
                bool(v.get(Setting.SEPARATE_CONSUMERS), true),
                new Settings.Capacity(
                        count(v.get(Setting.MAX_CLIENTS), 0, Integer.MAX_VALUE, Settings.Capacity.DEFAULT.maxClients()),
                        seconds(v.get(Setting.MAX_UPSTREAM_LIFETIME), Settings.Capacity.DEFAULT.maxUpstreamLifetime(),
                                false),
                        count(v.get(Setting.EVENT_LOOPS), 1, MAX_EVENT_LOOPS, Settings.Capacity.DEFAULT.eventLoops())),
                testApi);
    }

    /** {@code true}, {@code false}, or their usual synonyms yes/no, on/off, 1/0, in any case. */
    static boolean bool(RawValue raw, boolean byDefault) throws UsageException {
        if (raw == null) {
            return byDefault;
        }
        return switch (raw.text().strip().toLowerCase(java.util.Locale.ROOT)) {
            case "true", "yes", "on", "1" -> true;
            case "false", "no", "off", "0" -> false;
            default -> throw new UsageException(raw.origin() + ": expected true or false, was '" + raw.text().strip()
                    + "'");
        };
    }

    private static String address(RawValue raw) throws UsageException {
        if (raw == null) {
            return Settings.DEFAULT_LISTEN_ADDRESS;
        }
        if (raw.text().isBlank()) {
            throw new UsageException(raw.origin() + ": the listen address must not be empty");
        }
        return raw.text().strip();
    }

    static int port(RawValue raw, int byDefault) throws UsageException {
        if (raw == null) {
            return byDefault;
        }
        long port = integer(raw, "port must be a number from 0 to 65535");
        if (port < 0 || port > 65535) {
            throw new UsageException(raw.origin() + ": port must be a number from 0 to 65535, was " + port);
        }
        return (int) port;
    }

    /** A port, or {@code off} for no HTTP endpoints. */
    private static int httpPort(RawValue raw) throws UsageException {
        if (raw == null) {
            return Settings.DEFAULT_HTTP_PORT;
        }
        if (raw.text().strip().equalsIgnoreCase("off")) {
            return Settings.HTTP_OFF;
        }
        String expected = "port must be a number from 0 to 65535, or off";
        long port = integer(raw, expected);
        if (port < 0 || port > 65535) {
            throw new UsageException(raw.origin() + ": " + expected + ", was " + port);
        }
        return (int) port;
    }

    /** A whole number from {@code min} to {@code max}. */
    private static int count(RawValue raw, int min, int max, int byDefault) throws UsageException {
        if (raw == null) {
            return byDefault;
        }
        String expected = "expected a whole number from " + min + " to " + max;
        long n = integer(raw, expected);
        if (n < min || n > max) {
            throw new UsageException(raw.origin() + ": " + expected + ", was " + n);
        }
        return (int) n;
    }

    private static LogFormat logFormat(RawValue raw, LogFormat byDefault) throws UsageException {
        if (raw == null) {
            return byDefault;
        }
        try {
            return LogFormat.parse(raw.text());
        } catch (IllegalArgumentException e) {
            throw new UsageException(raw.origin() + ": " + e.getMessage());
        }
    }

    private static int channels(RawValue raw) throws UsageException {
        if (raw == null) {
            return Settings.DEFAULT_MAX_UPSTREAM_CHANNELS;
        }
        long channels = integer(raw, "channels must be a number from 1 to 65535");
        if (channels < 1 || channels > 65535) {
            throw new UsageException(raw.origin() + ": channels must be a number from 1 to 65535, was " + channels);
        }
        return (int) channels;
    }

    /**
     * Whole seconds. Anything from {@link Settings#INFINITE} up counts as that, so that no deadline overflows.
     *
     * @param negativeIsInfinite cloudamqp/amqproxy's {@code term_timeout} is -1 for "no limit"
     */
    private static Duration seconds(RawValue raw, Duration byDefault, boolean negativeIsInfinite)
            throws UsageException {
        if (raw == null) {
            return byDefault;
        }
        String expected = negativeIsInfinite ? "whole seconds, or -1 for no limit" : "whole seconds";
        long seconds = integer(raw, "expected " + expected);
        if (seconds < 0) {
            if (negativeIsInfinite) {
                return Settings.INFINITE;
            }
            throw new UsageException(raw.origin() + ": expected " + expected + ", was " + seconds);
        }
        return seconds >= Settings.INFINITE.toSeconds() ? Settings.INFINITE : Duration.ofSeconds(seconds);
    }

    private static LogLevel logLevel(RawValue raw) throws UsageException {
        if (raw == null) {
            return Settings.DEFAULT_LOG_LEVEL;
        }
        try {
            return LogLevel.parse(raw.text());
        } catch (IllegalArgumentException e) {
            throw new UsageException(raw.origin() + ": " + e.getMessage());
        }
    }

    static long integer(RawValue raw, String expectation) throws UsageException {
        try {
            return Long.parseLong(raw.text().strip());
        } catch (NumberFormatException e) {
            throw new UsageException(raw.origin() + ": " + expectation + ", was '" + raw.text().strip() + "'");
        }
    }
}
