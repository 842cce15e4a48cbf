package io.amqproxy.examples;

import io.amqproxy.AmqProxy;
import io.amqproxy.AmqProxyException;
import io.amqproxy.examples.http.HttpEndpoints;
import io.amqproxy.examples.logging.ConsoleLog;
import io.amqproxy.examples.settings.CliOptions;
import io.amqproxy.examples.settings.Settings;
import io.amqproxy.examples.settings.SettingsResolver;
import io.amqproxy.examples.settings.UsageException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.PrintStream;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * The standalone proxy, {@code java -jar amqproxy.jar [OPTIONS] [AMQP_URL...]}, a drop-in for cloudamqp/amqproxy
 * 3.1: the same options, environment variables and config file (see {@link CliOptions}), and the HTTP
 * endpoints {@code /healthz} and {@code /metrics} (see {@link HttpEndpoints}).
 *
 * <p>It runs until SIGTERM or SIGINT, then stops as {@link AmqProxy#stop} does: no new clients, up to
 * {@code --term-client-close-timeout} for clients to leave, {@code Connection.Close 320} to the rest, up to
 * {@code --term-timeout} for their answers, upstream connections closed; {@code /healthz} answers 503
 * {@code draining} meanwhile. Then it exits 0. A second signal exits at once with 1 (see {@link ShutdownSignals}).
 *
 * <p>Exit status: 0 after a graceful stop, {@code --help} or {@code --version}; 1 when the proxy cannot start
 * (a port in use, an address that does not resolve); 2 for a usage error. Errors are one line on standard
 * error; everything else is logged to standard error too, one line per event (see {@link ConsoleLog}).
 */
public final class AmqProxyMain {

    /** The exit status when the proxy cannot start. */
    static final int EXIT_START_FAILED = 1;

    private AmqProxyMain() {
    }

    /** Runs the standalone proxy; see the class comment for arguments and exit status. */
    public static void main(String[] args) throws InterruptedException {
        System.exit(run(args, System.getenv(), System.out, System.err));
    }

    /**
     * Parses the arguments and either prints what was asked for or serves until a signal has stopped the proxy.
     *
     * @return the exit status
     */
    static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err)
            throws InterruptedException {
        Settings settings;
        try {
            CliOptions options = CliOptions.parse(args);
            if (options.helpRequested()) {
                out.print(CliOptions.usage());
                return 0;
            }
            if (options.versionRequested()) {
                out.println("amqproxy " + Version.get());
                return 0;
            }
            settings = SettingsResolver.resolve(options, env);
        } catch (UsageException e) {
            err.println("amqproxy: " + e.getMessage());
            return e.exitCode();
        }
        return serve(settings, err);
    }

    private static int serve(Settings settings, PrintStream err) throws InterruptedException {
        ConsoleLog.configure(settings.logLevel(), settings.logFormat());
        Logger log = LoggerFactory.getLogger(AmqProxyMain.class);
        log.debug("settings: {}", settings);

        ShutdownSignals signals;
        try {
            signals = ShutdownSignals.install(err);
        } catch (IllegalArgumentException | UnsupportedOperationException | LinkageError e) {
            // java -Xrs: the JVM leaves SIGTERM and SIGINT to the OS, which ends the process without any stop
            log.warn("cannot handle SIGTERM and SIGINT ({}): they will end the process without the graceful stop",
                    e.getMessage());
            signals = ShutdownSignals.withoutHandlers(err);
        }

        AmqProxy proxy;
        try {
            proxy = settings.proxyBuilder().start();
        } catch (IllegalArgumentException e) {
            // a value the resolver let through but the builder refuses: still the operator's input
            err.println("amqproxy: " + e.getMessage());
            return UsageException.EXIT_CODE;
        } catch (AmqProxyException e) {
            err.println("amqproxy: " + e.getMessage());
            return EXIT_START_FAILED;
        }

        HttpEndpoints http = null;
        if (settings.httpEnabled()) {
            try {
                http = HttpEndpoints.start(settings.listenAddress(), settings.httpPort(), proxy, Version.get(),
                        Version.hostname(), settings.testApi());
            } catch (IOException | RuntimeException e) {
                proxy.close();
                err.println("amqproxy: cannot listen for HTTP on " + settings.listenAddress() + ":"
                        + settings.httpPort() + ": " + e.getMessage());
                return EXIT_START_FAILED;
            }
            log.info("HTTP endpoints /healthz and /metrics on {}:{}", http.address().getHostString(), http.port());
            if (settings.testApi()) {
                log.warn("HTTP test API on: /faults and /traffic let whoever reaches {}:{} break and read the traffic; "
                        + "for test environments only", http.address().getHostString(), http.port());
            }
        } else {
            log.info("HTTP endpoints off");
        }

        // Any other way the JVM is asked to stop (SIGHUP, System.exit elsewhere) gets the same graceful stop, with
        // the JVM's exit status (129 for SIGHUP); the hook holds the JVM until the main thread has finished it.
        CountDownLatch stopped = new CountDownLatch(1);
        ShutdownSignals requests = signals;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            requests.request("JVM shutdown");
            try {
                stopped.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "amqproxy-shutdown"));

        signals.await();
        log.info("{}: stopping gracefully: no new clients, {} for clients to leave, then Close 320 to the rest "
                        + "and {} for them to answer",
                signals.firstSignal(), Settings.describe(settings.termClientCloseTimeout()),
                Settings.describe(settings.termTimeout()));
        try {
            proxy.stop(settings.termClientCloseTimeout());
        } finally {
            if (http != null) {
                http.close();
            }
            stopped.countDown();
        }
        return 0;
    }
}
