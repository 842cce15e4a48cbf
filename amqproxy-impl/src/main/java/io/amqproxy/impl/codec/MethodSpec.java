package io.amqproxy.impl.codec;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * What the proxy knows of one AMQP 0-9-1 method, from the spec: its id, its name ({@code "basic.publish"}),
 * its argument layout, where each named argument stands, whether content frames follow it, and whether a
 * client may send it on an open channel through the proxy. Immutable; the table is built once.
 *
 * <p>Layout letters: {@code b} bit (consecutive bits share an octet), {@code o} octet, {@code s} short,
 * {@code l} long, {@code L} long long (also a timestamp), {@code S} short string, {@code X} long string,
 * {@code T} field table.
 */
public final class MethodSpec {

    private static final MethodSpec[][] BY_CLASS = new MethodSpec[91][];
    private static final Map<String, MethodSpec> BY_NAME = new HashMap<>();

    /** Sent by a client on an open channel and handled there (forwarded, or answered by the proxy). */
    private static final boolean ON_CHANNEL = true;
    private static final boolean ELSEWHERE = false;

    static {
        // connection: spoken on channel 0 by the handshake classes, never forwarded
        add(10, 10, "connection.start", ELSEWHERE, "version-major:o version-minor:o server-properties:T mechanisms:X locales:X");
        add(10, 11, "connection.start-ok", ELSEWHERE, "client-properties:T mechanism:S response:X locale:S");
        add(10, 20, "connection.secure", ELSEWHERE, "challenge:X");
        add(10, 21, "connection.secure-ok", ELSEWHERE, "response:X");
        add(10, 30, "connection.tune", ELSEWHERE, "channel-max:s frame-max:l heartbeat:s");
        add(10, 31, "connection.tune-ok", ELSEWHERE, "channel-max:s frame-max:l heartbeat:s");
        add(10, 40, "connection.open", ELSEWHERE, "virtual-host:S capabilities:S insist:b");
        add(10, 41, "connection.open-ok", ELSEWHERE, "known-hosts:S");
        add(10, 50, "connection.close", ELSEWHERE, "reply-code:s reply-text:S class-id:s method-id:s");
        add(10, 51, "connection.close-ok", ELSEWHERE, "");
        add(10, 60, "connection.blocked", ELSEWHERE, "reason:S");
        add(10, 61, "connection.unblocked", ELSEWHERE, "");
        add(10, 70, "connection.update-secret", ELSEWHERE, "new-secret:X reason:S");
        add(10, 71, "connection.update-secret-ok", ELSEWHERE, "");
        // channel: open is answered by the session before the channel exists
        add(20, 10, "channel.open", ELSEWHERE, "out-of-band:S");
        add(20, 11, "channel.open-ok", ELSEWHERE, "channel-id:X");
        add(20, 20, "channel.flow", ON_CHANNEL, "active:b");
        add(20, 21, "channel.flow-ok", ON_CHANNEL, "active:b");
        add(20, 40, "channel.close", ON_CHANNEL, "reply-code:s reply-text:S class-id:s method-id:s");
        add(20, 41, "channel.close-ok", ON_CHANNEL, "");
        // access: deprecated; RabbitMQ still answers it, the proxy does not pass it on
        add(30, 10, "access.request", ELSEWHERE, "realm:S exclusive:b passive:b active:b write:b read:b");
        add(30, 11, "access.request-ok", ELSEWHERE, "ticket:s");
        add(40, 10, "exchange.declare", ON_CHANNEL,
                "ticket:s exchange:S type:S passive:b durable:b auto-delete:b internal:b nowait:b arguments:T");
        add(40, 11, "exchange.declare-ok", ELSEWHERE, "");
        add(40, 20, "exchange.delete", ON_CHANNEL, "ticket:s exchange:S if-unused:b nowait:b");
        add(40, 21, "exchange.delete-ok", ELSEWHERE, "");
        add(40, 30, "exchange.bind", ON_CHANNEL, "ticket:s destination:S source:S routing-key:S nowait:b arguments:T");
        add(40, 31, "exchange.bind-ok", ELSEWHERE, "");
        add(40, 40, "exchange.unbind", ON_CHANNEL, "ticket:s destination:S source:S routing-key:S nowait:b arguments:T");
        add(40, 51, "exchange.unbind-ok", ELSEWHERE, "");
        add(50, 10, "queue.declare", ON_CHANNEL,
                "ticket:s queue:S passive:b durable:b exclusive:b auto-delete:b nowait:b arguments:T");
        add(50, 11, "queue.declare-ok", ELSEWHERE, "queue:S message-count:l consumer-count:l");
        add(50, 20, "queue.bind", ON_CHANNEL, "ticket:s queue:S exchange:S routing-key:S nowait:b arguments:T");
        add(50, 21, "queue.bind-ok", ELSEWHERE, "");
        add(50, 30, "queue.purge", ON_CHANNEL, "ticket:s queue:S nowait:b");
        add(50, 31, "queue.purge-ok", ELSEWHERE, "message-count:l");
        add(50, 40, "queue.delete", ON_CHANNEL, "ticket:s queue:S if-unused:b if-empty:b nowait:b");
        add(50, 41, "queue.delete-ok", ELSEWHERE, "message-count:l");
        add(50, 50, "queue.unbind", ON_CHANNEL, "ticket:s queue:S exchange:S routing-key:S arguments:T");
        add(50, 51, "queue.unbind-ok", ELSEWHERE, "");
        add(60, 10, "basic.qos", ON_CHANNEL, "prefetch-size:l prefetch-count:s global:b");
        add(60, 11, "basic.qos-ok", ELSEWHERE, "");
        add(60, 20, "basic.consume", ON_CHANNEL,
                "ticket:s queue:S consumer-tag:S no-local:b no-ack:b exclusive:b nowait:b arguments:T");
        add(60, 21, "basic.consume-ok", ELSEWHERE, "consumer-tag:S");
        add(60, 30, "basic.cancel", ON_CHANNEL, "consumer-tag:S nowait:b");
        add(60, 31, "basic.cancel-ok", ELSEWHERE, "consumer-tag:S");
        add(60, 40, "basic.publish", ON_CHANNEL, "ticket:s exchange:S routing-key:S mandatory:b immediate:b");
        add(60, 50, "basic.return", ELSEWHERE, "reply-code:s reply-text:S exchange:S routing-key:S");
        add(60, 60, "basic.deliver", ELSEWHERE,
                "consumer-tag:S delivery-tag:L redelivered:b exchange:S routing-key:S");
        add(60, 70, "basic.get", ON_CHANNEL, "ticket:s queue:S no-ack:b");
        add(60, 71, "basic.get-ok", ELSEWHERE, "delivery-tag:L redelivered:b exchange:S routing-key:S message-count:l");
        add(60, 72, "basic.get-empty", ELSEWHERE, "cluster-id:S");
        add(60, 80, "basic.ack", ON_CHANNEL, "delivery-tag:L multiple:b");
        add(60, 90, "basic.reject", ON_CHANNEL, "delivery-tag:L requeue:b");
        add(60, 100, "basic.recover-async", ON_CHANNEL, "requeue:b");
        add(60, 110, "basic.recover", ON_CHANNEL, "requeue:b");
        add(60, 111, "basic.recover-ok", ELSEWHERE, "");
        add(60, 120, "basic.nack", ON_CHANNEL, "delivery-tag:L multiple:b requeue:b");
        add(85, 10, "confirm.select", ON_CHANNEL, "nowait:b");
        add(85, 11, "confirm.select-ok", ELSEWHERE, "");
        add(90, 10, "tx.select", ON_CHANNEL, "");
        add(90, 11, "tx.select-ok", ELSEWHERE, "");
        add(90, 20, "tx.commit", ON_CHANNEL, "");
        add(90, 21, "tx.commit-ok", ELSEWHERE, "");
        add(90, 30, "tx.rollback", ON_CHANNEL, "");
        add(90, 31, "tx.rollback-ok", ELSEWHERE, "");
    }

    private final int id;
    private final String name;
    private final String layout;
    private final boolean onChannel;
    private final boolean content;
    /** For each {@link Field} by ordinal: the index of its letter in {@link #layout}, or -1. */
    private final byte[] fieldIndex = new byte[Field.values().length];

    private MethodSpec(int id, String name, boolean onChannel, String arguments) {
        this.id = id;
        this.name = name;
        this.onChannel = onChannel;
        this.content = id == Methods.BASIC_PUBLISH || id == Methods.BASIC_RETURN || id == Methods.BASIC_DELIVER
                || id == Methods.BASIC_GET_OK;
        Arrays.fill(fieldIndex, (byte) -1);
        StringBuilder letters = new StringBuilder();
        for (String argument : arguments.split(" ")) {
            if (argument.isEmpty()) {
                continue;
            }
            int colon = argument.indexOf(':');
            fieldIndex[Field.ofSpecName(argument.substring(0, colon)).ordinal()] = (byte) letters.length();
            letters.append(argument.charAt(colon + 1));
        }
        this.layout = letters.toString();
    }

    private static void add(int classId, int methodId, String name, boolean onChannel, String arguments) {
        MethodSpec spec = new MethodSpec(Methods.id(classId, methodId), name, onChannel, arguments);
        MethodSpec[] ofClass = BY_CLASS[classId];
        if (ofClass == null || ofClass.length <= methodId) {
            ofClass = ofClass == null ? new MethodSpec[methodId + 1] : Arrays.copyOf(ofClass, methodId + 1);
            BY_CLASS[classId] = ofClass;
        }
        ofClass[methodId] = spec;
        BY_NAME.put(name, spec);
    }

    /** The spec of a method id ({@code classId << 16 | methodId}), or {@code null} if AMQP 0-9-1 has none. */
    public static MethodSpec of(int methodId) {
        int classId = methodId >>> 16;
        int index = methodId & 0xFFFF;
        if (classId < BY_CLASS.length) {
            MethodSpec[] ofClass = BY_CLASS[classId];
            if (ofClass != null && index < ofClass.length) {
                return ofClass[index];
            }
        }
        return null;
    }

    /** The spec of a method by its name, e.g. {@code "basic.publish"}, or {@code null}. */
    public static MethodSpec named(String name) {
        return BY_NAME.get(name);
    }

    /** A name for any method id: the spec's name, or {@code "class.method"} in numbers for unknown ones. */
    public static String nameOf(int methodId) {
        MethodSpec spec = of(methodId);
        return spec != null ? spec.name : (methodId >>> 16) + "." + (methodId & 0xFFFF);
    }

    public int id() {
        return id;
    }

    /** The spec's name, {@code class.method}, e.g. {@code "queue.declare"}. */
    public String name() {
        return name;
    }

    String layout() {
        return layout;
    }

    /** Whether a client may send it on an open channel through the proxy. */
    public boolean onChannel() {
        return onChannel;
    }

    /** Whether a content header and body frames follow it. */
    public boolean carriesContent() {
        return content;
    }

    /** The index of {@code field}'s letter in the layout, or -1 when the method has no such argument. */
    int indexOf(Field field) {
        return fieldIndex[field.ordinal()];
    }

    @Override
    public String toString() {
        return name;
    }
}
