package io.amqproxy.examples;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ShutdownSignalException;
import io.amqproxy.AmqProxy;
import io.amqproxy.examples.http.HttpEndpoints;
import io.amqproxy.examples.json.JsonReader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The HTTP test API in front of an embedded proxy on the real broker, seen by the Java client: what the JSON contract
 * asks for reaches the AMQP client, and what the client sent comes back as JSON. The Python test
 * ({@link HttpTestApiContractTest}) covers the same contract from outside the JVM.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HttpTestApiTest {

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private AmqProxy proxy;
    private HttpEndpoints endpoints;

    @BeforeEach
    void start() throws IOException {
        proxy = AmqProxy.builder().upstream(LocalBroker.upstream()).listen("127.0.0.1", 0).recordTraffic(true).start();
        endpoints = HttpEndpoints.start("127.0.0.1", 0, proxy, "v", "h", true);
    }

    @AfterEach
    void stop() {
        endpoints.close();
        proxy.close();
    }

    private HttpResponse<String> send(String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + endpoints.port() + path))
                .timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> json(HttpResponse<String> r) throws Exception {
        return (Map<String, Object>) JsonReader.parse(r.body());
    }

    @Test
    void aCloseChannelRuleClosesTheJavaClientsChannelWithItsCodeAndText() throws Exception {
        HttpResponse<String> added = send("POST", "/faults", "{\"on\": \"queue.declare\", \"queue\": \"http-api-q\", "
                + "\"action\": \"close_channel\", \"code\": 406, \"text\": \"PRECONDITION_FAILED - from HTTP\"}");
        assertThat(added.statusCode()).as(added.body()).isEqualTo(201);

        try (Connection c = LocalBroker.viaProxy(proxy.port()).newConnection("java-client")) {
            Channel ch = c.createChannel();
            CompletableFuture<ShutdownSignalException> closed = new CompletableFuture<>();
            ch.addShutdownListener(closed::complete);
            try {
                ch.queueDeclare("http-api-q", false, true, true, null);
                throw new AssertionError("the declare went through");
            } catch (IOException expected) {
                // the channel error
            }
            AMQP.Channel.Close close = (AMQP.Channel.Close) closed.get(10, TimeUnit.SECONDS).getReason();
            assertThat(close.getReplyCode()).isEqualTo(406);
            assertThat(close.getReplyText()).isEqualTo("PRECONDITION_FAILED - from HTTP");
        }
        List<?> faults = (List<?>) json(send("GET", "/faults", null)).get("faults");
        assertThat(faults).hasSize(1);
        Map<?, ?> fault = (Map<?, ?>) faults.get(0);
        assertThat(fault.get("hits")).isEqualTo(1L);
        assertThat(fault.get("queue")).isEqualTo("http-api-q");
    }

    @Test
    void headersOfEveryKindComeBackAsJson() throws Exception {
        Map<String, Object> headers = new LinkedHashMap<>();
        headers.put("s", "text");
        headers.put("i", 42);
        headers.put("b", true);
        headers.put("bytes", new byte[] {1, 2, 3});
        headers.put("table", Map.of("k", "v"));
        headers.put("list", List.of(1, "two"));
        byte[] body = {0, (byte) 0xff, 'x'};
        try (Connection c = LocalBroker.viaProxy(proxy.port()).newConnection("java-client");
             Channel ch = c.createChannel()) {
            ch.confirmSelect();
            ch.basicPublish("", "no-such-queue-http-api", new AMQP.BasicProperties.Builder()
                    .contentType("application/octet-stream").headers(headers).priority(5).messageId("m-1")
                    .timestamp(new java.util.Date(1_700_000_000_000L)).appId("app").build(), body);
            ch.waitForConfirmsOrDie(10_000);
        }
        proxy.traffic().awaitPublishes(1, Duration.ofSeconds(10));

        Map<String, Object> traffic = json(send("GET", "/traffic", null));
        Map<?, ?> p = (Map<?, ?>) ((List<?>) traffic.get("published")).get(0);
        assertThat(p.get("connection_name")).isEqualTo("java-client");
        assertThat(p.get("routing_key")).isEqualTo("no-such-queue-http-api");
        assertThat(Base64.getDecoder().decode((String) p.get("body_base64"))).isEqualTo(body);
        assertThat(p.get("outcome")).isEqualTo("confirmed");
        Map<?, ?> props = (Map<?, ?>) p.get("properties");
        assertThat(List.<Object>copyOf(props.keySet())).containsExactly("content_type", "headers", "priority", "message_id", "timestamp",
                "app_id");
        assertThat(props.get("timestamp")).isEqualTo(1_700_000_000L);
        Map<?, ?> h = (Map<?, ?>) props.get("headers");
        assertThat(h.get("s")).isEqualTo("text");
        assertThat(h.get("i")).isEqualTo(42L);
        assertThat(h.get("b")).isEqualTo(true);
        assertThat(h.get("bytes")).isEqualTo(Base64.getEncoder().encodeToString(new byte[] {1, 2, 3}));
        assertThat(h.get("table")).isEqualTo(Map.of("k", "v"));
        assertThat(h.get("list")).isEqualTo(List.of(1L, "two"));
    }

    @Test
    void beyondTheContractDeliveriesAcksDeclaresAndChannelsToo() throws Exception {
        try (Connection c = LocalBroker.viaProxy(proxy.port()).newConnection("consumer");
             Channel ch = c.createChannel()) {
            String queue = ch.queueDeclare("", false, true, true, null).getQueue();
            ch.basicPublish("", queue, null, "hello".getBytes(StandardCharsets.UTF_8));
            com.rabbitmq.client.GetResponse got = Poll.until("the message", Duration.ofSeconds(10),
                    () -> ch.basicGet(queue, false), g -> g != null);
            ch.basicAck(got.getEnvelope().getDeliveryTag(), false);
            proxy.traffic().awaitAcks(1, Duration.ofSeconds(10));

            Map<String, Object> traffic = json(send("GET", "/traffic", null));
            Map<?, ?> delivery = (Map<?, ?>) ((List<?>) traffic.get("deliveries")).get(0);
            assertThat(delivery.get("routing_key")).isEqualTo(queue);
            assertThat(delivery.get("body_base64")).isEqualTo(Base64.getEncoder().encodeToString(
                    "hello".getBytes(StandardCharsets.UTF_8)));
            Map<?, ?> ack = (Map<?, ?>) ((List<?>) traffic.get("acks")).get(0);
            assertThat(ack.get("method")).isEqualTo("basic.ack");
            assertThat(ack.get("delivery_tag")).isEqualTo(got.getEnvelope().getDeliveryTag());
            Map<?, ?> declare = (Map<?, ?>) ((List<?>) traffic.get("declares")).get(0);
            assertThat(declare.get("method")).isEqualTo("queue.declare");
            assertThat(declare.get("exclusive")).isEqualTo(true);
            Map<?, ?> channel = (Map<?, ?>) ((List<?>) traffic.get("channels")).get(0);
            assertThat(channel.get("connection_name")).isEqualTo("consumer");
            assertThat(channel.get("closed_at")).isNull();
        }
    }

    @Test
    void wrongMethodsAndOversizedBodies() throws Exception {
        HttpResponse<String> put = send("PUT", "/faults", "{}");
        assertThat(put.statusCode()).isEqualTo(405);
        assertThat(put.headers().firstValue("Allow")).contains("GET, POST, DELETE");
        assertThat(send("POST", "/traffic", "{}").statusCode()).isEqualTo(405);
        assertThat(send("GET", "/faults/1", null).statusCode()).isEqualTo(405);

        String big = "{\"on\": \"basic.publish\", \"action\": \"drop\", \"text\": \"" + "x".repeat(70_000) + "\"}";
        HttpResponse<String> tooBig = send("POST", "/faults", big);
        assertThat(tooBig.statusCode()).isEqualTo(413);
        assertThat(json(tooBig)).containsKey("error");
        assertThat(proxy.faults().list()).isEmpty();
        assertThat(big.getBytes(StandardCharsets.UTF_8).length).isGreaterThan(64 * 1024);
    }
}
