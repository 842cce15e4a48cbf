package io.amqproxy.examples.settings;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The standalone proxy's command line, compatible with cloudamqp/amqproxy 3.1, parsed by picocli.
 *
 * <p>Options come as {@code -p 5673}, {@code -p5673}, {@code --port 5673} or {@code --port=5673}; the last
 * occurrence of an option wins and {@code --} ends the options. Values are kept as written: picocli checks the
 * syntax, {@link SettingsResolver} checks the values, the same way for the command line, the environment and
 * the config file.
 */
@Command(name = "amqproxy",
        customSynopsis = "java -jar amqproxy.jar [OPTIONS] [AMQP_URL]",
        descriptionHeading = "%n",
        description = {
                "An AMQP 0-9-1 proxy: clients connect to it as to a broker, and it serves them from a pool of",
                "connections it keeps open to the broker at AMQP_URL (amqp://host[:port] or amqps://host[:port];",
                "user, password and vhost come from each client, not from the URL)."},
        sortOptions = false,
        usageHelpWidth = 110,
        parameterListHeading = "%nArguments:%n",
        optionListHeading = "%nOptions:%n",
        footerHeading = "%n",
        footer = {
                "Environment variables (used when the command line does not say; an empty one counts as unset):",
                "  AMQP_URL, LISTEN_ADDRESS, LISTEN_PORT, HTTP_PORT, LOG_LEVEL, IDLE_CONNECTION_TIMEOUT,",
                "  MAX_UPSTREAM_CHANNELS, TERM_TIMEOUT, TERM_CLIENT_CLOSE_TIMEOUT, SAFE_CHANNEL_REUSE (true/false),",
                "  SEPARATE_CONSUMERS (true/false),",
                "  UPSTREAM_CA, UPSTREAM_TRUSTSTORE, UPSTREAM_TRUSTSTORE_PASSWORD, VERIFY_UPSTREAM_HOSTNAME (true/false),",
                "  LISTEN_TLS_PORT, TLS_CERT, TLS_KEY, TLS_KEYSTORE, TLS_KEYSTORE_PASSWORD",
                "",
                "Config file (INI, lowest precedence: config file < environment < command line):",
                "  [main]    upstream, log_level, idle_connection_timeout, max_upstream_channels, term_timeout,",
                "            term_client_close_timeout, safe_channel_reuse, separate_consumers, upstream_ca, upstream_truststore,",
                "            upstream_truststore_password, verify_upstream_hostname",
                "  [listen]  address (or bind), port, log_level, tls_port, tls_cert, tls_key, tls_keystore,",
                "            tls_keystore_password",
                "File names are taken relative to the working directory. Errors never show a password.",
                "",
                "HTTP on the listen address and the http port: GET /healthz (200 OK, or 503 draining or the",
                "upstream error) and GET /metrics (Prometheus text).",
                "",
                "SIGTERM or SIGINT: stop accepting, wait --term-client-close-timeout for clients to leave, send the",
                "rest Connection.Close 320, wait --term-timeout for them, close the upstream connections, exit 0.",
                "A second signal exits at once with status 1.",
                "Exit status: 0 after a graceful stop, --help or --version; 1 if the proxy cannot start (e.g. a",
                "port in use); 2 for a usage error (unknown option or config key, bad value, no upstream)."})
public final class CliOptions {

    @Parameters(index = "0", arity = "0..1", paramLabel = "AMQP_URL",
            description = "The broker: amqp://host[:port] or amqps://host[:port]. Required here, in AMQP_URL or in "
                    + "the config file.")
    String upstream;

    @Option(names = {"-l", "--listen"}, paramLabel = "ADDRESS",
            description = "Address to listen on, for AMQP and HTTP (default: localhost)")
    String listen;

    @Option(names = {"-p", "--port"}, paramLabel = "PORT",
            description = "Port to listen on; 0 picks a free one (default: 5673)")
    String port;

    @Option(names = {"-b", "--http-port"}, paramLabel = "PORT",
            description = "Port of /healthz and /metrics; 0 picks a free one, logged at start (default: 15673)")
    String httpPort;

    @Option(names = {"-t", "--idle-connection-timeout"}, paramLabel = "SECONDS",
            description = "Close upstream connections without channels after this long (default: 5)")
    String idleConnectionTimeout;

    @Option(names = "--max-upstream-channels", paramLabel = "N",
            description = "Most channels on one upstream connection (default: the broker's channel_max, or 65535)")
    String maxUpstreamChannels;

    @Option(names = "--term-timeout", paramLabel = "SECONDS",
            description = "At TERM, wait this long for clients to answer the Close the proxy sent them before "
                    + "closing their sockets; -1 means no limit (default: no limit)")
    String termTimeout;

    @Option(names = "--term-client-close-timeout", paramLabel = "SECONDS",
            description = "At TERM, wait this long for clients to close by themselves before sending them Close "
                    + "(default: 0)")
    String termClientCloseTimeout;

    @Option(names = "--safe-channel-reuse",
            description = "Keep an upstream channel that only published (no confirms, not mandatory) for the next "
                    + "client with the same credentials: connect-publish-disconnect without broker round trips; such "
                    + "a client no longer hears of a late channel error")
    boolean safeChannelReuse;

    @Option(names = "--no-separate-consumers",
            description = "Let consuming channels share broker connections with publishers (by default they move "
                    + "to connections of their own, so acks keep flowing while the broker blocks publishers)")
    boolean noSeparateConsumers;

    @Option(names = "--upstream-ca", paramLabel = "FILE",
            description = "For an amqps:// upstream: trust the CA certificates of this PEM file instead of the JVM's "
                    + "trust store")
    String upstreamCa;

    @Option(names = "--upstream-truststore", paramLabel = "FILE",
            description = "For an amqps:// upstream: trust the certificates of this PKCS#12 or JKS file instead of "
                    + "the JVM's trust store")
    String upstreamTruststore;

    @Option(names = "--upstream-truststore-password", paramLabel = "PASSWORD",
            description = "The password of --upstream-truststore (shows in ps: prefer UPSTREAM_TRUSTSTORE_PASSWORD "
                    + "or the config file)")
    String upstreamTruststorePassword;

    @Option(names = "--no-verify-upstream-hostname",
            description = "Accept an amqps:// upstream's certificate even if it does not name the upstream host "
                    + "(logged as a warning)")
    boolean noVerifyUpstreamHostname;

    @Option(names = "--tls-port", paramLabel = "PORT",
            description = "Also accept TLS (amqps) clients on this port of the listen address; 0 picks a free one "
                    + "(default: no TLS listener)")
    String tlsPort;

    @Option(names = "--tls-cert", paramLabel = "FILE",
            description = "The TLS listener's certificate chain, PEM, the server's certificate first")
    String tlsCert;

    @Option(names = "--tls-key", paramLabel = "FILE",
            description = "The private key of --tls-cert, PEM, unencrypted (PKCS#8, or RSA/EC traditional)")
    String tlsKey;

    @Option(names = "--tls-keystore", paramLabel = "FILE",
            description = "The TLS listener's certificate and key as a PKCS#12 file, instead of --tls-cert and "
                    + "--tls-key")
    String tlsKeystore;

    @Option(names = "--tls-keystore-password", paramLabel = "PASSWORD",
            description = "The password of --tls-keystore, also the key's (shows in ps: prefer "
                    + "TLS_KEYSTORE_PASSWORD or the config file)")
    String tlsKeystorePassword;

    @Option(names = {"-d", "--debug"}, description = "Log at debug level (same as LOG_LEVEL=debug)")
    boolean debug;

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "Read settings from this INI file")
    String config;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit")
    boolean help;

    @Option(names = {"-v", "--version"}, versionHelp = true, description = "Print the version and exit")
    boolean version;

    CliOptions() {
    }

    /**
     * Parses the arguments. {@code -h} or {@code -v} seen before a syntax error still wins, as it does in
     * cloudamqp/amqproxy, where they act as soon as they are read.
     *
     * @throws UsageException with picocli's one-line message for an unknown option, a missing value or an extra
     *                        argument
     */
    public static CliOptions parse(String... args) throws UsageException {
        CliOptions options = new CliOptions();
        try {
            commandLine(options).parseArgs(args);
        } catch (CommandLine.ParameterException e) {
            if (options.help || options.version) {
                return options;
            }
            throw new UsageException(oneLine(e));
        }
        return options;
    }

    /** The help text of {@code --help}. */
    public static String usage() {
        return commandLine(new CliOptions()).getUsageMessage(CommandLine.Help.Ansi.OFF);
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
        Map<Setting, RawValue> given = new EnumMap<>(Setting.class);
        put(given, Setting.UPSTREAM, upstream, "AMQP_URL argument");
        put(given, Setting.LISTEN_ADDRESS, listen, "--listen");
        put(given, Setting.LISTEN_PORT, port, "--port");
        put(given, Setting.HTTP_PORT, httpPort, "--http-port");
        put(given, Setting.IDLE_CONNECTION_TIMEOUT, idleConnectionTimeout, "--idle-connection-timeout");
        put(given, Setting.MAX_UPSTREAM_CHANNELS, maxUpstreamChannels, "--max-upstream-channels");
        put(given, Setting.TERM_TIMEOUT, termTimeout, "--term-timeout");
        put(given, Setting.TERM_CLIENT_CLOSE_TIMEOUT, termClientCloseTimeout, "--term-client-close-timeout");
        if (debug) {
            put(given, Setting.LOG_LEVEL, "debug", "--debug");
        }
        if (safeChannelReuse) {
            put(given, Setting.SAFE_CHANNEL_REUSE, "true", "--safe-channel-reuse");
        }
        if (noSeparateConsumers) {
            put(given, Setting.SEPARATE_CONSUMERS, "false", "--no-separate-consumers");
        }
        put(given, Setting.UPSTREAM_CA, upstreamCa, "--upstream-ca");
        put(given, Setting.UPSTREAM_TRUSTSTORE, upstreamTruststore, "--upstream-truststore");
        put(given, Setting.UPSTREAM_TRUSTSTORE_PASSWORD, upstreamTruststorePassword, "--upstream-truststore-password");
        if (noVerifyUpstreamHostname) {
            put(given, Setting.VERIFY_UPSTREAM_HOSTNAME, "false", "--no-verify-upstream-hostname");
        }
        put(given, Setting.TLS_PORT, tlsPort, "--tls-port");
        put(given, Setting.TLS_CERT, tlsCert, "--tls-cert");
        put(given, Setting.TLS_KEY, tlsKey, "--tls-key");
        put(given, Setting.TLS_KEYSTORE, tlsKeystore, "--tls-keystore");
        put(given, Setting.TLS_KEYSTORE_PASSWORD, tlsKeystorePassword, "--tls-keystore-password");
        return given;
    }

    private static void put(Map<Setting, RawValue> given, Setting setting, String value, String origin) {
        if (value != null) {
            given.put(setting, new RawValue(value, origin));
        }
    }

    private static CommandLine commandLine(CliOptions options) {
        return new CommandLine(options)
                // cloudamqp/amqproxy (Crystal's OptionParser) lets a later occurrence override an earlier one
                .setOverwrittenOptionsAllowed(true)
                .setAbbreviatedOptionsAllowed(false);
    }

    private static String oneLine(CommandLine.ParameterException e) {
        // picocli quotes the offending argument, which may be a second URL with a password in it
        String message = e.getMessage().replaceAll("\\s*\\R\\s*", " ").strip()
                .replaceAll("://[^/@\\s']*@", "://***@");
        if (e instanceof CommandLine.UnmatchedArgumentException unmatched) {
            List<String> suggestions = unmatched.getSuggestions();
            if (!suggestions.isEmpty()) {
                message += " (did you mean " + String.join(" or ", suggestions) + "?)";
            }
        }
        return message + "; see --help";
    }
}
