package io.amqproxy.examples.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.amqproxy.AmqProxy;
import io.amqproxy.ProxyHealth;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The standalone proxy's HTTP endpoints, on the JDK's own HTTP server:
 *
 * <ul>
 *   <li>{@code GET /healthz}: {@code 200 OK} while the proxy accepts clients and nothing is known to be wrong
 *       with the broker; {@code 503} with the body {@code draining} once a graceful stop has begun, or with the
 *       reason the broker could not be reached the last time the proxy tried (or, when the proxy has no
 *       connection to judge by, a short TCP probe of the broker, see {@link BrokerProbe});</li>
 *   <li>{@code GET /metrics}: {@link PrometheusText} of {@link AmqProxy#stats()}.</li>
 * </ul>
 *
 * <p>{@code HEAD} is answered like {@code GET} without a body, any other method with {@code 405}, any other path
 * with {@code 404}. Two daemon threads serve requests, so a slow scrape does not hold up a health check.
 */
public final class HttpEndpoints implements AutoCloseable {

    private static final String TEXT = "text/plain; charset=utf-8";

    private final HttpServer server;
    private final ExecutorService executor;
    private final AmqProxy proxy;
    private final String version;
    private final String hostname;
    private final BrokerProbe probe = new BrokerProbe();

    private HttpEndpoints(HttpServer server, ExecutorService executor, AmqProxy proxy, String version,
                          String hostname) {
        this.server = server;
        this.executor = executor;
        this.proxy = proxy;
        this.version = version;
        this.hostname = hostname;
    }

    /**
     * Binds and starts serving.
     *
     * @param host     the address to listen on, the proxy's own listen address
     * @param port     the port; 0 picks a free one, see {@link #port()}
     * @param version  reported by {@code amqproxy_identity_info}
     * @param hostname reported by {@code amqproxy_identity_info}
     * @throws IOException when the address cannot be bound, e.g. the port is in use
     */
    public static HttpEndpoints start(String host, int port, AmqProxy proxy, String version, String hostname)
            throws IOException {
        Objects.requireNonNull(proxy, "proxy");
        HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 16);
        AtomicInteger threads = new AtomicInteger();
        ExecutorService executor = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "amqproxy-http-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        HttpEndpoints endpoints = new HttpEndpoints(server, executor, proxy, version, hostname);
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
        if (!health.accepting()) {
            respond(exchange, 503, TEXT, "draining");
        } else if (health.upstreamError() != null) {
            respond(exchange, 503, TEXT, health.upstreamError());
        } else {
            String probeError = probe.check(proxy);
            if (probeError != null) {
                respond(exchange, 503, TEXT, probeError);
            } else {
                respond(exchange, 200, TEXT, "OK");
            }
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
