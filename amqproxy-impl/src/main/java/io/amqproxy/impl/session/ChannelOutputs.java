package io.amqproxy.impl.session;

import io.amqproxy.impl.LoopContext;
import io.amqproxy.impl.codec.FrameWriter;
import io.amqproxy.impl.codec.Frames;
import io.amqproxy.impl.loop.OutputBuffer;
import io.amqproxy.impl.upstream.UpstreamChannel;

import java.nio.ByteBuffer;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Where one client channel's frames go: to the broker under the upstream channel's number, to the client under the
 * client's, bodies split to each side's frame_max. When a fault rule or a simulated condition delays a frame, it and
 * every later frame of the channel in that direction wait in a {@link DelayedFrames} until due, in order; without a
 * delay the frames go straight to the socket's output, as they always did. Owned by the channel's loop thread.
 */
final class ChannelOutputs {

    private final ClientSession session;
    private final LoopContext ctx;
    /** The client's output, held not owned: the session's socket buffer. */
    private final OutputBuffer toClient;
    private final int clientChannel;
    /** The channel's current upstream channel, or {@code null} when it has none. */
    private final Supplier<UpstreamChannel> upstream;
    private DelayedFrames toBrokerHeld;
    private DelayedFrames toClientHeld;

    ChannelOutputs(ClientSession session, LoopContext ctx, OutputBuffer toClient, int clientChannel,
                   Supplier<UpstreamChannel> upstream) {
        this.session = session;
        this.ctx = ctx;
        this.toClient = toClient;
        this.clientChannel = clientChannel;
        this.upstream = upstream;
    }

    // --- toward the broker

    /** A client's frame, forwarded under the upstream channel's number, after {@code delayNanos} (usually 0). */
    void toBroker(int type, ByteBuffer buf, int off, int len, long delayNanos) {
        UpstreamChannel uc = upstream.get();
        if (delayNanos == 0 && isEmpty(toBrokerHeld)) {
            FrameWriter.frame(uc.output(), type, uc.id(), buf, off, len);
            uc.connection().markDirty();
            return;
        }
        OutputBuffer segment = brokerLine().segment();
        FrameWriter.frame(segment, type, uc.id(), buf, off, len);
        brokerLine().hold(segment, delayNanos);
    }

    /** A whole message from {@code stage} (which is emptied), after {@code delayNanos}. */
    void messageToBroker(OutputBuffer stage, long delayNanos) {
        UpstreamChannel uc = upstream.get();
        if (delayNanos == 0 && isEmpty(toBrokerHeld)) {
            uc.output().append(stage);
            uc.connection().markDirty();
            return;
        }
        OutputBuffer segment = brokerLine().segment();
        segment.append(stage);
        brokerLine().hold(segment, delayNanos);
    }

    /** Lets what waits for the broker go now: the channel is closing, and the close comes after it. */
    void flushToBroker() {
        if (!isEmpty(toBrokerHeld)) {
            toBrokerHeld.releaseAll();
        }
    }

    private DelayedFrames brokerLine() {
        if (toBrokerHeld == null) {
            toBrokerHeld = new DelayedFrames(ctx.loop, ctx.loop.pool(), segment -> {
                UpstreamChannel uc = upstream.get();
                if (uc == null) {
                    segment.clear(); // the channel is gone at the broker: nothing to deliver to
                } else {
                    uc.output().append(segment);
                    uc.connection().markDirty();
                }
            });
        }
        return toBrokerHeld;
    }

    // --- toward the client

    /** A broker's frame, copied under the client's channel number, after {@code delayNanos} (usually 0). */
    void toClient(int type, ByteBuffer buf, int off, int len, long delayNanos) {
        if (delayNanos == 0 && isEmpty(toClientHeld)) {
            copy(toClient, type, buf, off, len);
            session.markDirty();
            return;
        }
        OutputBuffer segment = clientLine().segment();
        copy(segment, type, buf, off, len);
        clientLine().hold(segment, delayNanos);
    }

    /** Frames the proxy writes to the client itself (a fault's nack or return), behind anything held. */
    void toClient(Consumer<OutputBuffer> write) {
        if (isEmpty(toClientHeld)) {
            write.accept(toClient);
            session.markDirty();
            return;
        }
        OutputBuffer segment = clientLine().segment();
        write.accept(segment);
        clientLine().hold(segment, 0);
    }

    /** Copies a content frame under the client's channel number into {@code out}: for a message to return later. */
    void copyForClient(OutputBuffer out, int type, ByteBuffer buf, int off, int len) {
        copy(out, type, buf, off, len);
    }

    private void copy(OutputBuffer out, int type, ByteBuffer buf, int off, int len) {
        if (type == Frames.TYPE_BODY) {
            FrameWriter.bodyFrames(out, clientChannel, buf, off, len, session.frameMax());
        } else {
            FrameWriter.frame(out, type, clientChannel, buf, off, len);
        }
    }

    /** Lets what waits for the client go now, ahead of a close. */
    void flushToClient() {
        if (!isEmpty(toClientHeld)) {
            toClientHeld.releaseAll();
        }
    }

    /** The client is gone or being closed: what still waits for it is dropped; what waits for the broker goes. */
    void connectionGone() {
        flushToBroker();
        if (toClientHeld != null) {
            toClientHeld.drop();
        }
    }

    private DelayedFrames clientLine() {
        if (toClientHeld == null) {
            toClientHeld = new DelayedFrames(ctx.loop, ctx.loop.pool(), segment -> {
                if (session.isClosed()) {
                    segment.clear(); // its output went with the socket
                } else {
                    toClient.append(segment);
                    session.markDirty();
                }
            });
        }
        return toClientHeld;
    }

    private static boolean isEmpty(DelayedFrames held) {
        return held == null || held.isEmpty();
    }
}
