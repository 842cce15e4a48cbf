package io.amqproxy.impl.policy;

import io.amqproxy.impl.codec.Field;
import io.amqproxy.impl.codec.MethodView;
import io.amqproxy.impl.codec.Methods;

/**
 * Tells whether one client channel is still "safe" for safe channel reuse (see
 * {@code ProxyConfig.Builder#safeChannelReuse}): whether its upstream channel may be kept open for the next client
 * when this one closes it. Invariant: a channel is safe only while it has seen nothing but basic.publish without
 * mandatory or immediate (no basic.return can come after the close) and basic.get with no-ack whose answers have
 * all arrived, and the broker has sent it nothing else. Anything else leaves state on the channel (a consumer,
 * qos, confirm mode, tx, an ack owed) that the next client must not inherit. The channel's last word (the
 * flow round trip before reuse) is the upstream's business. Loop thread only.
 */
public final class SafeReuse {

    private boolean safe;
    /** basic.get (no-ack) sent and not yet answered: a GetOk must reach this client, not the next. */
    private int getsPending;

    public SafeReuse(boolean enabled) {
        this.safe = enabled;
    }

    /** Notes a method from the client, admitted and about to be forwarded (or a Channel.Close). */
    public void onClientMethod(MethodView m) {
        if (!safe) {
            return;
        }
        switch (m.id()) {
            case Methods.BASIC_PUBLISH -> safe = !m.flag(Field.MANDATORY) && !m.flag(Field.IMMEDIATE);
            case Methods.BASIC_GET -> {
                if (m.flag(Field.NO_ACK)) {
                    getsPending++;
                } else {
                    safe = false;
                }
            }
            case Methods.CHANNEL_CLOSE, Methods.CHANNEL_CLOSE_OK -> {
                // closing is what reuse is about
            }
            default -> safe = false;
        }
    }

    /** Notes a method from the broker on this channel. */
    public void onBrokerMethod(int method) {
        if (!safe) {
            return;
        }
        if (method == Methods.BASIC_GET_OK || method == Methods.BASIC_GET_EMPTY) {
            getsPending--;
        } else {
            safe = false;
        }
    }

    /** Whether the upstream channel may be kept for another client now that this one closes it. */
    public boolean mayKeepAtClose() {
        return safe && getsPending == 0;
    }
}
