package io.amqproxy.examples.bench;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The benchmark's command line, parsed and checked. Defaults keep a full run around three minutes on two
 * cores against a local broker.
 */
final class BenchOptions {

    static final List<String> ALL_WORKLOADS = List.of("connpub", "throughput", "confirms", "neighbours", "coldstart",
            "farbroker", "manyconns");

    static final String USAGE = String.join("\n",
            "usage: bench/run [options]",
            "  --workloads LIST     comma-separated, from " + String.join(",", ALL_WORKLOADS) + " (default: all)",
            "  --reps N             timed repetitions per side, alternating direct[/relay][/other]/proxy (default 3)",
            "  --no-warmup          skip the short untimed round that precedes each workload",
            "  --upstream URI       the broker, amqp://[user:password@]host[:port][/vhost]",
            "                       (default amqp://guest:guest@127.0.0.1:5672/)",
            "  --connpub N          connect-publish-close operations per run (default 300)",
            "  --workers LIST       connpub concurrency levels (default 1,8)",
            "  --throughput LIST    SIZE:COUNT message sizes and counts (default 16:100000,4096:25000)",
            "  --confirms N         publish-and-confirm round trips per run (default 2000)",
            "  --neighbours N       confirms of the small publisher per neighbours run (default 1000)",
            "  --coldstart N:M      coldstart: connect-publish-close cycles and messages (default 1000:10000)",
            "  --far-ops N          connpub operations per farbroker run (default 20)",
            "  --far-delay-ms N     farbroker one-way delay added by the relay (default 25, i.e. 50 ms RTT)",
            "  --manyconns N        client connections held at once (default 500)",
            "  --proxy-loops N      event loops of the embedded proxy (default 1)",
            "  --safe-reuse         run the proxies with safe channel reuse (keep publish-only channels open)",
            "  --run-limit-s N      a single run stops starting new work after this (default 60)",
            "  --compare-with HOST:PORT",
            "                       another proxy, already running in front of the same broker: each workload",
            "                       also runs through it, as a third side, \"other\"",
            "  --compare-pid PID    the other proxy's process id on this machine, for its CPU time and memory",
            "  --relay HOST:PORT    a plain TCP relay (e.g. haproxy in TCP mode) in front of the same broker: a",
            "                       side of its own, \"relay\"",
            "  --relay-pid PID      the relay's process id on this machine, for its CPU time",
            "  --broker-pid PID     the broker's process id, for its CPU time (default: the local RabbitMQ node",
            "                       found in /proc; none when the broker is elsewhere)",
            "  --far-relay-port N   the farbroker relay listens on 127.0.0.1:N (default: any free port)",
            "  --compare-far HOST:PORT",
            "                       a second instance of the other proxy, with upstream amqp://127.0.0.1:N",
            "                       (N of --far-relay-port); without it farbroker has no \"other\" side",
            "  --no-embedded        leave out the embedded proxy's side: direct and other only (e.g. this",
            "                       project's standalone jar as the other proxy, for more connections than",
            "                       one JVM's file descriptors allow for clients and proxy together)",
            "  --help               this text");

    Set<String> workloads = new LinkedHashSet<>(ALL_WORKLOADS);
    int reps = 3;
    boolean warmup = true;
    String brokerHost = "127.0.0.1";
    int brokerPort = 5672;
    Credentials login = new Credentials("guest", "guest", "/");
    int connpubOps = 300;
    List<Integer> connpubWorkers = List.of(1, 8);
    List<int[]> throughput = List.of(new int[] {16, 100_000}, new int[] {4096, 25_000});
    int confirms = 2_000;
    int neighbours = 1_000;
    int coldCycles = 1_000;
    int coldMessages = 10_000;
    /** A plain relay in front of the same broker; null when not given. */
    InetSocketAddress relay;
    /** The relay's process id; 0 when not given. */
    long relayPid;
    /** The broker's process id; 0 to look for the local node. */
    long brokerPid;
    int farOps = 20;
    int farDelayMs = 25;
    // 500, not 1,000: a broker with the usual 1024 file descriptors takes 832 sockets at most, so more
    // would fail on the direct side (the proxy side takes 10,000 on one broker connection).
    int manyConns = 500;
    int manyConnsWorkers = 8;
    int proxyLoops = 1;
    /** Run the embedded proxies with safe channel reuse on. */
    boolean safeReuse;
    Duration runLimit = Duration.ofSeconds(60);
    /** The other proxy in front of the same broker; null when only direct and proxy are compared. */
    InetSocketAddress compareWith;
    /** The other proxy's process id; 0 when not given. */
    long comparePid;
    /** A second instance of the other proxy whose upstream is the farbroker relay; null when not given. */
    InetSocketAddress compareFar;
    /** The farbroker relay's port; 0 for any free one. */
    int farRelayPort;
    /** Whether the embedded proxy is one of the sides ({@code --no-embedded} leaves it out). */
    boolean embedded = true;
    boolean help;

    /** The sides every run alternates between, in this order: direct, relay, other, proxy (those given). */
    List<Side> sides() {
        List<Side> sides = new ArrayList<>(List.of(Side.DIRECT));
        if (relay != null) {
            sides.add(Side.RELAY);
        }
        if (compareWith != null) {
            sides.add(Side.OTHER);
        }
        if (embedded) {
            sides.add(Side.PROXY);
        }
        return List.copyOf(sides);
    }

    /** The broker address for the proxy's upstream setting (credentials travel with each client). */
    String upstreamUri() {
        return "amqp://" + brokerHost + ":" + brokerPort;
    }

    /**
     * Parses the arguments.
     *
     * @throws IllegalArgumentException naming the bad argument
     */
    static BenchOptions parse(String[] args) {
        BenchOptions o = new BenchOptions();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--help") || arg.equals("-h")) {
                o.help = true;
                continue;
            }
            if (arg.equals("--no-warmup")) {
                o.warmup = false;
                continue;
            }
            if (arg.equals("--safe-reuse")) {
                o.safeReuse = true;
                continue;
            }
            if (arg.equals("--no-embedded")) {
                o.embedded = false;
                continue;
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("unknown option or missing value: " + arg);
            }
            String value = args[++i];
            switch (arg) {
                case "--workloads" -> o.workloads = workloads(value);
                case "--reps" -> o.reps = positive(arg, value);
                case "--upstream" -> o.upstream(value);
                case "--connpub" -> o.connpubOps = positive(arg, value);
                case "--workers" -> o.connpubWorkers = positives(arg, value);
                case "--throughput" -> o.throughput = sizes(value);
                case "--confirms" -> o.confirms = positive(arg, value);
                case "--neighbours" -> o.neighbours = positive(arg, value);
                case "--coldstart" -> {
                    int[] pair = sizes(value).get(0);
                    o.coldCycles = pair[0];
                    o.coldMessages = pair[1];
                }
                case "--relay" -> o.relay = hostPort(arg, value);
                case "--relay-pid" -> o.relayPid = positive(arg, value);
                case "--broker-pid" -> o.brokerPid = positive(arg, value);
                case "--far-ops" -> o.farOps = positive(arg, value);
                case "--far-delay-ms" -> o.farDelayMs = positive(arg, value);
                case "--manyconns" -> o.manyConns = positive(arg, value);
                case "--proxy-loops" -> o.proxyLoops = positive(arg, value);
                case "--run-limit-s" -> o.runLimit = Duration.ofSeconds(positive(arg, value));
                case "--compare-with" -> o.compareWith = hostPort(arg, value);
                case "--compare-pid" -> o.comparePid = positive(arg, value);
                case "--far-relay-port" -> o.farRelayPort = positive(arg, value);
                case "--compare-far" -> o.compareFar = hostPort(arg, value);
                default -> throw new IllegalArgumentException("unknown option: " + arg);
            }
        }
        if (o.compareWith == null && (o.comparePid != 0 || o.compareFar != null)) {
            throw new IllegalArgumentException("--compare-pid and --compare-far need --compare-with");
        }
        if (!o.embedded && o.compareWith == null && o.relay == null) {
            throw new IllegalArgumentException("--no-embedded needs --compare-with or --relay");
        }
        if (o.relay == null && o.relayPid != 0) {
            throw new IllegalArgumentException("--relay-pid needs --relay");
        }
        if (o.compareFar != null && o.farRelayPort == 0) {
            // The other proxy was started before this run, so its upstream, the relay, needs a known port.
            throw new IllegalArgumentException("--compare-far needs --far-relay-port");
        }
        return o;
    }

    private static InetSocketAddress hostPort(String option, String value) {
        int colon = value.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException(option + ": expected HOST:PORT, got " + value);
        }
        int port = positive(option, value.substring(colon + 1));
        return InetSocketAddress.createUnresolved(value.substring(0, colon), port);
    }

    private void upstream(String value) {
        URI uri;
        try {
            uri = new URI(value);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("--upstream: not a URI: " + e.getMessage());
        }
        if (!"amqp".equals(uri.getScheme()) || uri.getHost() == null) {
            throw new IllegalArgumentException("--upstream: expected amqp://host[:port], got " + value);
        }
        brokerHost = uri.getHost();
        brokerPort = uri.getPort() == -1 ? 5672 : uri.getPort();
        String user = login.user();
        String password = login.password();
        if (uri.getRawUserInfo() != null) {
            String[] parts = uri.getRawUserInfo().split(":", 2);
            user = decode(parts[0]);
            password = parts.length > 1 ? decode(parts[1]) : "";
        }
        String path = uri.getRawPath();
        String vhost = path == null || path.length() <= 1 ? "/" : decode(path.substring(1));
        login = new Credentials(user, password, vhost);
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private static Set<String> workloads(String value) {
        Set<String> chosen = new LinkedHashSet<>();
        for (String name : value.split(",")) {
            String n = name.strip();
            if (!ALL_WORKLOADS.contains(n)) {
                throw new IllegalArgumentException("--workloads: unknown workload " + n);
            }
            chosen.add(n);
        }
        return chosen;
    }

    private static List<int[]> sizes(String value) {
        List<int[]> pairs = new ArrayList<>();
        for (String pair : value.split(",")) {
            String[] p = pair.strip().split(":");
            if (p.length != 2) {
                throw new IllegalArgumentException("--throughput: expected SIZE:COUNT, got " + pair);
            }
            pairs.add(new int[] {positive("--throughput size", p[0]), positive("--throughput count", p[1])});
        }
        return pairs;
    }

    private static List<Integer> positives(String option, String value) {
        List<Integer> list = new ArrayList<>();
        for (String v : value.split(",")) {
            list.add(positive(option, v.strip()));
        }
        return list;
    }

    private static int positive(String option, String value) {
        try {
            int n = Integer.parseInt(value);
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException(option + ": expected a positive integer, got " + value);
    }
}
