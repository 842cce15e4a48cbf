package io.amqproxy.examples.bench;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * coldstart: a freshly started standalone proxy process ({@code AmqProxyMain} in a new JVM with the packaged
 * launcher's JVM options, or {@code BENCH_COLD_JAVA_OPTS}), measured from its first connection: the first
 * {@code cycles} connect-publish-close cycles (one worker), then the first {@code messages} 16-byte messages
 * streamed and consumed; then, after a warm-up of a few thousand cycles and a hundred thousand messages, the same
 * two measurements again ("warmed"). Only the proxy side runs it: directly there is nothing to warm up, and the
 * other proxy is not started by the benchmark. Each repetition starts a new process.
 */
final class ColdStartWorkload implements Workload {

    /** The packaged launcher's options (src/dist/launcher/amqproxy): C1 only, serial GC, small heap. */
    private static final String LAUNCHER_OPTS = "-XX:+UseSerialGC -Xms8m -Xmx256m -XX:TieredStopAtLevel=1 -Xshare:auto";
    private static final long START_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(30);
    private static final int WARM_CYCLES = 3_000;
    private static final int WARM_MESSAGES = 100_000;

    private final Endpoints endpoints;
    private final String upstreamUri;
    private final int cycles;
    private final int messages;
    private final Duration limit;

    ColdStartWorkload(Endpoints endpoints, String upstreamUri, int cycles, int messages, Duration limit) {
        this.endpoints = endpoints;
        this.upstreamUri = upstreamUri;
        this.cycles = cycles;
        this.messages = messages;
        this.limit = limit;
    }

    @Override
    public String label() {
        return "coldstart standalone";
    }

    @Override
    public boolean covers(Side side) {
        return side == Side.PROXY;
    }

    /** The JVM options of the fresh process. */
    static String javaOptions() {
        String env = System.getenv("BENCH_COLD_JAVA_OPTS");
        return env == null || env.isBlank() ? LAUNCHER_OPTS : env.strip();
    }

    @Override
    public RunResult run(Side side, boolean warmup) throws Exception {
        RunResult result = new RunResult(label());
        int port = freePort();
        Process process = start(port);
        try {
            awaitListening(process, port);
            Target fresh = new Target(Side.PROXY, "127.0.0.1", port, endpoints.direct().login());
            Endpoints via = new Endpoints(endpoints.direct(), fresh);
            double firstCycles = cycles(fresh, cycles, result);
            double firstMessages = messages(via, messages, result);
            if (!warmup) {
                cycles(fresh, WARM_CYCLES, result);
                messages(via, WARM_MESSAGES, result);
            }
            double warmCycles = warmup ? Double.NaN : cycles(fresh, cycles, result);
            double warmMessages = warmup ? Double.NaN : messages(via, messages, result);
            result.add("first " + cycles + " connpub ops/s", firstCycles)
                    .add("warmed connpub ops/s", warmCycles)
                    .add("warmed/first connpub", warmCycles / firstCycles)
                    .add("first " + messages + " msgs msg/s", firstMessages)
                    .add("warmed msg/s", warmMessages)
                    .add("warmed/first msgs", warmMessages / firstMessages);
        } finally {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
        return result;
    }

    private double cycles(Target target, int count, RunResult result) throws InterruptedException {
        ConnPubLoop.Result r = ConnPubLoop.run(target.factory(), count, 1, limit);
        if (r.errors() > 0) {
            result.warn(r.errors() + " of " + count + " cycles failed, first: " + r.firstError());
        }
        return r.completed() == 0 ? Double.NaN : r.opsPerSecond();
    }

    private double messages(Endpoints via, int count, RunResult result) throws Exception {
        RunResult r = new ThroughputWorkload(via, 16, count, limit).run(Side.PROXY, false);
        r.warnings().forEach(result::warn);
        return r.values().get(0).value(); // msg/s comes first
    }

    private Process start(int port) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(Arrays.asList(javaOptions().split("\\s+")));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.amqproxy.examples.AmqProxyMain",
                "-l", "127.0.0.1", "-p", Integer.toString(port), upstreamUri));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(new File("/dev/null")).start();
    }

    private static void awaitListening(Process process, int port) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + START_TIMEOUT_NANOS;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("the standalone proxy exited with " + process.exitValue());
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                Thread.sleep(5);
            }
        }
        throw new IOException("the standalone proxy did not listen on " + port + " within 30 s");
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
