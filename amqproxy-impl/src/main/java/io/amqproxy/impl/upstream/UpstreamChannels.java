package io.amqproxy.impl.upstream;

import io.amqproxy.impl.LoopContext;
import io.amqproxy.impl.codec.FrameDecoder;
import io.amqproxy.impl.codec.FrameWriter;
import io.amqproxy.impl.codec.Frames;
import io.amqproxy.impl.codec.Methods;
import io.amqproxy.impl.loop.OutputBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * The channels of one upstream connection and the channel-level protocol with the broker: ids ({@link
 * ChannelTable}), Channel.Open sent in front of a channel's first frame, Channel.Close and CloseOk answered here so
 * that an id is reused only when the broker is done with it, safe channels kept for reuse ({@link
 * ParkedChannels}), and each broker frame on a channel routed to the client channel linked to it ({@link
 * ChannelPeer}). Owned by the connection's event loop, not thread-safe.
 */
final class UpstreamChannels {

    private static final Logger log = LoggerFactory.getLogger(UpstreamChannels.class);
    private static final long QUARANTINE_NANOS = TimeUnit.SECONDS.toNanos(30);

    private final UpstreamConnection connection;
    private final LoopContext ctx;
    private final ChannelTable table;
    private final ParkedChannels parked = new ParkedChannels(this);
    /** Since when no channel but parked ones is in use. */
    private long idleSince;

    UpstreamChannels(UpstreamConnection connection, LoopContext ctx) {
        this.connection = connection;
        this.ctx = ctx;
        this.table = new ChannelTable(ctx.config.limits().maxChannelsPerUpstream());
        this.idleSince = ctx.loop.now();
    }

    int used() {
        return table.used();
    }

    /** Whether only parked channels, or none, are in use. */
    boolean idle() {
        return table.used() == parked.count();
    }

    long idleSince() {
        return idleSince;
    }

    /** The connection opened: its idle time starts now. */
    void opened() {
        idleSince = ctx.loop.now();
    }

    /** Allocates an id up to {@code channelMax} for {@code peer}, or {@code null} if every id is taken. */
    UpstreamChannel open(ChannelPeer peer, int channelMax) {
        UpstreamChannel ch = table.allocate(connection, peer, channelMax);
        if (ch != null) {
            ctx.metrics.upstreamChannels++;
        }
        return ch;
    }

    /** The output for a frame of {@code ch}, with its Channel.Open queued first if the broker has not seen it. */
    OutputBuffer outputFor(UpstreamChannel ch) {
        OutputBuffer o = connection.laneFor(ch);
        if (!ch.announced) {
            ch.announced = true;
            ctx.writer.channelOpen(o, ch.id());
        }
        return o;
    }

    /** Keeps a safe channel for the next client, if it is open here and there is room. */
    boolean park(UpstreamChannel ch) {
        if (!ch.isOpen() || !table.holds(ch) || !parked.hasRoom()) {
            return false;
        }
        parked.park(ch);
        if (idle()) {
            idleSince = ctx.loop.now();
        }
        return true;
    }

    /** channel.flow active=true on a parked channel: its FlowOk shows the broker is done with what came before. */
    void askFlow(UpstreamChannel ch) {
        ctx.writer.channelFlowActive(outputFor(ch), ch.id());
        connection.markDirty();
    }

    UpstreamChannel takeParked(ChannelPeer peer) {
        return parked.take(peer);
    }

    /** Sends Channel.Close for {@code ch}; the id is freed when the broker answers. */
    void close(UpstreamChannel ch, int replyCode, String replyText) {
        if (closing(ch)) {
            ctx.writer.channelClose(connection.laneFor(ch), ch.id(), replyCode, replyText, 0);
            connection.markDirty();
        }
    }

    /** Forwards a client's own Channel.Close frame, with the upstream channel number. */
    void forwardClose(UpstreamChannel ch, ByteBuffer buf, int payloadOff, int payloadLen) {
        if (closing(ch)) {
            FrameWriter.frame(connection.laneFor(ch), Frames.TYPE_METHOD, ch.id(), buf, payloadOff, payloadLen);
            connection.markDirty();
        }
    }

    /**
     * Marks {@code ch} closing before a Channel.Close is written for it.
     *
     * @return whether the caller should write the Close: not when the channel is already closing or gone, nor when
     *         the broker never heard of it (a Close would be a connection error); such a channel is closed at once,
     *         its id free again and its peer told the CloseOk the broker would have sent
     */
    private boolean closing(UpstreamChannel ch) {
        if (ch.state != UpstreamChannel.State.OPEN || !table.holds(ch)) {
            return false;
        }
        ch.state = UpstreamChannel.State.CLOSING;
        if (ch.announced) {
            return true;
        }
        ChannelPeer peer = ch.peer();
        free(ch);
        if (peer != null) {
            peer.onUpstreamCloseOk(ch);
        }
        return false;
    }

    private void free(UpstreamChannel ch) {
        if (table.remove(ch)) {
            ctx.metrics.upstreamChannels--;
            if (idle()) {
                idleSince = ctx.loop.now();
            }
        }
        ch.unlink();
        ch.fireClosed();
    }

    /** A frame from the broker on channel {@code channel} (not 0). */
    void onFrame(int type, int channel, ByteBuffer buf, int off, int len) {
        UpstreamChannel ch = table.get(channel);
        if (ch == null) {
            log.debug("{}: frame for unknown channel {} dropped", connection, channel);
            return;
        }
        if (type == Frames.TYPE_METHOD) {
            int method = FrameDecoder.methodId(buf, off);
            if (method == Methods.CHANNEL_CLOSE_OK) {
                onCloseOk(ch);
                return;
            }
            if (method == Methods.CHANNEL_CLOSE) {
                onClose(ch, buf, off, len);
                return;
            }
            if (method == Methods.CHANNEL_OPEN_OK) {
                return;
            }
        }
        ChannelPeer peer = ch.peer();
        if (peer != null && ch.state == UpstreamChannel.State.OPEN) {
            peer.onUpstreamFrame(ch, type, buf, off, len);
        }
    }

    private void onCloseOk(UpstreamChannel ch) {
        if (ch.state == UpstreamChannel.State.OPEN) {
            return; // not ours to take: we never asked
        }
        ChannelPeer peer = ch.peer();
        free(ch);
        if (peer != null) {
            peer.onUpstreamCloseOk(ch);
        }
    }

    private void onClose(UpstreamChannel ch, ByteBuffer buf, int off, int len) {
        // behind what the channel still has queued: frames after the CloseOk would hit a closed channel
        ctx.writer.channelCloseOk(connection.laneFor(ch), ch.id());
        connection.markDirty();
        ChannelPeer peer = ch.peer();
        if (ch.state == UpstreamChannel.State.OPEN) {
            free(ch);
            if (peer != null) {
                peer.onUpstreamChannelClosed(ch, buf, off, len);
            }
        } else if (ch.state == UpstreamChannel.State.CLOSING) {
            table.quarantine(ch, ctx.loop.now() + QUARANTINE_NANOS);
            ch.unlink();
            ch.fireClosed();
            if (peer != null) {
                // the broker's reason wins over the close it crossed: the client must learn of the error
                peer.onUpstreamChannelClosed(ch, buf, off, len);
            }
        }
    }

    /** Frees the ids whose quarantine ended. */
    void endQuarantines(long now) {
        table.endQuarantines(now, this::free);
    }

    /** The connection is gone: every channel with it. */
    void removeAll() {
        table.removeAll(ch -> {
            ctx.metrics.upstreamChannels--;
            ch.unlink();
            ch.fireClosed();
        });
    }
}
