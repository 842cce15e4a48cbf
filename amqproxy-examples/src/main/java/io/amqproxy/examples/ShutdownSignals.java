package io.amqproxy.examples;

import sun.misc.Signal;

import java.io.PrintStream;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * SIGTERM and SIGINT for the standalone proxy: the first asks for a graceful stop, which the main thread
 * carries out and then exits 0; a second one exits at once with status 1, the way cloudamqp/amqproxy aborts.
 *
 * <p>Handled with {@code sun.misc.Signal} (module jdk.unsupported, present in every OpenJDK build) rather than a
 * shutdown hook: once the JVM starts shutting down for a signal it exits with 128 + the signal number (143 for
 * SIGTERM) whatever the hooks do, and a stop that went as planned should exit 0, which supervisors such as
 * systemd and Kubernetes read as success.
 */
final class ShutdownSignals {

    /** The exit status when a second signal cuts the graceful stop short. */
    static final int EXIT_INTERRUPTED = 1;

    private final CountDownLatch requested = new CountDownLatch(1);
    private final AtomicInteger received = new AtomicInteger();
    private final PrintStream err;
    private volatile String firstSignal = "";

    /** @param err where the one line before an immediate exit goes */
    private ShutdownSignals(PrintStream err) {
        this.err = err;
    }

    /**
     * Takes over SIGTERM and SIGINT.
     *
     * @throws IllegalArgumentException when the JVM does not let them be handled (e.g. run with {@code -Xrs})
     */
    static ShutdownSignals install(PrintStream err) {
        ShutdownSignals signals = new ShutdownSignals(err);
        Signal.handle(new Signal("TERM"), signals::onSignal);
        Signal.handle(new Signal("INT"), signals::onSignal);
        return signals;
    }

    /** Without signal handlers, when the JVM refuses them: only {@link #request} asks for a stop. */
    static ShutdownSignals withoutHandlers(PrintStream err) {
        return new ShutdownSignals(err);
    }

    /** Waits until a stop is requested. */
    void await() throws InterruptedException {
        requested.await();
    }

    /** The name of the signal that asked for the stop, e.g. "SIGTERM"; empty before. */
    String firstSignal() {
        return firstSignal;
    }

    /** Also asks for a graceful stop, as a first signal does; for a shutdown hook. */
    void request(String why) {
        if (received.getAndIncrement() == 0) {
            firstSignal = why;
            requested.countDown();
        }
    }

    private void onSignal(Signal signal) {
        // Runs on the JVM's signal dispatcher thread: set a flag and return, except for the second signal.
        if (received.getAndIncrement() == 0) {
            firstSignal = "SIG" + signal.getName();
            requested.countDown();
            return;
        }
        // No question to the proxy here: its event loops may be busy or already gone, and this must not wait.
        err.println("amqproxy: second SIG" + signal.getName() + " during the graceful stop, exiting at once");
        err.flush();
        Runtime.getRuntime().halt(EXIT_INTERRUPTED);
    }
}
