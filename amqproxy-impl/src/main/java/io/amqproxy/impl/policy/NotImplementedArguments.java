package io.amqproxy.impl.policy;

import io.amqproxy.impl.codec.Field;
import io.amqproxy.impl.codec.MethodView;
import io.amqproxy.impl.codec.Methods;
import io.amqproxy.impl.codec.ReplyCodes;

/**
 * Arguments RabbitMQ does not implement and answers with a connection error, 540 NOT_IMPLEMENTED, whatever the
 * queue or exchange: {@code channel.flow active=false}, {@code basic.qos prefetch_size != 0},
 * {@code basic.recover(-async) requeue=false} and {@code basic.publish immediate=true}. Invariant: none of them
 * reaches a shared upstream connection; the client that sent one is closed here with the broker's own code and text
 * (verified against RabbitMQ 3.10 and its current source, {@code rabbit_channel:handle_method}). Stateless.
 */
public final class NotImplementedArguments {

    private NotImplementedArguments() {
    }

    /** The connection error the broker would answer {@code m} with, or {@code null}. */
    public static Refusal check(MethodView m) {
        int id = m.id();
        switch (id) {
            case Methods.CHANNEL_FLOW -> {
                return m.flag(Field.ACTIVE) ? null : notImplemented("active=false", id);
            }
            case Methods.BASIC_QOS -> {
                long size = m.u32(Field.PREFETCH_SIZE);
                return size == 0 ? null : notImplemented("prefetch_size!=0 (" + size + ")", id);
            }
            case Methods.BASIC_RECOVER, Methods.BASIC_RECOVER_ASYNC -> {
                return m.flag(Field.REQUEUE) ? null : notImplemented("requeue=false", id);
            }
            case Methods.BASIC_PUBLISH -> {
                return m.flag(Field.IMMEDIATE) ? notImplemented("immediate=true", id) : null;
            }
            default -> {
                return null;
            }
        }
    }

    private static Refusal notImplemented(String detail, int id) {
        return Refusal.connection(ReplyCodes.NOT_IMPLEMENTED, detail, id);
    }
}
