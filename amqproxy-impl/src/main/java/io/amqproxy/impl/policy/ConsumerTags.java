package io.amqproxy.impl.policy;

import io.amqproxy.impl.codec.Field;
import io.amqproxy.impl.codec.MethodView;
import io.amqproxy.impl.codec.Methods;
import io.amqproxy.impl.codec.ReplyCodes;

import java.util.HashSet;
import java.util.Set;

/**
 * The consumer tags in use on one client channel. RabbitMQ answers a basic.consume that names a tag already in use
 * on the channel with a connection error, {@code 530 NOT_ALLOWED - attempt to reuse consumer tag 'T'}. Invariant:
 * such a consume never reaches the shared upstream; the client that sent it is closed here with the broker's code
 * and text. A tag is in use from the consume (or the broker's ConsumeOk, for a tag the broker made) until the
 * client's basic.cancel or the broker's. The direct reply-to pseudo-queue has a consumer apart, which the broker
 * checks itself with a channel error. Owned by the client channel's event loop, not thread-safe.
 */
public final class ConsumerTags {

    private static final String REPLY_TO = "amq.rabbitmq.reply-to";

    /** Made on the first consume with a tag: most channels never consume. */
    private Set<String> inUse;

    /** A client method: the refusal of a reused tag, or {@code null}. */
    public Refusal onClientMethod(MethodView m) {
        int id = m.id();
        if (id == Methods.BASIC_CONSUME) {
            if (m.shortStrLength(Field.CONSUMER_TAG) == 0) {
                return null; // the broker makes one; noted at its ConsumeOk
            }
            String tag = m.shortStr(Field.CONSUMER_TAG);
            if (inUse != null && inUse.contains(tag)) {
                return Refusal.connection(ReplyCodes.NOT_ALLOWED, "attempt to reuse consumer tag '" + tag + "'", id);
            }
            if (!REPLY_TO.equals(m.shortStr(Field.QUEUE))) {
                add(tag);
            }
        } else if (id == Methods.BASIC_CANCEL && inUse != null) {
            inUse.remove(m.shortStr(Field.CONSUMER_TAG));
        }
        return null;
    }

    /** A broker method: a tag the broker made, or a consumer the broker cancelled. */
    public void onBrokerMethod(MethodView m) {
        int id = m.id();
        if (id == Methods.BASIC_CONSUME_OK) {
            String tag = m.shortStr(Field.CONSUMER_TAG);
            if (tag.startsWith("amq.ctag-")) {
                add(tag);
            }
        } else if (id == Methods.BASIC_CANCEL && inUse != null) {
            inUse.remove(m.shortStr(Field.CONSUMER_TAG));
        }
    }

    private void add(String tag) {
        if (inUse == null) {
            inUse = new HashSet<>(4);
        }
        inUse.add(tag);
    }
}
