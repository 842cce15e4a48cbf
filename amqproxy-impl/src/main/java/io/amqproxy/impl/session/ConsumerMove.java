package io.amqproxy.impl.session;

import io.amqproxy.impl.codec.MethodReader;
import io.amqproxy.impl.codec.Methods;

import java.nio.ByteBuffer;

/**
 * Watches one client channel to tell whether it may still move to a consumer-only upstream connection when
 * it starts consuming (see {@code ProxyConfig.Builder#separateConsumers}).
 *
 * <p>RabbitMQ stops reading a connection that publishes during a resource alarm, acknowledgements included,
 * so a consumer sharing a pooled connection with publishers would stall until the alarm clears. A channel
 * can change connections unnoticed only while nothing ties it to the first one: it has seen nothing but
 * basic.qos (replayed after the move), non-exclusive queue declares, queue binds and exchange declares, each
 * already answered, so their effects are in place at the broker whichever connection the next method takes.
 * Anything else (a publish, confirm mode, tx, an exclusive queue, a no-wait method, a reply still owed) pins
 * the channel where it is. Loop thread only.
 */
final class ConsumerMove {

    private static final int QUEUE_DECLARE_EXCLUSIVE = 4;
    private static final int QUEUE_DECLARE_NO_WAIT = 16;
    private static final int QUEUE_BIND_NO_WAIT = 1;
    private static final int EXCHANGE_DECLARE_NO_WAIT = 16;

    private boolean movable;
    /** Synchronous methods forwarded whose answer has not come back yet. */
    private int repliesOwed;
    /** The payload of the client's last basic.qos, to replay on the new channel. */
    private byte[] qos;

    ConsumerMove(boolean enabled) {
        this.movable = enabled;
    }

    /** Notes a method from the client, before it is forwarded; arguments were already checked to decode. */
    void clientMethod(int method, ByteBuffer buf, int off, int len, MethodReader r) {
        if (!movable) {
            return;
        }
        switch (method) {
            case Methods.BASIC_QOS -> {
                qos = new byte[len];
                buf.get(off, qos);
                repliesOwed++;
            }
            case Methods.QUEUE_DECLARE -> {
                r.reset(buf, off, len).u16();
                r.shortStr();
                int bits = r.u8();
                waitsFor((bits & (QUEUE_DECLARE_EXCLUSIVE | QUEUE_DECLARE_NO_WAIT)) == 0);
            }
            case Methods.QUEUE_BIND -> {
                r.reset(buf, off, len).u16();
                r.shortStr();
                r.shortStr();
                r.shortStr();
                waitsFor((r.u8() & QUEUE_BIND_NO_WAIT) == 0);
            }
            case Methods.EXCHANGE_DECLARE -> {
                r.reset(buf, off, len).u16();
                r.shortStr();
                r.shortStr();
                waitsFor((r.u8() & EXCHANGE_DECLARE_NO_WAIT) == 0);
            }
            default -> movable = false;
        }
    }

    private void waitsFor(boolean answered) {
        if (answered) {
            repliesOwed++;
        } else {
            movable = false;
        }
    }

    /** Notes a method from the broker on this channel. */
    void brokerMethod(int method) {
        if (movable && repliesOwed > 0 && (method == Methods.BASIC_QOS_OK || method == Methods.QUEUE_DECLARE_OK
                || method == Methods.QUEUE_BIND_OK || method == Methods.EXCHANGE_DECLARE_OK)) {
            repliesOwed--;
        }
    }

    /**
     * Called at basic.consume or basic.get: whether the channel may move now. Either way it is pinned from
     * here on, since consuming ties it to its connection.
     */
    boolean takeChance() {
        boolean now = movable && repliesOwed == 0;
        movable = false;
        return now;
    }

    /** The last basic.qos payload the client sent, or {@code null}. */
    byte[] qos() {
        return qos;
    }
}
