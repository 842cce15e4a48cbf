package io.amqproxy.examples.http;

import io.amqproxy.fixture.Fault;
import io.amqproxy.fixture.FaultAction;
import io.amqproxy.fixture.FaultRule;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A fault rule of the HTTP test API as JSON, both ways: the request body of {@code POST /faults} becomes a
 * {@link FaultRule}, and a {@link Fault} in force becomes an entry of {@code GET /faults}. The field names are the
 * contract other languages code against (issue 11):
 *
 * <pre>
 * {"on": "basic.publish", "exchange": "orders", "routing_key": "new", "queue": null, "vhost": "/", "user": "app",
 *  "connection_name": "billing", "nth": 3, "times": 1, "action": "close_channel", "code": 406, "text": "..."}
 * </pre>
 *
 * {@code "action"} is one of {@code close_channel} and {@code close_connection} (with {@code "code"} and optional
 * {@code "text"}), {@code reset}, {@code delay} (with {@code "ms"}), {@code drop}, {@code nack}, {@code return}, and
 * {@code refuse} (optional {@code "code"} and {@code "text"}: without a code the socket is closed before
 * Connection.Start). Strict: an unknown field, a field of the wrong type or a field the action does not take is an
 * error that names it. Stateless.
 */
final class FaultRuleJson {

    /** Text of a close when the rule gives none. */
    static final String DEFAULT_TEXT = "injected by the amqproxy test API";

    private static final List<String> FILTERS = List.of("exchange", "routing_key", "queue", "vhost", "user",
            "connection_name");
    private static final Set<String> COMMON = Set.of("on", "exchange", "routing_key", "queue", "vhost", "user",
            "connection_name", "nth", "times", "action");
    private static final Map<String, Set<String>> ACTION_FIELDS = Map.of(
            "close_channel", Set.of("code", "text"),
            "close_connection", Set.of("code", "text"),
            "reset", Set.of(),
            "delay", Set.of("ms"),
            "drop", Set.of(),
            "nack", Set.of(),
            "return", Set.of(),
            "refuse", Set.of("code", "text"));

    private FaultRuleJson() {
    }

    /** A request that does not make a rule; the message names the field. */
    static final class BadRule extends Exception {
        private static final long serialVersionUID = 1L;

        BadRule(String field, String message) {
            super("field '" + field + "': " + message);
        }

        BadRule(String message) {
            super(message);
        }
    }

    /**
     * The rule a parsed request body describes.
     *
     * @param json what {@link io.amqproxy.examples.json.JsonReader} made of the body
     * @throws BadRule naming the field that is missing, unknown or wrong
     */
    static FaultRule rule(Object json) throws BadRule {
        if (!(json instanceof Map<?, ?> map)) {
            throw new BadRule("expected a JSON object, e.g. {\"on\": \"basic.publish\", \"action\": \"nack\"}");
        }
        String action = string(map, "action", true);
        Set<String> actionFields = ACTION_FIELDS.get(action);
        if (actionFields == null) {
            throw new BadRule("action", "expected one of close_channel, close_connection, reset, delay, drop, nack, "
                    + "return, refuse; was '" + action + "'");
        }
        for (Object key : map.keySet()) {
            if (!COMMON.contains(key) && !actionFields.contains(key)) {
                boolean ofAnotherAction = ACTION_FIELDS.values().stream().anyMatch(s -> s.contains(key));
                throw new BadRule((String) key, ofAnotherAction
                        ? "not taken by action " + action
                        : "unknown field; known: on, " + String.join(", ", FILTERS) + ", nth, times, action, code, "
                        + "text, ms");
            }
        }
        String on = string(map, "on", true);
        if (!on.matches("[a-z]+\\.[a-z]+(-[a-z]+)*")) {
            throw new BadRule("on", "expected a method as class.method in lower case, e.g. basic.publish; was '"
                    + on + "'");
        }
        FaultRule.Builder b = FaultRule.on(on)
                .exchange(string(map, "exchange", false))
                .routingKey(string(map, "routing_key", false))
                .queue(string(map, "queue", false))
                .vhost(string(map, "vhost", false))
                .user(string(map, "user", false))
                .connectionName(string(map, "connection_name", false));
        Long nth = integer(map, "nth");
        if (nth != null) {
            if (nth < 1 || nth > Integer.MAX_VALUE) {
                throw new BadRule("nth", "expected 1 or more (1-based), was " + nth);
            }
            b.nth(nth.intValue());
        }
        Long times = integer(map, "times");
        if (times != null) {
            if ((times < 1 && times != -1) || times > Integer.MAX_VALUE) {
                throw new BadRule("times", "expected 1 or more, or -1 for every match; was " + times);
            }
            b.times(times.intValue());
        }
        return b.then(action(action, map));
    }

    private static FaultAction action(String action, Map<?, ?> map) throws BadRule {
        return switch (action) {
            case "close_channel" -> new FaultAction.CloseChannel(code(map, true), text(map));
            case "close_connection" -> new FaultAction.CloseConnection(code(map, true), text(map));
            case "reset" -> new FaultAction.Reset();
            case "delay" -> {
                Long ms = integer(map, "ms");
                if (ms == null) {
                    throw new BadRule("ms", "required by action delay: how long to hold the frame, in milliseconds");
                }
                if (ms < 0) {
                    throw new BadRule("ms", "expected 0 or more, was " + ms);
                }
                yield new FaultAction.Delay(Duration.ofMillis(ms));
            }
            case "drop" -> new FaultAction.Drop();
            case "nack" -> new FaultAction.Nack();
            case "return" -> new FaultAction.Return();
            case "refuse" -> {
                int code = code(map, false);
                yield new FaultAction.Refuse(code, code == 0 ? "" : text(map));
            }
            default -> throw new IllegalStateException(action); // ACTION_FIELDS was checked
        };
    }

    /** An AMQP reply code, 200 to 599; 0 when optional and absent. */
    private static int code(Map<?, ?> map, boolean required) throws BadRule {
        Long code = integer(map, "code");
        if (code == null) {
            if (required) {
                throw new BadRule("code", "required: the AMQP reply code, e.g. 320 or 406");
            }
            return 0;
        }
        if (code < 200 || code > 599) {
            throw new BadRule("code", "expected an AMQP reply code from 200 to 599, was " + code);
        }
        return code.intValue();
    }

    private static String text(Map<?, ?> map) throws BadRule {
        String text = string(map, "text", false);
        if (text != null && text.length() > 255) {
            throw new BadRule("text", "at most 255 characters (an AMQP short string)");
        }
        return text == null ? DEFAULT_TEXT : text;
    }

    private static String string(Map<?, ?> map, String field, boolean required) throws BadRule {
        Object v = map.get(field);
        if (v == null) {
            if (required) {
                throw new BadRule(field, "required");
            }
            return null;
        }
        if (!(v instanceof String s)) {
            throw new BadRule(field, "expected a string");
        }
        return s;
    }

    private static Long integer(Map<?, ?> map, String field) throws BadRule {
        Object v = map.get(field);
        if (v == null) {
            return null;
        }
        if (!(v instanceof Long l)) {
            throw new BadRule(field, "expected an integer");
        }
        return l;
    }

    /** A rule in force as {@code GET /faults} lists it: its id, the fields it was made of, and its hits. */
    static Map<String, Object> json(Fault fault) {
        FaultRule r = fault.rule();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", fault.id());
        m.put("on", r.method());
        putIfSet(m, "exchange", r.exchange());
        putIfSet(m, "routing_key", r.routingKey());
        putIfSet(m, "queue", r.queue());
        putIfSet(m, "vhost", r.vhost());
        putIfSet(m, "user", r.user());
        putIfSet(m, "connection_name", r.connectionName());
        m.put("nth", r.nth());
        m.put("times", r.times());
        FaultAction a = r.action();
        if (a instanceof FaultAction.CloseChannel c) {
            m.put("action", "close_channel");
            m.put("code", c.code());
            m.put("text", c.text());
        } else if (a instanceof FaultAction.CloseConnection c) {
            m.put("action", "close_connection");
            m.put("code", c.code());
            m.put("text", c.text());
        } else if (a instanceof FaultAction.Reset) {
            m.put("action", "reset");
        } else if (a instanceof FaultAction.Delay d) {
            m.put("action", "delay");
            m.put("ms", d.delay().toMillis());
        } else if (a instanceof FaultAction.Drop) {
            m.put("action", "drop");
        } else if (a instanceof FaultAction.Nack) {
            m.put("action", "nack");
        } else if (a instanceof FaultAction.Return) {
            m.put("action", "return");
        } else if (a instanceof FaultAction.Refuse f) {
            m.put("action", "refuse");
            if (f.code() != 0) {
                m.put("code", f.code());
                m.put("text", f.text());
            }
        }
        m.put("hits", fault.hits());
        return m;
    }

    private static void putIfSet(Map<String, Object> m, String key, String value) {
        if (value != null) {
            m.put(key, value);
        }
    }
}
