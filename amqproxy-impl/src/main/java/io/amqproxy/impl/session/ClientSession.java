package io.amqproxy.impl.session;

import io.amqproxy.ProxyListener.ClientInfo;
import io.amqproxy.impl.LoopContext;
import io.amqproxy.impl.codec.FrameDecoder;
import io.amqproxy.impl.codec.FrameHandler;
import io.amqproxy.impl.codec.FrameWriter;
import io.amqproxy.impl.codec.Frames;
import io.amqproxy.impl.codec.MalformedFrameException;
import io.amqproxy.impl.codec.Methods;
import io.amqproxy.impl.codec.ReplyCodes;
import io.amqproxy.impl.loop.NioEndpoint;
import io.amqproxy.impl.loop.Transport;
import io.amqproxy.impl.fixture.SessionRecording;
import io.amqproxy.impl.policy.ExclusiveQueueGuard;
import io.amqproxy.impl.upstream.Credentials;
import io.amqproxy.impl.upstream.UpstreamClient;
import io.amqproxy.impl.upstream.UpstreamConnection;
import io.amqproxy.impl.upstream.UpstreamPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * One client connection: the router between its socket, its handshake and its channels. The handshake
 * ({@link ClientHandshake}) admits the client once the broker has accepted its exact credentials; then each
 * channel's frames go to its {@link ClientChannel}, and channel 0 carries the connection's own Close. The session
 * also owns what belongs to the connection as a whole: the close handshake, the upstream connections it is
 * attached to ({@link UpstreamLinks}), the alarm hold ({@link AlarmHold}), the output bound ({@link
 * ClientOutputQuota}) and its exclusive queues ({@link ExclusiveQueueGuard}). Owned by its event loop, not
 * thread-safe.
 */
public final class ClientSession extends NioEndpoint implements FrameHandler, UpstreamClient {

    private static final Logger log = LoggerFactory.getLogger(ClientSession.class);

    enum State {
        HANDSHAKE, OPEN,
        /** We sent Connection.Close and wait for the client's CloseOk. */
        CLOSE_SENT,
        /** The client sent Connection.Close; we answer once its upstream channels are given back. */
        CLOSE_RECEIVED,
        CLOSED
    }

    private final LoopContext ctx;
    private final UpstreamPool pool;
    private final SocketAddress remote;
    private final ClientHandshake handshake;
    private final UpstreamLinks links = new UpstreamLinks(this);
    private final AlarmHold alarmHold;
    private final ClientOutputQuota outputQuota;
    private final ClientClock clock;
    private final SessionChecks checks;
    private final ConnectionMethods connectionMethods;
    private State state = State.HANDSHAKE;
    /** Made when the client is admitted, with its vhost. */
    private ExclusiveQueueGuard<UpstreamConnection> exclusiveGuard;
    /** Made when the client is admitted, with its credentials and channel_max. */
    private ClientChannels channels;
    private SessionRecording recording = SessionRecording.OFF;
    /** Counted in clientConnections and announced to the listener; undone once by {@link #disconnected}. */
    private boolean announced;

    public ClientSession(LoopContext ctx, UpstreamPool pool, SocketChannel socket, Transport transport) throws IOException {
        super(ctx.loop, socket);
        useTransport(transport);
        useShaping(ctx.shapingToClients);
        this.ctx = ctx;
        this.pool = pool;
        this.remote = socket.getRemoteAddress();
        this.handshake = new ClientHandshake(this, ctx, pool, out);
        this.alarmHold = new AlarmHold(this, pool);
        this.outputQuota = new ClientOutputQuota(ctx.config.limits(), ctx.clientOutputQueued);
        this.clock = new ClientClock(this, ctx);
        this.checks = new SessionChecks(this, ctx, pool, out);
        this.connectionMethods = new ConnectionMethods(this, ctx, out);
    }

    /**
     * Registers for reading; loop thread only. A fault rule may refuse the client first, by closing its socket
     * before Connection.Start, so that it sees a connect failure; so does a broker that is down as far as the proxy
     * knows ({@link UpstreamPool#readiness}).
     */
    public void start() throws IOException {
        if (!ctx.fixture.faults.isEmpty() && ctx.fixture.faults.refuseAtAccept()) {
            closeSocket();
            return;
        }
        // a broker known to be down looks down: a connect failure, which clients retry as they would directly
        switch (pool.readiness()) {
            case ADMIT -> register(SelectionKey.OP_READ);
            case REFUSE -> closeSocket();
            case PROBE -> pool.probeThen(this::probed);
        }
    }

    /** The probe {@link #start} waited for is over: serve the client if a node answered. */
    private void probed(boolean answered) {
        if (isClosed()) {
            return;
        }
        if (!answered) {
            closeSocket();
            return;
        }
        try {
            register(SelectionKey.OP_READ);
        } catch (IOException e) {
            closeSocket();
        }
    }

    boolean isOpen() {
        return state == State.OPEN;
    }

    /** The frame_max agreed with the client: bodies from the broker are split to fit it. */
    int frameMax() {
        return handshake.frameMax();
    }

    private ClientInfo info() {
        return new ClientInfo(remote, handshake.user(), handshake.vhost(), handshake.connectionName());
    }

    // --- reading

    @Override
    protected void onData(ByteBuffer rb) {
        if (state == State.HANDSHAKE && handshake.awaitsHeader()) {
            switch (handshake.readProtocolHeader(rb)) {
                case INCOMPLETE -> {
                    return;
                }
                case REFUSED -> {
                    state = State.CLOSED;
                    closeWhenFlushed();
                    return;
                }
                case ACCEPTED -> markDirty();
            }
        }
        int max = state == State.HANDSHAKE ? ctx.config.limits().frameMax() : handshake.frameMax();
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
    protected void writeKeepAlive() {
        FrameWriter.heartbeat(out);
    }

    @Override
    protected boolean mayRead() {
        if (alarmHold.isHolding() || checks.isHolding() || links.congested() != null) {
            pauseReading(); // until the alarm is over or the upstream drains, whoever else resumed reading
            return false;
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
        if (state == State.CLOSED || state == State.HANDSHAKE && handshake.awaitsBroker()) {
            return false; // keep it until the broker has answered for this client
        }
        if (alarmHold.isHolding() || checks.isHolding()) {
            return false; // keep the rest until the held publish has gone or the broker answered (frames stay in order)
        }
        ctx.metrics.framesFromClients++;
        try {
            switch (state) {
                case HANDSHAKE -> handshake.onFrame(type, channel, buf, off, len);
                case OPEN -> onOpenFrame(type, channel, buf, off, len);
                case CLOSE_SENT -> connectionMethods.afterCloseSent(type, channel, buf, off);
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

    // --- handshake outcomes, from the upstream pool

    @Override
    public void upstreamAuthenticated(UpstreamConnection loggedIn) {
        if (state == State.HANDSHAKE) {
            handshake.authenticated(loggedIn);
        }
    }

    @Override
    public void upstreamReady(UpstreamConnection upstream) {
        if (state != State.HANDSHAKE || !handshake.verified()) {
            return;
        }
        state = State.OPEN;
        links.admittedOn(upstream, ctx.config.faithful());
        exclusiveGuard = new ExclusiveQueueGuard<>(pool.exclusiveQueues(), handshake.vhost());
        recording = SessionRecording.of(ctx.fixture.traffic, ctx.fixture.nextConnectionId(),
                handshake.connectionName(), handshake.user(), handshake.vhost(),
                remote instanceof InetSocketAddress a ? a.getPort() : 0);
        channels = new ClientChannels(this, ctx, pool, links, out, handshake.credentials(), handshake.channelMax(),
                exclusiveGuard, handshake.identity(), recording);
        ctx.metrics.clientConnections++;
        announced = true;
        log.debug("client {} connected as {}", remote, handshake.credentials());
        ctx.listener.clientConnected(info());
        if (pool.simulatedAlarm() != null) {
            upstreamBlocked(pool.simulatedAlarm());
        }
        resumeReading();
    }

    @Override
    public void upstreamRefused(int replyCode, String replyText) {
        if (state != State.HANDSHAKE || !handshake.awaitsBroker()) {
            return;
        }
        ctx.metrics.refusedLogins++;
        connectionError(replyCode, replyText, handshake.refusedMethod());
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
            connectionMethods.onMethod(buf, off, len);
            return;
        }
        channels.onFrame(type, channel, buf, off, len);
    }

    void closeSocketNow() {
        closeSocket();
    }

    void closeWhenFlushedNow() {
        closeWhenFlushed();
    }

    /** Connection.Close from the client: its upstream channels are given back, then it gets CloseOk. */
    void closedByClient() {
        state = State.CLOSE_RECEIVED;
        discardInput();
        pauseReading();
        clock.closing(ctx.loop.now());
        releaseUpstreams("client closed", this::answerClose);
    }

    /** CloseOk to the client's Close: its upstream channels are given back, or it waited long enough for them. */
    void answerClose() {
        if (state != State.CLOSE_RECEIVED || isClosed()) {
            return;
        }
        ctx.writer.connectionCloseOk(out);
        recording.closed(ReplyCodes.REPLY_SUCCESS, "client closed");
        disconnected("client closed");
        closeWhenFlushed();
    }

    /** See {@link AlarmHold#holdsNow}. */
    boolean holdsPublishNow(ClientChannel ch) {
        return alarmHold.holdsNow(ch);
    }

    // --- ending

    /**
     * Ends the connection with Connection.Close (a connection-level error, or the broker's reply when it refused
     * or lost the upstream). Upstream channels are closed at once; the socket closes on the client's CloseOk or
     * after a short wait.
     */
    public void connectionError(int replyCode, String replyText, int failingMethod) {
        if (state != State.HANDSHAKE && state != State.OPEN) {
            return;
        }
        State before = state;
        state = State.CLOSE_SENT;
        clock.closing(ctx.loop.now());
        ctx.writer.connectionClose(out, replyCode, replyText, failingMethod);
        markDirty();
        if (before == State.OPEN) {
            log.debug("client {} ({}) closed by the proxy: {} {}", remote, handshake.credentials(), replyCode, replyText);
            recording.closed(replyCode, replyText);
            disconnected(replyCode + " " + replyText);
            releaseUpstreams("client connection closed", () -> { });
        } else {
            log.debug("client {} refused: {} {}", remote, replyCode, replyText);
            if (handshake.reportsRefusal()) {
                ctx.listener.clientRefused(remote, handshake.user(), handshake.vhost(), replyCode, replyText);
            }
        }
    }

    private void disconnected(String reason) {
        if (announced) {
            announced = false;
            ctx.metrics.clientConnections--;
            log.debug("client {} ({}) disconnected: {}", remote, handshake.credentials(), reason);
            ctx.listener.clientDisconnected(info(), reason);
        }
    }

    /** Gives back every upstream channel and deletes the client's exclusive queues; then runs {@code done}. */
    private void releaseUpstreams(String why, Runnable done) {
        channels.releaseAll(why);
        UpstreamConnection own = ctx.config.faithful() ? links.admittedConnection() : null;
        links.detachAll();
        alarmHold.cancel();
        ExclusiveQueueCleanup.deleteAll(exclusiveGuard, ctx, own == null ? done : () -> {
            own.retire("its client is gone"); // faithful mode: the client's own connection ends with it
            done.run();
        });
    }

    /** A fault rule resets the client's TCP connection: RST, no AMQP goodbye. */
    void reset(String reason) {
        lingerZero();
        onSocketLost(reason);
    }

    @Override
    protected void onSocketLost(String reason) {
        State before = state;
        state = State.CLOSED;
        recording.closed(0, reason);
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
        outputQuota.drained(); // the queue was dropped with the socket
        if (state == State.OPEN) {
            state = State.CLOSED;
            recording.closed(0, "client socket closed");
            releaseUpstreams("client socket closed", () -> { });
            disconnected("client socket closed");
        }
        state = State.CLOSED;
    }

    @Override
    protected void afterPartialFlush() {
        String exceeded = outputQuota.afterPartialFlush(queuedBytes());
        if (exceeded != null) {
            log.warn("client {} ({}) disconnected: {} ({} bytes queued for it, {} for all slow clients; limits {} and {})",
                    remote, handshake.credentials(), exceeded, queuedBytes(), outputQuota.total(),
                    ctx.config.limits().maxClientOutputBytes(), ctx.config.limits().maxTotalClientOutputBytes());
            onSocketLost(exceeded);
        }
    }

    @Override
    protected void onDrained() {
        outputQuota.drained();
    }

    /** Proxy shutdown: Connection.Close 320 to a client, or just close one still in the handshake. */
    public void shutdown() {
        disconnect(ReplyCodes.CONNECTION_FORCED, ReplyCodes.text(ReplyCodes.CONNECTION_FORCED,
                "the proxy is shutting down"));
    }

    /** Connection.Close with this reply to a client, or just close one still in the handshake. */
    public void disconnect(int code, String text) {
        if (state == State.OPEN) {
            connectionError(code, text, 0);
        } else if (state == State.HANDSHAKE) {
            onSocketLost("disconnected: " + text);
        }
    }

    @Override
    public void onTick(long now) {
        clock.tick(now);
    }

    State state() {
        return state;
    }

    /** Whether the client was heard from within its heartbeat allowance; sends ours when due. */
    boolean heardFrom(long now) {
        // while we hold the client back (its broker connection is congested or blocked) its silence is
        // ours; RabbitMQ likewise pauses the check for a blocked connection
        return keepAlive(now, handshake.heartbeatSeconds(), !isReadPaused());
    }

    ClientHandshake handshake() {
        return handshake;
    }

    SessionChecks checks() {
        return checks;
    }

    /** A refreshed secret, checked by a broker login, replaces the client's: see {@link SecretRefresh}. */
    void renewCredentials(Credentials renewed) {
        handshake.renew(renewed);
        channels.renew(renewed);
    }

    UpstreamLinks links() {
        return links;
    }

    SocketAddress remote() {
        return remote;
    }

    // --- from the upstream connections

    @Override
    public void upstreamClosed(UpstreamConnection upstream, int replyCode, String replyText) {
        links.lost(upstream);
        connectionError(replyCode, replyText, 0);
    }

    @Override
    public void upstreamRetired(UpstreamConnection upstream) {
        links.lost(upstream);
    }

    @Override
    public void upstreamBlocked(String reason) {
        if (handshake.wantsBlocked() && state == State.OPEN) {
            ctx.writer.blocked(out, reason);
            markDirty();
        }
    }

    @Override
    public void upstreamUnblocked() {
        if (handshake.wantsBlocked() && state == State.OPEN) {
            ctx.writer.unblocked(out);
            markDirty();
        }
    }

    @Override
    public void upstreamWritable() {
        resumeReading();
    }
}
