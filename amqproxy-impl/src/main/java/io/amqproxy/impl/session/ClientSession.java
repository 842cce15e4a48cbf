package io.amqproxy.impl.session;

import io.amqproxy.ProxyListener.ClientInfo;
import io.amqproxy.impl.LoopContext;
import io.amqproxy.impl.codec.FrameDecoder;
import io.amqproxy.impl.codec.FrameHandler;
import io.amqproxy.impl.codec.Frames;
import io.amqproxy.impl.codec.MalformedFrameException;
import io.amqproxy.impl.codec.MethodReader;
import io.amqproxy.impl.codec.MethodWriter;
import io.amqproxy.impl.codec.Methods;
import io.amqproxy.impl.codec.ReplyCodes;
import io.amqproxy.impl.loop.BufferPool;
import io.amqproxy.impl.loop.NioEndpoint;
import io.amqproxy.impl.loop.OutputBuffer;
import io.amqproxy.impl.loop.Transport;
import io.amqproxy.impl.metrics.LoopMetrics;
import io.amqproxy.impl.upstream.Credentials;
import io.amqproxy.impl.upstream.UpstreamChannel;
import io.amqproxy.impl.upstream.UpstreamClient;
import io.amqproxy.impl.upstream.UpstreamConnection;
import io.amqproxy.impl.upstream.UpstreamPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One client connection. Plays the broker in the handshake, admits the client only once the broker has
 * accepted its exact credentials, then maps its channels onto pooled upstream channels and forwards frames
 * both ways with only the channel number rewritten. Owned by its event loop, not thread-safe.
 */
public final class ClientSession extends NioEndpoint implements FrameHandler, UpstreamClient {

    private static final Logger log = LoggerFactory.getLogger(ClientSession.class);
    private static final long CLOSE_WAIT_NANOS = TimeUnit.SECONDS.toNanos(3);

    private enum State { AWAIT_HEADER, AWAIT_START_OK, AUTHENTICATING, AWAIT_TUNE_OK, AWAIT_OPEN, VERIFYING, OPEN, CLOSE_SENT, CLOSE_RECEIVED, CLOSED }

    private final LoopContext ctx;
    private final UpstreamPool pool;
    private final SocketAddress remote;
    private final long acceptedAt;
    private final ExclusiveQueueGuard exclusiveGuard = new ExclusiveQueueGuard(this);
    private final List<UpstreamConnection> attached = new ArrayList<>(1);
    private State state = State.AWAIT_HEADER;
    private String user;
    private String vhost;
    private Credentials credentials;
    private boolean wantsBlocked;
    private int channelMax;
    private int frameMax;
    private int heartbeatSeconds;
    private ClientChannel[] channels = new ClientChannel[8];
    private UpstreamConnection primary;
    /** Where this client's consuming channels go, when consumers are kept apart from publishers. */
    private UpstreamConnection consumerPrimary;
    /** The connection that logged in for this client and waits for its vhost, if one had to be opened. */
    private UpstreamConnection held;
    private long closeDeadline;
    /** This client's queued output as last added to the shared total. */
    private long outputAccounted;
    /** Counted in clientConnections and announced to the listener; undone once by {@link #disconnected}. */
    private boolean announced;
    /** The channel whose whole publish waits for a broker alarm to end; nothing more is read meanwhile. */
    private ClientChannel holding;
    private final Runnable releaseHeld = this::releaseHeldPublish;

    public ClientSession(LoopContext ctx, UpstreamPool pool, SocketChannel socket, Transport transport) throws IOException {
        super(ctx.loop, socket);
        useTransport(transport);
        this.ctx = ctx;
        this.pool = pool;
        this.remote = socket.getRemoteAddress();
        this.acceptedAt = ctx.loop.now();
        this.channelMax = ctx.config.limits().maxChannelsPerClient();
        this.frameMax = ctx.config.limits().frameMax();
    }

    /** Registers for reading; loop thread only. */
    public void start() throws IOException {
        register(SelectionKey.OP_READ);
    }

    // --- accessors for the channel and guard classes

    OutputBuffer output() {
        return out;
    }

    MethodWriter loopWriter() {
        return ctx.loop.writer();
    }

    MethodReader loopReader() {
        return ctx.loop.reader();
    }

    BufferPool loopPool() {
        return ctx.loop.pool();
    }

    LoopMetrics metrics() {
        return ctx.metrics;
    }

    ExclusiveQueueGuard exclusiveGuard() {
        return exclusiveGuard;
    }

    int frameMax() {
        return frameMax;
    }

    long maxMessageSize() {
        return ctx.config.limits().maxMessageSize();
    }

    String vhost() {
        return vhost;
    }

    boolean safeChannelReuse() {
        return ctx.config.safeChannelReuse();
    }

    boolean separateConsumers() {
        return ctx.config.separateConsumers();
    }

    private ClientInfo info() {
        return new ClientInfo(remote, user, vhost);
    }

    // --- reading

    @Override
    protected void onData(ByteBuffer rb) {
        if (state == State.AWAIT_HEADER) {
            if (rb.remaining() < Frames.PROTOCOL_HEADER.length) {
                return;
            }
            for (int i = 0; i < Frames.PROTOCOL_HEADER.length; i++) {
                if (rb.get(rb.position() + i) != Frames.PROTOCOL_HEADER[i]) {
                    // the spec's answer to a header we do not speak: ours, then close
                    out.put(Frames.PROTOCOL_HEADER);
                    state = State.CLOSED;
                    closeWhenFlushed();
                    return;
                }
            }
            rb.position(rb.position() + Frames.PROTOCOL_HEADER.length);
            ClientHandshake.writeStart(ctx.loop.writer(), out);
            markDirty();
            state = State.AWAIT_START_OK;
        }
        int max = state.ordinal() >= State.OPEN.ordinal() ? frameMax : ctx.config.limits().frameMax();
        FrameDecoder.decode(rb, max, this);
    }

    @Override
    protected void onBytesRead(int n) {
        ctx.metrics.bytesFromClients += n;
    }

    @Override
    protected void onBytesWritten(long n) {
        ctx.metrics.bytesToClients += n;
        ctx.metrics.framesToClients += out.takeFrameCount();
    }

    @Override
    protected boolean mayRead() {
        if (holding != null) {
            pauseReading(); // until the alarm is over, whoever else resumed reading
            return false;
        }
        for (int i = 0; i < attached.size(); i++) {
            UpstreamConnection up = attached.get(i);
            if (up.isCongested()) {
                up.stall(this);
                pauseReading();
                return false;
            }
        }
        return true;
    }

    @Override
    public void onFrameError(int replyCode, String replyText) {
        discardInput();
        connectionError(replyCode, replyText, 0);
    }

    @Override
    public boolean onFrame(int type, int channel, ByteBuffer buf, int off, int len) {
        if (state == State.AUTHENTICATING || state == State.VERIFYING || state == State.CLOSED) {
            return false; // keep it until the broker has answered for this client
        }
        if (holding != null) {
            return false; // keep the rest until the held publish has gone (frames stay in order)
        }
        ctx.metrics.framesFromClients++;
        try {
            switch (state) {
                case AWAIT_START_OK, AWAIT_TUNE_OK, AWAIT_OPEN -> onHandshakeFrame(type, channel, buf, off, len);
                case OPEN -> onOpenFrame(type, channel, buf, off, len);
                case CLOSE_SENT -> onFrameAfterCloseSent(type, channel, buf, off);
                default -> {
                }
            }
        } catch (MalformedFrameException e) {
            discardInput();
            connectionError(ReplyCodes.SYNTAX_ERROR, ReplyCodes.text(ReplyCodes.SYNTAX_ERROR, e.getMessage()), 0);
            return false;
        }
        return !isClosed();
    }

    // --- handshake

    private void onHandshakeFrame(int type, int channel, ByteBuffer buf, int off, int len) {
        if (type == Frames.TYPE_HEARTBEAT) {
            return;
        }
        int expected = switch (state) {
            case AWAIT_START_OK -> Methods.CONNECTION_START_OK;
            case AWAIT_TUNE_OK -> Methods.CONNECTION_TUNE_OK;
            default -> Methods.CONNECTION_OPEN;
        };
        if (type != Frames.TYPE_METHOD || channel != 0 || FrameDecoder.methodId(buf, off) != expected) {
            connectionError(ReplyCodes.COMMAND_INVALID, ReplyCodes.text(ReplyCodes.COMMAND_INVALID,
                    "unexpected frame during the connection handshake"), 0);
            return;
        }
        MethodReader r = ctx.loop.reader().reset(buf, off, len);
        switch (state) {
            case AWAIT_START_OK -> {
                ClientHandshake.Login login;
                try {
                    login = ClientHandshake.readStartOk(r);
                } catch (ClientHandshake.Refusal refusal) {
                    ctx.metrics.refusedLogins++;
                    connectionError(refusal.code, refusal.getMessage(), Methods.CONNECTION_START_OK);
                    return;
                }
                user = login.user();
                wantsBlocked = login.wantsBlockedNotifications();
                credentials = new Credentials(login.user(), login.password(), null);
                Arrays.fill(login.password(), (byte) 0);
                // RabbitMQ judges the login before it sends Tune, and clients tell a refused login by that
                state = State.AUTHENTICATING;
                pauseReading();
                pool.authenticate(credentials, this);
            }
            case AWAIT_TUNE_OK -> {
                int clientChannelMax = r.u16();
                long clientFrameMax = r.u32();
                int clientHeartbeat = r.u16();
                if (clientFrameMax != 0 && clientFrameMax < Frames.FRAME_MIN_SIZE || clientFrameMax > frameMax) {
                    connectionError(ReplyCodes.NOT_ALLOWED, ReplyCodes.text(ReplyCodes.NOT_ALLOWED,
                            "frame_max=" + clientFrameMax + " outside " + Frames.FRAME_MIN_SIZE + ".." + frameMax), Methods.CONNECTION_TUNE_OK);
                    return;
                }
                if (clientChannelMax > channelMax) {
                    connectionError(ReplyCodes.NOT_ALLOWED, ReplyCodes.text(ReplyCodes.NOT_ALLOWED,
                            "channel_max=" + clientChannelMax + " above the offered " + channelMax), Methods.CONNECTION_TUNE_OK);
                    return;
                }
                if (clientChannelMax != 0) {
                    channelMax = clientChannelMax;
                }
                if (clientFrameMax != 0) {
                    frameMax = (int) clientFrameMax;
                }
                heartbeatSeconds = clientHeartbeat;
                state = State.AWAIT_OPEN;
            }
            default -> {
                vhost = r.shortStr();
                credentials = credentials.withVhost(vhost);
                state = State.VERIFYING;
                pauseReading();
                UpstreamConnection loggedIn = held;
                held = null;
                pool.verify(credentials, this, loggedIn);
            }
        }
    }

    @Override
    public void upstreamAuthenticated(UpstreamConnection loggedIn) {
        if (state != State.AUTHENTICATING) {
            return;
        }
        held = loggedIn;
        int heartbeat = (int) ctx.config.timeouts().clientHeartbeat().toSeconds();
        ctx.loop.writer().begin(Methods.CONNECTION_TUNE).u16(channelMax).u32(frameMax).u16(heartbeat).writeTo(out, 0);
        markDirty();
        state = State.AWAIT_TUNE_OK;
        resumeReading();
    }

    @Override
    public void upstreamReady(UpstreamConnection upstream) {
        if (state != State.VERIFYING) {
            return;
        }
        state = State.OPEN;
        ctx.loop.writer().begin(Methods.CONNECTION_OPEN_OK).shortStr("").writeTo(out, 0);
        markDirty();
        primary = upstream;
        ctx.metrics.clientConnections++;
        announced = true;
        log.debug("client {} connected as {}", remote, credentials);
        ctx.listener.clientConnected(info());
        resumeReading();
    }

    @Override
    public void upstreamRefused(int replyCode, String replyText) {
        if (state != State.VERIFYING && state != State.AUTHENTICATING) {
            return;
        }
        ctx.metrics.refusedLogins++;
        connectionError(replyCode, replyText, state == State.VERIFYING ? Methods.CONNECTION_OPEN : Methods.CONNECTION_START_OK);
        resumeReading(); // to see the client's CloseOk and let it go at once
    }

    // --- open connection

    private void onOpenFrame(int type, int channel, ByteBuffer buf, int off, int len) {
        if (type == Frames.TYPE_HEARTBEAT) {
            return;
        }
        if (channel == 0) {
            if (type != Frames.TYPE_METHOD) {
                connectionError(ReplyCodes.UNEXPECTED_FRAME, ReplyCodes.text(ReplyCodes.UNEXPECTED_FRAME,
                        "content frame on channel 0"), 0);
                return;
            }
            onConnectionMethod(FrameDecoder.methodId(buf, off));
            return;
        }
        if (channel > channelMax) {
            connectionError(ReplyCodes.CHANNEL_ERROR, ReplyCodes.text(ReplyCodes.CHANNEL_ERROR,
                    "channel " + channel + " exceeds the negotiated channel_max " + channelMax), 0);
            return;
        }
        ClientChannel ch = channel < channels.length ? channels[channel] : null;
        if (ch != null) {
            ch.onClientFrame(type, buf, off, len);
            return;
        }
        if (type != Frames.TYPE_METHOD) {
            connectionError(ReplyCodes.UNEXPECTED_FRAME, ReplyCodes.text(ReplyCodes.UNEXPECTED_FRAME,
                    "content frame on channel " + channel + ", which is not open"), 0);
            return;
        }
        int method = FrameDecoder.methodId(buf, off);
        if (method == Methods.CHANNEL_OPEN) {
            openChannel(channel);
        } else {
            connectionError(ReplyCodes.CHANNEL_ERROR, ReplyCodes.text(ReplyCodes.CHANNEL_ERROR,
                    "expected 'channel.open' on channel " + channel), method);
        }
    }

    private void onConnectionMethod(int method) {
        if (method == Methods.CONNECTION_CLOSE) {
            state = State.CLOSE_RECEIVED;
            discardInput();
            pauseReading();
            closeDeadline = ctx.loop.now() + CLOSE_WAIT_NANOS;
            releaseUpstreams("client closed", this::answerClose);
        } else if (method == Methods.CONNECTION_UPDATE_SECRET) {
            connectionError(ReplyCodes.NOT_IMPLEMENTED, ReplyCodes.text(ReplyCodes.NOT_IMPLEMENTED,
                    "connection.update-secret cannot be honoured on a pooled upstream connection"), method);
        } else {
            connectionError(ReplyCodes.COMMAND_INVALID, ReplyCodes.text(ReplyCodes.COMMAND_INVALID,
                    "unexpected connection method " + (method >>> 16) + "." + (method & 0xFFFF)), method);
        }
    }

    private void answerClose() {
        if (state != State.CLOSE_RECEIVED || isClosed()) {
            return;
        }
        ctx.loop.writer().connectionCloseOk(out);
        disconnected("client closed");
        closeWhenFlushed();
    }

    void openChannel(int id) {
        UpstreamConnection up = pool.forChannel(credentials, primary);
        if (up == null) {
            connectionError(ReplyCodes.INTERNAL_ERROR, ReplyCodes.text(ReplyCodes.INTERNAL_ERROR,
                    "the proxy cannot open a connection to the broker"), Methods.CHANNEL_OPEN);
            return;
        }
        ClientChannel ch = new ClientChannel(this, id);
        UpstreamChannel uc = up.takeParked(ch);
        if (uc == null) {
            uc = up.openChannel(ch);
        }
        if (uc == null) {
            connectionError(ReplyCodes.INTERNAL_ERROR, ReplyCodes.text(ReplyCodes.INTERNAL_ERROR,
                    "no upstream channel available"), Methods.CHANNEL_OPEN);
            return;
        }
        ch.link(uc);
        if (id >= channels.length) {
            channels = Arrays.copyOf(channels, Math.min(Math.max(channels.length * 2, id + 1), channelMax + 1));
        }
        channels[id] = ch;
        ctx.metrics.clientChannels++;
        if (primary == null || !primary.isUsable() || primary.isForConsumers()) {
            primary = up;
        }
        attach(up);
        ctx.loop.writer().channelOpenOk(out, id);
        markDirty();
    }

    /** A new upstream channel for {@code ch} on a connection for consumers, or {@code null} if none can be had. */
    UpstreamChannel openConsumerChannel(ClientChannel ch) {
        UpstreamConnection up = pool.forConsumer(credentials, consumerPrimary);
        UpstreamChannel uc = up == null ? null : up.openChannel(ch);
        if (uc == null) {
            return null;
        }
        consumerPrimary = up;
        attach(up);
        return uc;
    }

    private void attach(UpstreamConnection up) {
        if (!attached.contains(up)) {
            attached.add(up);
            up.attach(this);
        }
    }

    /**
     * Called by {@code ch} with a whole publish staged: whether it must wait because the broker has a resource
     * alarm on (see {@link UpstreamPool#alarmOn()}). If so, this client is not read until the alarm is over, and
     * then the held publish goes out before anything else it sent. Only one can be held: reading stops with it.
     */
    boolean holdsPublishNow(ClientChannel ch) {
        if (!pool.alarmOn()) {
            return false;
        }
        holding = ch;
        pauseReading();
        pool.afterAlarm(releaseHeld);
        return true;
    }

    private void releaseHeldPublish() {
        ClientChannel ch = holding;
        holding = null;
        if (state == State.OPEN) {
            ch.sendHeldPublish();
            resumeReading();
        }
    }

    void releaseChannel(ClientChannel ch) {
        if (channels[ch.id()] == ch) {
            channels[ch.id()] = null;
            ctx.metrics.clientChannels--;
        }
    }

    private void onFrameAfterCloseSent(int type, int channel, ByteBuffer buf, int off) {
        if (type != Frames.TYPE_METHOD || channel != 0) {
            return;
        }
        int method = FrameDecoder.methodId(buf, off);
        if (method == Methods.CONNECTION_CLOSE_OK) {
            closeSocket();
        } else if (method == Methods.CONNECTION_CLOSE) {
            ctx.loop.writer().connectionCloseOk(out);
            closeWhenFlushed();
        }
    }

    // --- ending

    /**
     * Ends the connection with Connection.Close (a connection-level error, or the broker's reply when it
     * refused or lost the upstream). Upstream channels are closed at once; the socket closes on the client's
     * CloseOk or after a short wait.
     */
    public void connectionError(int replyCode, String replyText, int failingMethod) {
        if (state.ordinal() >= State.CLOSE_SENT.ordinal()) {
            return;
        }
        State before = state;
        state = State.CLOSE_SENT;
        closeDeadline = ctx.loop.now() + CLOSE_WAIT_NANOS;
        ctx.loop.writer().connectionClose(out, replyCode, replyText, failingMethod);
        markDirty();
        if (before == State.OPEN) {
            log.debug("client {} ({}) closed by the proxy: {} {}", remote, credentials, replyCode, replyText);
            disconnected(replyCode + " " + replyText);
            releaseUpstreams("client connection closed", () -> { });
        } else {
            log.debug("client {} refused: {} {}", remote, replyCode, replyText);
            if (before.ordinal() >= State.AUTHENTICATING.ordinal()) {
                ctx.listener.clientRefused(remote, user, vhost, replyCode, replyText);
            }
        }
    }

    private void disconnected(String reason) {
        if (announced) {
            announced = false;
            ctx.metrics.clientConnections--;
            log.debug("client {} ({}) disconnected: {}", remote, credentials, reason);
            ctx.listener.clientDisconnected(info(), reason);
        }
    }

    /** Gives back every upstream channel and deletes the client's exclusive queues; then runs {@code done}. */
    private void releaseUpstreams(String why, Runnable done) {
        for (int i = 0; i < channels.length; i++) {
            ClientChannel ch = channels[i];
            if (ch != null) {
                ch.releaseUpstream(why);
                channels[i] = null;
                ctx.metrics.clientChannels--;
            }
        }
        for (UpstreamConnection up : attached) {
            up.detach(this);
        }
        attached.clear();
        if (holding != null) {
            holding = null;
            pool.cancelAfterAlarm(releaseHeld);
        }
        primary = null;
        consumerPrimary = null;
        exclusiveGuard.deleteAll(done);
    }

    @Override
    protected void onSocketLost(String reason) {
        State before = state;
        state = State.CLOSED;
        closeSocket();
        if (before == State.OPEN || before == State.CLOSE_RECEIVED) {
            if (before == State.OPEN) {
                releaseUpstreams(reason, () -> { });
            }
            disconnected(reason);
        }
    }

    @Override
    public void onFailure(Throwable t) {
        log.error("client {} failed unexpectedly", remote, t);
        if (state == State.OPEN) {
            connectionError(ReplyCodes.INTERNAL_ERROR, ReplyCodes.text(ReplyCodes.INTERNAL_ERROR, "proxy error"), 0);
        } else {
            onSocketLost("proxy error");
        }
    }

    @Override
    protected void onClosed() {
        ctx.clientSockets.decrementAndGet();
        accountOutput(); // the queue was dropped with the socket
        if (state == State.OPEN) {
            state = State.CLOSED;
            releaseUpstreams("client socket closed", () -> { });
            disconnected("client socket closed");
        }
        state = State.CLOSED;
    }

    @Override
    protected void afterPartialFlush() {
        long total = accountOutput();
        if (out.size() > ctx.config.limits().maxClientOutputBytes()) {
            log.warn("client {} ({}) disconnected: it does not read and {} bytes are queued for it (limit {})",
                    remote, credentials, out.size(), ctx.config.limits().maxClientOutputBytes());
            onSocketLost("output limit exceeded");
        } else if (total > ctx.config.limits().maxTotalClientOutputBytes()) {
            log.warn("client {} ({}) disconnected: it does not keep up and all clients together have {} bytes queued "
                    + "(limit {})", remote, credentials, total, ctx.config.limits().maxTotalClientOutputBytes());
            onSocketLost("total output limit exceeded");
        }
    }

    @Override
    protected void onDrained() {
        if (outputAccounted != 0) {
            accountOutput();
        }
    }

    /**
     * Brings this client's share of the shared output total up to date; only clients that fall behind (a
     * partial flush) have a share, so the fast path never touches the shared counter.
     *
     * @return the total after the update
     */
    private long accountOutput() {
        long now = isClosed() ? 0 : out.size();
        long delta = now - outputAccounted;
        outputAccounted = now;
        return delta == 0 ? ctx.clientOutputQueued.get() : ctx.clientOutputQueued.addAndGet(delta);
    }

    /** Proxy shutdown: Connection.Close 320 to a client, or just close one still in the handshake. */
    public void shutdown() {
        if (state == State.OPEN) {
            connectionError(ReplyCodes.CONNECTION_FORCED, ReplyCodes.text(ReplyCodes.CONNECTION_FORCED,
                    "the proxy is shutting down"), 0);
        } else if (state.ordinal() < State.OPEN.ordinal()) {
            onSocketLost("proxy shutting down");
        }
    }

    @Override
    public void onTick(long now) {
        switch (state) {
            case AWAIT_HEADER, AWAIT_START_OK, AWAIT_TUNE_OK, AWAIT_OPEN -> {
                if (now - acceptedAt > ctx.config.timeouts().handshake().toNanos()) {
                    log.debug("client {} dropped: no handshake within {} ms", remote, ctx.config.timeouts().handshake().toMillis());
                    onSocketLost("handshake timeout");
                }
            }
            case OPEN -> {
                // while we hold the client back (its broker connection is congested or blocked) its silence
                // is ours; RabbitMQ likewise pauses the check for a blocked connection
                if (!keepAlive(now, heartbeatSeconds, !isReadPaused())) {
                    log.debug("client {} ({}) missed heartbeats", remote, credentials);
                    onSocketLost("missed heartbeats");
                }
            }
            case CLOSE_SENT, CLOSE_RECEIVED -> {
                if (now - closeDeadline > 0) {
                    if (state == State.CLOSE_RECEIVED) {
                        answerClose();
                    } else {
                        onSocketLost("no close-ok from the client");
                    }
                }
            }
            default -> {
            }
        }
    }

    // --- from the upstream connections

    @Override
    public void upstreamClosed(UpstreamConnection upstream, int replyCode, String replyText) {
        attached.remove(upstream);
        connectionError(replyCode, replyText, 0);
    }

    @Override
    public void upstreamRetired(UpstreamConnection upstream) {
        attached.remove(upstream);
        if (primary == upstream) {
            primary = null;
        }
        if (consumerPrimary == upstream) {
            consumerPrimary = null;
        }
    }

    @Override
    public void upstreamBlocked(String reason) {
        if (wantsBlocked && state == State.OPEN) {
            ctx.loop.writer().blocked(out, reason);
            markDirty();
        }
    }

    @Override
    public void upstreamUnblocked() {
        if (wantsBlocked && state == State.OPEN) {
            ctx.loop.writer().unblocked(out);
            markDirty();
        }
    }

    @Override
    public void upstreamWritable() {
        resumeReading();
    }
}
