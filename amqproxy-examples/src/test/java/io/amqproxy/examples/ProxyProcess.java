package io.amqproxy.examples;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The standalone proxy as a child process: {@link AmqProxyMain} in a new JVM with this test's classpath (or a
 * packaged launcher, see {@link #exec}), the environment cleared of the proxy's own variables, standard output and
 * error collected line by line. Close it
 * (try-with-resources) and the process is gone, whatever the test did.
 */
final class ProxyProcess implements AutoCloseable {

    /**
     * Every environment variable the proxy reads (JOURNAL_STREAM picks the log format); removed from the child's
     * environment unless a test sets it.
     */
    static final List<String> PROXY_VARIABLES = List.of("AMQP_URL", "LISTEN_ADDRESS", "LISTEN_PORT", "HTTP_PORT",
            "LOG_LEVEL", "LOG_FORMAT", "JOURNAL_STREAM", "IDLE_CONNECTION_TIMEOUT", "MAX_UPSTREAM_CHANNELS",
            "MAX_UPSTREAM_LIFETIME", "MAX_CLIENTS", "EVENT_LOOPS", "TERM_TIMEOUT", "TERM_CLIENT_CLOSE_TIMEOUT",
            "SAFE_CHANNEL_REUSE", "SEPARATE_CONSUMERS", "VHOST_UPSTREAMS", "UPSTREAM_CONNECTION_NAME",
            "UPSTREAM_HEARTBEAT", "TEST_API", "UPSTREAM_CA", "UPSTREAM_TRUSTSTORE",
            "UPSTREAM_TRUSTSTORE_PASSWORD", "VERIFY_UPSTREAM_HOSTNAME", "LISTEN_TLS_PORT", "TLS_CERT", "TLS_KEY",
            "TLS_KEYSTORE", "TLS_KEYSTORE_PASSWORD");

    private static final Pattern AMQP_LISTENING = Pattern.compile(
            "amqproxy listening on \\S*:(\\d+)(?: and with TLS on \\S*:\\d+)?, upstream ");
    private static final Pattern TLS_LISTENING = Pattern.compile(
            "amqproxy listening on \\S* and with TLS on \\S*:(\\d+), upstream ");
    private static final Pattern HTTP_LISTENING = Pattern.compile("HTTP endpoints /healthz and /metrics on .*:(\\d+)$");

    private final Process process;
    private final List<String> out = new CopyOnWriteArrayList<>();
    private final List<String> err = new CopyOnWriteArrayList<>();
    private final Thread outReader;
    private final Thread errReader;

    private ProxyProcess(Process process) {
        this.process = process;
        this.outReader = collect(process.getInputStream(), out, "stdout");
        this.errReader = collect(process.getErrorStream(), err, "stderr");
    }

    /** Starts the proxy with these arguments and, on top of a cleaned environment, these variables. */
    static ProxyProcess start(Map<String, String> env, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // a short-lived JVM on a small machine: start fast, stay small
        command.add("-XX:TieredStopAtLevel=1");
        command.add("-XX:+UseSerialGC");
        command.add("-Xmx128m");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(AmqProxyMain.class.getName());
        command.addAll(List.of(args));
        return exec(env, command);
    }

    /**
     * Runs another command that starts the proxy, such as a packaged launcher, the same way: on top of a cleaned
     * environment, these variables.
     */
    static ProxyProcess exec(Map<String, String> env, List<String> command) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command);
        PROXY_VARIABLES.forEach(builder.environment()::remove);
        builder.environment().remove("JAVA_OPTS");
        builder.environment().putAll(env);
        return new ProxyProcess(builder.start());
    }

    static ProxyProcess start(String... args) throws IOException {
        return start(Map.of(), args);
    }

    /** Waits for the log line that says which port the proxy accepts clients on. */
    int amqpPort(Duration timeout) {
        return Integer.parseInt(awaitStderr(AMQP_LISTENING, timeout).group(1));
    }

    /** Waits for the log line that says which port the proxy accepts TLS clients on. */
    int tlsPort(Duration timeout) {
        return Integer.parseInt(awaitStderr(TLS_LISTENING, timeout).group(1));
    }

    /** Waits for the log line that says which port /healthz and /metrics are on. */
    int httpPort(Duration timeout) {
        return Integer.parseInt(awaitStderr(HTTP_LISTENING, timeout).group(1));
    }

    /** Waits for a line of standard error that the pattern finds something in. */
    Matcher awaitStderr(Pattern pattern, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            for (String line : err) {
                Matcher m = pattern.matcher(line);
                if (m.find()) {
                    return m;
                }
            }
            if (!process.isAlive() && !errReader.isAlive()) {
                throw new AssertionError("the proxy exited with " + process.exitValue() + " before logging /"
                        + pattern + "/; " + describe());
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no line matching /" + pattern + "/ within " + timeout + "; " + describe());
            }
            pause();
        }
    }

    /**
     * Sends SIGTERM. Through the {@link ProcessHandle}: {@link Process#destroy()} sends the same signal on Unix but
     * also closes our ends of the child's output pipes, and the lines it logs while it stops would be lost.
     */
    void sigterm() {
        process.toHandle().destroy();
    }

    /**
     * Waits for the process to exit and for its output to be read.
     *
     * @return the exit status
     * @throws AssertionError when it is still running after the timeout
     */
    int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("the proxy did not exit within " + timeout + "; " + describe());
        }
        outReader.join(5000);
        errReader.join(5000);
        return process.exitValue();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    List<String> stdout() {
        return List.copyOf(out);
    }

    List<String> stderr() {
        return List.copyOf(err);
    }

    /** What the process printed, for failure messages. */
    String describe() {
        return "stdout: " + out + ", stderr: " + err;
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static Thread collect(InputStream in, List<String> lines, String name) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                    lines.add(line);
                }
            } catch (IOException e) {
                // the process is gone
            }
        }, "proxy-process-" + name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void pause() {
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted");
        }
    }
}
