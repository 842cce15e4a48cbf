package io.amqproxy.examples.http;

import io.amqproxy.fixture.ConnectionRecord;
import io.amqproxy.fixture.PublishRecord;
import io.amqproxy.fixture.Traffic;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The recorded traffic as the HTTP test API's {@code GET /traffic} answers it (issue 11's contract):
 *
 * <pre>
 * {"published": [{"connection_name": ..., "user": ..., "vhost": ..., "channel": 1, "exchange": "", "routing_key": ...,
 *                 "mandatory": false, "properties": {"content_type": ..., "headers": {...}, "delivery_mode": 2, ...},
 *                 "body_base64": "...", "outcome": "confirmed", ...}],
 *  "connections": [{"connection_name": ..., "user": ..., "vhost": ..., "remote_port": ..., "opened_at": ..., ...}],
 *  "dropped": 0}
 * </pre>
 *
 * Properties are those the message carried, by their AMQP names in snake case; header values keep their JSON
 * kind (strings, numbers, booleans, tables as objects, arrays), and a byte array becomes base64 text. Outcomes are
 * {@code unconfirmed}, {@code confirmed}, {@code nacked}, {@code returned} and {@code channel_error}. Times are
 * ISO-8601 UTC. Besides the contract's fields, a publish has {@code connection_id}, {@code body_size} and {@code at},
 * a connection its {@code connection_id}. Stateless.
 */
final class TrafficJson {

    private TrafficJson() {
    }

    /** The whole recording, a snapshot. */
    static Map<String, Object> json(Traffic traffic) {
        List<Object> published = new ArrayList<>();
        for (PublishRecord p : traffic.publishes()) {
            published.add(publish(p));
        }
        List<Object> connections = new ArrayList<>();
        for (ConnectionRecord c : traffic.connections()) {
            connections.add(connection(c));
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("published", published);
        m.put("connections", connections);
        m.put("dropped", traffic.dropped());
        return m;
    }

    static Map<String, Object> publish(PublishRecord p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("connection_id", p.connectionId());
        m.put("connection_name", p.connectionName());
        m.put("user", p.user());
        m.put("vhost", p.vhost());
        m.put("channel", p.channel());
        m.put("exchange", p.exchange());
        m.put("routing_key", p.routingKey());
        m.put("mandatory", p.mandatory());
        m.put("properties", jsonable(p.properties().asMap()));
        m.put("body_base64", Base64.getEncoder().encodeToString(p.body()));
        m.put("body_size", p.bodySize());
        m.put("outcome", p.outcome().name().toLowerCase(Locale.ROOT));
        m.put("at", time(p.at()));
        return m;
    }

    static Map<String, Object> connection(ConnectionRecord c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("connection_id", c.connectionId());
        m.put("connection_name", c.connectionName());
        m.put("user", c.user());
        m.put("vhost", c.vhost());
        m.put("remote_port", c.remotePort());
        m.put("opened_at", time(c.openedAt()));
        m.put("closed_at", time(c.closedAt()));
        m.put("close_code", c.closeCode());
        m.put("close_text", c.closeText());
        return m;
    }

    /** Field-table values as JSON can carry them: byte arrays as base64, tables and arrays walked. */
    private static Object jsonable(Object value) {
        if (value instanceof byte[] bytes) {
            return Base64.getEncoder().encodeToString(bytes);
        }
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> m = new LinkedHashMap<>();
            map.forEach((k, v) -> m.put(String.valueOf(k), jsonable(v)));
            return m;
        }
        if (value instanceof List<?> list) {
            List<Object> l = new ArrayList<>(list.size());
            list.forEach(v -> l.add(jsonable(v)));
            return l;
        }
        if (value instanceof Double d && !Double.isFinite(d) || value instanceof Float f && !Float.isFinite(f)) {
            return String.valueOf(value); // JSON has no NaN or infinity
        }
        return value;
    }

    private static String time(Instant at) {
        return at == null ? null : at.toString();
    }
}
