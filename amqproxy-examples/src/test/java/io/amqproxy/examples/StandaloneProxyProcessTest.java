package io.amqproxy.examples;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.GetResponse;
import com.rabbitmq.client.ShutdownSignalException;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The standalone proxy as operators run it: a process with arguments, environment and a config file, against
 * the real broker, checked through its exit status, its HTTP endpoints and a real AMQP client. Everything on
 * loopback, on free ports, and every process is killed when its test ends.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class StandaloneProxyProcessTest {

    private static final Duration START = Duration.ofSeconds(20);
    private static final Duration EXIT = Duration.ofSeconds(20);

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10))
                .build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** A port nothing listens on right now (bound and released). */
    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            return s.getLocalPort();
        }
    }

    /** Runs the proxy with input it must refuse, and returns its one line of standard error. */
    private static String refusedWith(int expectedStatus, Map<String, String> env, String... args) throws Exception {
        try (ProxyProcess p = ProxyProcess.start(env, args)) {
            int status = p.awaitExit(EXIT);
            assertThat(status).as(p.describe()).isEqualTo(expectedStatus);
            assertThat(p.stdout()).as(p.describe()).isEmpty();
            assertThat(p.stderr()).as(p.describe()).hasSize(1);
            assertThat(p.stderr().get(0)).startsWith("amqproxy: ");
            return p.stderr().get(0);
        }
    }

    @Nested
    class ExitStatus {

        @TempDir
        Path dir;

        @Test
        void helpAndVersionExit0() throws Exception {
            try (ProxyProcess p = ProxyProcess.start("--help")) {
                assertThat(p.awaitExit(EXIT)).isZero();
                assertThat(p.stdout()).contains("Usage: java -jar amqproxy.jar [OPTIONS] [AMQP_URL...]");
            }
            try (ProxyProcess p = ProxyProcess.start("-v")) {
                assertThat(p.awaitExit(EXIT)).isZero();
                assertThat(p.stdout()).hasSize(1);
                assertThat(p.stdout().get(0)).matches("amqproxy \\d+\\.\\d+\\.\\d+.*");
            }
        }

        @Test
        void unknownOptionExits2() throws Exception {
            assertThat(refusedWith(2, Map.of(), "--bogus", LocalBroker.upstream()))
                    .isEqualTo("amqproxy: Unknown option: '--bogus'; see --help");
        }

        @Test
        void portOutOfRangeExits2() throws Exception {
            assertThat(refusedWith(2, Map.of(), "-p", "70000", LocalBroker.upstream()))
                    .isEqualTo("amqproxy: --port: port must be a number from 0 to 65535, was 70000");
            assertThat(refusedWith(2, Map.of("HTTP_PORT", "-3"), LocalBroker.upstream()))
                    .isEqualTo("amqproxy: environment variable HTTP_PORT: port must be a number from 0 to 65535, or off, "
                            + "was -3");
        }

        @Test
        void urlThatIsNotAmqpExits2WithoutEchoingThePassword() throws Exception {
            assertThat(refusedWith(2, Map.of(), "http://user:s3cret@127.0.0.1:5672"))
                    .startsWith("amqproxy: AMQP_URL argument: upstream must be an amqp:// or amqps:// URI")
                    .doesNotContain("s3cret");
        }

        @Test
        void missingUpstreamExits2() throws Exception {
            assertThat(refusedWith(2, Map.of(), "-p", "0")).startsWith("amqproxy: missing AMQP_URL");
        }

        @Test
        void unknownConfigKeyOrSectionExits2() throws Exception {
            Path key = dir.resolve("key.ini");
            Files.writeString(key, "[main]\nupstream = " + LocalBroker.upstream() + "\nidle_timeout = 5\n");
            Path section = dir.resolve("section.ini");
            Files.writeString(section, "[main]\nupstream = " + LocalBroker.upstream() + "\n[http]\nport = 1\n");

            assertThat(refusedWith(2, Map.of(), "-c", key.toString()))
                    .startsWith("amqproxy: " + key + ":3: unknown key 'idle_timeout' in [main]; known keys: ");
            assertThat(refusedWith(2, Map.of(), "-c", section.toString()))
                    .isEqualTo("amqproxy: " + section + ":3: unknown section [http]; known sections: [listen], [main], "
                            + "[vhost_upstreams]");
        }

        @Test
        void amqpPortInUseExits1() throws Exception {
            try (ServerSocket taken = new ServerSocket()) {
                taken.bind(new InetSocketAddress("127.0.0.1", 0));
                int port = taken.getLocalPort();

                assertThat(refusedWith(1, Map.of(), "-l", "127.0.0.1", "-p", String.valueOf(port), "-b", "0",
                        LocalBroker.upstream()))
                        .startsWith("amqproxy: cannot listen on 127.0.0.1:" + port + ": ");
            }
        }

        @Test
        void httpPortInUseExits1() throws Exception {
            try (ServerSocket taken = new ServerSocket()) {
                taken.bind(new InetSocketAddress("127.0.0.1", 0));
                int port = taken.getLocalPort();

                try (ProxyProcess p = ProxyProcess.start("-l", "127.0.0.1", "-p", "0", "-b", String.valueOf(port),
                        LocalBroker.upstream())) {
                    assertThat(p.awaitExit(EXIT)).as(p.describe()).isEqualTo(1);
                    assertThat(p.stderr()).as(p.describe())
                            .anyMatch(l -> l.startsWith("amqproxy: cannot listen for HTTP on 127.0.0.1:" + port + ": "));
                }
            }
        }
    }

    @Nested
    class Precedence {

        @TempDir
        Path dir;

        private Path configFile(int port) throws IOException {
            Path file = dir.resolve("amqproxy.ini");
            // the file's upstream leads nowhere: only a test where the environment overrides it can publish
            Files.writeString(file, String.join("\n",
                    "[main]",
                    "upstream = amqp://127.0.0.1:1",
                    "[listen]",
                    "address = 127.0.0.1",
                    "port = " + port,
                    ""));
            return file;
        }

        @Test
        void configFileGivesTheListenAddressAndPort() throws Exception {
            int filePort = freePort();
            try (ProxyProcess p = ProxyProcess.start("-c", configFile(filePort).toString(), "-b", "0")) {
                assertThat(p.amqpPort(START)).isEqualTo(filePort);
                assertThat(p.awaitStderr(Pattern.compile("upstream amqp://127\\.0\\.0\\.1:1$"), START)).isNotNull();
            }
        }

        @Test
        void environmentOverridesTheConfigFile() throws Exception {
            int filePort = freePort();
            int envPort = freePort();
            Map<String, String> env = Map.of("LISTEN_PORT", String.valueOf(envPort), "AMQP_URL", LocalBroker.upstream(),
                    "HTTP_PORT", "0");
            try (ProxyProcess p = ProxyProcess.start(env, "-c", configFile(filePort).toString())) {
                int port = p.amqpPort(START);
                assertThat(port).isEqualTo(envPort);

                // AMQP_URL from the environment beat the file's dead upstream: a client gets through
                try (Connection c = LocalBroker.viaProxy(port).newConnection()) {
                    assertThat(c.isOpen()).isTrue();
                }
            }
        }

        @Test
        void commandLineOverridesTheEnvironment() throws Exception {
            int envPort = freePort();
            Map<String, String> env = Map.of("LISTEN_PORT", String.valueOf(envPort), "LISTEN_ADDRESS", "127.0.0.1",
                    "HTTP_PORT", String.valueOf(freePort()), "AMQP_URL", "amqp://127.0.0.1:1", "LOG_LEVEL", "error");
            try (ProxyProcess p = ProxyProcess.start(env, "-p", "0", "-b", "0", "-d", LocalBroker.upstream())) {
                int port = p.amqpPort(START);
                p.httpPort(START); // logged at info: LOG_LEVEL=error lost to -d

                assertThat(port).isNotEqualTo(envPort);
                assertThat(p.awaitStderr(Pattern.compile("DEBUG AmqProxyMain - settings: upstream "
                        + Pattern.quote(LocalBroker.upstream()) + ", listen 127\\.0\\.0\\.1:0, http port 0, log level debug"),
                        START)).isNotNull();
            }
        }
    }

    @Nested
    class Endpoints {

        @Test
        void metricsMoveWhenAClientPublishesAndGetsThroughTheProxy() throws Exception {
            try (ProxyProcess p = ProxyProcess.start("-l", "127.0.0.1", "-p", "0", "-b", "0", LocalBroker.upstream())) {
                int amqp = p.amqpPort(START);
                int http = p.httpPort(START);

                HttpResponse<String> health = get(http, "/healthz");
                assertThat(health.statusCode()).isEqualTo(200);
                assertThat(health.body()).startsWith("OK\n")
                        .contains("\nset=default node=" + LocalBroker.upstream().substring("amqp://".length()) + " up=true");
                Map<String, Double> before = samples(get(http, "/metrics").body());
                assertThat(before).containsEntry("amqproxy_messages_published_total", 0.0)
                        .containsEntry("amqproxy_client_connections", 0.0);

                try (Connection c = LocalBroker.viaProxy(amqp).newConnection(); Channel ch = c.createChannel()) {
                    String queue = ch.queueDeclare().getQueue(); // server-named, exclusive, auto-delete
                    ch.confirmSelect();
                    for (int i = 0; i < 5; i++) {
                        ch.basicPublish("", queue, null, ("m" + i).getBytes(StandardCharsets.UTF_8));
                    }
                    ch.waitForConfirmsOrDie(10_000);
                    for (int i = 0; i < 5; i++) {
                        GetResponse r = Poll.until("message " + i, Duration.ofSeconds(10),
                                () -> ch.basicGet(queue, true), g -> g != null);
                        assertThat(new String(r.getBody(), StandardCharsets.UTF_8)).isEqualTo("m" + i);
                    }

                    HttpResponse<String> metrics = get(http, "/metrics");
                    assertThat(metrics.statusCode()).isEqualTo(200);
                    assertThat(metrics.headers().firstValue("Content-Type"))
                            .contains("text/plain; version=0.0.4; charset=utf-8");
                    assertEveryMetricHasHelpAndType(metrics.body());
                    Map<String, Double> during = samples(metrics.body());
                    assertThat(during).containsEntry("amqproxy_messages_published_total", 5.0)
                            .containsEntry("amqproxy_messages_delivered_total", 5.0)
                            .containsEntry("amqproxy_client_connections", 1.0)
                            .containsEntry("amqproxy_upstream_connections", 1.0)
                            .containsEntry("amqproxy_client_channels", 1.0)
                            .containsEntry("amqproxy_upstream_channels", 1.0)
                            .containsEntry("amqproxy_upstream_connect_seconds_count", 1.0)
                            .containsEntry("amqproxy_refused_logins_total", 0.0)
                            .containsEntry("amqproxy_upstream_connect_failures_total", 0.0);
                    assertThat(during.get("amqproxy_upstream_connect_seconds_sum")).isPositive();
                    for (String side : List.of("client", "upstream")) {
                        for (String what : List.of("received_bytes", "sent_bytes", "received_frames", "sent_frames")) {
                            String name = "amqproxy_" + side + "_" + what + "_total";
                            assertThat(during.get(name)).as(name).isGreaterThan(before.get(name));
                        }
                    }
                    assertThat(metrics.body()).containsPattern(
                            "(?m)^amqproxy_identity_info\\{amqproxy_version=\"\\d+\\.\\d+\\.\\d+[^\"]*\",amqproxy_hostname=\"[^\"]+\"} 1$");
                }

                Poll.until("client_connections back to 0", Duration.ofSeconds(10),
                        () -> samples(get(http, "/metrics").body()).get("amqproxy_client_connections"), v -> v == 0.0);
            }
        }

        @Test
        void healthzProbesTheBrokerBeforeAnyClientCame() throws Exception {
            int deadPort = freePort();
            try (ProxyProcess p = ProxyProcess.start("-l", "127.0.0.1", "-p", "0", "-b", "0",
                    "amqp://127.0.0.1:" + deadPort)) {
                p.amqpPort(START);
                int http = p.httpPort(START);
                HttpResponse<String> health = get(http, "/healthz");
                assertThat(health.statusCode()).as("no client yet, but the broker is not there").isEqualTo(503);
                assertThat(health.body()).contains("127.0.0.1:" + deadPort).contains("unreachable");
            }
            try (ProxyProcess p = ProxyProcess.start("-l", "127.0.0.1", "-p", "0", "-b", "0", LocalBroker.upstream())) {
                p.amqpPort(START);
                assertThat(get(p.httpPort(START), "/healthz").statusCode()).as("a reachable broker").isEqualTo(200);
            }
        }

        @Test
        void healthzNamesAnUnreachableUpstream() throws Exception {
            int deadPort = freePort();
            try (ProxyProcess p = ProxyProcess.start("-l", "127.0.0.1", "-p", "0", "-b", "0",
                    "amqp://127.0.0.1:" + deadPort)) {
                int amqp = p.amqpPort(START);
                int http = p.httpPort(START);

                try (Connection c = LocalBroker.viaProxy(amqp).newConnection()) {
                    throw new AssertionError("a client got through to a broker that is not there: " + c);
                } catch (IOException | java.util.concurrent.TimeoutException expected) {
                    // refused, as it should be
                }

                HttpResponse<String> health = get(http, "/healthz");
                assertThat(health.statusCode()).isEqualTo(503);
                assertThat(health.body()).contains("127.0.0.1:" + deadPort).contains("unreachable");
                Map<String, Double> metrics = samples(get(http, "/metrics").body());
                assertThat(metrics.get("amqproxy_upstream_connect_failures_total")).isGreaterThanOrEqualTo(1.0);
                assertThat(metrics.get("amqproxy_refused_logins_total")).isGreaterThanOrEqualTo(1.0);
            }
        }

        @Test
        void otherMethodsAndPaths() throws Exception {
            try (ProxyProcess p = ProxyProcess.start("-l", "127.0.0.1", "-p", "0", "-b", "0", LocalBroker.upstream())) {
                int http = p.httpPort(START);

                assertThat(get(http, "/").statusCode()).isEqualTo(404);
                HttpResponse<String> post = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http + "/healthz"))
                        .POST(HttpRequest.BodyPublishers.ofString("x")).timeout(Duration.ofSeconds(10)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(post.statusCode()).isEqualTo(405);
            }
        }

        /** Sample name (labels dropped) to value. */
        private static Map<String, Double> samples(String exposition) {
            Map<String, Double> samples = new HashMap<>();
            for (String line : exposition.split("\n")) {
                if (!line.startsWith("#") && !line.isBlank()) {
                    int space = line.lastIndexOf(' ');
                    samples.put(line.substring(0, space).replaceAll("\\{.*}", ""),
                            Double.parseDouble(line.substring(space + 1)));
                }
            }
            return samples;
        }

        private static void assertEveryMetricHasHelpAndType(String exposition) {
            for (String line : exposition.split("\n")) {
                if (line.startsWith("#")) {
                    continue;
                }
                String family = line.replaceAll("[ {].*", "").replaceAll("_(sum|count)$", "");
                assertThat(exposition).as(family).contains("# HELP " + family + " ").contains("# TYPE " + family + " ");
            }
        }
    }

    @Nested
    class GracefulShutdown {

        private static final Pattern DRAINING = Pattern.compile("SIGTERM: stopping gracefully");

        @Test
        void sigtermDrainsThenClosesClientsWith320AndExits0() throws Exception {
            try (ProxyProcess p = ProxyProcess.start("-l", "127.0.0.1", "-p", "0", "-b", "0",
                    "--term-client-close-timeout", "4", "--term-timeout", "5", LocalBroker.upstream())) {
                int amqp = p.amqpPort(START);
                int http = p.httpPort(START);

                Connection c = LocalBroker.viaProxy(amqp).newConnection();
                try {
                    CompletableFuture<ShutdownSignalException> closed = new CompletableFuture<>();
                    c.addShutdownListener(closed::complete);
                    c.createChannel();

                    long sigtermAt = System.nanoTime();
                    p.sigterm();

                    HttpResponse<String> draining = Poll.until("/healthz 503 draining", Duration.ofSeconds(3),
                            () -> get(http, "/healthz"), r -> r.statusCode() == 503);
                    assertThat(draining.body()).startsWith("draining\n");
                    assertThat(closed).as("closed before the client close timeout").isNotDone();

                    ShutdownSignalException signal = closed.get(15, TimeUnit.SECONDS);
                    long afterNanos = System.nanoTime() - sigtermAt;
                    assertThat(signal.isHardError()).isTrue();
                    assertThat(signal.isInitiatedByApplication()).isFalse();
                    AMQP.Connection.Close close = (AMQP.Connection.Close) signal.getReason();
                    assertThat(close.getReplyCode()).isEqualTo(320);
                    assertThat(close.getReplyText()).startsWith("CONNECTION_FORCED");
                    assertThat(Duration.ofNanos(afterNanos)).as("--term-client-close-timeout 4 was waited for")
                            .isGreaterThanOrEqualTo(Duration.ofMillis(3500));
                } finally {
                    c.abort();
                }

                assertThat(p.awaitExit(Duration.ofSeconds(10))).as(p.describe()).isZero();
                assertThat(p.awaitStderr(DRAINING, Duration.ZERO)).isNotNull();
            }
        }

        @Test
        void clientThatLeavesDuringTheGraceIsNotClosedAndTheProxyExitsWhenItIsGone() throws Exception {
            try (ProxyProcess p = ProxyProcess.start("-l", "127.0.0.1", "-p", "0", "-b", "0",
                    "--term-client-close-timeout", "60", LocalBroker.upstream())) {
                int amqp = p.amqpPort(START);
                int http = p.httpPort(START);
                Connection c = LocalBroker.viaProxy(amqp).newConnection();
                CompletableFuture<ShutdownSignalException> closed = new CompletableFuture<>();
                c.addShutdownListener(closed::complete);

                p.sigterm();
                Poll.until("/healthz 503", Duration.ofSeconds(5), () -> get(http, "/healthz").statusCode(), s -> s == 503);
                assertThat(p.isAlive()).isTrue();
                c.close(5000);

                assertThat(closed.get(5, TimeUnit.SECONDS).isInitiatedByApplication()).isTrue();
                assertThat(p.awaitExit(Duration.ofSeconds(10))).as(p.describe()).isZero();
            }
        }

        @Test
        void sigtermWithoutClientsExits0AtOnce() throws Exception {
            try (ProxyProcess p = ProxyProcess.start("-l", "127.0.0.1", "-p", "0", "-b", "0", LocalBroker.upstream())) {
                p.httpPort(START);

                p.sigterm();

                assertThat(p.awaitExit(Duration.ofSeconds(5))).as(p.describe()).isZero();
            }
        }

        @Test
        void secondSigtermExitsAtOnceWith1() throws Exception {
            try (ProxyProcess p = ProxyProcess.start("-l", "127.0.0.1", "-p", "0", "-b", "0",
                    "--term-client-close-timeout", "60", LocalBroker.upstream())) {
                int http = p.httpPort(START);
                Connection c = LocalBroker.viaProxy(p.amqpPort(START)).newConnection();
                try {
                    CompletableFuture<ShutdownSignalException> closed = new CompletableFuture<>();
                    c.addShutdownListener(closed::complete);

                    p.sigterm();
                    HttpResponse<String> r = Poll.until("/healthz 503", Duration.ofSeconds(5), () -> get(http, "/healthz"),
                            x -> x.statusCode() == 503);
                    assertThat(r.body()).startsWith("draining\n");
                    p.sigterm();

                    assertThat(p.awaitExit(Duration.ofSeconds(5))).as(p.describe()).isEqualTo(1);
                    assertThat(p.awaitStderr(Pattern.compile("^amqproxy: second SIGTERM"), Duration.ZERO)).isNotNull();
                    // the client lost its socket: no Connection.Close (320 or other) came first
                    assertThat(closed.get(10, TimeUnit.SECONDS).getReason()).as("reason of the client's shutdown")
                            .isNull();
                } finally {
                    c.abort();
                }
            }
        }
    }
}
