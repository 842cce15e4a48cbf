package io.amqproxy.impl.upstream;

import io.amqproxy.ProxyListener.UpstreamInfo;
import io.amqproxy.impl.LoopContext;
import io.amqproxy.impl.codec.FrameDecoder;
import io.amqproxy.impl.codec.FrameWriter;
import io.amqproxy.impl.codec.Frames;
import io.amqproxy.impl.codec.MethodReader;
import io.amqproxy.impl.codec.Methods;
import io.amqproxy.impl.codec.ReplyCodes;
import io.amqproxy.impl.loop.NioEndpoint;
import io.amqproxy.impl.loop.OutputBuffer;
import io.amqproxy.impl.loop.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.security.NoSuchAlgorithmException;
import java.util.List;

/**
 * One AMQP connection from the proxy to the broker, shared by the channels of many clients with the same
 * credentials: the router of an open connection. Its opening is decided by {@link BrokerHandshake}; once open it
 * routes the broker's frames to the client channel linked to each channel id ({@link ChannelTable}), answers
 * channel-level Close/CloseOk itself so an id is reused only when the broker is done with it, keeps safe channels
 * for reuse ({@link ParkedChannels}), tells its clients of Blocked and of its end ({@link AttachedClients}), and
 * closes when idle or past its lifetime. {@link BrokerFrames} (what is read) and {@link UpstreamLifetime} (the tick)
 * are its parts and read its package-private fields. Owned by its event loop, not thread-safe.
 */
public final class UpstreamConnection extends NioEndpoint {

    private static final Logger log = LoggerFactory.getLogger(UpstreamConnection.class);

    enum State { OPENING, OPEN, CLOSING, CLOSED }

    private final long id;
    private final LoopContext ctx;
    private final UpstreamPool pool;
    /** Opened for channels that consume; publishers' channels never go here (see UpstreamPool.forConsumer). */
    private final boolean forConsumers;
    final BrokerHandshake handshake;
    /** The brokers this connection may go to. */
    private final UpstreamNodes nodes;
    /** The client's {@code connection_name}, for a connection of its own (faithful mode). */
    private final String clientConnectionName;
    private Credentials credentials;
    /** What clients queue before the open, and the channels' lanes after it. */
    private final UpstreamBacklog backlog;
    private final UpstreamChannels channels;
    final AttachedClients clients;
    private final BrokerFrames frames;
    private final UpstreamLifetime lifetime;
    State state = State.OPENING;

    UpstreamConnection(long id, LoopContext ctx, UpstreamPool pool, UpstreamNodes nodes, Credentials credentials,
                       boolean forConsumers, String clientConnectionName) throws IOException {
        super(ctx.loop, SocketChannel.open());
        useShaping(ctx.shapingToBroker);
        this.id = id;
        this.ctx = ctx;
        this.pool = pool;
        this.forConsumers = forConsumers;
        this.credentials = credentials;
        this.handshake = new BrokerHandshake(this, id, ctx, pool, nodes, clientConnectionName);
        this.nodes = nodes;
        this.clientConnectionName = clientConnectionName;
        this.backlog = new UpstreamBacklog(ctx.loop.pool(), ctx.config.limits().maxUpstreamOutputBytes());
        this.channels = new UpstreamChannels(this, ctx);
        this.clients = new AttachedClients(pool);
        this.frames = new BrokerFrames(this, ctx);
        this.lifetime = new UpstreamLifetime(ctx);
    }

    // --- opening: the socket operations BrokerHandshake decides

    /**
     * Starts the non-blocking connect to a node that is up; failures surface as
     * {@link UpstreamClient#upstreamRefused}. When every node is in backoff, or a name is still resolving, the
     * connect starts later, within the connect timeout.
     */
    void connect() {
        if (state != State.OPENING || isClosed()) {
            return;
        }
        switch (handshake.start(this::connect)) {
            case NOW -> connectTo(handshake.address());
            case LATER -> {
                if (tickIndex() < 0) {
                    ctx.loop.addTickable(this); // onTick connects when the backoff is over, or gives up
                }
            }
            case FAIL -> fail(ReplyCodes.CONNECTION_FORCED, handshake.error());
        }
    }

    @Override
    protected void onConnectFailed(Exception e) {
        nodeFailed(e.getMessage());
    }

    /**
     * The node this connection went to did not answer as a broker: it goes into backoff, and the clients waiting
     * are handed to a connection to another node that is up, if there is one and time left; else they are refused.
     */
    void nodeFailed(String why) {
        String text = handshake.unreachable(why);
        if (state == State.OPENING && pool.failOver(this, handshake)) {
            log.info("upstream #{} ({}): {}; its clients go on with another node", id, credentials, text);
        }
        fail(ReplyCodes.CONNECTION_FORCED, text);
    }

    /** Whether this connection goes to one of {@code brokers}. */
    boolean goesTo(UpstreamNodes brokers) {
        return nodes == brokers;
    }

    String clientConnectionName() {
        return clientConnectionName;
    }

    /** A connection opened for clients whose first connection failed keeps their deadline. */
    void keepDeadline(long deadline) {
        handshake.keepDeadline(deadline);
    }

    /** How long nothing came from the broker; a client may judge its own liveness by it. */
    public long silentNanos(long now) {
        return now - lastReadNanos;
    }

    /** The heartbeat interval agreed with the broker, seconds; 0 for none. */
    public int heartbeatSeconds() {
        return handshake.heartbeatSeconds();
    }

    @Override
    protected void onConnected() {
        try {
            Transport tls = handshake.transport();
            if (tls != null) {
                useTransport(tls);
            }
        } catch (NoSuchAlgorithmException e) {
            fail(ReplyCodes.CONNECTION_FORCED, handshake.unreachable("no TLS available in this JVM: " + e.getMessage()));
            return;
        }
        interest(SelectionKey.OP_READ);
        SendBufferSizing.apply(socket, handshake.address());
        handshake.start(out);
        markDirty();
    }

    /** A connection method while opening: {@link BrokerHandshake} decides. */
    void onHandshakeMethod(int method, MethodReader r) {
        switch (handshake.onMethod(method, r, out, credentials)) {
            case CONTINUE -> markDirty();
            case AUTHENTICATED -> handshake.authenticated();
            case OPENED -> opened();
            case CLOSED_BY_BROKER -> frames.onBrokerClose(r);
            case PROTOCOL_ERROR -> nodeFailed(handshake.error());
        }
    }

    /**
     * Faithful mode: the broker connection of one client takes the channel_max, frame_max and heartbeat that client
     * agreed to, in place of the proxy's; call before {@link #assignVhost}.
     */
    public void useClientTune(int channelMax, int frameMax, int heartbeatSeconds) {
        handshake.clientTune(channelMax, frameMax, heartbeatSeconds);
    }

    /** The broker's Tune as far as the proxy accepts it: its channel_max and frame_max. */
    public int brokerChannelMax() {
        return handshake.channelMax();
    }

    /** The heartbeat interval the broker offered, as it offered it (faithful mode passes it on unchanged). */
    public int brokerHeartbeat() {
        return handshake.offeredHeartbeat();
    }

    /** Opens the vhost a client asked for on this logged-in connection; {@code client} hears the outcome. */
    void assignVhost(String vhost, UpstreamClient client) {
        Credentials before = credentials;
        credentials = credentials.withVhost(vhost);
        pool.rekey(this, before);
        handshake.addWaiter(client);
        handshake.sendTuneOkAndOpen(out, vhost);
        markDirty();
    }

    private void opened() {
        state = State.OPEN;
        backlog.opened(out);
        markDirty();
        channels.opened();
        lifetime.opened(ctx.loop.now());
        ctx.metrics.upstreamConnections++;
        handshake.succeeded(credentials).forEach(c -> c.upstreamReady(this));
    }

    void addWaiter(UpstreamClient client) {
        handshake.addWaiter(client);
    }

    // --- what the pool and clients ask

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
        return state == State.OPENING || state == State.OPEN;
    }

    /** Still connecting or in the handshake: a waiter added now hears when it opens or fails. */
    public boolean isOpening() {
        return state == State.OPENING && !handshake.awaitsVhost();
    }

    /** Logged in, waiting for a client to name the vhost ({@link #assignVhost}). */
    public boolean isAwaitingVhost() {
        return state == State.OPENING && handshake.awaitsVhost();
    }

    public int frameMax() {
        return handshake.frameMax();
    }

    public boolean isForConsumers() {
        return forConsumers;
    }

    public boolean hasRoom() {
        return isUsable() && channels.used() < handshake.channelMax() && !expired();
    }

    /** Open and not past its maximum lifetime: it may prove credentials and admit new clients. */
    public boolean takesNewClients() {
        return state == State.OPEN && !expired();
    }

    private boolean expired() {
        return state == State.OPEN && lifetime.expired(ctx.loop.now());
    }

    /** Where clients queue frames: the socket's buffer once open, a holding buffer before. */
    public OutputBuffer output() {
        return state == State.OPEN ? out : backlog.beforeOpen();
    }

    /**
     * Whether more than the output limit is queued for the broker, whoever queued it. The data path asks
     * {@link #isCongestedFor} instead (since the output is fair, a client pauses only for its own share); tests read
     * this beside it.
     */
    boolean isCongested() {
        return backlog.congested(queuedBytes());
    }

    /** Whether {@code client} should pause feeding this connection ({@link UpstreamBacklog#congestedFor}). */
    public boolean isCongestedFor(Object client) {
        return backlog.congestedFor(client, queuedBytes());
    }

    /** The lane for a frame of {@code ch}, fairly interleaved with the other channels' ({@link FairUpstreamOutput}). */
    OutputBuffer laneFor(UpstreamChannel ch) {
        return backlog.laneFor(ch);
    }

    /** Remembers a client paused because of {@link #isCongestedFor}; it is resumed when output drains. */
    public void stall(UpstreamClient client) {
        clients.stall(client);
    }

    /** Registers a client that has channels here, for Blocked notifications and connection failure. */
    public void attach(UpstreamClient client) {
        clients.attach(client);
    }

    public void detach(UpstreamClient client) {
        clients.detach(client);
    }

    public boolean isBlocked() {
        return clients.isBlocked();
    }

    /**
     * Connection.UpdateSecret with {@code renewed}'s password; {@code onOk} runs at the broker's UpdateSecretOk (a
     * refusal closes the connection). The connection is found under {@code renewed} from now on.
     */
    public void updateSecret(Credentials renewed, String reason, Runnable onOk) {
        ctx.writer.begin(Methods.CONNECTION_UPDATE_SECRET).longStr(renewed.secret()).shortStr(reason).writeTo(out, 0);
        markDirty();
        frames.awaitSecretOk(onOk);
        Credentials before = credentials;
        credentials = renewed;
        pool.rekey(this, before);
    }

    // --- channels

    /**
     * Opens a channel for {@code peer}: allocates an id. Channel.Open itself is written in front of the channel's
     * first frame ({@link UpstreamChannel#output()}).
     *
     * @return the channel, or {@code null} when the connection is full or closing
     */
    public UpstreamChannel openChannel(ChannelPeer peer) {
        return hasRoom() ? channels.open(peer, handshake.channelMax()) : null;
    }

    /** A parked channel for {@code peer}, already open on the broker, or {@code null}. */
    public UpstreamChannel takeParked(ChannelPeer peer) {
        return takesNewClients() ? channels.takeParked(peer) : null;
    }

    /** The channels on this connection: what an {@link UpstreamChannel} asks of its connection. */
    UpstreamChannels channels() {
        return channels;
    }

    /** The socket's own output, whatever the state: where the connection's replies to the broker go. */
    OutputBuffer socketOutput() {
        return out;
    }

    /**
     * The socket's output with everything the channels' lanes hold moved behind it, as a flush would send it over
     * several writes; for tests and benchmarks that read what would go to the broker without a socket.
     */
    OutputBuffer stagedOutput() {
        if (state == State.OPEN) {
            backlog.drainAll(out);
        }
        return out;
    }

    // --- reading (BrokerFrames routes what is read)

    /** The broker's CloseOk came: the socket goes. */
    void closeNow() {
        closeSocket();
    }

    @Override
    protected void onData(ByteBuffer rb) {
        int max = state == State.OPEN ? handshake.frameMax() : Math.max(handshake.frameMax(), Frames.FRAME_MIN_SIZE);
        FrameDecoder.decode(rb, max, frames);
    }

    @Override
    protected void onBytesRead(int n) {
        ctx.metrics.bytesFromUpstream += n;
    }

    @Override
    protected void onBytesWritten(long n) {
        ctx.metrics.bytesToUpstream += n;
        ctx.metrics.framesToUpstream += out.takeFrameCount();
        if (backlog.drained(queuedBytes())) {
            clients.resumeStalled();
        }
    }

    @Override
    protected void refillOutput() {
        if (state == State.OPEN) {
            backlog.fill(out);
        }
    }

    @Override
    protected boolean hasMoreOutput() {
        return state == State.OPEN && backlog.lanesHoldFrames();
    }

    @Override
    protected void writeKeepAlive() {
        FrameWriter.heartbeat(out);
    }

    public UpstreamInfo info() {
        return handshake.info(id, credentials);
    }

    /** Whether the broker itself closed this connection (Connection.Close), rather than the socket going. */
    public boolean closedByBroker() {
        return frames.sawBrokerClose();
    }

    /** The node this connection goes to, as metrics and messages name it. */
    public String node() {
        UpstreamNodes.Node node = handshake.node();
        return node == null ? "(none yet)" : node.label;
    }

    // --- ending

    /** Closes an open connection politely (Connection.Close 200); clients using it are told it is retired. */
    public void retire(String why) {
        if (state == State.OPEN) {
            pool.remove(this);
            state = State.CLOSING;
            lifetime.closing(ctx.loop.now());
            backlog.drainAll(out); // what the channels queued goes before the Close, as it always did
            ctx.writer.connectionClose(out, ReplyCodes.REPLY_SUCCESS, why, 0);
            markDirty();
            log.info("upstream #{} ({}) closing: {}", id, credentials, why);
            for (UpstreamClient c : clients.takeAll()) {
                c.upstreamRetired(this);
            }
            ctx.metrics.upstreamConnections--;
            handshake.closed();
            ctx.listener.upstreamClosed(info(), ReplyCodes.REPLY_SUCCESS, why);
        } else if (state == State.OPENING) {
            fail(ReplyCodes.CONNECTION_FORCED, ReplyCodes.text(ReplyCodes.CONNECTION_FORCED, why));
        }
    }

    /** The connection is unusable: tell everyone who waits for it or uses it, and close the socket. */
    void fail(int code, String text) {
        if (state == State.CLOSED) {
            return;
        }
        boolean wasOpen = state == State.OPEN;
        List<UpstreamClient> refused = state == State.OPENING ? handshake.failed(credentials, code, text) : List.of();
        state = State.CLOSED;
        pool.remove(this);
        if (wasOpen) {
            ctx.metrics.upstreamConnections--;
            handshake.closed();
            ctx.listener.upstreamClosed(info(), code, text);
            log.info("upstream #{} ({}) lost: {} {}", id, credentials, code, text);
        }
        List<UpstreamClient> users = clients.takeAll();
        channels.removeAll();
        backlog.clear();
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
        if (state == State.OPENING && handshake.awaitsTune()) {
            // the broker drops the socket instead of answering a login it cannot even parse
            fail(ReplyCodes.ACCESS_REFUSED, ReplyCodes.text(ReplyCodes.ACCESS_REFUSED,
                    "Login was refused: the broker closed the connection after the login was sent"));
            return;
        }
        if (state == State.OPEN) {
            handshake.nodeLost("connection lost: " + reason);
            fail(ReplyCodes.CONNECTION_FORCED, ReplyCodes.text(ReplyCodes.CONNECTION_FORCED,
                    "connection to the broker " + node() + " lost: " + reason));
        } else {
            nodeFailed(reason);
        }
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
        backlog.clearLanes();
        clients.connectionGone();
    }

    @Override
    public void onTick(long now) {
        lifetime.tick(this, state, now);
    }

    /** Whether the broker was heard from within its heartbeat allowance; sends ours when due. */
    boolean heardFrom(long now) {
        return keepAlive(now, handshake.heartbeatSeconds(), true);
    }

    /**
     * Closes the socket without a word: a retired connection's CloseOk did not come, nobody wants it, or it logged
     * in for a vhost that another set of brokers serves.
     */
    void leave() {
        pool.remove(this);
        state = State.CLOSED;
        handshake.closed();
        closeSocket();
    }

    @Override
    public String toString() {
        return "upstream #" + id + " (" + credentials + (forConsumers ? ", consumers" : "") + ")";
    }
}
