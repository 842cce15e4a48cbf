package io.amqproxy.examples.http;

import io.amqproxy.AmqProxy;
import io.amqproxy.examples.json.JsonException;
import io.amqproxy.examples.json.JsonReader;
import io.amqproxy.examples.json.JsonWriter;
import io.amqproxy.fixture.Fault;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The HTTP test API of the standalone proxy ({@code --test-api}): fault rules and the traffic recording of
 * {@link AmqProxy#faults()} and {@link AmqProxy#traffic()} as JSON, for tests written in any language. The contract
 * (issue 11, item 6):
 *
 * <ul>
 *   <li>{@code POST /faults} with a rule (see {@link FaultRuleJson}) answers {@code 201 {"id": "..."}}, or
 *       {@code 400 {"error": "..."}} naming the field that is wrong;</li>
 *   <li>{@code GET /faults} answers {@code 200 {"faults": [{"id": ..., the rule's fields, "hits": N}]}};</li>
 *   <li>{@code DELETE /faults} and {@code DELETE /faults/{id}} answer 204 (an unknown id 404);</li>
 *   <li>{@code GET /traffic} answers {@code 200} with {@link TrafficJson}; {@code DELETE /traffic} clears it, 204.</li>
 * </ul>
 *
 * Errors are JSON too: {@code {"error": "..."}}. Thread-safe: it holds no state of its own, and the proxy's faults and
 * traffic are thread-safe.
 */
final class TestApi {

    /** The largest request body read; a rule is a few hundred bytes. */
    static final int MAX_BODY_BYTES = 64 * 1024;

    static final String JSON = "application/json";

    /** What to answer. {@code allow} is set for a 405; {@code body} is {@code null} for a 204. */
    record Response(int status, String body, String allow) {
        static Response json(int status, Object value) {
            return new Response(status, JsonWriter.write(value), null);
        }

        static Response error(int status, String message) {
            return json(status, Map.of("error", message));
        }
    }

    private final AmqProxy proxy;

    TestApi(AmqProxy proxy) {
        this.proxy = proxy;
    }

    /** Whether a path is the test API's. */
    static boolean owns(String path) {
        return path.equals("/faults") || path.equals("/traffic") || (path.startsWith("/faults/") && path.length() > 8);
    }

    /**
     * Answers one request.
     *
     * @param body the request body as UTF-8 text; read only for {@code POST /faults}
     */
    Response handle(String method, String path, String body) {
        if (path.equals("/faults")) {
            return switch (method) {
                case "GET" -> listFaults();
                case "POST" -> addFault(body);
                case "DELETE" -> {
                    proxy.faults().clear();
                    yield new Response(204, null, null);
                }
                default -> notAllowed("GET, POST, DELETE");
            };
        }
        if (path.equals("/traffic")) {
            return switch (method) {
                case "GET" -> Response.json(200, TrafficJson.json(proxy.traffic()));
                case "DELETE" -> {
                    proxy.traffic().clear();
                    yield new Response(204, null, null);
                }
                default -> notAllowed("GET, DELETE");
            };
        }
        String id = path.substring("/faults/".length());
        if (!method.equals("DELETE")) {
            return notAllowed("DELETE");
        }
        return proxy.faults().remove(id)
                ? new Response(204, null, null)
                : Response.error(404, "no fault rule with id '" + id + "'");
    }

    private Response listFaults() {
        List<Object> faults = new ArrayList<>();
        for (Fault f : proxy.faults().list()) {
            faults.add(FaultRuleJson.json(f));
        }
        return Response.json(200, Map.of("faults", faults));
    }

    private Response addFault(String body) {
        Object json;
        try {
            json = JsonReader.parse(body);
        } catch (JsonException e) {
            return Response.error(400, "the body is not JSON: " + e.getMessage());
        }
        try {
            Fault fault = proxy.faults().add(FaultRuleJson.rule(json));
            return Response.json(201, Map.of("id", fault.id()));
        } catch (FaultRuleJson.BadRule e) {
            return Response.error(400, e.getMessage());
        } catch (IllegalArgumentException e) {
            // the proxy's own check: an unknown method, or an action its method cannot take
            String m = String.valueOf(e.getMessage());
            String field = m.startsWith("no AMQP") || m.startsWith("of the connection methods") ? "on" : "action";
            return Response.error(400, "field '" + field + "': " + m);
        }
    }

    private static Response notAllowed(String allow) {
        return new Response(405, JsonWriter.write(Map.of("error", "method not allowed; allowed: " + allow)), allow);
    }
}
