package io.amqproxy.impl.policy;

import io.amqproxy.impl.codec.Field;
import io.amqproxy.impl.codec.MethodView;
import io.amqproxy.impl.codec.Methods;

/**
 * Watches one client channel to tell whether it may still move to a consumer-only upstream connection when it
 * starts consuming (see {@code ProxyConfig.Builder#separateConsumers}).
 *
 * <p>RabbitMQ stops reading a connection that publishes during a resource alarm, acknowledgements included, so a
 * consumer sharing a pooled connection with publishers would stall until the alarm clears. Invariant: a channel
 * moves only while nothing ties it to its first connection: it has seen nothing but basic.qos (replayed after the
 * move), non-exclusive queue declares, queue binds and exchange declares, each already answered, so their effects
 * are in place at the broker whichever connection the next method takes. Anything else (a publish, confirm mode,
 * tx, an exclusive queue, a no-wait method, a reply still owed) pins the channel where it is, and so does the
 * first basic.consume or basic.get, moved or not. Loop thread only.
 */
public final class ConsumerMove {

    private boolean movable;
    /** Synchronous methods forwarded whose answer has not come back yet. */
    private int repliesOwed;
    /** The payload of the client's last basic.qos, to replay on the new channel. */
    private byte[] qos;
    /** QosOks for a basic.qos replayed after a move: the client had its answer already. */
    private int qosOksToSwallow;

    public ConsumerMove(boolean enabled) {
        this.movable = enabled;
    }

    /**
     * Notes a method from the client, before it is forwarded; its arguments were already admitted.
     *
     * @return {@code true} when the channel starts consuming and should move now (if the caller can)
     */
    public boolean onClientMethod(MethodView m) {
        int method = m.id();
        if (method == Methods.BASIC_CONSUME || method == Methods.BASIC_GET) {
            boolean now = movable && repliesOwed == 0;
            movable = false; // consuming ties the channel to its connection, moved or not
            return now;
        }
        if (!movable || method == Methods.CHANNEL_CLOSE || method == Methods.CHANNEL_CLOSE_OK) {
            return false;
        }
        switch (method) {
            case Methods.BASIC_QOS -> {
                qos = m.copyPayload();
                repliesOwed++;
            }
            case Methods.QUEUE_DECLARE -> waitsFor(!m.flag(Field.EXCLUSIVE) && !m.flag(Field.NOWAIT));
            case Methods.QUEUE_BIND, Methods.EXCHANGE_DECLARE -> waitsFor(!m.flag(Field.NOWAIT));
            default -> movable = false;
        }
        return false;
    }

    private void waitsFor(boolean answered) {
        if (answered) {
            repliesOwed++;
        } else {
            movable = false;
        }
    }

    /**
     * Notes a method from the broker on this channel.
     *
     * @return {@code true} to swallow it: the QosOk of a basic.qos replayed after a move
     */
    public boolean onBrokerMethod(int method) {
        if (method == Methods.BASIC_QOS_OK && qosOksToSwallow > 0) {
            qosOksToSwallow--;
            return true;
        }
        if (movable && repliesOwed > 0 && (method == Methods.BASIC_QOS_OK || method == Methods.QUEUE_DECLARE_OK
                || method == Methods.QUEUE_BIND_OK || method == Methods.EXCHANGE_DECLARE_OK)) {
            repliesOwed--;
        }
        return false;
    }

    /**
     * The channel moved: the last basic.qos, or {@code null}, to send on the new channel before anything else.
     * Its QosOk will be swallowed.
     */
    public byte[] moved() {
        if (qos != null) {
            qosOksToSwallow++;
        }
        return qos;
    }
}
