package io.amqproxy.examples.http;

import io.amqproxy.fixture.AckRecord;
import io.amqproxy.fixture.BindRecord;
import io.amqproxy.fixture.ChannelRecord;
import io.amqproxy.fixture.ConnectionRecord;
import io.amqproxy.fixture.DeclareRecord;
import io.amqproxy.fixture.DeliveryRecord;
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
 * a connection its {@code connection_id}, and the rest of the recording follows as {@code channels},
 * {@code deliveries}, {@code acks}, {@code declares} and {@code binds}, each record's components in snake case.
 * Stateless.
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
        // beyond the contract: the rest of the recording, so other languages can ask what Java tests can
        List<Object> channels = new ArrayList<>();
        traffic.channels().forEach(c -> channels.add(channel(c)));
        m.put("channels", channels);
        List<Object> deliveries = new ArrayList<>();
        traffic.deliveries().forEach(d -> deliveries.add(delivery(d)));
        m.put("deliveries", deliveries);
        List<Object> acks = new ArrayList<>();
        traffic.acks().forEach(a -> acks.add(ack(a)));
        m.put("acks", acks);
        List<Object> declares = new ArrayList<>();
        traffic.declares().forEach(d -> declares.add(declare(d)));
        m.put("declares", declares);
        List<Object> binds = new ArrayList<>();
        traffic.binds().forEach(b -> binds.add(bind(b)));
        m.put("binds", binds);
        return m;
    }

    static Map<String, Object> channel(ChannelRecord c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("connection_id", c.connectionId());
        m.put("connection_name", c.connectionName());
        m.put("channel", c.channel());
        m.put("opened_at", time(c.openedAt()));
        m.put("closed_at", time(c.closedAt()));
        m.put("close_code", c.closeCode());
        m.put("close_text", c.closeText());
        m.put("closed_by", c.closedBy());
        return m;
    }

    static Map<String, Object> delivery(DeliveryRecord d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("connection_id", d.connectionId());
        m.put("connection_name", d.connectionName());
        m.put("channel", d.channel());
        m.put("consumer_tag", d.consumerTag());
        m.put("delivery_tag", d.deliveryTag());
        m.put("redelivered", d.redelivered());
        m.put("exchange", d.exchange());
        m.put("routing_key", d.routingKey());
        m.put("properties", jsonable(d.properties().asMap()));
        m.put("body_base64", Base64.getEncoder().encodeToString(d.body()));
        m.put("body_size", d.bodySize());
        m.put("at", time(d.at()));
        return m;
    }

    static Map<String, Object> ack(AckRecord a) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("connection_id", a.connectionId());
        m.put("connection_name", a.connectionName());
        m.put("channel", a.channel());
        m.put("method", a.method());
        m.put("delivery_tag", a.deliveryTag());
        m.put("multiple", a.multiple());
        m.put("requeue", a.requeue());
        m.put("dropped", a.dropped());
        m.put("at", time(a.at()));
        return m;
    }

    static Map<String, Object> declare(DeclareRecord d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("connection_id", d.connectionId());
        m.put("connection_name", d.connectionName());
        m.put("channel", d.channel());
        m.put("method", d.method());
        m.put("name", d.name());
        m.put("type", d.type());
        m.put("passive", d.passive());
        m.put("durable", d.durable());
        m.put("exclusive", d.exclusive());
        m.put("auto_delete", d.autoDelete());
        m.put("arguments", jsonable(d.arguments()));
        m.put("at", time(d.at()));
        return m;
    }

    static Map<String, Object> bind(BindRecord b) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("connection_id", b.connectionId());
        m.put("connection_name", b.connectionName());
        m.put("channel", b.channel());
        m.put("method", b.method());
        m.put("destination", b.destination());
        m.put("source", b.source());
        m.put("routing_key", b.routingKey());
        m.put("arguments", jsonable(b.arguments()));
        m.put("at", time(b.at()));
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
