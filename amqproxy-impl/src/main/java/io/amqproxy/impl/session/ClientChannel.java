package io.amqproxy.impl.session;

import io.amqproxy.impl.codec.ClientMethods;
import io.amqproxy.impl.codec.FrameDecoder;
import io.amqproxy.impl.codec.Frames;
import io.amqproxy.impl.codec.MethodReader;
import io.amqproxy.impl.codec.Methods;
import io.amqproxy.impl.codec.ReplyCodes;
import io.amqproxy.impl.loop.OutputBuffer;
import io.amqproxy.impl.upstream.ChannelPeer;
import io.amqproxy.impl.upstream.UpstreamChannel;
import io.amqproxy.impl.upstream.UpstreamConnection;

import java.nio.ByteBuffer;

/**
 * One channel a client opened, mapped 1:1 to an {@link UpstreamChannel}. Because the map is 1:1, delivery
 * tags, consumer tags, confirms, qos and transactions stay correct without rewriting anything but the
 * channel number. Publishes are staged until the whole message (method, header, bodies) is here, so a
 * client that dies mid-message never leaves half a message on a shared connection. Loop thread only.
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
    private final int id;
    private State state = State.OPEN;
    private UpstreamChannel upstream;
    private OutputBuffer stage;
    private boolean staging;
    private boolean headerSeen;
    private long bodyRemaining;
    /** Safe channel reuse: nothing but plain publishes and no-ack gets happened here so far. */
    private boolean reusable;
    private int pendingGets;
    private final ConsumerMove move;
    /** QosOks for a basic.qos replayed after a move: the client had its answer already. */
    private int qosOksToDrop;

    ClientChannel(ClientSession session, int id) {
        this.session = session;
        this.id = id;
        this.reusable = session.safeChannelReuse();
        this.move = new ConsumerMove(session.separateConsumers());
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
            case OPEN -> onOpenFrame(type, buf, off, len);
            case AWAITING_CLIENT_CLOSE_OK -> {
                if (type == Frames.TYPE_METHOD) {
                    int method = FrameDecoder.methodId(buf, off);
                    if (method == Methods.CHANNEL_CLOSE_OK) {
                        session.releaseChannel(this);
                    } else if (method == Methods.CHANNEL_CLOSE) {
                        // the client closed at the same time as we did: answer, and keep waiting for its CloseOk
                        session.loopWriter().channelCloseOk(session.output(), id);
                        session.markDirty();
                    } else if (method == Methods.CHANNEL_OPEN) {
                        session.releaseChannel(this);
                        session.openChannel(id);
                    }
                }
            }
            case CLOSING_BY_CLIENT -> {
                // nothing the client sends after its Close matters
            }
        }
    }

    private void onOpenFrame(int type, ByteBuffer buf, int off, int len) {
        if (staging) {
            onContentFrame(type, buf, off, len);
            return;
        }
        if (type != Frames.TYPE_METHOD) {
            session.connectionError(ReplyCodes.UNEXPECTED_FRAME, ReplyCodes.text(ReplyCodes.UNEXPECTED_FRAME,
                    "expected method frame, got non method frame instead"), 0);
            return;
        }
        int method = FrameDecoder.methodId(buf, off);
        if (method != Methods.CHANNEL_OPEN && !admissible(method, buf, off, len)) {
            return;
        }
        if (method == Methods.BASIC_CONSUME || method == Methods.BASIC_GET) {
            if (move.takeChance()) {
                moveToConsumerConnection(buf, off, len);
            }
        } else if (method != Methods.CHANNEL_CLOSE && method != Methods.CHANNEL_CLOSE_OK) {
            move.clientMethod(method, buf, off, len, session.loopReader());
        }
        UpstreamConnection up = upstream.connection();
        switch (method) {
            case Methods.BASIC_PUBLISH -> {
                if (reusable && publishFlags(buf, off, len) != 0) {
                    reusable = false; // mandatory (or immediate): a basic.return may come after the close
                }
                if (stage == null) {
                    stage = new OutputBuffer(session.loopPool());
                }
                stage.frame(Frames.TYPE_METHOD, upstream.id(), buf, off, len);
                staging = true;
                headerSeen = false;
            }
            case Methods.CHANNEL_CLOSE -> {
                if (reusable && pendingGets == 0 && up.park(upstream)) {
                    // safe channel reuse: the broker keeps the channel for the next client; answer here
                    upstream = null;
                    session.loopWriter().channelCloseOk(session.output(), id);
                    session.markDirty();
                    session.releaseChannel(this);
                    return;
                }
                state = State.CLOSING_BY_CLIENT;
                up.forwardChannelClose(upstream, buf, off, len);
            }
            case Methods.CHANNEL_OPEN -> session.connectionError(ReplyCodes.CHANNEL_ERROR,
                    ReplyCodes.text(ReplyCodes.CHANNEL_ERROR, "second 'channel.open' seen"), method);
            case Methods.CHANNEL_CLOSE_OK -> {
                // answers nothing we sent; ignore
            }
            case Methods.QUEUE_DECLARE, Methods.QUEUE_BIND, Methods.QUEUE_PURGE, Methods.QUEUE_DELETE,
                    Methods.QUEUE_UNBIND, Methods.BASIC_CONSUME, Methods.BASIC_GET -> {
                if (reusable) {
                    if (method == Methods.BASIC_GET && getIsNoAck(buf, off, len)) {
                        pendingGets++;
                    } else {
                        reusable = false;
                    }
                }
                if (session.exclusiveGuard().admit(this, upstream, method, buf, off, len)) {
                    forward(type, buf, off, len);
                }
            }
            default -> {
                reusable = false;
                forward(type, buf, off, len);
            }
        }
    }

    /**
     * Whether a method may go to the shared upstream: one a client may send on a channel, with arguments
     * that decode. Anything else would make the broker close the whole shared connection, so this client
     * alone gets the connection error.
     */
    private boolean admissible(int method, ByteBuffer buf, int off, int len) {
        String layout = ClientMethods.layout(method);
        if (layout == null) {
            int classId = method >>> 16;
            int code = classId == Methods.CONNECTION ? ReplyCodes.COMMAND_INVALID : ReplyCodes.NOT_IMPLEMENTED;
            session.connectionError(code, ReplyCodes.text(code, "method " + classId + "." + (method & 0xFFFF)
                    + " cannot be sent on a channel through this proxy"), method);
            return false;
        }
        if (!ClientMethods.argumentsFit(layout, buf, off, len, session.loopReader())) {
            session.connectionError(ReplyCodes.SYNTAX_ERROR, ReplyCodes.text(ReplyCodes.SYNTAX_ERROR,
                    "cannot decode the arguments of method " + (method >>> 16) + "." + (method & 0xFFFF)), method);
            return false;
        }
        return true;
    }

    /**
     * Gives this channel, about to consume, a new upstream channel on a connection that carries no publishers
     * (see {@link ConsumerMove}) and closes the old one. Stays put when the queue is an exclusive queue of
     * this client on the current connection (only that connection may use it), when the consume relies on
     * the channel's last declared queue (an empty name), or when no consumer connection can be had.
     */
    private void moveToConsumerConnection(ByteBuffer buf, int off, int len) {
        UpstreamConnection from = upstream.connection();
        MethodReader r = session.loopReader().reset(buf, off, len);
        r.u16();
        String queue = r.shortStr();
        if (from.isForConsumers() || queue.isEmpty() || from.exclusiveOwner(queue) != null) {
            return;
        }
        UpstreamChannel moved = session.openConsumerChannel(this);
        if (moved == null) {
            return;
        }
        UpstreamChannel old = upstream;
        old.unlink();
        from.closeChannel(old, ReplyCodes.REPLY_SUCCESS, "channel moved to a connection for consumers");
        upstream = moved;
        byte[] qos = move.qos();
        if (qos != null) {
            OutputBuffer out = moved.connection().outputFor(moved);
            out.frame(Frames.TYPE_METHOD, moved.id(), ByteBuffer.wrap(qos), 0, qos.length);
            qosOksToDrop++;
        }
    }

    /** The mandatory/immediate bits of a basic.publish: after ticket, exchange and routing key. */
    private static int publishFlags(ByteBuffer buf, int off, int len) {
        int at = off + 4 + 2;
        at += 1 + (buf.get(at) & 0xFF); // exchange
        if (at >= off + len) {
            return -1;
        }
        at += 1 + (buf.get(at) & 0xFF); // routing key
        return at < off + len ? buf.get(at) & 0x03 : -1;
    }

    /** Whether a basic.get has no-ack set: the bit after ticket and queue. */
    private static boolean getIsNoAck(ByteBuffer buf, int off, int len) {
        int at = off + 4 + 2;
        at += 1 + (buf.get(at) & 0xFF); // queue
        return at < off + len && (buf.get(at) & 0x01) != 0;
    }

    private void onContentFrame(int type, ByteBuffer buf, int off, int len) {
        UpstreamConnection up = upstream.connection();
        if (type == Frames.TYPE_HEADER && !headerSeen) {
            if (!ClientMethods.basicHeaderFits(buf, off, len, session.loopReader())) {
                session.connectionError(ReplyCodes.SYNTAX_ERROR, ReplyCodes.text(ReplyCodes.SYNTAX_ERROR,
                        "cannot decode the content header"), 0);
                return;
            }
            long bodySize = buf.getLong(off + 4);
            long max = session.maxMessageSize();
            if (bodySize < 0 || bodySize > max) {
                stage.clear();
                staging = false;
                closeByProxy(ReplyCodes.PRECONDITION_FAILED, ReplyCodes.text(ReplyCodes.PRECONDITION_FAILED,
                        "message size " + bodySize + " is larger than configured max size " + max), Methods.BASIC_PUBLISH);
                return;
            }
            stage.frame(Frames.TYPE_HEADER, upstream.id(), buf, off, len);
            headerSeen = true;
            bodyRemaining = bodySize;
            if (bodyRemaining == 0) {
                completePublish(up);
            }
        } else if (type == Frames.TYPE_BODY && headerSeen) {
            if (len > bodyRemaining) {
                session.connectionError(ReplyCodes.FRAME_ERROR, ReplyCodes.text(ReplyCodes.FRAME_ERROR,
                        "content body larger than the size its header declared"), 0);
                return;
            }
            stage.bodyFrames(upstream.id(), buf, off, len, up.frameMax());
            bodyRemaining -= len;
            if (bodyRemaining == 0) {
                completePublish(up);
            }
        } else {
            session.connectionError(ReplyCodes.UNEXPECTED_FRAME, ReplyCodes.text(ReplyCodes.UNEXPECTED_FRAME,
                    headerSeen ? "expected content body, got another frame instead"
                            : "expected content header for class 60, got another frame instead"), 0);
        }
    }

    private void completePublish(UpstreamConnection up) {
        staging = false;
        if (!up.isBlocked() && session.holdsPublishNow(this)) {
            return; // stays staged until the alarm is over; the session reads no more meanwhile
        }
        sendStaged();
    }

    private void sendStaged() {
        UpstreamConnection up = upstream.connection();
        up.outputFor(upstream).append(stage);
        up.markDirty();
        session.metrics().messagesPublished++;
    }

    /**
     * The alarm is over: sends the publish held back, if the channel still has it (closing the channel drops
     * it) and its connection is still there (the alarm may have ended because that very connection failed;
     * its clients hear of it next).
     */
    void sendHeldPublish() {
        if (upstream != null && upstream.connection().isUsable() && !stage.isEmpty()) {
            sendStaged();
        } else {
            stage.clear();
        }
    }

    private void forward(int type, ByteBuffer buf, int off, int len) {
        UpstreamConnection up = upstream.connection();
        up.outputFor(upstream).frame(type, upstream.id(), buf, off, len);
        up.markDirty();
    }

    /**
     * The proxy itself ends the channel with a channel error (e.g. 405 for another client's exclusive
     * queue): the client gets Channel.Close, the broker side is closed with 200.
     */
    void closeByProxy(int replyCode, String replyText, int failingMethod) {
        session.loopWriter().channelClose(session.output(), id, replyCode, replyText, failingMethod);
        session.markDirty();
        state = State.AWAITING_CLIENT_CLOSE_OK;
        releaseUpstream("channel closed by the proxy");
    }

    /** The client is gone or ends this channel: give the upstream channel back (the broker requeues). */
    void releaseUpstream(String why) {
        if (stage != null) {
            stage.clear();
            staging = false;
        }
        UpstreamChannel uc = upstream;
        upstream = null;
        if (uc != null) {
            uc.unlink();
            uc.connection().closeChannel(uc, ReplyCodes.REPLY_SUCCESS, why);
        }
    }

    // --- from the broker

    @Override
    public void onUpstreamFrame(UpstreamChannel ch, int type, ByteBuffer buf, int off, int len) {
        if (state != State.OPEN) {
            return;
        }
        OutputBuffer out = session.output();
        if (type == Frames.TYPE_BODY) {
            out.bodyFrames(id, buf, off, len, session.frameMax());
        } else {
            if (type == Frames.TYPE_METHOD) {
                int method = FrameDecoder.methodId(buf, off);
                if (method == Methods.BASIC_QOS_OK && qosOksToDrop > 0) {
                    qosOksToDrop--;
                    return;
                }
                move.brokerMethod(method);
                if (reusable) {
                    if (method == Methods.BASIC_GET_OK || method == Methods.BASIC_GET_EMPTY) {
                        pendingGets--;
                    } else {
                        reusable = false;
                    }
                }
                if (method == Methods.BASIC_DELIVER || method == Methods.BASIC_GET_OK) {
                    session.metrics().messagesDelivered++;
                } else if (method == Methods.QUEUE_DECLARE_OK && ch.takeDeclareOk()) {
                    MethodReader r = session.loopReader().reset(buf, off, len);
                    session.exclusiveGuard().declared(ch.connection(), r.shortStr());
                }
            }
            out.frame(type, id, buf, off, len);
        }
        session.markDirty();
    }

    @Override
    public void onUpstreamChannelClosed(UpstreamChannel ch, ByteBuffer buf, int off, int len) {
        upstream = null;
        if (stage != null) {
            stage.clear();
            staging = false;
        }
        if (state == State.OPEN || state == State.CLOSING_BY_CLIENT) {
            // also when it crosses the client's own Close: a client answers a crossing Close with CloseOk
            // and reports the broker's error, as it would directly
            session.output().frame(Frames.TYPE_METHOD, id, buf, off, len);
            session.markDirty();
            state = State.AWAITING_CLIENT_CLOSE_OK;
        }
    }

    @Override
    public void onUpstreamCloseOk(UpstreamChannel ch) {
        upstream = null;
        if (state == State.CLOSING_BY_CLIENT) {
            session.loopWriter().channelCloseOk(session.output(), id);
            session.markDirty();
            session.releaseChannel(this);
        }
    }
}
