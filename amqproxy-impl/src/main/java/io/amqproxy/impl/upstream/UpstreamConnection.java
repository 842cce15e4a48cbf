package io.amqproxy.impl.upstream;

import io.amqproxy.ProxyConfig;
import io.amqproxy.ProxyListener.UpstreamInfo;
import io.amqproxy.impl.LoopContext;
import io.amqproxy.impl.codec.FrameDecoder;
import io.amqproxy.impl.codec.FrameHandler;
import io.amqproxy.impl.codec.Frames;
import io.amqproxy.impl.codec.MalformedFrameException;
import io.amqproxy.impl.codec.MethodReader;
import io.amqproxy.impl.codec.MethodWriter;
import io.amqproxy.impl.codec.Methods;
import io.amqproxy.impl.codec.ReplyCodes;
import io.amqproxy.impl.loop.NioEndpoint;
import io.amqproxy.impl.loop.OutputBuffer;
import io.amqproxy.impl.tls.TlsTransport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One AMQP connection from the proxy to the broker, shared by the channels of many clients with the same
 * credentials. It performs the client side of the handshake, allocates upstream channel ids, routes the
 * broker's frames to the client channel linked to each id, and answers channel-level Close/CloseOk itself
 * so an id is reused only when the broker is done with it. Owned by its event loop, not thread-safe.
 */
public final class UpstreamConnection extends NioEndpoint implements FrameHandler {

    private static final Logger log = LoggerFactory.getLogger(UpstreamConnection.class);
    private static final long QUARANTINE_NANOS = TimeUnit.SECONDS.toNanos(30);
    private static final long CLOSE_GRACE_NANOS = TimeUnit.SECONDS.toNanos(2);

    private enum State { CONNECTING, AWAIT_START, AWAIT_TUNE, AWAIT_VHOST, AWAIT_OPEN_OK, OPEN, CLOSING, CLOSED }

    private final long id;
    private final LoopContext ctx;
    private final UpstreamPool pool;
    /** Opened for channels that consume; publishers' channels never go here (see UpstreamPool.forConsumer). */
    private final boolean forConsumers;
    private Credentials credentials;
    private final OutputBuffer pending;
    private final ChannelTable channels;
    private final List<UpstreamClient> waiters = new ArrayList<>(2);
    private final List<UpstreamClient> clients = new ArrayList<>();
    private final List<UpstreamClient> stalled = new ArrayList<>();
    /** Exclusive queue name to the client that declared it, for queues declared through this connection. */
    private final Map<String, Object> exclusiveOwners = new HashMap<>();
    private final ParkedChannels parked = new ParkedChannels(this);
    private State state = State.CONNECTING;
    private int channelMax;
    private int frameMax;
    private int heartbeatSeconds;
    private long idleSince;
    private long deadline;
    private final long startedAt;
    /** When a connect delayed by backoff is due; 0 once connecting. */
    private long connectAt;
    private long openedAt;
    private boolean blocked;
    private String blockedReason = "";

    UpstreamConnection(long id, LoopContext ctx, UpstreamPool pool, Credentials credentials, boolean forConsumers)
            throws IOException {
        super(ctx.loop, SocketChannel.open());
        this.id = id;
        this.ctx = ctx;
        this.pool = pool;
        this.forConsumers = forConsumers;
        this.credentials = credentials;
        this.pending = new OutputBuffer(ctx.loop.pool());
        this.channelMax = ctx.config.limits().maxChannelsPerUpstream();
        this.channels = new ChannelTable(channelMax);
        this.frameMax = ctx.config.limits().frameMax();
        this.idleSince = ctx.loop.now();
        this.startedAt = ctx.loop.now();
        this.deadline = startedAt + ctx.config.timeouts().upstreamConnect().toNanos();
    }

    /** Starts the non-blocking connect; failures surface as {@link UpstreamClient#upstreamRefused}. */
    void connect() {
        long delay = pool.connectDelayNanos(ctx.loop.now());
        if (delay > 0) {
            // the broker was unreachable a moment ago: wait out the backoff, still within the connect deadline
            connectAt = ctx.loop.now() + delay;
            deadline = connectAt + ctx.config.timeouts().upstreamConnect().toNanos();
            ctx.loop.addTickable(this);
            return;
        }
        connectNow();
    }

    private void connectNow() {
        connectAt = 0;
        ProxyConfig.Upstream target = ctx.config.upstream();
        try {
            socket.configureBlocking(false);
            socket.setOption(StandardSocketOptions.TCP_NODELAY, true);
            socket.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
            register(SelectionKey.OP_CONNECT);
            if (socket.connect(new InetSocketAddress(target.host(), target.port()))) {
                connected();
            }
        } catch (IOException | RuntimeException e) {
            fail(ReplyCodes.CONNECTION_FORCED, unreachable(e.getMessage()));
        }
    }

    private String unreachable(String why) {
        pool.brokerUnreachable(ctx.loop.now());
        ctx.metrics.upstreamError = "broker " + ctx.config.upstream() + " unreachable: " + why;
        return ReplyCodes.text(ReplyCodes.CONNECTION_FORCED, "broker " + ctx.config.upstream() + " unreachable: " + why);
    }

    @Override
    protected void onConnectable() {
        try {
            if (socket.finishConnect()) {
                connected();
            }
        } catch (IOException e) {
            fail(ReplyCodes.CONNECTION_FORCED, unreachable(e.getMessage()));
        }
    }

    private void connected() {
        ProxyConfig.Upstream target = ctx.config.upstream();
        if (target.tls()) {
            ProxyConfig.UpstreamTls tls = ctx.config.upstreamTls();
            try {
                SSLContext sslContext = tls.context() != null ? tls.context() : SSLContext.getDefault();
                useTransport(TlsTransport.client(sslContext, target.host(), target.port(), tls.verifyHostname()));
            } catch (NoSuchAlgorithmException e) {
                fail(ReplyCodes.CONNECTION_FORCED, unreachable("no TLS available in this JVM: " + e.getMessage()));
                return;
            }
        }
        interest(SelectionKey.OP_READ);
        state = State.AWAIT_START;
        out.put(Frames.PROTOCOL_HEADER);
        markDirty();
    }

    public long id() {
        return id;
    }

    public Credentials credentials() {
        return credentials;
    }

    public boolean isOpen() {
        return state == State.OPEN;
    }

    /** Open or still opening: channels may be allocated on it (their frames wait for the handshake). */
    public boolean isUsable() {
        return state.ordinal() <= State.OPEN.ordinal();
    }

    /** Still connecting or in the handshake: a waiter added now hears when it opens or fails. */
    public boolean isOpening() {
        return state.ordinal() < State.OPEN.ordinal() && state != State.AWAIT_VHOST;
    }

    public int frameMax() {
        return frameMax;
    }

    public boolean isForConsumers() {
        return forConsumers;
    }

    public boolean hasRoom() {
        return isUsable() && channels.used() < channelMax && !expired();
    }

    /** Open and not past its maximum lifetime: it may prove credentials and admit new clients. */
    public boolean takesNewClients() {
        return state == State.OPEN && !expired();
    }

    private boolean expired() {
        long lifetime = ctx.config.timeouts().maxUpstreamLifetime().toNanos();
        return lifetime > 0 && state == State.OPEN && ctx.loop.now() - openedAt >= lifetime;
    }

    public int channelsInUse() {
        return channels.used();
    }

    /** Where clients queue frames: the socket's buffer once open, a holding buffer before. */
    public OutputBuffer output() {
        return state == State.OPEN ? out : pending;
    }

    /** Whether the broker side is so far behind that clients feeding it should pause. */
    public boolean isCongested() {
        return out.size() + pending.size() > ctx.config.limits().maxUpstreamOutputBytes();
    }

    /** Remembers a client paused because of {@link #isCongested()}; it is resumed when output drains. */
    public void stall(UpstreamClient client) {
        if (!stalled.contains(client)) {
            stalled.add(client);
        }
    }

    void addWaiter(UpstreamClient client) {
        waiters.add(client);
    }

    /** Registers a client that has channels here, for Blocked notifications and connection failure. */
    public void attach(UpstreamClient client) {
        if (!clients.contains(client)) {
            clients.add(client);
            if (blocked) {
                client.upstreamBlocked(blockedReason);
            }
        }
    }

    public void detach(UpstreamClient client) {
        clients.remove(client);
        stalled.remove(client);
    }

    public boolean isBlocked() {
        return blocked;
    }

    // --- exclusive queues declared through this shared connection

    public Object exclusiveOwner(String queue) {
        return exclusiveOwners.isEmpty() ? null : exclusiveOwners.get(queue);
    }

    public boolean hasExclusiveQueues() {
        return !exclusiveOwners.isEmpty();
    }

    public void registerExclusive(String queue, Object owner) {
        exclusiveOwners.put(queue, owner);
    }

    public void forgetExclusive(String queue, Object owner) {
        exclusiveOwners.remove(queue, owner);
    }

    // --- channels

    /**
     * Opens a channel for {@code peer}: allocates an id. Channel.Open itself is written by
     * {@link #outputFor} in front of the channel's first frame.
     *
     * @return the channel, or {@code null} when the connection is full or closing
     */
    public UpstreamChannel openChannel(ChannelPeer peer) {
        if (!hasRoom()) {
            return null;
        }
        UpstreamChannel ch = channels.allocate(this, peer, channelMax);
        if (ch != null) {
            ctx.metrics.upstreamChannels++;
        }
        return ch;
    }

    /**
     * The output to write a frame of {@code ch} to, with the channel's Channel.Open queued first if the
     * broker has not seen it yet. Every frame for a channel goes through here; the caller marks dirty.
     */
    public OutputBuffer outputFor(UpstreamChannel ch) {
        OutputBuffer o = output();
        if (!ch.announced) {
            ch.announced = true;
            ctx.loop.writer().channelOpen(o, ch.id());
        }
        return o;
    }

    /**
     * Keeps a safe channel whose client closed it, for the next client (safe channel reuse).
     *
     * @return {@code false} if it cannot be kept; the caller then closes it as usual
     */
    public boolean park(UpstreamChannel ch) {
        if (state != State.OPEN || !ch.isOpen() || !channels.holds(ch) || !parked.hasRoom()) {
            return false;
        }
        parked.park(ch);
        if (channels.used() == parked.count()) {
            idleSince = ctx.loop.now();
        }
        return true;
    }

    void askFlow(UpstreamChannel ch) {
        ctx.loop.writer().channelFlowActive(outputFor(ch), ch.id());
        markDirty();
    }

    /** A parked channel for {@code peer}, already open on the broker, or {@code null}. */
    public UpstreamChannel takeParked(ChannelPeer peer) {
        return takesNewClients() ? parked.take(peer) : null;
    }

    /** Sends Channel.Close for {@code ch}; the id is freed when the broker answers. */
    public void closeChannel(UpstreamChannel ch, int replyCode, String replyText) {
        if (ch.state != UpstreamChannel.State.OPEN || !channels.holds(ch)) {
            return;
        }
        if (!ch.announced) {
            closeUnannounced(ch);
            return;
        }
        ch.state = UpstreamChannel.State.CLOSING;
        ctx.loop.writer().channelClose(output(), ch.id(), replyCode, replyText, 0);
        markDirty();
    }

    /** Forwards a client's own Channel.Close frame, with the upstream channel number. */
    public void forwardChannelClose(UpstreamChannel ch, ByteBuffer buf, int payloadOff, int payloadLen) {
        if (ch.state != UpstreamChannel.State.OPEN || !channels.holds(ch)) {
            return;
        }
        if (!ch.announced) {
            closeUnannounced(ch);
            return;
        }
        ch.state = UpstreamChannel.State.CLOSING;
        output().frame(Frames.TYPE_METHOD, ch.id(), buf, payloadOff, payloadLen);
        markDirty();
    }

    /**
     * A channel the broker never heard of is closed at once: its id is free again and its peer hears the
     * CloseOk the broker would have sent. Sending Channel.Close for it would be a connection error.
     */
    private void closeUnannounced(UpstreamChannel ch) {
        ChannelPeer peer = ch.peer();
        ch.state = UpstreamChannel.State.CLOSING;
        free(ch);
        if (peer != null) {
            peer.onUpstreamCloseOk(ch);
        }
    }

    private void free(UpstreamChannel ch) {
        if (channels.remove(ch)) {
            ctx.metrics.upstreamChannels--;
            if (channels.used() == parked.count()) {
                idleSince = ctx.loop.now();
            }
        }
        ch.unlink();
        ch.fireClosed();
    }

    // --- reading

    @Override
    protected void onData(ByteBuffer rb) {
        int max = state == State.OPEN ? frameMax : Math.max(frameMax, Frames.FRAME_MIN_SIZE);
        FrameDecoder.decode(rb, max, this);
    }

    @Override
    protected void onBytesRead(int n) {
        ctx.metrics.bytesFromUpstream += n;
    }

    @Override
    protected void onBytesWritten(long n) {
        ctx.metrics.bytesToUpstream += n;
        ctx.metrics.framesToUpstream += out.takeFrameCount();
        if (!stalled.isEmpty() && out.size() <= ctx.config.limits().maxUpstreamOutputBytes() / 2) {
            List<UpstreamClient> resume = new ArrayList<>(stalled);
            stalled.clear();
            for (UpstreamClient c : resume) {
                c.upstreamWritable();
            }
        }
    }

    @Override
    public void onFrameError(int replyCode, String replyText) {
        log.warn("upstream #{} sent a broken frame: {}", id, replyText);
        ctx.loop.writer().connectionClose(out, replyCode, replyText, 0);
        if (state != State.OPEN) {
            // not a broker at all (an HTTP server, another protocol): say so, and where
            fail(ReplyCodes.CONNECTION_FORCED, unreachable("it answered with something that is not AMQP 0-9-1 ("
                    + replyText + ")"));
            return;
        }
        fail(ReplyCodes.INTERNAL_ERROR, ReplyCodes.text(ReplyCodes.INTERNAL_ERROR, "broker sent a broken frame: " + replyText));
    }

    @Override
    public boolean onFrame(int type, int channel, ByteBuffer buf, int off, int len) {
        if (state == State.CLOSED) {
            return false;
        }
        ctx.metrics.framesFromUpstream++;
        try {
            if (channel == 0) {
                if (type == Frames.TYPE_METHOD) {
                    onConnectionMethod(FrameDecoder.methodId(buf, off), buf, off, len);
                }
                return state != State.CLOSED;
            }
            if (state != State.OPEN && state != State.CLOSING) {
                return true;
            }
            UpstreamChannel ch = channels.get(channel);
            if (ch == null) {
                log.debug("upstream #{}: frame for unknown channel {} dropped", id, channel);
                return true;
            }
            if (type == Frames.TYPE_METHOD) {
                int method = FrameDecoder.methodId(buf, off);
                if (method == Methods.CHANNEL_CLOSE_OK) {
                    onChannelCloseOk(ch);
                    return true;
                }
                if (method == Methods.CHANNEL_CLOSE) {
                    onChannelClose(ch, buf, off, len);
                    return true;
                }
                if (method == Methods.CHANNEL_OPEN_OK) {
                    return true;
                }
            }
            ChannelPeer peer = ch.peer();
            if (peer != null && ch.state == UpstreamChannel.State.OPEN) {
                peer.onUpstreamFrame(ch, type, buf, off, len);
            }
            return true;
        } catch (MalformedFrameException e) {
            onFrameError(ReplyCodes.SYNTAX_ERROR, ReplyCodes.text(ReplyCodes.SYNTAX_ERROR, e.getMessage()));
            return false;
        }
    }

    private void onChannelCloseOk(UpstreamChannel ch) {
        if (ch.state == UpstreamChannel.State.OPEN) {
            return; // not ours to take: we never asked
        }
        ChannelPeer peer = ch.peer();
        free(ch);
        if (peer != null) {
            peer.onUpstreamCloseOk(ch);
        }
    }

    private void onChannelClose(UpstreamChannel ch, ByteBuffer buf, int off, int len) {
        ctx.loop.writer().channelCloseOk(out, ch.id());
        markDirty();
        ChannelPeer peer = ch.peer();
        if (ch.state == UpstreamChannel.State.OPEN) {
            free(ch);
            if (peer != null) {
                peer.onUpstreamChannelClosed(ch, buf, off, len);
            }
        } else if (ch.state == UpstreamChannel.State.CLOSING) {
            channels.quarantine(ch, ctx.loop.now() + QUARANTINE_NANOS);
            ch.unlink();
            ch.fireClosed();
            if (peer != null) {
                // the broker's reason wins over the close it crossed: the client must learn of the error
                peer.onUpstreamChannelClosed(ch, buf, off, len);
            }
        }
    }

    private void onConnectionMethod(int method, ByteBuffer buf, int off, int len) {
        MethodReader r = ctx.loop.reader().reset(buf, off, len);
        MethodWriter w = ctx.loop.writer();
        switch (state) {
            case AWAIT_START -> {
                if (method != Methods.CONNECTION_START) {
                    protocolFailure("expected connection.start");
                    return;
                }
                r.u8();
                r.u8();
                r.skipTable();
                String offered = " " + new String(r.longStrBytes(), java.nio.charset.StandardCharsets.UTF_8) + " ";
                String mechanism = BrokerLogin.mechanism(credentials);
                if (!offered.contains(" " + mechanism + " ")) {
                    protocolFailure("broker does not offer the " + mechanism + " mechanism (offers:" + offered + ")");
                    return;
                }
                BrokerLogin.writeStartOk(w, out, credentials, id);
                state = State.AWAIT_TUNE;
                markDirty();
            }
            case AWAIT_TUNE -> {
                if (method == Methods.CONNECTION_CLOSE) {
                    onBrokerClose(r);
                    return;
                }
                if (method != Methods.CONNECTION_TUNE) {
                    protocolFailure("expected connection.tune");
                    return;
                }
                int brokerChannelMax = r.u16();
                long brokerFrameMax = r.u32();
                int brokerHeartbeat = r.u16();
                int configured = ctx.config.limits().maxChannelsPerUpstream();
                channelMax = brokerChannelMax == 0 ? configured : Math.min(brokerChannelMax, configured);
                int ourFrameMax = ctx.config.limits().frameMax();
                frameMax = brokerFrameMax == 0 ? ourFrameMax : (int) Math.min(brokerFrameMax, ourFrameMax);
                heartbeatSeconds = brokerHeartbeat;
                if (credentials.vhost() == null) {
                    // logged in for a client that has not named its vhost yet: hold here until it does
                    state = State.AWAIT_VHOST;
                    List<UpstreamClient> authenticated = new ArrayList<>(waiters);
                    waiters.clear();
                    for (UpstreamClient c : authenticated) {
                        c.upstreamAuthenticated(this);
                    }
                } else {
                    sendTuneOkAndOpen();
                }
            }
            case AWAIT_OPEN_OK -> {
                if (method == Methods.CONNECTION_CLOSE) {
                    onBrokerClose(r);
                    return;
                }
                if (method != Methods.CONNECTION_OPEN_OK) {
                    protocolFailure("expected connection.open-ok");
                    return;
                }
                opened();
            }
            case OPEN, CLOSING -> onOpenConnectionMethod(method, r);
            default -> {
            }
        }
    }

    private void sendTuneOkAndOpen() {
        MethodWriter w = ctx.loop.writer();
        w.begin(Methods.CONNECTION_TUNE_OK).u16(channelMax).u32(frameMax).u16(heartbeatSeconds).writeTo(out, 0);
        w.begin(Methods.CONNECTION_OPEN).shortStr(credentials.vhost()).shortStr("").u8(0).writeTo(out, 0);
        state = State.AWAIT_OPEN_OK;
        markDirty();
    }

    /** Logged in, waiting for a client to name the vhost ({@link #assignVhost}). */
    public boolean isAwaitingVhost() {
        return state == State.AWAIT_VHOST;
    }

    /** Opens the vhost a client asked for on this logged-in connection; {@code client} hears the outcome. */
    void assignVhost(String vhost, UpstreamClient client) {
        Credentials before = credentials;
        credentials = credentials.withVhost(vhost);
        pool.rekey(this, before);
        addWaiter(client);
        sendTuneOkAndOpen();
    }

    private void onOpenConnectionMethod(int method, MethodReader r) {
        if (method == Methods.CONNECTION_CLOSE) {
            onBrokerClose(r);
        } else if (method == Methods.CONNECTION_CLOSE_OK) {
            closeSocket();
        } else if (method == Methods.CONNECTION_BLOCKED) {
            if (!blocked) {
                pool.alarmRaised();
            }
            blocked = true;
            blockedReason = r.hasMore() ? r.shortStr() : "";
            for (UpstreamClient c : new ArrayList<>(clients)) {
                c.upstreamBlocked(blockedReason);
            }
        } else if (method == Methods.CONNECTION_UNBLOCKED) {
            if (blocked) {
                pool.alarmCleared();
            }
            blocked = false;
            for (UpstreamClient c : new ArrayList<>(clients)) {
                c.upstreamUnblocked();
            }
        } else {
            log.debug("upstream #{}: ignoring connection method {}", id, Integer.toHexString(method));
        }
    }

    private void onBrokerClose(MethodReader r) {
        int code = r.u16();
        String text = r.shortStr();
        ctx.loop.writer().connectionCloseOk(out);
        markDirty();
        log.info("upstream #{} ({}) closed by the broker: {} {}", id, credentials, code, text);
        fail(code, text);
    }

    private void protocolFailure(String what) {
        fail(ReplyCodes.CONNECTION_FORCED, unreachable("unexpected answer: " + what));
    }

    private void opened() {
        state = State.OPEN;
        out.append(pending);
        markDirty();
        idleSince = ctx.loop.now();
        ctx.metrics.upstreamConnections++;
        ctx.metrics.upstreamConnects++;
        ctx.metrics.upstreamConnectNanos += System.nanoTime() - startedAt;
        ctx.metrics.upstreamError = null;
        pool.brokerReached();
        openedAt = ctx.loop.now();
        log.info("upstream #{} open to {} as {}", id, ctx.config.upstream(), credentials);
        ctx.listener.upstreamOpened(info());
        List<UpstreamClient> ready = new ArrayList<>(waiters);
        waiters.clear();
        for (UpstreamClient c : ready) {
            c.upstreamReady(this);
        }
    }

    public UpstreamInfo info() {
        ProxyConfig.Upstream u = ctx.config.upstream();
        return new UpstreamInfo(id, u.host(), u.port(), credentials.user(), credentials.vhost());
    }

    // --- ending

    /** Closes an open connection politely (Connection.Close 200); clients using it are told it is retired. */
    public void retire(String why) {
        if (state == State.OPEN) {
            pool.remove(this);
            state = State.CLOSING;
            deadline = ctx.loop.now() + CLOSE_GRACE_NANOS;
            ctx.loop.writer().connectionClose(out, ReplyCodes.REPLY_SUCCESS, why, 0);
            markDirty();
            log.info("upstream #{} ({}) closing: {}", id, credentials, why);
            for (UpstreamClient c : new ArrayList<>(clients)) {
                c.upstreamRetired(this);
            }
            clients.clear();
            ctx.metrics.upstreamConnections--;
            ctx.listener.upstreamClosed(info(), ReplyCodes.REPLY_SUCCESS, why);
        } else if (state.ordinal() < State.OPEN.ordinal()) {
            fail(ReplyCodes.CONNECTION_FORCED, ReplyCodes.text(ReplyCodes.CONNECTION_FORCED, why));
        }
    }

    /** The connection is unusable: tell everyone who waits for it or uses it, and close the socket. */
    void fail(int code, String text) {
        if (state == State.CLOSED) {
            return;
        }
        boolean wasOpen = state == State.OPEN;
        if (state.ordinal() < State.OPEN.ordinal()) {
            ctx.metrics.upstreamConnectFailures++; // unreachable, not AMQP, or the login or vhost refused
        }
        state = State.CLOSED;
        pool.remove(this);
        if (wasOpen) {
            ctx.metrics.upstreamConnections--;
            ctx.listener.upstreamClosed(info(), code, text);
            log.info("upstream #{} ({}) lost: {} {}", id, credentials, code, text);
        } else if (!waiters.isEmpty()) {
            log.info("upstream #{} ({}) could not be opened: {} {}", id, credentials, code, text);
        }
        List<UpstreamClient> refused = new ArrayList<>(waiters);
        waiters.clear();
        List<UpstreamClient> users = new ArrayList<>(clients);
        clients.clear();
        stalled.clear();
        channels.removeAll(ch -> {
            ctx.metrics.upstreamChannels--;
            ch.unlink();
            ch.fireClosed();
        });
        pending.clear();
        // the CloseOk (or Close) just queued is worth a try before the socket goes
        flushQuietly();
        closeSocket();
        for (UpstreamClient c : refused) {
            c.upstreamRefused(code, text);
        }
        for (UpstreamClient c : users) {
            c.upstreamClosed(this, code, text);
        }
    }

    private void flushQuietly() {
        try {
            if (!out.isEmpty() && socket.isConnected()) {
                out.writeTo(socket, new ByteBuffer[8]);
            }
        } catch (IOException ignored) {
            // the socket is going anyway
        }
    }

    @Override
    protected void onSocketLost(String reason) {
        if (state == State.CLOSING) {
            closeSocket();
            state = State.CLOSED;
            return;
        }
        if (state == State.AWAIT_TUNE) {
            // the broker drops the socket instead of answering a login it cannot even parse
            fail(ReplyCodes.ACCESS_REFUSED, ReplyCodes.text(ReplyCodes.ACCESS_REFUSED,
                    "Login was refused: the broker closed the connection after the login was sent"));
            return;
        }
        String text = state == State.OPEN
                ? ReplyCodes.text(ReplyCodes.CONNECTION_FORCED, "connection to the broker lost: " + reason)
                : unreachable(reason);
        fail(ReplyCodes.CONNECTION_FORCED, text);
    }

    @Override
    public void onFailure(Throwable t) {
        log.error("upstream #{} failed unexpectedly", id, t);
        fail(ReplyCodes.INTERNAL_ERROR, ReplyCodes.text(ReplyCodes.INTERNAL_ERROR, "proxy error on the upstream connection"));
    }

    @Override
    protected void onClosed() {
        if (state != State.CLOSED) {
            state = State.CLOSED;
            pool.remove(this);
        }
        if (blocked) {
            blocked = false; // a connection that is gone no longer speaks for the alarm
            pool.alarmCleared();
        }
    }

    @Override
    public void onTick(long now) {
        switch (state) {
            case AWAIT_VHOST -> {
                if (now - deadline > 0) {
                    // logged in for a client that never named a vhost: nobody waits, leave quietly
                    pool.remove(this);
                    state = State.CLOSED;
                    closeSocket();
                }
            }
            case CONNECTING, AWAIT_START, AWAIT_TUNE, AWAIT_OPEN_OK -> {
                if (connectAt != 0 && now - connectAt >= 0) {
                    ctx.loop.removeTickable(this); // registering the socket adds it again
                    connectNow();
                    return;
                }
                if (now - deadline > 0) {
                    fail(ReplyCodes.CONNECTION_FORCED, unreachable("no answer within "
                            + ctx.config.timeouts().upstreamConnect().toMillis() + " ms"));
                }
            }
            case OPEN -> {
                checkHeartbeat(now);
                channels.endQuarantines(now, this::free);
                long idle = ctx.config.timeouts().idleUpstream().toNanos();
                if (channels.used() == parked.count() && waiters.isEmpty() && now - idleSince >= idle) {
                    retire("idle for " + ctx.config.timeouts().idleUpstream().toMillis() + " ms");
                } else if (channels.used() == parked.count() && expired()) {
                    retire("past its maximum lifetime of " + ctx.config.timeouts().maxUpstreamLifetime().toMillis() + " ms");
                }
            }
            case CLOSING -> {
                if (now - deadline > 0) {
                    closeSocket();
                    state = State.CLOSED;
                }
            }
            default -> {
            }
        }
    }

    private void checkHeartbeat(long now) {
        if (!keepAlive(now, heartbeatSeconds, true)) {
            fail(ReplyCodes.CONNECTION_FORCED, ReplyCodes.text(ReplyCodes.CONNECTION_FORCED,
                    "broker missed heartbeats for " + 2 * heartbeatSeconds + " s"));
        }
    }

    @Override
    public String toString() {
        return "upstream #" + id + " (" + credentials + (forConsumers ? ", consumers" : "") + ")";
    }
}
