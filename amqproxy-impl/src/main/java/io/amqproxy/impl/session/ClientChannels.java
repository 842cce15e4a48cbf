package io.amqproxy.impl.session;

import io.amqproxy.fixture.FaultAction;
import io.amqproxy.impl.LoopContext;
import io.amqproxy.impl.codec.FrameDecoder;
import io.amqproxy.impl.codec.Frames;
import io.amqproxy.impl.codec.Methods;
import io.amqproxy.impl.codec.ReplyCodes;
import io.amqproxy.impl.fixture.ClientIdentity;
import io.amqproxy.impl.fixture.SessionRecording;
import io.amqproxy.impl.loop.OutputBuffer;
import io.amqproxy.impl.policy.ExclusiveQueueGuard;
import io.amqproxy.impl.upstream.Credentials;
import io.amqproxy.impl.upstream.UpstreamChannel;
import io.amqproxy.impl.upstream.UpstreamConnection;
import io.amqproxy.impl.upstream.UpstreamPool;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The channels of one admitted client: routes each frame on a channel other than 0 to its {@link ClientChannel},
 * opens a channel on Channel.Open (with an upstream channel from the client's connections, a parked one if safe
 * reuse keeps one), and releases channels. Indexed by the client's channel number, an array, no boxing. Owned
 * by the client's event loop, not thread-safe.
 */
final class ClientChannels {

    private final ClientSession session;
    private final LoopContext ctx;
    private final UpstreamPool pool;
    private final UpstreamLinks links;
    /** The client's output, held not owned: the session's socket buffer. */
    private final OutputBuffer toClient;
    /** The client's credentials: a new secret replaces them once a broker login checked it (SecretRefresh). */
    private Credentials credentials;
    private final int channelMax;
    private final ExclusiveQueueGuard<UpstreamConnection> exclusiveGuard;
    private final ClientIdentity identity;
    private final SessionRecording recording;
    private ClientChannel[] byId = new ClientChannel[8];

    ClientChannels(ClientSession session, LoopContext ctx, UpstreamPool pool, UpstreamLinks links,
                   OutputBuffer toClient, Credentials credentials, int channelMax,
                   ExclusiveQueueGuard<UpstreamConnection> exclusiveGuard, ClientIdentity identity,
                   SessionRecording recording) {
        this.session = session;
        this.ctx = ctx;
        this.pool = pool;
        this.links = links;
        this.toClient = toClient;
        this.credentials = credentials;
        this.channelMax = channelMax;
        this.exclusiveGuard = exclusiveGuard;
        this.identity = identity;
        this.recording = recording;
    }

    Credentials credentials() {
        return credentials;
    }

    /** The client's secret was refreshed and checked: its next channels go where the new one leads. */
    void renew(Credentials renewed) {
        credentials = renewed;
    }

    /** Who the client is, for fault rules. */
    ClientIdentity identity() {
        return identity;
    }

    /** A frame on channel {@code channel} (not 0, not a heartbeat). */
    void onFrame(int type, int channel, ByteBuffer buf, int off, int len) {
        if (channel > channelMax) {
            session.connectionError(ReplyCodes.CHANNEL_ERROR, ReplyCodes.text(ReplyCodes.CHANNEL_ERROR,
                    "channel " + channel + " exceeds the negotiated channel_max " + channelMax), 0);
            return;
        }
        ClientChannel ch = channel < byId.length ? byId[channel] : null;
        if (ch != null) {
            ch.onClientFrame(type, buf, off, len);
            return;
        }
        if (type != Frames.TYPE_METHOD) {
            session.connectionError(ReplyCodes.UNEXPECTED_FRAME, ReplyCodes.text(ReplyCodes.UNEXPECTED_FRAME,
                    "content frame on channel " + channel + ", which is not open"), 0);
            return;
        }
        int method = FrameDecoder.methodId(buf, off);
        if (method == Methods.CHANNEL_OPEN) {
            FaultAction fault = null;
            if (!ctx.fixture.faults.isEmpty()) {
                ctx.clientView.decodeClient(buf, off, len); // channel.open is not for a channel: only its id matters
                fault = ctx.fixture.faults.decide(ctx.clientView, identity);
            }
            if (fault == null) {
                open(channel, true);
            } else {
                openWithFault(channel, fault);
            }
        } else {
            session.connectionError(ReplyCodes.CHANNEL_ERROR, ReplyCodes.text(ReplyCodes.CHANNEL_ERROR,
                    "expected 'channel.open' on channel " + channel), method);
        }
    }

    /** Channel.Open as a fault rule has it: refused with a Close, answered late, never answered, or worse. */
    private void openWithFault(int id, FaultAction fault) {
        if (fault instanceof FaultAction.CloseConnection c) {
            session.connectionError(c.code(), c.text(), Methods.CHANNEL_OPEN);
        } else if (fault instanceof FaultAction.Reset) {
            session.reset("connection reset by a fault rule");
        } else if (fault instanceof FaultAction.CloseChannel c) {
            ClientChannel ch = open(id, false);
            if (ch != null) {
                ch.closeByProxy(c.code(), c.text(), Methods.CHANNEL_OPEN);
            }
        } else if (fault instanceof FaultAction.Delay d) {
            ClientChannel ch = open(id, false);
            if (ch != null) {
                ctx.loop.schedule(d.delay().toNanos(), () -> {
                    if (byId[id] == ch && !session.isClosed()) {
                        ctx.writer.channelOpenOk(toClient, id);
                        session.markDirty();
                    }
                });
            }
        } else {
            open(id, false); // dropped: the channel exists, its OpenOk never comes
        }
    }

    /** Channel.Open from the client: an upstream channel, then OpenOk. */
    void open(int id) {
        open(id, true);
    }

    /** Opens channel {@code id}; {@code answer}: with OpenOk to the client. Returns it, or null on failure. */
    private ClientChannel open(int id, boolean answer) {
        UpstreamConnection up = links.forChannel(pool, credentials);
        if (up == null) {
            session.connectionError(ReplyCodes.INTERNAL_ERROR, ReplyCodes.text(ReplyCodes.INTERNAL_ERROR,
                    "the proxy cannot open a connection to the broker"), Methods.CHANNEL_OPEN);
            return null;
        }
        ClientChannel ch = new ClientChannel(session, this, ctx, toClient, id, exclusiveGuard,
                recording.channelOpened(id));
        UpstreamChannel uc = up.takeParked(ch);
        if (uc == null) {
            uc = up.openChannel(ch);
        }
        if (uc == null) {
            session.connectionError(ReplyCodes.INTERNAL_ERROR, ReplyCodes.text(ReplyCodes.INTERNAL_ERROR,
                    "no upstream channel available"), Methods.CHANNEL_OPEN);
            return null;
        }
        ch.link(uc);
        if (id >= byId.length) {
            byId = Arrays.copyOf(byId, Math.min(Math.max(byId.length * 2, id + 1), channelMax + 1));
        }
        byId[id] = ch;
        ctx.metrics.clientChannels++;
        links.channelOpened(up);
        if (answer) {
            ctx.writer.channelOpenOk(toClient, id);
            session.markDirty();
        }
        return ch;
    }

    /** A new upstream channel for {@code ch} on a connection for consumers, or {@code null} if none can be had. */
    UpstreamChannel openForConsumer(ClientChannel ch) {
        UpstreamConnection up = links.forConsumer(pool, credentials);
        UpstreamChannel uc = up == null ? null : up.openChannel(ch);
        if (uc == null) {
            return null;
        }
        links.consumerChannelOpened(up);
        return uc;
    }

    /** {@code ch} is closed on both sides: its number is free. */
    void release(ClientChannel ch) {
        int id = ch.id();
        if (id < byId.length && byId[id] == ch) {
            byId[id] = null;
            ctx.metrics.clientChannels--;
            exclusiveGuard.channelClosed(id);
        }
    }

    /** Removes every channel, each giving its upstream channel back with {@code why}. */
    void releaseAll(String why) {
        for (int i = 0; i < byId.length; i++) {
            ClientChannel ch = byId[i];
            if (ch != null) {
                ch.connectionGone(why);
                byId[i] = null;
                ctx.metrics.clientChannels--;
            }
        }
    }
}
