package io.amqproxy.examples;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.GetResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Several upstream nodes and per-vhost upstreams on the standalone proxy's command line, as a process: one node is a
 * port nothing listens on (127.0.0.1), the other the real broker, and clients must get through. Loopback only; every
 * process is killed when its test ends.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class UpstreamSetsProcessTest {

    private static final Duration START = Duration.ofSeconds(20);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    static HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10))
                .build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** Each sample line of a Prometheus exposition, its labels kept: {@code name{label="v"}} to its value. */
    static Map<String, Double> samples(String exposition) {
        Map<String, Double> samples = new java.util.HashMap<>();
        for (String line : exposition.split("\n")) {
            if (!line.startsWith("#") && !line.isBlank()) {
                int space = line.lastIndexOf(' ');
                samples.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
            }
        }
        return samples;
    }

    /** Publishes one message to a server-named queue through the proxy and reads it back. */
    private static void publishAndGet(Connection c) throws IOException, InterruptedException, TimeoutException {
        try (Channel ch = c.createChannel()) {
            String queue = ch.queueDeclare().getQueue(); // server-named, exclusive, auto-delete
            ch.confirmSelect();
            ch.basicPublish("", queue, null, "through".getBytes(StandardCharsets.UTF_8));
            ch.waitForConfirmsOrDie(10_000);
            GetResponse r = Poll.until("the message back", Duration.ofSeconds(10), () -> ch.basicGet(queue, true),
                    g -> g != null);
            assertThat(new String(r.getBody(), StandardCharsets.UTF_8)).isEqualTo("through");
        }
    }

    @Test
    void aDeadNodeAndALiveOneOnTheCommandLineAndClientsGetThrough() throws Exception {
        int deadPort = StandaloneProxyProcessTest.freePort();
        String dead = "amqp://127.0.0.1:" + deadPort;
        try (ProxyProcess p = ProxyProcess.start("-l", "127.0.0.1", "-p", "0", "-b", "0",
                "--upstream-connection-name", "amqproxy process test", dead, LocalBroker.upstream())) {
            int amqp = p.amqpPort(START);
            int http = p.httpPort(START);

            // Several clients in turn: whichever node the proxy tries first, each gets through to the live one.
            for (int i = 0; i < 3; i++) {
                try (Connection c = LocalBroker.viaProxy(amqp).newConnection()) {
                    publishAndGet(c);
                }
            }

            Map<String, Double> metrics = samples(get(http, "/metrics").body());
            assertThat(metrics).containsKey("amqproxy_upstream_failovers_total");
            assertThat(metrics.get("amqproxy_upstream_node_connect_failures_total{node=\"127.0.0.1:" + deadPort + "\"}"))
                    .as("the dead node was tried and counted").isGreaterThanOrEqualTo(1.0);
            HttpResponse<String> health = get(http, "/healthz");
            assertThat(health.statusCode()).as(health.body()).isEqualTo(200);
            assertThat(health.body()).contains("set=default node=127.0.0.1:" + deadPort + " up=false")
                    .containsPattern("set=default node=127\\.0\\.0\\.1:\\d+ up=true");
        }
    }

    @Test
    void theBrokerListsTheUpstreamConnectionUnderTheGivenName() throws Exception {
        // seen at the broker itself, read-only; skipped where rabbitmqctl cannot talk to the broker the tests use
        assumeTrue(LocalBroker.upstream().equals("amqp://127.0.0.1:5672"), "the broker is not the local one");
        String name = "amqproxy process test " + System.nanoTime();
        Command probe;
        try {
            probe = Command.run(Duration.ofSeconds(30), Map.of(), "rabbitmqctl", "-q", "list_connections", "name");
        } catch (IOException e) {
            probe = null;
        }
        assumeTrue(probe != null && probe.status() == 0, "rabbitmqctl cannot list the broker's connections");

        try (ProxyProcess p = ProxyProcess.start("-l", "127.0.0.1", "-p", "0", "-b", "off",
                "--upstream-connection-name", name, LocalBroker.upstream())) {
            int amqp = p.amqpPort(START);
            try (Connection c = LocalBroker.viaProxy(amqp).newConnection()) {
                c.createChannel();
                Command listed = Poll.until("the connection at the broker", Duration.ofSeconds(20),
                        () -> Command.run(Duration.ofSeconds(30), Map.of(), "rabbitmqctl", "-q", "list_connections",
                                "client_properties").ok(),
                        r -> r.output().contains("{\"connection_name\",\"" + name + "\"}"));
                assertThat(listed.output()).contains(name);
            }
        }
    }

    @Test
    void aVhostRoutedToADeadUpstreamOfItsOwnIsNotServedByTheDefaultOne() throws Exception {
        int deadPort = StandaloneProxyProcessTest.freePort();
        // The default set is the live broker; vhost "/" (the client's) has a dead node of its own. Were the route
        // ignored, the client would get through. (The login itself is checked on the default set, before the
        // client names its vhost: see the impl's ClientHandshake.)
        try (ProxyProcess p = ProxyProcess.start(Map.of("VHOST_UPSTREAMS", "/=amqp://127.0.0.1:" + deadPort),
                "-l", "127.0.0.1", "-p", "0", "-b", "0", LocalBroker.upstream())) {
            int amqp = p.amqpPort(START);
            int http = p.httpPort(START);

            try (Connection c = LocalBroker.viaProxy(amqp).newConnection()) {
                throw new AssertionError("vhost / was served although its only node is down: " + c);
            } catch (IOException | TimeoutException expected) {
                // refused, as it should be
            }

            HttpResponse<String> health = get(http, "/healthz");
            assertThat(health.statusCode()).as("the set of vhost / has no node up: " + health.body()).isEqualTo(503);
            assertThat(health.body()).startsWith("no node up in upstream set vhost:/")
                    .contains("set=vhost:/ node=127.0.0.1:" + deadPort + " up=false")
                    .containsPattern("set=default node=127\\.0\\.0\\.1:\\d+ up=true");
        }
    }
}
