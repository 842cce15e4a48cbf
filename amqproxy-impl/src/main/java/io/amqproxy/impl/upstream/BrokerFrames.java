package io.amqproxy.impl.upstream;

import io.amqproxy.impl.LoopContext;
import io.amqproxy.impl.codec.FrameDecoder;
import io.amqproxy.impl.codec.FrameHandler;
import io.amqproxy.impl.codec.Frames;
import io.amqproxy.impl.codec.MalformedFrameException;
import io.amqproxy.impl.codec.MethodReader;
import io.amqproxy.impl.codec.Methods;
import io.amqproxy.impl.codec.ReplyCodes;
import io.amqproxy.impl.upstream.UpstreamConnection.State;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * What one upstream connection reads from the broker, frame by frame: channel 0 methods go to the handshake while
 * opening and are handled here once open (Close, CloseOk, Blocked, Unblocked, UpdateSecretOk); every other channel's frames go to
 * the connection's {@link UpstreamChannels}. Invariant: nothing is routed once the connection is closed, and a
 * frame that does not decode ends the connection, never a client's channel alone. Owned by the connection's event
 * loop, not thread-safe.
 */
final class BrokerFrames implements FrameHandler {

    private static final Logger log = LoggerFactory.getLogger(BrokerFrames.class);

    private final UpstreamConnection conn;
    private final LoopContext ctx;
    /** What runs at each UpdateSecretOk still due, in the order the updates were sent. */
    private final ArrayDeque<Runnable> secretOks = new ArrayDeque<>(1);
    private boolean sawBrokerClose;

    BrokerFrames(UpstreamConnection conn, LoopContext ctx) {
        this.conn = conn;
        this.ctx = ctx;
    }

    @Override
    public void onFrameError(int replyCode, String replyText) {
        log.warn("upstream #{} sent a broken frame: {}", conn.id(), replyText);
        ctx.writer.connectionClose(conn.socketOutput(), replyCode, replyText, 0);
        if (conn.state != State.OPEN) {
            // not a broker at all (an HTTP server, another protocol): say so, and where
            conn.nodeFailed("it answered with something that is not AMQP 0-9-1 (" + replyText + ")");
            return;
        }
        conn.fail(ReplyCodes.INTERNAL_ERROR, ReplyCodes.text(ReplyCodes.INTERNAL_ERROR,
                "broker sent a broken frame: " + replyText));
    }

    @Override
    public boolean onFrame(int type, int channel, ByteBuffer buf, int off, int len) {
        State state = conn.state;
        if (state == State.CLOSED) {
            return false;
        }
        ctx.metrics.framesFromUpstream++;
        try {
            if (channel == 0) {
                if (type == Frames.TYPE_METHOD) {
                    int method = FrameDecoder.methodId(buf, off);
                    MethodReader r = ctx.reader.reset(buf, off, len);
                    if (state == State.OPENING) {
                        conn.onHandshakeMethod(method, r);
                    } else {
                        onConnectionMethod(method, r);
                    }
                }
                return conn.state != State.CLOSED;
            }
            if (state == State.OPEN || state == State.CLOSING) {
                conn.channels().onFrame(type, channel, buf, off, len);
            }
            return true;
        } catch (MalformedFrameException e) {
            onFrameError(ReplyCodes.SYNTAX_ERROR, ReplyCodes.text(ReplyCodes.SYNTAX_ERROR, e.getMessage()));
            return false;
        }
    }

    private void onConnectionMethod(int method, MethodReader r) {
        if (method == Methods.CONNECTION_CLOSE) {
            onBrokerClose(r);
        } else if (method == Methods.CONNECTION_CLOSE_OK) {
            conn.closeNow();
        } else if (method == Methods.CONNECTION_BLOCKED) {
            conn.clients.block(r.hasMore() ? r.shortStr() : "");
        } else if (method == Methods.CONNECTION_UNBLOCKED) {
            conn.clients.unblock();
        } else if (method == Methods.CONNECTION_UPDATE_SECRET_OK && !secretOks.isEmpty()) {
            secretOks.poll().run();
        } else {
            log.debug("upstream #{}: ignoring connection method {}", conn.id(), Integer.toHexString(method));
        }
    }

    /** Whether the broker sent Connection.Close. */
    boolean sawBrokerClose() {
        return sawBrokerClose;
    }

    /** An UpdateSecret was sent: {@code onOk} runs at its UpdateSecretOk. */
    void awaitSecretOk(Runnable onOk) {
        secretOks.add(onOk);
    }

    /** Connection.Close from the broker: answered with CloseOk, and the connection fails with its reply. */
    void onBrokerClose(MethodReader r) {
        sawBrokerClose = true;
        int code = r.u16();
        String text = r.shortStr();
        ctx.writer.connectionCloseOk(conn.socketOutput());
        conn.markDirty();
        log.info("upstream #{} ({}) closed by the broker: {} {}", conn.id(), conn.credentials(), code, text);
        ctx.facts.queueTypes.learnFrom(code, text);
        if (conn.state == State.OPEN && code == ReplyCodes.CONNECTION_FORCED) {
            // the node shuts down (or an operator closed the connection): reconnecting clients try the others first
            conn.handshake.nodeLost("closed by the broker: " + code + " " + text);
            if (conn.handshake.oneOfSeveralNodes()) {
                text = text + " (node " + conn.node() + ")";
            }
        }
        conn.fail(code, text);
    }
}
