package io.amqproxy.examples.bench;

import com.rabbitmq.client.Connection;
import io.amqproxy.AmqProxy;
import io.amqproxy.examples.logging.ConsoleLog;
import io.amqproxy.examples.logging.LogFormat;
import io.amqproxy.examples.settings.LogLevel;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Side-by-side benchmark: the same workloads against the broker directly and through an embedded proxy
 * (and, if asked, through another proxy), in one run, alternating direct, proxy, direct, proxy... and a table
 * of medians and ratios at the end.
 *
 * <h2>Running it</h2>
 * <pre>
 * bench/run                                   # everything, defaults (about three minutes on two cores)
 * bench/run --workloads connpub,confirms      # a subset
 * bench/run --reps 5 --throughput 16:500000   # more repetitions, other sizes
 * bench/run --upstream amqp://guest:guest@10.0.0.5:5672/%2F
 * bench/run --compare-with 127.0.0.1:5674 --compare-pid 4242   # a third side: another proxy, see below
 * bench/run --help                            # every option
 * </pre>
 * {@code bench/run} compiles the api, impl and examples modules with Maven (no tests compiled or run),
 * compiles this package with javac against the examples module's test classpath, and runs this class. It
 * needs a broker, by default RabbitMQ on 127.0.0.1:5672 as guest/guest. The proxy runs inside the
 * benchmark's JVM on 127.0.0.1 with default settings except the number of event loops. Clients are
 * com.rabbitmq:amqp-client with automatic recovery off, sharing their consumer and heartbeat threads
 * ({@link ClientThreads}) so that the client's own overhead stays small on both sides.
 *
 * <h2>Options</h2>
 * <pre>
 * --workloads LIST     comma-separated, from connpub,throughput,confirms,neighbours,coldstart,farbroker,
 *                      manyconns (default: all)
 * --reps N             timed repetitions per side, alternating direct/proxy[/other] (default 3)
 * --no-warmup          skip the short untimed round that precedes each workload
 * --upstream URI       the broker, amqp://[user:password@]host[:port][/vhost]
 *                      (default amqp://guest:guest@127.0.0.1:5672/)
 * --connpub N          connect-publish-close operations per run (default 300)
 * --workers LIST       connpub concurrency levels (default 1,8)
 * --throughput LIST    SIZE:COUNT message sizes and counts (default 16:100000,4096:25000)
 * --confirms N         publish-and-confirm round trips per run (default 2000)
 * --far-ops N          connpub operations per farbroker run (default 20)
 * --far-delay-ms N     farbroker one-way delay added by the relay (default 25, i.e. 50 ms RTT)
 * --manyconns N        client connections held at once (default 500)
 * --proxy-loops N      event loops of the embedded proxy (default 1)
 * --run-limit-s N      a single run stops starting new work after this (default 60)
 * --compare-with HOST:PORT  another proxy in front of the same broker, run as a third side ("other")
 * --compare-pid PID    the other proxy's process id on this machine, for its CPU time and memory
 * --relay HOST:PORT    a plain TCP relay (haproxy in TCP mode) in front of the same broker: a side, "relay"
 * --relay-pid PID      the relay's process id, for its CPU time
 * --broker-pid PID     the broker's process id (default: the local RabbitMQ node, found in /proc)
 * --neighbours N       confirms of the small publisher per neighbours run (default 1000)
 * --coldstart N:M      cycles and messages measured from a fresh standalone process (default 1000:10000)
 * --far-relay-port N   the farbroker relay listens on 127.0.0.1:N (default: any free port)
 * --compare-far HOST:PORT   a second instance of the other proxy whose upstream is amqp://127.0.0.1:N
 * --no-embedded        leave out the embedded proxy's side: direct and other only
 * </pre>
 * BENCH_JAVA_OPTS in the environment replaces the JVM options of bench/run (default -Xms1g -Xmx1g).
 *
 * <h2>Workloads</h2>
 * <ul>
 *   <li><b>connpub</b>: {new connection, open channel, publish one 16-byte message, close channel, close
 *       connection}, with 1 and with 8 concurrent workers: ops/s, latency p50/p99, proxy CPU per op.</li>
 *   <li><b>throughput</b>: one publisher connection (no confirms) and one auto-ack consumer on a fresh
 *       queue, 16-byte and 4 KiB messages: consumed msg/s and MiB/s, proxy CPU per message.</li>
 *   <li><b>confirms</b>: publish one message and wait for its confirm, repeatedly: latency p50/p99.</li>
 *   <li><b>neighbours</b>: a small publisher with confirms beside a neighbour of the same credentials streaming
 *       1 MiB messages: the small one's confirm p50/p99 ({@link NeighboursWorkload}); through a proxy both share
 *       one broker connection.</li>
 *   <li><b>coldstart</b>: the first connect-publish-close cycles and messages of a freshly started standalone
 *       proxy process against the same after a warm-up ({@link ColdStartWorkload}); proxy side only.</li>
 *   <li><b>farbroker</b>: connpub with one worker against a broker 25 ms away each way (a delaying relay in
 *       this JVM, see {@link FarBrokerWorkload}), direct through the relay vs the proxy whose upstream is the relay:
 *       ops/s, latency p50/p99, one broker round trip as a client of that side sees it ({@code basic.qos} on
 *       an open channel) and connpub p50 minus that round trip. The relay delays payload only, not the TCP
 *       handshake, so a real far broker costs a direct client one more round trip than shown.</li>
 *   <li><b>manyconns</b>: open 500 client connections with one channel each, hold, close: time to open
 *       and close all, the benchmark's connections the broker sees ({@code rabbitmqctl} matched against this
 *       JVM's sockets; local broker on Linux only), the proxy's upstream connections, and JVM heap and direct
 *       memory per connection after a GC. 500 because RabbitMQ with the common limit of 1024 file
 *       descriptors accepts 832 connections at most; more only work through the proxy.</li>
 * </ul>
 *
 * <h2>Comparing with another proxy</h2>
 * With {@code --compare-with}, every run alternates direct, proxy, other: the other proxy is one the user
 * started beforehand, anywhere, with the benchmark's broker as its upstream (the benchmark does not start
 * or configure it). Its column shows the same metrics and its own ratio to direct. What needs to look
 * inside it is filled only with {@code --compare-pid} and only on this machine: its CPU per op or message
 * (all of its threads, from /proc, where the embedded proxy's figure counts its event loops only, not
 * the JVM's GC and JIT threads, so the comparison is slightly in our favour), and in manyconns its upstream
 * connections and its resident memory. farbroker needs a second instance of it whose upstream is the relay
 * ({@code --compare-far} and {@code --far-relay-port}); otherwise its "other" column stays empty.
 *
 * <p>{@code bench/compare} starts the sides outside this JVM for one run: haproxy in TCP mode as the plain relay
 * and, when given its binary, cloudamqp/amqproxy (two instances, the second for farbroker), and stops them at the
 * end. The broker's CPU per message or operation is its process's CPU time over the run ({@link BrokerProcess}
 * finds the local node); it counts whatever else uses the broker meanwhile.
 *
 * <h2>Reading the table</h2>
 * Each workload first runs a short untimed warm-up on each side, then {@code --reps} timed runs per side,
 * alternating. The table shows the median of those runs for each side and proxy/direct: for ops/s, msg/s and
 * MiB/s higher is better, for latencies, times, CPU and memory lower is better. Latency runs begin with one
 * untimed operation, so the proxy is measured with its upstream connection already open (as in steady
 * use; it closes idle upstreams after 5 s). Proxy CPU is the CPU time of its {@code amqproxy-loop-*}
 * threads ({@link ProxyCpu}). Progress lines go to stderr, the header and table to stdout. Nothing here
 * asserts on timing; it is not a test and does not run in {@code mvn verify}.
 */
public final class Benchmark {

    private Benchmark() {
    }

    /** Runs the benchmark; see the class comment, or {@code --help}, for the options. */
    public static void main(String[] args) throws Exception {
        // The client's NIO mode logs a stack trace (a warning) when the peer closed the socket first, a harmless
        // race; the standalone proxy's log backend, which this classpath has, knows no per-logger levels.
        ConsoleLog.configure(LogLevel.ERROR, LogFormat.PLAIN);
        BenchOptions options;
        try {
            options = BenchOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println(BenchOptions.USAGE);
            System.exit(2);
            return;
        }
        if (options.help) {
            System.out.println(BenchOptions.USAGE);
            return;
        }
        System.exit(new Benchmark.Run(options, System.out, System.err).execute());
    }

    /** One invocation: header, workloads, table. */
    private static final class Run {
        private final BenchOptions options;
        private final PrintStream out;
        private final PrintStream progress;
        private final ResultTable table;
        private final List<String> warnings = new ArrayList<>();
        private final long startNanos = System.nanoTime();
        /** The broker's process, for its CPU time; 0 when unknown. */
        private long brokerPid;

        Run(BenchOptions options, PrintStream out, PrintStream progress) {
            this.options = options;
            this.out = out;
            this.progress = progress;
            this.table = new ResultTable(options.sides());
        }

        int execute() {
            Target direct = new Target(Side.DIRECT, options.brokerHost, options.brokerPort, options.login);
            String broker;
            try {
                broker = brokerDescription(direct);
            } catch (Exception e) {
                progress.println("cannot reach the broker at " + options.upstreamUri() + " as " + options.login
                        + ": " + e);
                return 1;
            }
            Target other = null;
            String otherDescription = null;
            if (options.compareWith != null) {
                other = new Target(Side.OTHER, options.compareWith.getHostString(), options.compareWith.getPort(),
                        options.login);
                try {
                    otherDescription = brokerDescription(other);
                } catch (Exception e) {
                    progress.println("cannot reach the other proxy at " + hostPort(options.compareWith) + ": " + e);
                    return 1;
                }
                if (options.comparePid > 0 && !OtherProcess.exists(options.comparePid)) {
                    progress.println("--compare-pid: no process " + options.comparePid + " in /proc");
                    return 1;
                }
            }
            Target relay = null;
            if (options.relay != null) {
                relay = new Target(Side.RELAY, options.relay.getHostString(), options.relay.getPort(), options.login);
                try {
                    brokerDescription(relay);
                } catch (Exception e) {
                    progress.println("cannot reach the broker through the relay at " + hostPort(options.relay) + ": " + e);
                    return 1;
                }
                if (options.relayPid > 0 && !OtherProcess.exists(options.relayPid)) {
                    progress.println("--relay-pid: no process " + options.relayPid + " in /proc");
                    return 1;
                }
            }
            brokerPid = options.brokerPid > 0 ? options.brokerPid
                    : isLocal(options.brokerHost) ? BrokerProcess.find() : 0;
            printHeader(broker, otherDescription);
            try (AmqProxy proxy = AmqProxy.builder()
                    .upstream(options.upstreamUri())
                    .listen("127.0.0.1", 0)
                    .eventLoops(options.proxyLoops)
                    .safeChannelReuse(options.safeReuse)
                    .start()) {
                Target viaProxy = new Target(Side.PROXY, "127.0.0.1", proxy.port(), options.login);
                Endpoints local = new Endpoints(direct, relay, other, viaProxy, options.relayPid, options.comparePid,
                        brokerPid);
                for (String name : options.workloads) {
                    for (Workload workload : workloads(name, local, proxy)) {
                        runAlternating(workload);
                    }
                }
            }
            out.println();
            table.print(out);
            printNotes();
            return 0;
        }

        private List<Workload> workloads(String name, Endpoints local, AmqProxy proxy) {
            Duration limit = options.runLimit;
            List<Workload> list = new ArrayList<>();
            switch (name) {
                case "connpub" -> options.connpubWorkers.forEach(
                        w -> list.add(new ConnPubWorkload(local, w, options.connpubOps, limit)));
                case "throughput" -> options.throughput.forEach(
                        s -> list.add(new ThroughputWorkload(local, s[0], s[1], limit)));
                case "confirms" -> list.add(new ConfirmsWorkload(local, options.confirms, limit));
                case "neighbours" -> list.add(new NeighboursWorkload(local, options.neighbours, limit));
                case "coldstart" -> {
                    if (options.embedded) {
                        list.add(new ColdStartWorkload(local, options.upstreamUri(), options.coldCycles,
                                options.coldMessages, limit));
                    }
                }
                case "farbroker" -> list.add(new FarBrokerWorkload(local.direct(),
                        Duration.ofMillis(options.farDelayMs), options.farOps, limit, options.safeReuse,
                        options.farRelayPort, options.compareFar));
                case "manyconns" -> list.add(new ManyConnsWorkload(local, proxy, options.manyConns,
                        options.manyConnsWorkers));
                default -> throw new IllegalArgumentException(name);
            }
            return list;
        }

        /** Warm-up on each side, then direct, proxy[, other], direct, proxy[, other]... {@code reps} times. */
        private void runAlternating(Workload workload) {
            try (workload) {
                for (int rep = options.warmup ? 0 : 1; rep <= options.reps; rep++) {
                    for (Side side : options.sides()) {
                        if (workload.covers(side)) {
                            runOnce(workload, side, rep);
                        }
                    }
                }
            } catch (Exception e) {
                report(workload.label() + ": failed to close: " + e);
            }
        }

        /** One run; a failure is reported and leaves a gap in the medians, the other runs go on. */
        private void runOnce(Workload workload, Side side, int rep) {
            boolean warmup = rep == 0;
            String run = workload.label() + " " + side.label() + (warmup ? " warm-up" : " rep " + rep);
            RunResult result;
            try {
                result = workload.run(side, warmup);
            } catch (Exception e) {
                report(run + ": failed: " + e);
                return;
            }
            String values = result.values().stream()
                    .filter(m -> !Double.isNaN(m.value()))
                    .map(m -> m.metric() + " " + ResultTable.format(m.value()))
                    .collect(Collectors.joining(", "));
            progress.printf(Locale.ROOT, "[%5.1fs] %-20s %-6s %-7s %s%n", elapsedSeconds(), workload.label(),
                    side.label(), warmup ? "warm-up" : "rep " + rep, values);
            result.warnings().forEach(warning -> report(run + ": " + warning));
            if (!warmup) {
                table.add(side, result.values());
            }
        }

        private void report(String warning) {
            progress.println("    " + warning);
            warnings.add(warning);
        }

        private double elapsedSeconds() {
            return (System.nanoTime() - startNanos) / 1e9;
        }

        private static boolean isLocal(String host) {
            return host.equals("127.0.0.1") || host.equals("localhost") || host.equals("::1");
        }

        private static String brokerDescription(Target direct) throws Exception {
            Connection c = direct.factory().newConnection("amqproxy-bench-probe");
            try {
                Map<String, Object> props = c.getServerProperties();
                Object version = props.get("version"); // this project's proxy announces none
                return props.get("product") + (version == null ? "" : " " + version) + " at " + direct.host() + ":"
                        + direct.port();
            } finally {
                Target.close(c);
            }
        }

        private void printHeader(String broker, String other) {
            Runtime rt = Runtime.getRuntime();
            out.println("amqproxy benchmark, " + ZonedDateTime.now().withNano(0).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
            out.printf(Locale.ROOT, "machine: %d cores, %s %s %s%n", rt.availableProcessors(),
                    System.getProperty("os.name"), System.getProperty("os.version"), System.getProperty("os.arch"));
            out.printf(Locale.ROOT, "JVM:     %s %s, max heap %d MiB%n", System.getProperty("java.vm.name"),
                    System.getProperty("java.runtime.version"), rt.maxMemory() / (1024 * 1024));
            out.println("broker:  " + broker + (brokerPid > 0 ? ", pid " + brokerPid + " (its CPU time is read from /proc)"
                    : ", CPU time unknown (not local, or give --broker-pid)"));
            if (options.relay != null) {
                out.println("relay:   a plain TCP relay at " + hostPort(options.relay)
                        + (options.relayPid > 0 ? ", pid " + options.relayPid : ", pid not given"));
            }
            out.printf(Locale.ROOT, "proxy:   embedded, %d event loop(s), %s; coldstart: a new JVM with %s%n",
                    options.proxyLoops,
                    options.safeReuse ? "safe channel reuse on" : "default settings", ColdStartWorkload.javaOptions());
            if (other != null) {
                out.println("other:   a proxy outside this JVM, reports " + other
                        + (options.comparePid > 0 ? ", pid " + options.comparePid : ", pid not given")
                        + (options.compareFar != null ? "; for farbroker " + hostPort(options.compareFar)
                                : "; farbroker without it"));
            }
            out.printf(Locale.ROOT, "runs:    %d per side, alternating %s%s; medians shown%n", options.reps,
                    options.sides().stream().map(Side::label).collect(Collectors.joining("/")),
                    options.warmup ? ", after one warm-up each" : "");
            out.println("JVM opts: " + String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments()
                    .stream().filter(a -> a.startsWith("-X")).toList()));
            out.println("load:    " + loadAverage() + " (" + uptime() + " at start; other busy processes skew "
                    + "the figures)");
        }

        /** "host:port"; an unresolved address's toString() would add "/<unresolved>". */
        private static String hostPort(InetSocketAddress address) {
            return address.getHostString() + ":" + address.getPort();
        }

        /** The 1, 5 and 15-minute load averages, as {@code uptime} shows them. */
        private static String uptime() {
            try {
                String[] f = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).split(" ");
                return "load averages " + f[0] + ", " + f[1] + ", " + f[2];
            } catch (Exception e) {
                return "1-minute load average";
            }
        }

        private static String loadAverage() {
            double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
            return load < 0 ? "unknown" : String.format(Locale.ROOT, "%.1f", load);
        }

        private void printNotes() {
            out.println();
            out.println("x/direct: each side's median over direct's; higher is better for ops/s, msg/s, MiB/s; lower for "
                    + "latencies, times, CPU, memory.");
            if (brokerPid > 0) {
                out.println("broker CPU: the broker process's CPU time over the run (all of its threads) per message or "
                        + "operation; anything else using the broker meanwhile counts too.");
            }
            if (options.compareWith != null) {
                out.println("other: proxy CPU counts all of its process's threads (GC included), proxy only its "
                        + "event loops; other proxy RSS is its whole process with all connections open.");
            }
            String label = "manyconns " + options.manyConns;
            for (String memory : List.of("heap", "direct")) {
                String metric = "JVM " + memory + " KiB/conn";
                double direct = table.median(label, metric, Side.DIRECT);
                double proxy = table.median(label, metric, Side.PROXY);
                if (!Double.isNaN(direct) && !Double.isNaN(proxy)) {
                    out.printf(Locale.ROOT, "%s: the proxy's %s share is about %s KiB per client connection "
                            + "(proxy minus direct).%n", label, memory, ResultTable.format(proxy - direct));
                }
            }
            if (!warnings.isEmpty()) {
                out.println();
                out.println("warnings:");
                warnings.forEach(w -> out.println("  " + w));
            }
            out.printf(Locale.ROOT, "%ntotal time %.0f s, %s at the end%n", elapsedSeconds(), uptime());
        }
    }
}
