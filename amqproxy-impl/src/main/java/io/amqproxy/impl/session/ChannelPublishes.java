package io.amqproxy.impl.session;

import io.amqproxy.fixture.FaultAction;
import io.amqproxy.fixture.PublishOutcome;
import io.amqproxy.impl.LoopContext;
import io.amqproxy.impl.codec.Field;
import io.amqproxy.impl.codec.MethodView;
import io.amqproxy.impl.codec.Methods;
import io.amqproxy.impl.fixture.ChannelRecording;
import io.amqproxy.impl.loop.OutputBuffer;
import io.amqproxy.impl.policy.ConfirmTags;
import io.amqproxy.impl.policy.PublishAssembler;
import io.amqproxy.impl.policy.Refusal;
import io.amqproxy.impl.upstream.UpstreamChannel;

import java.nio.ByteBuffer;

/**
 * The publish path of one client channel: each basic.publish is assembled whole ({@link PublishAssembler}), held
 * while the broker has an alarm on ({@link AlarmHold}), then sent, counted in the client's confirm tags
 * ({@link ConfirmTags}) and recorded. A fault rule that matched the publish is carried out here once the message
 * is whole, as the broker would answer it: a channel or connection error, a reset, a delay, a drop, a nack, or a
 * return of an unroutable mandatory message. Owned by the channel's loop thread.
 */
final class ChannelPublishes {

    private final ClientChannel channel;
    private final ClientSession session;
    private final LoopContext ctx;
    private final ChannelOutputs outputs;
    private final ConfirmTags confirms;
    private final ChannelRecording recording;
    private final PublishAssembler assembler;
    /** A fault rule's action on the publish under way, or {@code null}. */
    private FaultAction fault;
    /** For a fault's return: where the message is addressed, and its content under the client's channel. */
    private String exchange;
    private String routingKey;
    private boolean mandatory;
    private OutputBuffer returned;

    ChannelPublishes(ClientChannel channel, ClientSession session, LoopContext ctx, ChannelOutputs outputs,
                     ConfirmTags confirms, ChannelRecording recording) {
        this.channel = channel;
        this.session = session;
        this.ctx = ctx;
        this.outputs = outputs;
        this.confirms = confirms;
        this.recording = recording;
        this.assembler = new PublishAssembler(ctx.loop.pool(), ctx.config.limits().maxMessageSize());
    }

    /** Whether a publish is under way: the channel's next frames are its content. */
    boolean assembling() {
        return assembler.assembling();
    }

    /** A basic.publish starts a message, to go out under {@code upstream}'s number; {@code fault} may be null. */
    void begin(MethodView m, FaultAction fault, UpstreamChannel upstream, ByteBuffer buf, int off, int len) {
        this.fault = fault;
        if (fault instanceof FaultAction.Return) {
            exchange = m.shortStr(Field.EXCHANGE);
            routingKey = m.shortStr(Field.ROUTING_KEY);
            mandatory = m.flag(Field.MANDATORY);
            returned = new OutputBuffer(ctx.loop.pool());
        }
        assembler.begin(upstream.id(), buf, off, len);
    }

    /** A content frame of the message under way. */
    void content(int type, ByteBuffer buf, int off, int len, UpstreamChannel upstream) {
        Refusal refusal = assembler.content(type, buf, off, len, upstream.id(), upstream.connection().frameMax(),
                ctx.reader);
        if (refusal != null) {
            clear();
            channel.refuse(refusal);
            return;
        }
        recording.clientContent(type, buf, off, len, ctx.reader);
        if (returned != null) {
            outputs.copyForClient(returned, type, buf, off, len);
        }
        if (!assembler.isWhole()) {
            return;
        }
        if (fault != null) {
            FaultAction f = fault;
            fault = null;
            carryOut(f);
        } else if (upstream.connection().isBlocked() || !session.holdsPublishNow(channel)) {
            send(0);
        }
    }

    private void send(long delayNanos) {
        recording.published(confirms.forwarded(), null);
        outputs.messageToBroker(assembler.stage(), delayNanos);
        ctx.metrics.messagesPublished++;
    }

    /**
     * The alarm is over: sends the publish held back, if the channel still has it (closing the channel drops it)
     * and its connection is still there (the alarm may have ended because that very connection failed; its
     * clients hear of it next).
     */
    void sendHeld(UpstreamChannel upstream) {
        if (upstream != null && upstream.connection().isUsable() && !assembler.stage().isEmpty()) {
            send(0);
        } else {
            assembler.clear();
        }
    }

    private void carryOut(FaultAction f) {
        if (f instanceof FaultAction.Delay d) {
            send(d.delay().toNanos());
        } else if (f instanceof FaultAction.CloseChannel c) {
            answered(PublishOutcome.CHANNEL_ERROR);
            channel.closeByProxy(c.code(), c.text(), Methods.BASIC_PUBLISH);
        } else if (f instanceof FaultAction.CloseConnection c) {
            answered(PublishOutcome.CHANNEL_ERROR);
            session.connectionError(c.code(), c.text(), Methods.BASIC_PUBLISH);
        } else if (f instanceof FaultAction.Reset) {
            answered(PublishOutcome.UNCONFIRMED);
            session.reset("connection reset by a fault rule");
        } else if (f instanceof FaultAction.Nack) {
            long tag = answered(confirms.confirming() ? PublishOutcome.NACKED : PublishOutcome.UNCONFIRMED);
            if (tag > 0) {
                outputs.toClient(out -> ctx.writer.basicNack(out, channel.id(), tag, false));
            }
        } else if (f instanceof FaultAction.Return) {
            returnUnroutable();
        } else {
            answered(PublishOutcome.UNCONFIRMED); // dropped: neither side hears of it
        }
    }

    /** The proxy answers the publish itself: it never reaches the broker, but takes a confirm tag. */
    private long answered(PublishOutcome outcome) {
        long tag = confirms.answeredHere();
        recording.published(tag, outcome);
        assembler.clear();
        return tag;
    }

    /** As the broker answers an unroutable message: returned if mandatory, then acknowledged on a confirm channel. */
    private void returnUnroutable() {
        OutputBuffer content = returned;
        returned = null;
        long tag = answered(mandatory ? PublishOutcome.RETURNED
                : confirms.confirming() ? PublishOutcome.CONFIRMED : PublishOutcome.UNCONFIRMED);
        outputs.toClient(out -> {
            if (mandatory) {
                ctx.writer.basicReturn(out, channel.id(), 312, "NO_ROUTE", exchange, routingKey);
                out.append(content);
            }
            if (tag > 0) {
                ctx.writer.basicAck(out, channel.id(), tag, false);
            }
        });
        content.clear();
    }

    /** Drops the message under way and any fault pending on it (the channel closes). */
    void clear() {
        assembler.clear();
        fault = null;
        if (returned != null) {
            returned.clear();
            returned = null;
        }
    }
}
