package io.amqproxy.examples;

import io.amqproxy.ProxyConfig;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Parses the standalone proxy's arguments, compatible with cloudamqp/amqproxy:
 * {@code [-l ADDRESS] [-p PORT] [-t IDLE_SECONDS] [-d] AMQP_URL}.
 *
 * <p>Options come as {@code -p 5673}, {@code -p5673}, {@code --port 5673} or {@code --port=5673}; {@code --}
 * ends the options. The environment variables {@code AMQP_URL}, {@code LISTEN_ADDRESS}, {@code LISTEN_PORT}
 * and {@code IDLE_CONNECTION_TIMEOUT} fill in what the command line leaves out; an empty variable counts as
 * unset. {@code -h} and {@code -v} win as soon as they are seen.
 *
 * <p>Deliberately hand-written and self-contained: the plan is to replace it with picocli, and only
 * {@link CommandLine} should survive that.
 */
public final class CommandLineParser {

    /** Environment variable for the upstream URL. */
    public static final String ENV_AMQP_URL = "AMQP_URL";
    /** Environment variable for the listen address. */
    public static final String ENV_LISTEN_ADDRESS = "LISTEN_ADDRESS";
    /** Environment variable for the listen port. */
    public static final String ENV_LISTEN_PORT = "LISTEN_PORT";
    /** Environment variable for the idle upstream connection timeout, in seconds. */
    public static final String ENV_IDLE_CONNECTION_TIMEOUT = "IDLE_CONNECTION_TIMEOUT";

    /** The one-line synopsis, printed after a usage error. */
    public static final String SYNOPSIS =
            "usage: java -jar amqproxy.jar [-l ADDRESS] [-p PORT] [-t IDLE_SECONDS] [-d] AMQP_URL  (--help for more)";

    private CommandLineParser() {
    }

    /** The full help text for {@code -h}. */
    public static String usage() {
        return """
                Usage: java -jar amqproxy.jar [options] AMQP_URL

                An AMQP 0-9-1 proxy: clients connect to it as to a broker, and it serves them from a pool of
                connections it keeps open to the broker at AMQP_URL (amqp://host[:port] or amqps://host[:port];
                user, password and vhost come from each client, not from the URL).

                Options:
                  -l, --listen ADDRESS                  address to listen on (default: localhost)
                  -p, --port PORT                       port to listen on, 0 for any free port (default: 5673)
                  -t, --idle-connection-timeout SECONDS close upstream connections without channels after
                                                        this many seconds (default: 5)
                  -d, --debug                           log at debug level
                  -h, --help                            print this help and exit
                  -v, --version                         print the version and exit

                Environment variables, used when the command line does not say:
                  AMQP_URL, LISTEN_ADDRESS, LISTEN_PORT, IDLE_CONNECTION_TIMEOUT

                SIGTERM or SIGINT closes the proxy gracefully: clients get Connection.Close 320
                CONNECTION_FORCED and the process exits within a few seconds.
                Exit status: 0 after --help or --version, 1 if the proxy cannot start, 2 for a usage error.
                """;
    }

    /**
     * Parses the arguments, falling back to the environment for what they leave out.
     *
     * @param args the process arguments
     * @param env  the environment, usually {@link System#getenv()}
     * @throws UsageException with a one-line message when the arguments cannot be used
     */
    public static CommandLine parse(String[] args, Map<String, String> env) throws UsageException {
        Objects.requireNonNull(args, "args");
        Objects.requireNonNull(env, "env");
        String listen = null;
        String port = null;
        String idle = null;
        String url = null;
        boolean debug = false;
        boolean optionsEnded = false;

        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (optionsEnded || arg.equals("-") || !arg.startsWith("-")) {
                if (url != null) {
                    throw new UsageException("unexpected argument '" + arg + "': only one AMQP_URL is accepted");
                }
                url = arg;
                continue;
            }
            if (arg.equals("--")) {
                optionsEnded = true;
                continue;
            }

            // Split the argument into an option name and, if attached, its value.
            String name;
            String attached;
            if (arg.startsWith("--")) {
                int eq = arg.indexOf('=');
                name = eq < 0 ? arg : arg.substring(0, eq);
                attached = eq < 0 ? null : arg.substring(eq + 1);
            } else {
                name = arg.substring(0, 2);
                attached = arg.length() > 2 ? arg.substring(2) : null;
            }

            switch (name) {
                case "-h", "--help" -> {
                    noValue(name, attached);
                    return CommandLine.only(CommandLine.Action.HELP);
                }
                case "-v", "--version" -> {
                    noValue(name, attached);
                    return CommandLine.only(CommandLine.Action.VERSION);
                }
                case "-d", "--debug" -> {
                    noValue(name, attached);
                    debug = true;
                }
                case "-l", "--listen", "-p", "--port", "-t", "--idle-connection-timeout" -> {
                    String value = attached;
                    if (value == null) {
                        if (i + 1 >= args.length) {
                            throw new UsageException("option " + name + " needs a value");
                        }
                        value = args[++i];
                    }
                    switch (name) {
                        case "-l", "--listen" -> listen = value;
                        case "-p", "--port" -> port = value;
                        default -> idle = value;
                    }
                }
                default -> throw new UsageException("unknown option '" + arg + "'");
            }
        }

        // Error messages name where a bad value came from.
        String listenSource = listen != null ? "--listen" : fromEnv(ENV_LISTEN_ADDRESS);
        String portSource = port != null ? "--port" : fromEnv(ENV_LISTEN_PORT);
        String idleSource = idle != null ? "--idle-connection-timeout" : fromEnv(ENV_IDLE_CONNECTION_TIMEOUT);
        String urlSource = url != null ? "AMQP_URL" : fromEnv(ENV_AMQP_URL);
        listen = listen != null ? listen : env(env, ENV_LISTEN_ADDRESS);
        port = port != null ? port : env(env, ENV_LISTEN_PORT);
        idle = idle != null ? idle : env(env, ENV_IDLE_CONNECTION_TIMEOUT);
        url = url != null ? url : env(env, ENV_AMQP_URL);

        if (url == null) {
            throw new UsageException("missing AMQP_URL: give the broker as amqp://host[:port] "
                    + "(or amqps://), or set the environment variable AMQP_URL");
        }
        checkUpstream(urlSource, url);
        if (listen != null && listen.isBlank()) {
            throw new UsageException(listenSource + ": the listen address must not be empty");
        }
        return new CommandLine(CommandLine.Action.RUN, url.trim(),
                listen == null ? CommandLine.DEFAULT_LISTEN_HOST : listen.trim(),
                port == null ? CommandLine.DEFAULT_LISTEN_PORT : parsePort(portSource, port),
                idle == null ? CommandLine.DEFAULT_IDLE_CONNECTION_TIMEOUT : parseSeconds(idleSource, idle),
                debug);
    }

    private static void noValue(String name, String attached) throws UsageException {
        if (attached != null) {
            throw new UsageException("option " + name + " takes no value");
        }
    }

    private static String fromEnv(String name) {
        return "environment variable " + name;
    }

    private static String env(Map<String, String> env, String name) {
        String value = env.get(name);
        return value == null || value.isEmpty() ? null : value;
    }

    private static void checkUpstream(String source, String url) throws UsageException {
        try {
            ProxyConfig.Upstream.parse(url);
        } catch (IllegalArgumentException e) {
            // The message names the scheme or the part that is wrong, never user info from the URL.
            throw new UsageException(source + ": " + e.getMessage());
        }
    }

    private static int parsePort(String source, String value) throws UsageException {
        int port;
        try {
            port = Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new UsageException(source + ": port must be a number from 0 to 65535, was '" + value + "'");
        }
        if (port < 0 || port > 65535) {
            throw new UsageException(source + ": port must be a number from 0 to 65535, was " + port);
        }
        return port;
    }

    private static Duration parseSeconds(String source, String value) throws UsageException {
        long seconds;
        try {
            seconds = Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new UsageException(source + ": expected whole seconds, was '" + value + "'");
        }
        if (seconds < 0) {
            throw new UsageException(source + ": must not be negative, was " + seconds);
        }
        return Duration.ofSeconds(seconds);
    }
}
