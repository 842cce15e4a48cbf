package io.amqproxy.examples.settings;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The standalone proxy's command line, compatible with cloudamqp/amqproxy 3.1.
 *
 * <p>Options come as {@code -p 5673}, {@code -p5673}, {@code --port 5673} or {@code --port=5673}; flags without
 * a value may be clustered ({@code -dh}); the last occurrence of an option wins and {@code --} ends the options.
 * Values are kept as written: the parser checks the syntax, {@link SettingsResolver} checks the values, the same
 * way for the command line, the environment and the config file.
 *
 * <p>Parsed by hand rather than by a library: a command-line library's reflection over annotations took about a
 * third of the proxy's start-up (measured: 0.3 s of 0.6 s to {@code /healthz}), which an operator's launcher pays at
 * every start. The table of options is {@link #OPTIONS}; {@link CliUsage} renders it for {@code --help}.
 */
public final class CliOptions {

    /** Every option, in the order {@code --help} lists them. */
    static final List<CliOption> OPTIONS = List.of(
            CliOption.value("-l", "--listen", "ADDRESS", Setting.LISTEN_ADDRESS,
                    "Address to listen on, for AMQP and HTTP (default: localhost)"),
            CliOption.value("-p", "--port", "PORT", Setting.LISTEN_PORT,
                    "Port to listen on; 0 picks a free one (default: 5673)"),
            CliOption.value("-b", "--http-port", "PORT", Setting.HTTP_PORT,
                    "Port of /healthz and /metrics; 0 picks a free one, logged at start; off for no HTTP "
                            + "(default: 15673)"),
            CliOption.repeatable("--vhost-upstream", "VHOST=URL[,URL...]", Setting.VHOST_UPSTREAMS, ";",
                    "Send the clients of this vhost to these brokers instead of AMQP_URL's; repeat for more vhosts"),
            CliOption.value(null, "--upstream-connection-name", "NAME", Setting.UPSTREAM_CONNECTION_NAME,
                    "The connection_name broker connections announce, as the management UI lists them (default: "
                            + "amqproxy upstream #N)"),
            CliOption.value(null, "--upstream-heartbeat", "SECONDS", Setting.UPSTREAM_HEARTBEAT,
                    "The longest heartbeat interval agreed with the broker, so that a stalled broker is noticed; 0 "
                            + "takes the broker's (default: 5)"),
            CliOption.value("-t", "--idle-connection-timeout", "SECONDS", Setting.IDLE_CONNECTION_TIMEOUT,
                    "Close upstream connections without channels after this long (default: 5)"),
            CliOption.value(null, "--max-upstream-channels", "N", Setting.MAX_UPSTREAM_CHANNELS,
                    "Most channels on one upstream connection (default: the broker's channel_max, or 65535)"),
            CliOption.value(null, "--max-upstream-lifetime", "SECONDS", Setting.MAX_UPSTREAM_LIFETIME,
                    "After this long an upstream connection takes no new clients and closes once unused, so "
                            + "passwords are checked by the broker again; 0 for no limit (default: 0)"),
            CliOption.value(null, "--max-clients", "N", Setting.MAX_CLIENTS,
                    "Most client connections at once; one more is disconnected at accept; 0 for no limit "
                            + "(default: 0)"),
            CliOption.value(null, "--event-loops", "N", Setting.EVENT_LOOPS,
                    "I/O threads; each has its own upstream connections (default: 1)"),
            CliOption.value(null, "--term-timeout", "SECONDS", Setting.TERM_TIMEOUT,
                    "At TERM, wait this long for clients to answer the Close the proxy sent them before closing "
                            + "their sockets; -1 means no limit (default: no limit)"),
            CliOption.value(null, "--term-client-close-timeout", "SECONDS", Setting.TERM_CLIENT_CLOSE_TIMEOUT,
                    "At TERM, wait this long for clients to close by themselves before sending them Close "
                            + "(default: 0)"),
            CliOption.flag(null, "--safe-channel-reuse", Setting.SAFE_CHANNEL_REUSE, "true",
                    "Keep an upstream channel that only published (no confirms, not mandatory) for the next client "
                            + "with the same credentials: connect-publish-disconnect without broker round trips; "
                            + "such a client no longer hears of a late channel error"),
            CliOption.flag(null, "--no-separate-consumers", Setting.SEPARATE_CONSUMERS, "false",
                    "Let consuming channels share broker connections with publishers (by default they move to "
                            + "connections of their own, so acks keep flowing while the broker blocks publishers)"),
            CliOption.value(null, "--upstream-ca", "FILE", Setting.UPSTREAM_CA,
                    "For an amqps:// upstream: trust the CA certificates of this PEM file instead of the JVM's "
                            + "trust store"),
            CliOption.value(null, "--upstream-truststore", "FILE", Setting.UPSTREAM_TRUSTSTORE,
                    "For an amqps:// upstream: trust the certificates of this PKCS#12 or JKS file instead of the "
                            + "JVM's trust store"),
            CliOption.value(null, "--upstream-truststore-password", "PASSWORD", Setting.UPSTREAM_TRUSTSTORE_PASSWORD,
                    "The password of --upstream-truststore (shows in ps: prefer UPSTREAM_TRUSTSTORE_PASSWORD or "
                            + "the config file)"),
            CliOption.flag(null, "--no-verify-upstream-hostname", Setting.VERIFY_UPSTREAM_HOSTNAME, "false",
                    "Accept an amqps:// upstream's certificate even if it does not name the upstream host (logged "
                            + "as a warning)"),
            CliOption.value(null, "--tls-port", "PORT", Setting.TLS_PORT,
                    "Also accept TLS (amqps) clients on this port of the listen address; 0 picks a free one "
                            + "(default: no TLS listener)"),
            CliOption.value(null, "--tls-cert", "FILE", Setting.TLS_CERT,
                    "The TLS listener's certificate chain, PEM, the server's certificate first"),
            CliOption.value(null, "--tls-key", "FILE", Setting.TLS_KEY,
                    "The private key of --tls-cert, PEM, unencrypted (PKCS#8, or RSA/EC traditional)"),
            CliOption.value(null, "--tls-keystore", "FILE", Setting.TLS_KEYSTORE,
                    "The TLS listener's certificate and key as a PKCS#12 file, instead of --tls-cert and "
                            + "--tls-key"),
            CliOption.value(null, "--tls-keystore-password", "PASSWORD", Setting.TLS_KEYSTORE_PASSWORD,
                    "The password of --tls-keystore, also the key's (shows in ps: prefer TLS_KEYSTORE_PASSWORD "
                            + "or the config file)"),
            CliOption.value(null, "--log-level", "LEVEL", Setting.LOG_LEVEL,
                    "trace, debug, info, warn, error or off (default: info)"),
            CliOption.flag("-d", "--debug", Setting.LOG_LEVEL, "debug", "Log at debug level (same as --log-level debug)"),
            CliOption.value(null, "--log-format", "FORMAT", Setting.LOG_FORMAT,
                    "plain (a timestamp, the level, the logger and the message), json (one JSON object per "
                            + "line) or journal (no timestamp, a syslog priority prefix for journald) (default: "
                            + "journal when JOURNAL_STREAM is set, as under systemd, else plain)"),
            CliOption.flag(null, "--test-api", Setting.TEST_API, "true",
                    "Serve the test API on the HTTP port: fault rules (/faults) and recorded traffic (/traffic); "
                            + "for test environments only, since whoever reaches the port can break traffic"),
            new CliOption("-c", "--config", "FILE", null, null, "Read settings from this INI file"),
            new CliOption("-h", "--help", null, null, null, "Show this help and exit"),
            new CliOption("-v", "--version", null, null, null, "Print the version and exit"));

    private static final Map<String, CliOption> BY_NAME = byName();

    private final Map<Setting, RawValue> given = new EnumMap<>(Setting.class);
    private String config;
    private boolean help;
    private boolean version;

    private CliOptions() {
    }

    /**
     * Parses the arguments. {@code -h} or {@code -v} seen before a syntax error still wins, as it does in
     * cloudamqp/amqproxy, where they act as soon as they are read.
     *
     * @throws UsageException with a one-line message for an unknown option, a missing value or an extra
     *                        argument
     */
    public static CliOptions parse(String... args) throws UsageException {
        CliOptions options = new CliOptions();
        try {
            options.read(args);
        } catch (UsageException e) {
            if (options.help || options.version) {
                return options;
            }
            throw e;
        }
        return options;
    }

    /** The help text of {@code --help}. */
    public static String usage() {
        return CliUsage.render(OPTIONS);
    }

    /** Whether {@code -h} or {@code --help} was given. */
    public boolean helpRequested() {
        return help;
    }

    /** Whether {@code -v} or {@code --version} was given. */
    public boolean versionRequested() {
        return version;
    }

    /** The file of {@code -c}, if given. */
    public Optional<Path> configFile() {
        return Optional.ofNullable(config).map(Path::of);
    }

    /** The settings the command line gives, each with the option that gave it as its origin. */
    Map<Setting, RawValue> given() {
        return new EnumMap<>(given);
    }

    private void read(String[] args) throws UsageException {
        boolean optionsEnded = false;
        int positional = 0;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (optionsEnded || !arg.startsWith("-") || arg.equals("-")) {
                positional(arg, positional++);
            } else if (arg.equals("--")) {
                optionsEnded = true;
            } else if (arg.startsWith("--")) {
                int eq = arg.indexOf('=');
                CliOption option = known(eq < 0 ? arg : arg.substring(0, eq), arg);
                if (eq >= 0) {
                    if (!option.takesValue()) {
                        throw new UsageException("Option '" + option.longName() + "' takes no value, was given '"
                                + redacted(arg.substring(eq + 1)) + "'; see --help");
                    }
                    apply(option, arg.substring(eq + 1));
                } else {
                    i = applyWithNextValue(option, args, i);
                }
            } else {
                i = shortOptions(args, i);
            }
        }
    }

    /** {@code -p 5673}, {@code -p5673}, and flags clustered as {@code -dh}. */
    private int shortOptions(String[] args, int i) throws UsageException {
        String arg = args[i];
        for (int at = 1; at < arg.length(); at++) {
            CliOption option = known("-" + arg.charAt(at), arg);
            if (!option.takesValue()) {
                apply(option, null);
            } else if (at + 1 < arg.length()) {
                apply(option, arg.substring(at + 1));
                return i;
            } else {
                return applyWithNextValue(option, args, i);
            }
        }
        return i;
    }

    /** The value is the next argument, whatever it looks like, so that {@code --term-timeout -1} works. */
    private int applyWithNextValue(CliOption option, String[] args, int i) throws UsageException {
        if (!option.takesValue()) {
            apply(option, null);
            return i;
        }
        if (i + 1 >= args.length) {
            throw new UsageException("Missing required parameter for option '" + option.longName() + "' ("
                    + option.paramLabel() + "); see --help");
        }
        apply(option, args[i + 1]);
        return i + 1;
    }

    private void apply(CliOption option, String value) {
        switch (option.longName()) {
            case "--config" -> config = value;
            case "--help" -> help = true;
            case "--version" -> version = true;
            default -> {
                String text = option.takesValue() ? value : option.fixedValue();
                RawValue before = given.get(option.setting());
                if (option.separator() != null && before != null && before.origin().equals(option.longName())) {
                    text = before.text() + option.separator() + text;
                }
                given.put(option.setting(), new RawValue(text, option.longName()));
            }
        }
    }

    /**
     * Each URL argument is one broker node: {@code amqp://n1 amqp://n2} reads as {@code AMQP_URL=amqp://n1,amqp://n2}
     * would, so the resolver checks both forms the same way.
     */
    private void positional(String arg, int index) {
        String text = index == 0 ? arg : given.get(Setting.UPSTREAM).text() + "," + arg;
        given.put(Setting.UPSTREAM, new RawValue(text, index == 0 ? "AMQP_URL argument" : "AMQP_URL arguments"));
    }

    private static CliOption known(String name, String arg) throws UsageException {
        CliOption option = BY_NAME.get(name);
        if (option == null) {
            List<String> near = CliUsage.nearMisses(name, BY_NAME.keySet());
            throw new UsageException("Unknown option: '" + redacted(arg) + "'"
                    + (near.isEmpty() ? "" : " (did you mean " + String.join(" or ", near) + "?)") + "; see --help");
        }
        return option;
    }

    /** A mistyped argument may be a second URL with a password in it. */
    private static String redacted(String arg) {
        return arg.replaceAll("://[^/@\\s']*@", "://***@");
    }

    private static Map<String, CliOption> byName() {
        Map<String, CliOption> byName = new LinkedHashMap<>();
        List<String> clashes = new ArrayList<>();
        for (CliOption o : OPTIONS) {
            for (String name : new String[] {o.shortName(), o.longName()}) {
                if (name != null && byName.put(name, o) != null) {
                    clashes.add(name);
                }
            }
        }
        if (!clashes.isEmpty()) {
            throw new IllegalStateException("options named twice: " + clashes);
        }
        return byName;
    }
}
