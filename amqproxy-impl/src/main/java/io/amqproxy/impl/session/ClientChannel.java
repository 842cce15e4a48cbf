package io.amqproxy.impl.session;

import io.amqproxy.fixture.FaultAction;
import io.amqproxy.fixture.PublishOutcome;
import io.amqproxy.impl.LoopContext;
import io.amqproxy.impl.codec.Field;
import io.amqproxy.impl.codec.FrameDecoder;
import io.amqproxy.impl.codec.FrameWriter;
import io.amqproxy.impl.codec.Frames;
import io.amqproxy.impl.codec.MethodView;
import io.amqproxy.impl.codec.Methods;
import io.amqproxy.impl.codec.ReplyCodes;
import io.amqproxy.impl.fixture.ChannelRecording;
import io.amqproxy.impl.loop.OutputBuffer;
import io.amqproxy.impl.policy.ConfirmTags;
import io.amqproxy.impl.policy.ConnectionErrorGuard;
import io.amqproxy.impl.policy.ConsumerMove;
import io.amqproxy.impl.policy.ExclusiveQueueGuard;
import io.amqproxy.impl.policy.MethodAdmission;
import io.amqproxy.impl.policy.Refusal;
import io.amqproxy.impl.policy.SafeReuse;
import io.amqproxy.impl.upstream.ChannelPeer;
import io.amqproxy.impl.upstream.UpstreamChannel;
import io.amqproxy.impl.upstream.UpstreamConnection;

import java.nio.ByteBuffer;

/**
 * One channel a client opened, mapped 1:1 to an {@link UpstreamChannel}: the router of that channel's frames.
 * Because the map is 1:1, delivery tags, consumer tags, confirms, qos and transactions stay correct without
 * rewriting anything but the channel number.
 *
 * <p>A client's method is decoded once ({@link MethodView}) and meets the channel's rules in this fixed order:
 * {@link MethodAdmission} (may it reach a shared upstream at all), the test fixture's fault rules (which may end it
 * here, as the broker or the network would), {@link ConsumerMove} (should the channel move to a consumers'
 * connection first), {@link ExclusiveQueueGuard} (is the queue another client's), {@link SafeReuse} (does the channel
 * stay reusable), then {@link ChannelPublishes} for a publish, or forwarding; the traffic recording and
 * {@link ConfirmTags} take note along the way. A broker's method meets the same rules on its way back. Each rule
 * keeps its own state and decides; this class carries out what they decide, and {@link ChannelOutputs} writes the
 * frames. Owned by the client's event loop, not thread-safe.
 */
final class ClientChannel implements ChannelPeer {

    /** The client's view of the channel. */
    enum State {
        OPEN,
        /** The client sent Channel.Close; its CloseOk comes when the broker's does. */
        CLOSING_BY_CLIENT,
        /** We sent the client a Channel.Close (broker or proxy error) and wait for its CloseOk. */
        AWAITING_CLIENT_CLOSE_OK
    }

    private final ClientSession session;
    private final ClientChannels channels;
    private final LoopContext ctx;
    /** The client's output, held not owned: the session's socket buffer. */
    private final OutputBuffer toClient;
    private final int id;
    private final ConsumerMove move;
    /** The session's guard, shared by its channels: exclusive queues belong to the client, not a channel. */
    private final ExclusiveQueueGuard<UpstreamConnection> exclusive;
    private final SafeReuse reuse;
    private final ConfirmTags confirms = new ConfirmTags();
    private final ConnectionErrorGuard guard;
    private final ChannelRecording recording;
    private final ChannelOutputs outputs;
    private final ChannelPublishes publishes;
    /** A fault dropped a delivery from the broker: its content frames go too. */
    private boolean droppingContent;
    private State state = State.OPEN;
    private UpstreamChannel upstream;

    ClientChannel(ClientSession session, ClientChannels channels, LoopContext ctx, OutputBuffer toClient, int id,
                  ExclusiveQueueGuard<UpstreamConnection> exclusive, ChannelRecording recording) {
        this.session = session;
        this.channels = channels;
        this.ctx = ctx;
        this.toClient = toClient;
        this.id = id;
        this.exclusive = exclusive;
        this.recording = recording;
        this.move = new ConsumerMove(ctx.config.separateConsumers());
        this.reuse = new SafeReuse(ctx.config.safeChannelReuse());
        this.guard = new ConnectionErrorGuard(ctx.facts, channels.credentials().vhost());
        this.outputs = new ChannelOutputs(session, ctx, toClient, id, () -> upstream);
        this.publishes = new ChannelPublishes(this, session, ctx, outputs, confirms, recording);
    }

    int id() {
        return id;
    }

    State state() {
        return state;
    }

    void link(UpstreamChannel upstream) {
        this.upstream = upstream;
    }

    // --- from the client

    void onClientFrame(int type, ByteBuffer buf, int off, int len) {
        switch (state) {
            case OPEN -> {
                if (publishes.assembling()) {
                    publishes.content(type, buf, off, len, upstream);
                } else if (type != Frames.TYPE_METHOD) {
                    session.connectionError(ReplyCodes.UNEXPECTED_FRAME, ReplyCodes.text(ReplyCodes.UNEXPECTED_FRAME,
                            "expected method frame, got non method frame instead"), 0);
                } else {
                    onMethod(buf, off, len);
                }
            }
            case AWAITING_CLIENT_CLOSE_OK -> {
                if (type == Frames.TYPE_METHOD) {
                    onMethodAwaitingCloseOk(FrameDecoder.methodId(buf, off));
                }
            }
            case CLOSING_BY_CLIENT -> {
                // nothing the client sends after its Close matters
            }
        }
    }

    private void onMethod(ByteBuffer buf, int off, int len) {
        MethodView m = ctx.clientView;
        Refusal refusal = MethodAdmission.check(m.decodeClient(buf, off, len), m);
        if (refusal == null) {
            refusal = guard.onClientMethod(m, ctx.reader);
        }
        if (refusal == ConnectionErrorGuard.ASK_BROKER) {
            askBroker(buf, off, len);
            return;
        }
        if (refusal != null) {
            refuse(refusal);
            return;
        }
        FaultAction fault = ctx.fixture.faults.isEmpty() ? null : ctx.fixture.faults.decide(m, channels.identity());
        recording.clientMethod(m, fault instanceof FaultAction.Drop, ctx.reader);
        if (fault != null && m.id() != Methods.BASIC_PUBLISH && endsHere(fault, m.id())) {
            return;
        }
        confirms.onClientMethod(m.id());
        if (move.onClientMethod(m)) {
            moveToConsumerConnection(m);
        }
        refusal = exclusive.onClientMethod(id, m, upstream.connection());
        if (refusal != null) {
            refuse(refusal);
            return;
        }
        reuse.onClientMethod(m);
        switch (m.id()) {
            case Methods.BASIC_PUBLISH -> publishes.begin(m, fault, upstream, buf, off, len);
            case Methods.CHANNEL_CLOSE -> closeByClient(buf, off, len);
            case Methods.CHANNEL_CLOSE_OK -> {
                // answers nothing we sent; ignore
            }
            default -> outputs.toBroker(Frames.TYPE_METHOD, buf, off, len, delayNanos(fault));
        }
    }

    /**
     * An exchange.declare of a type not tried yet ({@link ConnectionErrorGuard}): tried first on a connection of its
     * own, with no-wait cleared so the broker answers; then it is refused, or handled again by every other rule.
     */
    private void askBroker(ByteBuffer buf, int off, int len) {
        byte[] original = new byte[len];
        buf.get(off, original);
        byte[] trial = original.clone();
        // exchange.declare: id (4), ticket (2), exchange and type (short strings), then the bits; no-wait is bit 4
        int bits = 6 + 1 + (trial[6] & 0xFF);
        bits += 1 + (trial[bits] & 0xFF);
        trial[bits] &= (byte) ~(1 << 4);
        session.checks().tryDeclare(channels.credentials(), guard.trialKey(), trial, verdict -> {
            if (state != State.OPEN || upstream == null) {
                return;
            }
            if (verdict != null) {
                refuse(verdict);
            } else {
                guard.passNextDeclare(); // tried: the rest of the rules see it as any other method
                onMethod(ByteBuffer.wrap(original), 0, original.length);
            }
        });
    }

    /**
     * Carries out a fault rule's action on a client method other than a publish.
     *
     * @return whether the method stops here (a delay lets it go on, to be held when written)
     */
    private boolean endsHere(FaultAction fault, int method) {
        if (fault instanceof FaultAction.CloseChannel c) {
            closeByProxy(c.code(), c.text(), method);
        } else if (fault instanceof FaultAction.CloseConnection c) {
            session.connectionError(c.code(), c.text(), method);
        } else if (fault instanceof FaultAction.Reset) {
            session.reset("connection reset by a fault rule");
        } else if (!(fault instanceof FaultAction.Drop)) {
            return false; // a delay: the method goes on, held when written
        }
        return true; // a dropped method: neither side hears of it
    }

    /** How long a fault holds a frame: a delay's, or none. */
    private static long delayNanos(FaultAction fault) {
        return fault instanceof FaultAction.Delay d ? d.delay().toNanos() : 0;
    }

    private void onMethodAwaitingCloseOk(int method) {
        if (method == Methods.CHANNEL_CLOSE_OK) {
            channels.release(this);
        } else if (method == Methods.CHANNEL_CLOSE) {
            // the client closed at the same time as we did: answer, and keep waiting for its CloseOk
            ctx.writer.channelCloseOk(toClient, id);
            session.markDirty();
        } else if (method == Methods.CHANNEL_OPEN) {
            channels.release(this);
            channels.open(id);
        }
    }

    void refuse(Refusal r) {
        if (r.scope() == Refusal.Scope.CONNECTION) {
            session.connectionError(r.code(), r.text(), r.methodId());
        } else {
            closeByProxy(r.code(), r.text(), r.methodId());
        }
    }

    /**
     * Gives this channel, about to consume, a new upstream channel on a connection that carries no publishers
     * (see {@link ConsumerMove}) and closes the old one. Stays put when the queue is an exclusive queue on the
     * current connection (only that connection may use it), when the consume relies on the channel's last
     * declared queue (an empty name), or when no consumer connection can be had.
     */
    private void moveToConsumerConnection(MethodView m) {
        UpstreamConnection from = upstream.connection();
        if (from.isForConsumers() || m.shortStrLength(Field.QUEUE) == 0
                || exclusive.lockedOn(from, m.shortStr(Field.QUEUE))) {
            return;
        }
        UpstreamChannel moved = channels.openForConsumer(this);
        if (moved == null) {
            return;
        }
        outputs.flushToBroker();
        UpstreamChannel old = upstream;
        old.unlink();
        old.close(ReplyCodes.REPLY_SUCCESS, "channel moved to a connection for consumers");
        upstream = moved;
        byte[] qos = move.moved();
        if (qos != null) {
            FrameWriter.frame(moved.output(), Frames.TYPE_METHOD, moved.id(), ByteBuffer.wrap(qos), 0, qos.length);
        }
    }

    /** The alarm is over: the publish held back goes, if the channel still has it; see {@link ChannelPublishes}. */
    void sendHeldPublish() {
        publishes.sendHeld(upstream);
    }

    /** Channel.Close from the client: kept for the next client when safe, otherwise closed at the broker. */
    private void closeByClient(ByteBuffer buf, int off, int len) {
        outputs.flushToBroker();
        if (reuse.mayKeepAtClose() && upstream.park()) {
            // safe channel reuse: the broker keeps the channel for the next client; answer here
            upstream = null;
            ctx.writer.channelCloseOk(toClient, id);
            session.markDirty();
            channels.release(this);
            return;
        }
        state = State.CLOSING_BY_CLIENT;
        upstream.forwardClose(buf, off, len);
    }

    /**
     * The proxy itself ends the channel with a channel error (e.g. 405 for another client's exclusive queue, or a
     * fault rule's): the client gets Channel.Close, the broker side is closed with 200.
     */
    void closeByProxy(int replyCode, String replyText, int failingMethod) {
        outputs.flushToClient();
        ctx.writer.channelClose(toClient, id, replyCode, replyText, failingMethod);
        session.markDirty();
        state = State.AWAITING_CLIENT_CLOSE_OK;
        recording.closed(replyCode, replyText, "proxy");
        releaseUpstream("channel closed by the proxy");
    }

    /** The client's connection ends: what the channel held goes where it can, then the upstream channel is given back. */
    void connectionGone(String why) {
        outputs.connectionGone();
        recording.closed(0, why, "connection");
        releaseUpstream(why);
    }

    /** The channel ends: give the upstream channel back (the broker requeues). */
    private void releaseUpstream(String why) {
        publishes.clear();
        outputs.flushToBroker();
        UpstreamChannel uc = upstream;
        upstream = null;
        if (uc != null) {
            uc.unlink();
            uc.close(ReplyCodes.REPLY_SUCCESS, why);
        }
    }

    // --- from the broker

    @Override
    public void onUpstreamFrame(UpstreamChannel ch, int type, ByteBuffer buf, int off, int len) {
        if (state != State.OPEN) {
            return;
        }
        if (type == Frames.TYPE_METHOD) {
            onBrokerMethod(ch, buf, off, len);
        } else if (!droppingContent) {
            recording.brokerContent(type, buf, off, len, ctx.reader);
            outputs.toClient(type, buf, off, len, 0);
        }
    }

    private void onBrokerMethod(UpstreamChannel ch, ByteBuffer buf, int off, int len) {
        MethodView m = ctx.brokerView.wrapBroker(buf, off, len);
        int method = m.id();
        if (move.onBrokerMethod(method)) {
            return;
        }
        reuse.onBrokerMethod(method);
        exclusive.onBrokerMethod(id, m, ch.connection());
        guard.onBrokerMethod(m);
        droppingContent = false;
        long delay = ctx.fixture.faults.isEmpty() ? 0 : brokerFault(m);
        if (delay < 0) {
            return;
        }
        if (method == Methods.BASIC_DELIVER || method == Methods.BASIC_GET_OK) {
            ctx.metrics.messagesDelivered++;
        }
        if ((method == Methods.BASIC_ACK || method == Methods.BASIC_NACK) && confirms.confirming()) {
            onConfirm(m, buf, off, len, Math.max(delay, ctx.fixture.confirmDelayNanos()));
            return;
        }
        recording.brokerMethod(m, ctx.reader);
        outputs.toClient(Frames.TYPE_METHOD, buf, off, len, delay);
    }

    /**
     * A fault rule on a method only the broker sends (a delivery, a return...).
     *
     * @return how long the frame is held, or -1 when the fault ended it here
     */
    private long brokerFault(MethodView m) {
        if (m.spec() == null || m.spec().onChannel()) {
            return 0; // methods both sides send match the client's
        }
        FaultAction fault = ctx.fixture.faults.decide(m, channels.identity());
        if (fault == null) {
            return 0;
        }
        return brokerMethodEndsHere(fault, m.id()) ? -1 : delayNanos(fault);
    }

    /** A fault on a method from the broker (a delivery, a return...): whether it stops here. */
    private boolean brokerMethodEndsHere(FaultAction fault, int method) {
        if (fault instanceof FaultAction.Drop) {
            droppingContent = true; // the delivery's content goes with it
            return true;
        }
        return !(fault instanceof FaultAction.Delay) && endsHere(fault, method);
    }

    /** A publisher confirm: as the broker sent it, unless the proxy answered publishes itself and tags differ. */
    private void onConfirm(MethodView m, ByteBuffer buf, int off, int len, long delayNanos) {
        if (!confirms.translating()) {
            recording.brokerMethod(m, ctx.reader);
            outputs.toClient(Frames.TYPE_METHOD, buf, off, len, delayNanos);
            return;
        }
        boolean nack = m.id() == Methods.BASIC_NACK;
        for (ConfirmTags.Confirm c : confirms.rewrite(m.u64(Field.DELIVERY_TAG), m.flag(Field.MULTIPLE))) {
            recording.confirmed(c.tag(), c.multiple(), nack ? PublishOutcome.NACKED : PublishOutcome.CONFIRMED);
            outputs.toClient(out -> {
                if (nack) {
                    ctx.writer.basicNack(out, id, c.tag(), c.multiple());
                } else {
                    ctx.writer.basicAck(out, id, c.tag(), c.multiple());
                }
            });
        }
    }

    @Override
    public void onUpstreamChannelClosed(UpstreamChannel ch, ByteBuffer buf, int off, int len) {
        upstream = null;
        publishes.clear();
        recording.brokerMethod(ctx.brokerView.wrapBroker(buf, off, len), ctx.reader);
        if (state == State.OPEN || state == State.CLOSING_BY_CLIENT) {
            // also when it crosses the client's own Close: a client answers a crossing Close with CloseOk and
            // reports the broker's error, as it would directly
            outputs.flushToClient();
            FrameWriter.frame(toClient, Frames.TYPE_METHOD, id, buf, off, len);
            session.markDirty();
            state = State.AWAITING_CLIENT_CLOSE_OK;
        }
    }

    @Override
    public Object owner() {
        return session; // the client as a whole: its channels share its part of the upstream's output
    }

    @Override
    public void onUpstreamCloseOk(UpstreamChannel ch) {
        upstream = null;
        if (state == State.CLOSING_BY_CLIENT) {
            outputs.flushToClient();
            ctx.writer.channelCloseOk(toClient, id);
            session.markDirty();
            channels.release(this);
        }
    }
}
