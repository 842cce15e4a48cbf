package io.amqproxy.examples;

import io.amqproxy.AmqProxy;
import io.amqproxy.AmqProxyException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.PrintStream;
import java.util.concurrent.CountDownLatch;

/**
 * The standalone proxy, {@code java -jar amqproxy.jar [-l ADDRESS] [-p PORT] [-t IDLE_SECONDS] AMQP_URL},
 * with the command line of cloudamqp/amqproxy (see {@link CommandLineParser#usage()}).
 *
 * <p>It starts one {@link AmqProxy} (which logs one line when it listens) and serves until the JVM is asked to stop: SIGTERM and
 * SIGINT run a shutdown hook that closes the proxy gracefully (clients get {@code Connection.Close 320
 * CONNECTION_FORCED}, at most the proxy's shutdown timeout of 5 s is spent waiting for them). As with any
 * JVM, the exit status after a signal is 128 + the signal number (143 for SIGTERM).
 *
 * <p>Exit status otherwise: 0 after {@code --help} or {@code --version}, 1 when the proxy cannot start
 * (port in use, no implementation on the classpath), 2 for a usage error.
 */
public final class AmqProxyMain {

    /** The exit status when the proxy cannot start. */
    static final int EXIT_START_FAILED = 1;

    private AmqProxyMain() {
    }

    /** Runs the standalone proxy; see the class comment for arguments and exit status. */
    public static void main(String[] args) throws InterruptedException {
        CommandLine commandLine;
        try {
            commandLine = CommandLineParser.parse(args, System.getenv());
        } catch (UsageException e) {
            usageError(System.err, e.getMessage());
            System.exit(e.exitCode());
            return;
        }
        switch (commandLine.action()) {
            case HELP -> System.out.print(CommandLineParser.usage());
            case VERSION -> System.out.println("amqproxy " + version());
            case RUN -> {
                int status = serve(commandLine);
                if (status != 0) {
                    System.exit(status);
                }
            }
        }
    }

    /**
     * Starts the proxy and blocks until the shutdown hook has closed it.
     *
     * @return 0 after a clean stop, otherwise the exit status
     */
    private static int serve(CommandLine commandLine) throws InterruptedException {
        if (commandLine.debug()) {
            // slf4j-simple reads its configuration when the first logger is created, so this must come first;
            // a system property wins over simplelogger.properties.
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "debug");
        }
        Logger log = LoggerFactory.getLogger(AmqProxyMain.class);

        AmqProxy proxy;
        try {
            proxy = AmqProxy.builder()
                    .upstream(commandLine.upstream())
                    .listen(commandLine.listenHost(), commandLine.listenPort())
                    .idleUpstreamTimeout(commandLine.idleConnectionTimeout())
                    .start();
        } catch (IllegalArgumentException e) {
            // A setting the parser let through but the builder refuses: still the user's input.
            usageError(System.err, e.getMessage());
            return UsageException.EXIT_CODE;
        } catch (AmqProxyException e) {
            log.error("amqproxy could not start: {}", e.getMessage(), e.getCause());
            return EXIT_START_FAILED;
        }

        // The proxy logs its own start line ("amqproxy listening on host:port, upstream amqp://host:port",
        // never with credentials) and its stop line, so this class adds none.
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                proxy.close();
            } finally {
                stopped.countDown();
            }
        }, "amqproxy-shutdown"));
        stopped.await();
        return 0;
    }

    private static void usageError(PrintStream err, String message) {
        err.println("amqproxy: " + message);
        err.println(CommandLineParser.SYNOPSIS);
    }

    /** The version from the jar manifest; "development" when run from classes. */
    static String version() {
        String version = AmqProxyMain.class.getPackage().getImplementationVersion();
        return version == null ? "development" : version;
    }
}
