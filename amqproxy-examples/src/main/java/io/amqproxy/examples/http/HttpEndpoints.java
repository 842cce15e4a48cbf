package io.amqproxy.examples.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.amqproxy.AmqProxy;
import io.amqproxy.ProxyHealth;
import io.amqproxy.examples.json.JsonWriter;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The standalone proxy's HTTP endpoints, on the JDK's own HTTP server:
 *
 * <ul>
 *   <li>{@code GET /healthz}: {@code 200} while the proxy accepts clients and each upstream set has a node up;
 *       {@code 503} once a graceful stop has begun ({@code draining}) or while a set has no node up. The body is a
 *       summary line, then one logfmt line per node (see {@link HealthReport}); JSON with {@code ?format=json} or
 *       {@code Accept: application/json}. Sets the proxy has not used yet are probed (see {@link BrokerProbe});</li>
 *   <li>{@code GET /metrics}: {@link PrometheusText} of {@link AmqProxy#stats()};</li>
 *   <li>with the test API on ({@code --test-api}), {@code /faults}, {@code /faults/{id}} and {@code /traffic} (see
 *       {@link TestApi}); with it off, those paths are 404 like any other unknown path.</li>
 * </ul>
 *
 * <p>{@code HEAD} is answered like {@code GET} without a body for /healthz and /metrics, any other method with
 * {@code 405}, any other path with {@code 404}. Two daemon threads serve requests, so a slow scrape does not hold up
 * a health check.
 */
public final class HttpEndpoints implements AutoCloseable {

    private static final String TEXT = "text/plain; charset=utf-8";

    private final HttpServer server;
    private final ExecutorService executor;
    private final AmqProxy proxy;
    private final String version;
    private final String hostname;
    private final BrokerProbe probe = new BrokerProbe();
    /** {@code null} while the test API is off. */
    private final TestApi testApi;

    private HttpEndpoints(HttpServer server, ExecutorService executor, AmqProxy proxy, String version,
                          String hostname, boolean testApi) {
        this.server = server;
        this.executor = executor;
        this.proxy = proxy;
        this.version = version;
        this.hostname = hostname;
        this.testApi = testApi ? new TestApi(proxy) : null;
    }

    /**
     * Binds and starts serving /healthz and /metrics, without the test API.
     *
     * @see #start(String, int, AmqProxy, String, String, boolean)
     */
    public static HttpEndpoints start(String host, int port, AmqProxy proxy, String version, String hostname)
            throws IOException {
        return start(host, port, proxy, version, hostname, false);
    }

    /**
     * Binds and starts serving.
     *
     * @param host     the address to listen on, the proxy's own listen address
     * @param port     the port; 0 picks a free one, see {@link #port()}
     * @param version  reported by {@code amqproxy_identity_info}
     * @param hostname reported by {@code amqproxy_identity_info}
     * @param testApi  whether to serve the test API; the proxy should record traffic then
     * @throws IOException when the address cannot be bound, e.g. the port is in use
     */
    public static HttpEndpoints start(String host, int port, AmqProxy proxy, String version, String hostname,
                                      boolean testApi) throws IOException {
        Objects.requireNonNull(proxy, "proxy");
        HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 16);
        AtomicInteger threads = new AtomicInteger();
        ExecutorService executor = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "amqproxy-http-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        HttpEndpoints endpoints = new HttpEndpoints(server, executor, proxy, version, hostname, testApi);
        // One context for every path: the JDK matches contexts by prefix, so "/metrics" would also take "/metricsx".
        server.createContext("/", endpoints::handle);
        server.setExecutor(executor);
        server.start();
        return endpoints;
    }

    /** The address and port actually bound. */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    /** The port actually bound; the free one picked when started with port 0. */
    public int port() {
        return server.getAddress().getPort();
    }

    /** Stops serving at once; requests in progress are cut off. Calling it again does nothing. */
    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            if (testApi != null && TestApi.owns(path)) {
                testApi(exchange, path);
                return;
            }
            boolean known = "/healthz".equals(path) || "/metrics".equals(path);
            if (!known) {
                respond(exchange, 404, TEXT, "not found\n");
                return;
            }
            String method = exchange.getRequestMethod();
            if (!"GET".equals(method) && !"HEAD".equals(method)) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                respond(exchange, 405, TEXT, "method not allowed\n");
                return;
            }
            try {
                if ("/healthz".equals(path)) {
                    healthz(exchange);
                } else {
                    respond(exchange, 200, PrometheusText.CONTENT_TYPE,
                            PrometheusText.format(proxy.stats(), version, hostname));
                }
            } catch (RuntimeException e) {
                respond(exchange, 500, TEXT, "internal error: " + e + "\n");
            }
        }
    }

    private void healthz(HttpExchange exchange) throws IOException {
        ProxyHealth health = proxy.health();
        Set<String> known = new HashSet<>();
        health.nodes().forEach(n -> known.add(n.upstreamSet()));
        List<ProxyHealth.Node> probed = health.accepting() ? probe.probeUnknownSets(proxy, known) : List.of();
        HealthReport report = HealthReport.of(health, probed);
        if (wantsJson(exchange)) {
            respond(exchange, report.status(), TestApi.JSON, JsonWriter.write(report.json()));
        } else {
            respond(exchange, report.status(), TEXT, report.text());
        }
    }

    /** {@code ?format=json}, or an Accept header that names application/json. */
    private static boolean wantsJson(HttpExchange exchange) {
        String query = exchange.getRequestURI().getRawQuery();
        if (query != null && Arrays.asList(query.split("&")).contains("format=json")) {
            return true;
        }
        String accept = exchange.getRequestHeaders().getFirst("Accept");
        return accept != null && accept.contains("application/json");
    }

    private void testApi(HttpExchange exchange, String path) throws IOException {
        String body = "";
        if ("POST".equals(exchange.getRequestMethod())) {
            byte[] bytes = exchange.getRequestBody().readNBytes(TestApi.MAX_BODY_BYTES + 1);
            if (bytes.length > TestApi.MAX_BODY_BYTES) {
                respond(exchange, 413, TestApi.JSON, JsonWriter.write(java.util.Map.of("error",
                        "the body is larger than " + TestApi.MAX_BODY_BYTES + " bytes")));
                return;
            }
            body = new String(bytes, StandardCharsets.UTF_8);
        }
        TestApi.Response r;
        try {
            r = testApi.handle(exchange.getRequestMethod(), path, body);
        } catch (RuntimeException e) {
            r = TestApi.Response.error(500, "internal error: " + e);
        }
        if (r.allow() != null) {
            exchange.getResponseHeaders().set("Allow", r.allow());
        }
        if (r.body() == null) {
            exchange.getResponseHeaders().set("Cache-Control", "no-store");
            exchange.sendResponseHeaders(r.status(), -1);
        } else {
            respond(exchange, r.status(), TestApi.JSON, r.body());
        }
    }

    private static void respond(HttpExchange exchange, int status, String contentType, String body)
            throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        if ("HEAD".equals(exchange.getRequestMethod())) {
            exchange.sendResponseHeaders(status, -1);
            return;
        }
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
