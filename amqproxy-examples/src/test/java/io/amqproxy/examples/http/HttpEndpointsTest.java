package io.amqproxy.examples.http;

import io.amqproxy.AmqProxy;
import io.amqproxy.ProxyHealth;
import io.amqproxy.ProxyStats;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.lang.reflect.Proxy;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** /healthz and /metrics in front of a proxy whose health and stats the test sets. */
@Timeout(30)
class HttpEndpointsTest {

    private static final ProxyStats STATS = ProxyStats.builder()
            .clientConnections(1).upstreamConnections(2)
            .clientChannels(3).upstreamChannels(4)
            .bytesFromClients(5).bytesToClients(6)
            .bytesFromUpstream(7).bytesToUpstream(8)
            .framesFromClients(9).framesToClients(10)
            .framesFromUpstream(11).framesToUpstream(12)
            .messagesPublished(13).messagesDelivered(14)
            .refusedLogins(15).upstreamConnectFailures(16)
            .upstreamConnects(17).upstreamConnectNanos(18)
            .build();

    private final FakeProxy proxy = new FakeProxy();
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private HttpEndpoints endpoints;

    @BeforeEach
    void start() throws IOException {
        endpoints = HttpEndpoints.start("127.0.0.1", 0, proxy.asProxy(), "9.9.9", "test-host");
    }

    @AfterEach
    void stop() {
        endpoints.close();
    }

    private HttpResponse<String> send(String method, String path) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + endpoints.port() + path))
                .method(method, HttpRequest.BodyPublishers.noBody())
                .timeout(Duration.ofSeconds(10))
                .build();
        return client.send(request, HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void healthzIsOkWhileAcceptingAndTheBrokerIsReachable() throws Exception {
        HttpResponse<String> r = send("GET", "/healthz");

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("OK");
        assertThat(r.headers().firstValue("Content-Type")).contains("text/plain; charset=utf-8");
    }

    @Test
    void healthzSaysDrainingOnceTheProxyStopsAccepting() throws Exception {
        proxy.health = new ProxyHealth(false, "broker unreachable too");

        HttpResponse<String> r = send("GET", "/healthz");

        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.body()).isEqualTo("draining");
    }

    @Test
    void healthzGivesTheUpstreamError() throws Exception {
        proxy.health = new ProxyHealth(true, "broker amqp://10.0.0.1:5672 unreachable: Connection refused");

        HttpResponse<String> r = send("GET", "/healthz");

        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.body()).isEqualTo("broker amqp://10.0.0.1:5672 unreachable: Connection refused");
    }

    private static final ProxyHealth.Node N1_UP = new ProxyHealth.Node("default", "10.0.0.1:5672", true, 2, null);
    private static final ProxyHealth.Node N2_DOWN = new ProxyHealth.Node("default", "10.0.0.2:5672", false, 0,
            "broker amqp://10.0.0.2:5672 unreachable: Connection refused");
    private static final ProxyHealth.Node VHOST_DOWN = new ProxyHealth.Node("vhost:billing", "10.0.1.1:5672", false,
            0, "gone");

    @Test
    void healthzIsOkWhileEachSetHasANodeUpAndListsEveryNode() throws Exception {
        proxy.health = new ProxyHealth(true, "the last attempt, at 10.0.0.2, failed", List.of(N1_UP, N2_DOWN));

        HttpResponse<String> r = send("GET", "/healthz");

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("""
                OK
                set=default node=10.0.0.1:5672 up=true connections=2
                set=default node=10.0.0.2:5672 up=false connections=0 error="broker amqp://10.0.0.2:5672 \
                unreachable: Connection refused"
                """);
    }

    @Test
    void healthzIs503WhileASetHasNoNodeUp() throws Exception {
        proxy.health = new ProxyHealth(true, null, List.of(N1_UP, N2_DOWN, VHOST_DOWN));

        HttpResponse<String> r = send("GET", "/healthz");

        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.body()).startsWith("no node up in upstream set vhost:billing\n")
                .contains("\nset=vhost:billing node=10.0.1.1:5672 up=false connections=0 error=gone\n");
    }

    @Test
    void healthzWhileDrainingStillListsTheNodes() throws Exception {
        proxy.health = new ProxyHealth(false, null, List.of(N1_UP));

        HttpResponse<String> r = send("GET", "/healthz");

        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.body()).isEqualTo("draining\nset=default node=10.0.0.1:5672 up=true connections=2\n");
    }

    @Test
    void healthzAsJsonOnAskingForIt() throws Exception {
        proxy.health = new ProxyHealth(true, null, List.of(N1_UP, VHOST_DOWN));
        String expected = "{\"status\":\"unavailable\",\"summary\":\"no node up in upstream set vhost:billing\","
                + "\"sets\":{\"default\":true,\"vhost:billing\":false},\"nodes\":["
                + "{\"set\":\"default\",\"node\":\"10.0.0.1:5672\",\"up\":true,\"connections\":2,\"error\":null},"
                + "{\"set\":\"vhost:billing\",\"node\":\"10.0.1.1:5672\",\"up\":false,\"connections\":0,"
                + "\"error\":\"gone\"}]}";

        HttpResponse<String> query = send("GET", "/healthz?format=json");
        HttpResponse<String> accept = client.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + endpoints.port() + "/healthz"))
                .header("Accept", "application/json").timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());

        for (HttpResponse<String> r : List.of(query, accept)) {
            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(r.headers().firstValue("Content-Type")).contains("application/json");
            assertThat(r.body()).isEqualTo(expected);
        }
    }

    @Test
    void logfmtQuotesOnlyWhatNeedsIt() {
        assertThat(HealthReport.logfmt("10.0.0.1:5672")).isEqualTo("10.0.0.1:5672");
        assertThat(HealthReport.logfmt("vhost:a b")).isEqualTo("\"vhost:a b\"");
        assertThat(HealthReport.logfmt("x=\"y\"\\\n")).isEqualTo("\"x=\\\"y\\\"\\\\\\n\"");
        assertThat(HealthReport.logfmt("")).isEqualTo("\"\"");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/faults", "/faults/1", "/traffic"})
    void theTestApiIsNotThereUnlessTurnedOn(String path) throws Exception {
        assertThat(send("GET", path).statusCode()).isEqualTo(404);
        assertThat(send("DELETE", path).statusCode()).isEqualTo(404);
        assertThat(send("POST", path).statusCode()).isEqualTo(404);
    }

    @Test
    void metricsAreThePrometheusTextOfTheStats() throws Exception {
        HttpResponse<String> r = send("GET", "/metrics");

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).contains("text/plain; version=0.0.4; charset=utf-8");
        assertThat(r.body()).isEqualTo(PrometheusText.format(STATS, "9.9.9", "test-host"));
    }

    @Test
    void queryStringIsIgnored() throws Exception {
        assertThat(send("GET", "/metrics?name[]=x").statusCode()).isEqualTo(200);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/healthz", "/metrics"})
    void headAnswersWithoutABody(String path) throws Exception {
        HttpResponse<String> r = send("HEAD", path);

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"POST", "PUT", "DELETE", "OPTIONS"})
    void otherMethodsAreNotAllowed(String method) throws Exception {
        HttpResponse<String> r = send(method, "/metrics");

        assertThat(r.statusCode()).isEqualTo(405);
        assertThat(r.headers().firstValue("Allow")).contains("GET, HEAD");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/", "/metricsx", "/healthz/", "/health", "/metrics/extra"})
    void otherPathsAreNotFound(String path) throws Exception {
        assertThat(send("GET", path).statusCode()).isEqualTo(404);
        assertThat(send("POST", path).statusCode()).isEqualTo(404);
    }

    @Test
    void statsThatFailGiveA500NotAHangUp() throws Exception {
        proxy.failStats = true;

        HttpResponse<String> r = send("GET", "/metrics");

        assertThat(r.statusCode()).isEqualTo(500);
    }

    @Test
    void portInUseIsAnIOException() throws IOException {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress("127.0.0.1", 0));
            assertThatThrownBy(() -> HttpEndpoints.start("127.0.0.1", taken.getLocalPort(), proxy.asProxy(), "v", "h"))
                    .isInstanceOf(IOException.class);
        }
    }

    @Test
    void closeTwiceIsHarmless() {
        endpoints.close();
        endpoints.close();
    }

    /**
     * Answers only what the endpoints ask, health and stats; anything else fails the test. A dynamic proxy, so
     * that methods added to {@link AmqProxy} do not break this test.
     */
    private static final class FakeProxy {
        volatile ProxyHealth health = new ProxyHealth(true, null);
        volatile boolean failStats;

        AmqProxy asProxy() {
            return (AmqProxy) Proxy.newProxyInstance(AmqProxy.class.getClassLoader(), new Class<?>[]{AmqProxy.class},
                    (self, method, args) -> switch (method.getName()) {
                        case "health" -> health;
                        case "stats" -> {
                            if (failStats) {
                                throw new IllegalStateException("loop gone");
                            }
                            yield STATS;
                        }
                        case "toString" -> "FakeProxy";
                        default -> throw new UnsupportedOperationException(method.getName());
                    });
        }
    }
}
