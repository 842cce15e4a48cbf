package io.amqproxy.examples;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** What every package must do: print its version, and run a proxy that a real client publishes through. */
final class PackagedProxy {

    static final Duration START = Duration.ofSeconds(30);

    private PackagedProxy() {
    }

    /** The directory the dist profile built the packages into. */
    static Path dist() {
        String dir = System.getProperty("amqproxy.dist");
        assertThat(dir).as("system property amqproxy.dist (set by the dist profile)").isNotBlank();
        return Path.of(dir);
    }

    /** The project version the packages were built for. */
    static String version() {
        return System.getProperty("amqproxy.version");
    }

    /** {@code LAUNCHER --version} prints the project's version and exits 0. */
    static void printsItsVersion(Path launcher) throws Exception {
        assertThat(Files.isExecutable(launcher)).as(launcher + " is executable").isTrue();
        Command version = Command.run(launcher.toString(), "--version").ok();
        assertThat(version.output()).isEqualTo("amqproxy " + version() + "\n");
    }

    /**
     * Starts the proxy with the launcher in front of the test broker, checks /healthz, publishes with confirms
     * through it and fetches the message back, then stops it with SIGTERM, which must exit 0.
     */
    static void servesAPublish(Path launcher, Map<String, String> env) throws Exception {
        List<String> command = new ArrayList<>(List.of(launcher.toString(), "-l", "127.0.0.1", "-p", "0", "-b", "0",
                LocalBroker.upstream()));
        try (ProxyProcess proxy = ProxyProcess.exec(env, command)) {
            int amqp = proxy.amqpPort(START);
            int http = proxy.httpPort(START);

            HttpResponse<String> health = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http + "/healthz"))
                            .timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).as(proxy.describe()).isEqualTo(200);

            ConnectionFactory factory = LocalBroker.viaProxy(amqp);
            try (Connection c = factory.newConnection(); Channel ch = c.createChannel()) {
                String queue = ch.queueDeclare().getQueue();
                ch.confirmSelect();
                ch.basicPublish("", queue, null, "through the package".getBytes(StandardCharsets.UTF_8));
                ch.waitForConfirmsOrDie(10_000);
                GetResponse got = Poll.until("the message published through the package", Duration.ofSeconds(10),
                        () -> ch.basicGet(queue, true), g -> g != null);
                assertThat(new String(got.getBody(), StandardCharsets.UTF_8)).isEqualTo("through the package");
            }

            proxy.sigterm();
            assertThat(proxy.awaitExit(Duration.ofSeconds(20))).as(proxy.describe()).isZero();
        }
    }
}
