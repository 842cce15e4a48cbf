package io.amqproxy.testsupport;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the repository's {@code .ci/private-rabbit} script, which starts and stops private RabbitMQ nodes for tests.
 * Every call is bounded: the script's output goes to temporary files (a pipe could block on nodes that inherited it),
 * and a call that outlives its timeout is killed with everything it started. The script is told the test JVM's pid
 * ({@code PRIVATE_RABBIT_OWNER}), so its watchdog stops the nodes should this JVM die without closing them.
 *
 * <p>Stateless apart from the script's path; safe to use from any thread.
 */
public final class PrivateRabbitScript {

    private static final String SCRIPT = ".ci/private-rabbit";

    private final Path script;

    private PrivateRabbitScript(Path script) {
        this.script = script;
    }

    /** The script of the checkout the tests run in, found from the working directory upwards. */
    public static PrivateRabbitScript locate() {
        Path dir = Paths.get(System.getProperty("user.dir")).toAbsolutePath();
        for (Path d = dir; d != null; d = d.getParent()) {
            Path candidate = d.resolve(SCRIPT);
            if (Files.isRegularFile(candidate)) {
                return new PrivateRabbitScript(candidate);
            }
        }
        throw new IllegalStateException("no " + SCRIPT + " above " + dir);
    }

    /** Whether RabbitMQ is installed on this machine, so private nodes can be started. */
    public boolean rabbitmqInstalled() {
        try {
            run(Duration.ofSeconds(20), "check");
            return true;
        } catch (IllegalStateException e) {
            return false;
        }
    }

    /**
     * Runs the script with {@code args} and returns its standard output; fails with the end of its standard error
     * when it exits non-zero or does not finish within {@code timeout}.
     */
    public String run(Duration timeout, String... args) {
        Path out = null;
        Path err = null;
        try {
            out = Files.createTempFile("private-rabbit", ".out");
            err = Files.createTempFile("private-rabbit", ".err");
            List<String> command = new ArrayList<>();
            command.add("bash");
            command.add(script.toString());
            command.addAll(List.of(args));
            ProcessBuilder pb = new ProcessBuilder(command)
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            pb.environment().put("PRIVATE_RABBIT_OWNER", Long.toString(ProcessHandle.current().pid()));
            Process p = pb.start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
                throw new IllegalStateException(describe(args) + " did not finish within " + timeout.toSeconds()
                        + " s; its last output:\n" + tail(err));
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException(describe(args) + " exited " + p.exitValue() + ":\n" + tail(err));
            }
            return Files.readString(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + script, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + describe(args), e);
        } finally {
            deleteQuietly(out);
            deleteQuietly(err);
        }
    }

    private static String describe(String[] args) {
        return SCRIPT + " " + String.join(" ", args);
    }

    private static String tail(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }

    private static void deleteQuietly(Path file) {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // a leftover temp file is harmless
            }
        }
    }
}
