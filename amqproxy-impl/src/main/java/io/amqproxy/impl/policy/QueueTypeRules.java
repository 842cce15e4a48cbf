package io.amqproxy.impl.policy;

import io.amqproxy.impl.codec.Field;
import io.amqproxy.impl.codec.MethodReader;
import io.amqproxy.impl.codec.MethodView;
import io.amqproxy.impl.codec.Methods;
import io.amqproxy.impl.codec.ReplyCodes;
import io.amqproxy.impl.policy.QueueTypes.Type;

import java.util.ArrayDeque;
import java.util.Map;

/**
 * The methods that RabbitMQ answers with a connection error (540 NOT_IMPLEMENTED) because of the type of the queue
 * they name: on a stream, {@code basic.get}, {@code queue.purge}, {@code basic.consume no_ack=true} and
 * {@code basic.nack}/{@code basic.reject} of its deliveries; on a quorum queue or a stream, {@code basic.consume}
 * while the channel has a global prefetch ({@code basic.qos global=true}, count above 0). Invariant: for a queue
 * whose type the proxy knows ({@link QueueTypes}) none of these reaches a shared upstream; the client that sent it
 * is closed here with the broker's code and text, checked in the broker's order (a stream consume without a
 * prefetch is a channel error first, and goes on). The channel's own declares teach {@link QueueTypes}.
 * Owned by the client channel's event loop, not thread-safe.
 */
public final class QueueTypeRules {

    private final QueueTypes types;
    private final String vhost;
    /** The type each declare sent and not yet answered asked for, in order; FALSE for none (or passive). */
    private final ArrayDeque<Object> pendingDeclares = new ArrayDeque<>(2);
    /** The queue an empty name stands for: the channel's last declared queue. */
    private String lastQueue = "";
    private int consumerPrefetch;
    private int globalPrefetch;
    /** A stream this channel consumes from with acknowledgements, or {@code null}. */
    private String consumedStream;
    private boolean consumesOthers;

    public QueueTypeRules(QueueTypes types, String vhost) {
        this.types = types;
        this.vhost = vhost;
    }

    /** A client method: the refusal the broker would answer it with, or {@code null}. */
    public Refusal onClientMethod(MethodView m, MethodReader reader) {
        int id = m.id();
        switch (id) {
            case Methods.BASIC_QOS -> {
                if (m.flag(Field.GLOBAL)) {
                    globalPrefetch = m.u16(Field.PREFETCH_COUNT);
                } else {
                    consumerPrefetch = m.u16(Field.PREFETCH_COUNT);
                }
            }
            case Methods.QUEUE_DECLARE -> {
                if (!m.flag(Field.NOWAIT)) {
                    Type t = m.flag(Field.PASSIVE) ? null : declaredType(m, reader);
                    pendingDeclares.add(t == null ? Boolean.FALSE : t);
                }
            }
            case Methods.QUEUE_DELETE -> types.deleted(vhost, queue(m));
            case Methods.BASIC_GET -> {
                Refusal r = onStream(m, "basic.get not supported by stream queues ");
                consumesOthers |= r == null; // its delivery may be nacked: not a stream's
                return r;
            }
            case Methods.QUEUE_PURGE -> {
                return onStream(m, "queue.purge not supported by stream queues ");
            }
            case Methods.BASIC_CONSUME -> {
                return onConsume(m);
            }
            case Methods.BASIC_NACK, Methods.BASIC_REJECT -> {
                if (consumedStream != null && !consumesOthers) {
                    return notImplemented("basic.nack and basic.reject not supported by stream queues "
                            + describe(consumedStream), id);
                }
            }
            default -> {
            }
        }
        return null;
    }

    /** A broker method: a DeclareOk teaches the queue's name and, if the declare named one, its type. */
    public void onBrokerMethod(MethodView m) {
        if (m.id() == Methods.QUEUE_DECLARE_OK && !pendingDeclares.isEmpty()) {
            Object asked = pendingDeclares.poll();
            lastQueue = m.shortStr(Field.QUEUE);
            if (asked instanceof Type t) {
                types.declared(vhost, lastQueue, t);
            }
        }
    }

    private Refusal onConsume(MethodView m) {
        String queue = queue(m);
        Type type = types.typeOf(vhost, queue);
        if (type == null) {
            consumesOthers = true;
            return null;
        }
        if (type == Type.STREAM) {
            if (consumerPrefetch == 0) {
                return null; // the broker's 406 "consumer prefetch count is not set" comes first: a channel error
            }
            if (m.flag(Field.NO_ACK)) {
                return notImplemented("automatic acknowledgement not supported by stream queues " + describe(queue),
                        m.id());
            }
        }
        if (globalPrefetch > 0) {
            return notImplemented(describe(queue) + " does not support global qos", m.id());
        }
        if (type == Type.STREAM) {
            consumedStream = queue;
        } else {
            consumesOthers = true;
        }
        return null;
    }

    private Refusal onStream(MethodView m, String what) {
        String queue = queue(m);
        return types.typeOf(vhost, queue) == Type.STREAM ? notImplemented(what + describe(queue), m.id()) : null;
    }

    private String queue(MethodView m) {
        return m.shortStrLength(Field.QUEUE) == 0 ? lastQueue : m.shortStr(Field.QUEUE);
    }

    private static Type declaredType(MethodView m, MethodReader reader) {
        Map<String, Object> args = m.table(Field.ARGUMENTS, reader);
        return args == null ? null : QueueTypes.ofArgument(args.get("x-queue-type"));
    }

    /** The broker's name for a queue in its messages: {@code queue 'q' in vhost '/'}. */
    private String describe(String queue) {
        return "queue '" + queue + "' in vhost '" + vhost + "'";
    }

    private static Refusal notImplemented(String detail, int id) {
        return Refusal.connection(ReplyCodes.NOT_IMPLEMENTED, detail, id);
    }
}
