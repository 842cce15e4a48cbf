package io.amqproxy.testsupport;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Runs several independent {@code rabbitmqctl} commands at the same time. Each call costs about a second of CLI
 * start-up, so test set-up that needs users, vhosts and permissions runs them in parallel phases.
 */
public final class RabbitmqctlBatch {

    private RabbitmqctlBatch() {
    }

    /** Runs every command (the arguments after {@code rabbitmqctl -q}) concurrently; fails if any fails. */
    public static void runAll(String[]... commands) {
        List<CompletableFuture<String>> running = new ArrayList<>();
        for (String[] cmd : commands) {
            running.add(CompletableFuture.supplyAsync(() -> TestBroker.rabbitmqctl(cmd)));
        }
        List<String> failures = new ArrayList<>();
        for (CompletableFuture<String> f : running) {
            try {
                f.join();
            } catch (CompletionException e) {
                failures.add(String.valueOf(e.getCause().getMessage()));
            }
        }
        if (!failures.isEmpty()) {
            throw new IllegalStateException("rabbitmqctl failed: " + failures);
        }
    }

    /** Like {@link #runAll} but only reports failures on standard error: for clean-up. */
    public static void runAllQuietly(String[]... commands) {
        try {
            runAll(commands);
        } catch (RuntimeException e) {
            System.err.println("clean-up: " + e.getMessage());
        }
    }

    /** Shorthand for one command's arguments. */
    public static String[] cmd(String... args) {
        return args;
    }
}
