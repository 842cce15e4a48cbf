package io.amqproxy.impl.session;

import io.amqproxy.impl.LoopContext;
import io.amqproxy.impl.codec.Field;
import io.amqproxy.impl.codec.FrameDecoder;
import io.amqproxy.impl.codec.FrameWriter;
import io.amqproxy.impl.codec.Frames;
import io.amqproxy.impl.codec.MethodView;
import io.amqproxy.impl.codec.Methods;
import io.amqproxy.impl.codec.ReplyCodes;
import io.amqproxy.impl.loop.OutputBuffer;
import io.amqproxy.impl.policy.ConsumerMove;
import io.amqproxy.impl.policy.ExclusiveQueueGuard;
import io.amqproxy.impl.policy.MethodAdmission;
import io.amqproxy.impl.policy.PublishAssembler;
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
 * {@link MethodAdmission} (may it reach a shared upstream at all), {@link ConsumerMove} (should the channel move to
 * a consumers' connection first), {@link ExclusiveQueueGuard} (is the queue another client's), {@link SafeReuse}
 * (does the channel stay reusable), then {@link PublishAssembler} for a publish, or forwarding. A broker's method
 * meets the same rules on its way back. Each rule keeps its own state and decides; this class carries out what
 * they decide. Owned by the client's event loop, not thread-safe.
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
    private final PublishAssembler publish;
    private State state = State.OPEN;
    private UpstreamChannel upstream;

    ClientChannel(ClientSession session, ClientChannels channels, LoopContext ctx, OutputBuffer toClient, int id,
                  ExclusiveQueueGuard<UpstreamConnection> exclusive) {
        this.session = session;
        this.channels = channels;
        this.ctx = ctx;
        this.toClient = toClient;
        this.id = id;
        this.exclusive = exclusive;
        this.move = new ConsumerMove(ctx.config.separateConsumers());
        this.reuse = new SafeReuse(ctx.config.safeChannelReuse());
        this.publish = new PublishAssembler(ctx.loop.pool(), ctx.config.limits().maxMessageSize());
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
                if (publish.assembling()) {
                    onContent(type, buf, off, len);
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
        if (refusal != null) {
            refuse(refusal);
            return;
        }
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
            case Methods.BASIC_PUBLISH -> publish.begin(upstream.id(), buf, off, len);
            case Methods.CHANNEL_CLOSE -> closeByClient(buf, off, len);
            case Methods.CHANNEL_CLOSE_OK -> {
                // answers nothing we sent; ignore
            }
            default -> forward(Frames.TYPE_METHOD, buf, off, len);
        }
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

    private void refuse(Refusal r) {
        if (r.scope() == Refusal.Scope.CONNECTION) {
            session.connectionError(r.code(), r.text(), r.methodId());
        } else {
            closeByProxy(r.code(), r.text(), r.methodId());
        }
    }

    private void forward(int type, ByteBuffer buf, int off, int len) {
        FrameWriter.frame(upstream.output(), type, upstream.id(), buf, off, len);
        upstream.connection().markDirty();
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
        UpstreamChannel old = upstream;
        old.unlink();
        old.close(ReplyCodes.REPLY_SUCCESS, "channel moved to a connection for consumers");
        upstream = moved;
        byte[] qos = move.moved();
        if (qos != null) {
            FrameWriter.frame(moved.output(), Frames.TYPE_METHOD, moved.id(), ByteBuffer.wrap(qos), 0, qos.length);
        }
    }

    private void onContent(int type, ByteBuffer buf, int off, int len) {
        UpstreamConnection up = upstream.connection();
        Refusal refusal = publish.content(type, buf, off, len, upstream.id(), up.frameMax(), ctx.reader);
        if (refusal != null) {
            refuse(refusal);
        } else if (publish.isWhole() && (up.isBlocked() || !session.holdsPublishNow(this))) {
            sendPublish();
        }
    }

    private void sendPublish() {
        upstream.output().append(publish.stage());
        upstream.connection().markDirty();
        ctx.metrics.messagesPublished++;
    }

    /**
     * The alarm is over: sends the publish held back, if the channel still has it (closing the channel drops it)
     * and its connection is still there (the alarm may have ended because that very connection failed; its
     * clients hear of it next).
     */
    void sendHeldPublish() {
        if (upstream != null && upstream.connection().isUsable() && !publish.stage().isEmpty()) {
            sendPublish();
        } else {
            publish.clear();
        }
    }

    /** Channel.Close from the client: kept for the next client when safe, otherwise closed at the broker. */
    private void closeByClient(ByteBuffer buf, int off, int len) {
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
     * The proxy itself ends the channel with a channel error (e.g. 405 for another client's exclusive queue): the
     * client gets Channel.Close, the broker side is closed with 200.
     */
    void closeByProxy(int replyCode, String replyText, int failingMethod) {
        ctx.writer.channelClose(toClient, id, replyCode, replyText, failingMethod);
        session.markDirty();
        state = State.AWAITING_CLIENT_CLOSE_OK;
        releaseUpstream("channel closed by the proxy");
    }

    /** The client is gone or ends this channel: give the upstream channel back (the broker requeues). */
    void releaseUpstream(String why) {
        publish.clear();
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
        if (type == Frames.TYPE_BODY) {
            FrameWriter.bodyFrames(toClient, id, buf, off, len, session.frameMax());
            session.markDirty();
            return;
        }
        if (type == Frames.TYPE_METHOD) {
            MethodView m = ctx.brokerView.wrapBroker(buf, off, len);
            int method = m.id();
            if (move.onBrokerMethod(method)) {
                return;
            }
            reuse.onBrokerMethod(method);
            exclusive.onBrokerMethod(id, m, ch.connection());
            if (method == Methods.BASIC_DELIVER || method == Methods.BASIC_GET_OK) {
                ctx.metrics.messagesDelivered++;
            }
        }
        FrameWriter.frame(toClient, type, id, buf, off, len);
        session.markDirty();
    }

    @Override
    public void onUpstreamChannelClosed(UpstreamChannel ch, ByteBuffer buf, int off, int len) {
        upstream = null;
        publish.clear();
        if (state == State.OPEN || state == State.CLOSING_BY_CLIENT) {
            // also when it crosses the client's own Close: a client answers a crossing Close with CloseOk and
            // reports the broker's error, as it would directly
            FrameWriter.frame(toClient, Frames.TYPE_METHOD, id, buf, off, len);
            session.markDirty();
            state = State.AWAITING_CLIENT_CLOSE_OK;
        }
    }

    @Override
    public void onUpstreamCloseOk(UpstreamChannel ch) {
        upstream = null;
        if (state == State.CLOSING_BY_CLIENT) {
            ctx.writer.channelCloseOk(toClient, id);
            session.markDirty();
            channels.release(this);
        }
    }
}
