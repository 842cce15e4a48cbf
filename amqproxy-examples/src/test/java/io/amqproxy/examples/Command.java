package io.amqproxy.examples;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** A command run to its end, with a time limit: its exit status and its output (standard output and error). */
record Command(List<String> command, int status, String output) {

    /**
     * Runs the command and waits for it, at most {@code timeout}; a command still running then is killed and the
     * test fails.
     */
    static Command run(Duration timeout, Map<String, String> env, String... command)
            throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().remove("JAVA_OPTS");
        builder.environment().putAll(env);
        Process process = builder.start();
        process.getOutputStream().close();
        CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> readAll(process.getInputStream()));
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError(String.join(" ", command) + " did not finish within " + timeout);
        }
        return new Command(List.of(command), process.exitValue(), output.join());
    }

    static Command run(String... command) throws IOException, InterruptedException {
        return run(Duration.ofSeconds(120), Map.of(), command);
    }

    /** Fails the test, with the command's output, unless it exited 0. */
    Command ok() {
        if (status != 0) {
            throw new AssertionError(String.join(" ", command) + " exited " + status + ":\n" + output);
        }
        return this;
    }

    private static String readAll(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(output unreadable: " + e + ")";
        }
    }
}
