package io.amqproxy.impl.session;

import io.amqproxy.impl.LoopContext;
import io.amqproxy.impl.codec.FrameDecoder;
import io.amqproxy.impl.codec.FrameWriter;
import io.amqproxy.impl.codec.Frames;
import io.amqproxy.impl.codec.Methods;
import io.amqproxy.impl.codec.ReplyCodes;
import io.amqproxy.impl.upstream.ChannelPeer;
import io.amqproxy.impl.upstream.Credentials;
import io.amqproxy.impl.upstream.UpstreamChannel;
import io.amqproxy.impl.upstream.UpstreamClient;
import io.amqproxy.impl.upstream.UpstreamConnection;
import io.amqproxy.impl.upstream.UpstreamPool;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * One question put to the broker on a connection of its own ({@link UpstreamPool#openTrial}), never pooled, so that
 * the connection error the answer may be hurts nobody: may these credentials log in and open their vhost; does
 * this exchange.declare pass; does the broker take this Connection.UpdateSecret. Invariant: a trial's connection
 * carries nothing but the trial, and is closed once the answer is in; the outcome is reported exactly once, within
 * the connect timeout plus {@link #ANSWER_NANOS}. Owned by the event loop of the client that asked, not
 * thread-safe.
 */
final class BrokerTrial implements UpstreamClient, ChannelPeer {

    /** How long an open trial connection waits for the broker's answer. */
    private static final long ANSWER_NANOS = TimeUnit.SECONDS.toNanos(10);

    /** The code of an outcome where the broker dropped the connection without a Connection.Close. */
    static final int DROPPED = -1;
    /** The code of an outcome where the broker closed the trial's channel (a channel error) and nothing more. */
    static final int CHANNEL_CLOSED = -3;

    /** How a trial ended. */
    interface Outcome {
        /**
         * @param answered whether the trial connection opened and the broker answered the request on it; if not,
         *                 {@code code} and {@code text} say why (a refused login, a broker that cannot be reached)
         * @param code     0 when the broker answered without a connection error (a channel error counts as none),
         *                 {@link #DROPPED} when it dropped the connection without a word, {@link #CHANNEL_CLOSED}
         *                 when it closed the trial's channel only, else the code of its Connection.Close
         * @param text     the broker's reply text, or empty
         */
        void ended(boolean answered, int code, String text);
    }

    private enum Kind { LOGIN, DECLARE, UPDATE_SECRET }

    private final LoopContext ctx;
    private final Kind kind;
    private final byte[] declare;
    private final Credentials renewed;
    private final String reason;
    private final Outcome outcome;
    private UpstreamConnection connection;
    private boolean ended;

    private BrokerTrial(LoopContext ctx, Kind kind, byte[] declare, Credentials renewed, String reason, Outcome outcome) {
        this.ctx = ctx;
        this.kind = kind;
        this.declare = declare;
        this.renewed = renewed;
        this.reason = reason;
        this.outcome = outcome;
    }

    /** Whether {@code credentials} log in and open their vhost. */
    static void login(LoopContext ctx, UpstreamPool pool, Credentials credentials, Outcome outcome) {
        start(pool, credentials, new BrokerTrial(ctx, Kind.LOGIN, null, null, null, outcome));
    }

    /**
     * Whether the exchange.declare whose payload is {@code payload} (method id first) is a connection error; its
     * no-wait bit must be clear, so that the broker answers.
     */
    static void declare(LoopContext ctx, UpstreamPool pool, Credentials credentials, byte[] payload, Outcome outcome) {
        start(pool, credentials, new BrokerTrial(ctx, Kind.DECLARE, payload, null, null, outcome));
    }

    /** Whether a connection logged in with {@code current} takes Connection.UpdateSecret to {@code renewed}. */
    static void updateSecret(LoopContext ctx, UpstreamPool pool, Credentials current, Credentials renewed,
                             String reason, Outcome outcome) {
        start(pool, current, new BrokerTrial(ctx, Kind.UPDATE_SECRET, null, renewed, reason, outcome));
    }

    private static void start(UpstreamPool pool, Credentials credentials, BrokerTrial trial) {
        pool.openTrial(credentials, trial);
    }

    private void end(int code, String text) {
        finish(connection != null, code, text);
    }

    /** The trial could not be carried out: the broker gave no answer to the request itself. */
    private void fail(int code, String text) {
        finish(false, code, text);
    }

    private void finish(boolean answered, int code, String text) {
        if (ended) {
            return;
        }
        ended = true;
        if (connection != null) {
            connection.detach(this);
            connection.retire("trial over");
        }
        outcome.ended(answered, code, text);
    }

    // --- the trial connection

    @Override
    public void upstreamReady(UpstreamConnection upstream) {
        connection = upstream;
        upstream.attach(this); // to hear of a Connection.Close
        ctx.loop.schedule(ANSWER_NANOS, () -> fail(ReplyCodes.CONNECTION_FORCED, ReplyCodes.text(
                ReplyCodes.CONNECTION_FORCED, "the broker did not answer the proxy's trial of a client's request")));
        switch (kind) {
            case LOGIN -> end(0, "");
            case UPDATE_SECRET -> upstream.updateSecret(renewed, reason, () -> end(0, ""));
            case DECLARE -> {
                UpstreamChannel ch = upstream.openChannel(this);
                if (ch == null) {
                    fail(ReplyCodes.INTERNAL_ERROR, ReplyCodes.text(ReplyCodes.INTERNAL_ERROR, "no trial channel"));
                    return;
                }
                FrameWriter.frame(ch.output(), Frames.TYPE_METHOD, ch.id(), ByteBuffer.wrap(declare), 0, declare.length);
                upstream.markDirty();
            }
        }
    }

    @Override
    public void upstreamRefused(int replyCode, String replyText) {
        fail(replyCode, replyText);
    }

    @Override
    public void upstreamClosed(UpstreamConnection upstream, int replyCode, String replyText) {
        end(upstream.closedByBroker() ? replyCode : DROPPED, replyText);
    }

    @Override
    public void upstreamRetired(UpstreamConnection upstream) {
        fail(ReplyCodes.CONNECTION_FORCED, ReplyCodes.text(ReplyCodes.CONNECTION_FORCED, "trial connection retired"));
    }

    @Override
    public void upstreamAuthenticated(UpstreamConnection held) {
        // the vhost is known from the start: the connection opens it without waiting
    }

    @Override
    public void upstreamBlocked(String reason) {
    }

    @Override
    public void upstreamUnblocked() {
    }

    @Override
    public void upstreamWritable() {
    }

    // --- the trial channel

    @Override
    public void onUpstreamFrame(UpstreamChannel channel, int type, ByteBuffer buf, int off, int len) {
        if (type == Frames.TYPE_METHOD && FrameDecoder.methodId(buf, off) == Methods.EXCHANGE_DECLARE_OK) {
            end(0, "");
        }
    }

    @Override
    public void onUpstreamChannelClosed(UpstreamChannel channel, ByteBuffer buf, int off, int len) {
        end(CHANNEL_CLOSED, ""); // the client's own declare gets it on its own channel, harming nobody
    }

    @Override
    public void onUpstreamCloseOk(UpstreamChannel channel) {
    }
}
