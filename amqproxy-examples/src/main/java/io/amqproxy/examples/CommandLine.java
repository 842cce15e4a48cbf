package io.amqproxy.examples;

import java.time.Duration;
import java.util.Objects;

/**
 * What the standalone proxy was asked to do, as parsed by {@link CommandLineParser}.
 *
 * <p>Kept apart from the parser so that a later, library-based parser can produce the same value.
 *
 * @param action                what to do: run the proxy, or print help or the version
 * @param upstream              the broker's {@code amqp://} or {@code amqps://} URL; {@code null} unless
 *                              {@code action} is {@link Action#RUN}
 * @param listenHost            the address to listen on
 * @param listenPort            the port to listen on; 0 picks a free one
 * @param idleConnectionTimeout how long an upstream connection without channels stays open
 * @param debug                 whether to log at debug level
 */
public record CommandLine(Action action, String upstream, String listenHost, int listenPort,
                          Duration idleConnectionTimeout, boolean debug) {

    /** The default listen address, as in cloudamqp/amqproxy. */
    public static final String DEFAULT_LISTEN_HOST = "localhost";
    /** The default listen port, as in cloudamqp/amqproxy. */
    public static final int DEFAULT_LISTEN_PORT = 5673;
    /** The default idle upstream connection timeout, as in cloudamqp/amqproxy. */
    public static final Duration DEFAULT_IDLE_CONNECTION_TIMEOUT = Duration.ofSeconds(5);

    /** What the process should do. */
    public enum Action {
        /** Start the proxy and serve until SIGTERM or SIGINT. */
        RUN,
        /** Print the usage text and exit 0. */
        HELP,
        /** Print the version and exit 0. */
        VERSION
    }

    /** Checks that a command line to run the proxy names its upstream. */
    public CommandLine {
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(listenHost, "listenHost");
        Objects.requireNonNull(idleConnectionTimeout, "idleConnectionTimeout");
        if (action == Action.RUN && upstream == null) {
            throw new IllegalArgumentException("upstream is required to run the proxy");
        }
    }

    /** A command line that only prints something, with every other setting at its default. */
    static CommandLine only(Action action) {
        return new CommandLine(action, null, DEFAULT_LISTEN_HOST, DEFAULT_LISTEN_PORT,
                DEFAULT_IDLE_CONNECTION_TIMEOUT, false);
    }
}
