package io.amqproxy.impl.upstream;

import io.amqproxy.UpstreamTls;
import io.amqproxy.Upstream;
import io.amqproxy.impl.LoopContext;
import io.amqproxy.impl.codec.Frames;
import io.amqproxy.impl.codec.MethodReader;
import io.amqproxy.impl.codec.MethodWriter;
import io.amqproxy.impl.codec.Methods;
import io.amqproxy.impl.codec.ReplyCodes;
import io.amqproxy.impl.loop.OutputBuffer;
import io.amqproxy.impl.loop.Transport;
import io.amqproxy.impl.tls.TlsTransport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLContext;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;

/**
 * The decisions of opening one broker connection: when to connect (at once, or after the pool's backoff when the
 * broker was unreachable a moment ago, always within the connect timeout), where, whether with TLS, and the AMQP
 * client handshake: protocol header, StartOk with the credentials of the clients it is for, Tune, Open of the
 * vhost. A connection that logs in for a client which has not named its vhost yet waits between Tune and Open.
 * {@link UpstreamConnection} carries out the socket operations; this class keeps the steps, the deadlines and the
 * negotiated limits. Owned by the connection's event loop, not thread-safe.
 */
final class BrokerHandshake {

    private static final Logger log = LoggerFactory.getLogger(BrokerHandshake.class);

    /** Where the handshake is. */
    enum Step { CONNECTING, AWAIT_START, AWAIT_TUNE, AWAIT_VHOST, AWAIT_OPEN_OK, DONE }

    /** What the handshake wants done at a tick. */
    enum Due {
        NOTHING,
        /** The backoff is over: connect now. */
        CONNECT,
        /** Logged in for a client that never named its vhost: nobody waits, leave quietly. */
        LEAVE,
        /** No answer within the connect timeout. */
        GIVE_UP
    }

    /** What a method from the broker led to. */
    enum Outcome {
        CONTINUE,
        /** The broker accepted user and password (Tune) for a connection that waits for a vhost. */
        AUTHENTICATED,
        /** OpenOk: the connection is open. */
        OPENED,
        /** The broker sent Connection.Close (a refused login or vhost); the caller reads and answers it. */
        CLOSED_BY_BROKER,
        /** Not what the handshake expects; see {@link #error()}. */
        PROTOCOL_ERROR
    }

    private final UpstreamConnection connection;
    /** The client's {@code connection_name}, for a connection of its own (faithful mode); else {@code null}. */
    private final String clientConnectionName;
    private final long id;
    private final LoopContext ctx;
    private final UpstreamPool pool;
    private final UpstreamNodes nodes;
    /** The node this connection goes to, chosen when the connect starts; {@code null} before. */
    private UpstreamNodes.Node node;
    /** Whether {@link #node} counts this connection among its own (from open to close). */
    private boolean countedOnNode;
    /** Whether {@link #node} counts this connection among those opening (from the connect to open or failure). */
    private boolean countedConnecting;
    private final long startedAt;
    private Step step = Step.CONNECTING;
    /** When a connect delayed by backoff is due; 0 once connecting. */
    private long connectAt;
    private long deadline;
    /** Clients waiting for the connection to open (or to log in, for a connection waiting for its vhost). */
    private final List<UpstreamClient> waiters = new ArrayList<>(2);
    private int channelMax;
    private int frameMax;
    private int heartbeatSeconds;
    /** The heartbeat interval the broker offered in its Tune, before {@link #agreedHeartbeat} capped it. */
    private int offeredHeartbeat;
    private String error;

    BrokerHandshake(UpstreamConnection connection, long id, LoopContext ctx, UpstreamPool pool, UpstreamNodes nodes,
                    String clientConnectionName) {
        this.connection = connection;
        this.clientConnectionName = clientConnectionName;
        this.id = id;
        this.ctx = ctx;
        this.pool = pool;
        this.nodes = nodes;
        this.startedAt = ctx.loop.now();
        this.deadline = startedAt + ctx.config.timeouts().upstreamConnect().toNanos();
        this.channelMax = ctx.config.limits().maxChannelsPerUpstream();
        this.frameMax = ctx.config.limits().frameMax();
    }

    /** Whether a connect can start now, and if not, why. */
    enum Start {
        /** A node was chosen: connect to {@link #address()}. */
        NOW,
        /** Every node is in backoff, or a name is being resolved: the connect starts when that is over. */
        LATER,
        /** No node can be had at all (a name that does not resolve); see {@link #error()}. */
        FAIL
    }

    /**
     * Chooses the node to connect to. If every node failed a moment ago, the connect waits out the first backoff to
     * end, and the connect timeout counts from then ({@link #onTick} says when); if a name is still resolving,
     * {@code whenResolved} runs once it has.
     */
    Start start(Runnable whenResolved) {
        long now = ctx.loop.now();
        node = nodes.pick(now, whenResolved);
        if (node != null) {
            node.connecting++;
            countedConnecting = true;
            connectAt = 0;
            return Start.NOW;
        }
        long delay = nodes.nanosUntilUp(now);
        if (delay > 0) {
            connectAt = now + delay;
            deadline = Math.max(deadline, connectAt + ctx.config.timeouts().upstreamConnect().toNanos());
            return Start.LATER;
        }
        if (nodes.resolveError() != null && nodes.nodes().isEmpty()) {
            error = ReplyCodes.text(ReplyCodes.CONNECTION_FORCED, nodes.resolveError());
            ctx.metrics.upstreamError = nodes.resolveError();
            return Start.FAIL;
        }
        return Start.LATER; // a name resolves; whenResolved starts the connect
    }

    /** A connection opened instead of one whose node failed keeps the clients' original deadline. */
    void keepDeadline(long original) {
        deadline = original;
    }

    long deadline() {
        return deadline;
    }

    /** The node chosen, or {@code null} before the connect starts. */
    UpstreamNodes.Node node() {
        return node;
    }

    /** What the listener is told of the connection {@code id}. */
    io.amqproxy.ProxyListener.UpstreamInfo info(long id, Credentials credentials) {
        return new io.amqproxy.ProxyListener.UpstreamInfo(id, node == null ? ctx.config.upstream().host()
                : node.upstream.host(), node == null ? ctx.config.upstream().port() : node.upstream.port(),
                credentials.user(), credentials.vhost());
    }

    /** What is due at {@code now}, before the connection is open. */
    Due onTick(long now) {
        if (step == Step.AWAIT_VHOST) {
            return now - deadline > 0 ? Due.LEAVE : Due.NOTHING;
        }
        if (connectAt != 0 && now - connectAt >= 0) {
            return Due.CONNECT;
        }
        return now - deadline > 0 ? Due.GIVE_UP : Due.NOTHING;
    }

    void addWaiter(UpstreamClient client) {
        waiters.add(client);
    }

    boolean hasWaiters() {
        return !waiters.isEmpty();
    }

    /** The broker accepted user and password for a connection that waits for a vhost: the waiters hear so. */
    void authenticated() {
        takeWaiters().forEach(c -> c.upstreamAuthenticated(connection));
    }

    /**
     * The connection is open: the broker counts as reachable again, the connect metrics and the listener hear of
     * it.
     *
     * @return the waiting clients, to be told once the connection is ready for them
     */
    List<UpstreamClient> succeeded(Credentials credentials) {
        ctx.metrics.upstreamConnects++;
        ctx.metrics.upstreamConnectNanos += System.nanoTime() - startedAt;
        ctx.metrics.upstreamError = null;
        nodes.reached(node, ctx.loop.now());
        stopCountingAttempt();
        node.connections++;
        countedOnNode = true;
        log.info("upstream #{} open to {} as {}", id, node, credentials);
        ctx.listener.upstreamOpened(connection.info());
        return takeWaiters();
    }

    /**
     * The connection failed before it was open: unreachable, not AMQP, or the login or vhost refused.
     *
     * @return the waiting clients, to be refused with the same reply once the socket is closed
     */
    List<UpstreamClient> failed(Credentials credentials, int code, String text) {
        stopCountingAttempt();
        ctx.metrics.upstreamConnectFailures++;
        if (!waiters.isEmpty()) {
            log.info("upstream #{} ({}) could not be opened: {} {}", id, credentials, code, text);
        }
        return takeWaiters();
    }

    /** Hands the waiting clients to another connection (see {@link UpstreamPool#failOver}). */
    void moveWaitersTo(UpstreamConnection other) {
        takeWaiters().forEach(other::addWaiter);
    }

    private List<UpstreamClient> takeWaiters() {
        List<UpstreamClient> all = new ArrayList<>(waiters);
        waiters.clear();
        return all;
    }

    /** The open connection is closed or lost: its node has one connection fewer. */
    void closed() {
        stopCountingAttempt();
        if (countedOnNode) {
            countedOnNode = false;
            node.connections--;
        }
    }

    private void stopCountingAttempt() {
        if (countedConnecting) {
            countedConnecting = false;
            node.connecting--;
        }
    }

    /** The address to connect to, now that the connect starts. */
    InetSocketAddress address() {
        return node.address;
    }

    /**
     * The TCP connection is up: the transport to use on it, TLS for amqps:// ({@code null} for plain).
     *
     * @throws NoSuchAlgorithmException when this JVM has no TLS
     */
    Transport transport() throws NoSuchAlgorithmException {
        Upstream target = node.upstream;
        if (!target.tls()) {
            return null;
        }
        UpstreamTls tls = ctx.config.upstreamTls();
        SSLContext sslContext = tls.context() != null ? tls.context() : SSLContext.getDefault();
        return TlsTransport.client(sslContext, target.host(), target.port(), tls.verifyHostname());
    }

    /** Sends the protocol header: the broker answers with Connection.Start. */
    void start(OutputBuffer out) {
        out.put(Frames.PROTOCOL_HEADER);
        step = Step.AWAIT_START;
    }

    /** A method on channel 0 before the connection is open; replies go to {@code out}. */
    Outcome onMethod(int method, MethodReader r, OutputBuffer out, Credentials credentials) {
        switch (step) {
            case AWAIT_START -> {
                if (method != Methods.CONNECTION_START) {
                    return protocolError("expected connection.start");
                }
                r.u8();
                r.u8();
                r.skipTable();
                String offered = " " + new String(r.longStrBytes(), StandardCharsets.UTF_8) + " ";
                String mechanism = BrokerLogin.mechanism(credentials);
                if (!offered.contains(" " + mechanism + " ")) {
                    return protocolError("broker does not offer the " + mechanism + " mechanism (offers:" + offered + ")");
                }
                String name = ctx.config.faithful() ? clientConnectionName
                        : ctx.config.upstreamConnectionName() != null ? ctx.config.upstreamConnectionName()
                        : "amqproxy upstream #" + id;
                BrokerLogin.writeStartOk(ctx.writer, out, credentials, name);
                step = Step.AWAIT_TUNE;
                return Outcome.CONTINUE;
            }
            case AWAIT_TUNE -> {
                if (method == Methods.CONNECTION_CLOSE) {
                    return Outcome.CLOSED_BY_BROKER;
                }
                if (method != Methods.CONNECTION_TUNE) {
                    return protocolError("expected connection.tune");
                }
                int brokerChannelMax = r.u16();
                long brokerFrameMax = r.u32();
                offeredHeartbeat = r.u16();
                heartbeatSeconds = agreedHeartbeat(offeredHeartbeat);
                int configured = ctx.config.limits().maxChannelsPerUpstream();
                channelMax = brokerChannelMax == 0 ? configured : Math.min(brokerChannelMax, configured);
                int ourFrameMax = ctx.config.limits().frameMax();
                frameMax = brokerFrameMax == 0 ? ourFrameMax : (int) Math.min(brokerFrameMax, ourFrameMax);
                if (credentials.vhost() == null) {
                    // logged in for a client that has not named its vhost yet: hold here until it does
                    step = Step.AWAIT_VHOST;
                    return Outcome.AUTHENTICATED;
                }
                sendTuneOkAndOpen(out, credentials.vhost());
                return Outcome.CONTINUE;
            }
            case AWAIT_OPEN_OK -> {
                if (method == Methods.CONNECTION_CLOSE) {
                    return Outcome.CLOSED_BY_BROKER;
                }
                if (method != Methods.CONNECTION_OPEN_OK) {
                    return protocolError("expected connection.open-ok");
                }
                step = Step.DONE;
                return Outcome.OPENED;
            }
            default -> {
                return Outcome.CONTINUE;
            }
        }
    }

    /** Faithful mode: TuneOk will carry what the client agreed to (0 for the broker's own channel_max or frame_max). */
    void clientTune(int clientChannelMax, int clientFrameMax, int clientHeartbeat) {
        if (clientChannelMax != 0) {
            channelMax = Math.min(channelMax, clientChannelMax);
        }
        if (clientFrameMax != 0) {
            frameMax = Math.min(frameMax, clientFrameMax);
        }
        heartbeatSeconds = clientHeartbeat;
    }

    /**
     * The heartbeat interval to agree to: the broker's, but no longer than {@code upstreamHeartbeat}, so that a
     * stalled broker is noticed in time for the clients it serves (0 in the setting keeps the broker's).
     */
    private int agreedHeartbeat(int offered) {
        int cap = (int) ctx.config.timeouts().upstreamHeartbeat().toSeconds();
        return cap > 0 && (offered == 0 || offered > cap) ? cap : offered;
    }

    /** TuneOk and Open of {@code vhost}: for a connection that waited for its vhost, when a client names it. */
    void sendTuneOkAndOpen(OutputBuffer out, String vhost) {
        MethodWriter w = ctx.writer;
        w.begin(Methods.CONNECTION_TUNE_OK).u16(channelMax).u32(frameMax).u16(heartbeatSeconds).writeTo(out, 0);
        w.begin(Methods.CONNECTION_OPEN).shortStr(vhost).shortStr("").u8(0).writeTo(out, 0);
        step = Step.AWAIT_OPEN_OK;
    }

    private Outcome protocolError(String what) {
        error = unreachable("unexpected answer: " + what);
        return Outcome.PROTOCOL_ERROR;
    }

    /** The reply text of the last {@link Outcome#PROTOCOL_ERROR}. */
    String error() {
        return error;
    }

    /**
     * Notes that the broker could not be reached (for the pool's backoff and for health checks) and gives the
     * reply text that clients waiting for this connection get with 320.
     */
    String unreachable(String why) {
        String which = node != null ? (node.upstream.tls() ? "amqps://" : "amqp://") + node : String.valueOf(nodes.nodes());
        if (node != null) {
            nodes.failed(node, ctx.loop.now(), why);
        }
        ctx.metrics.upstreamError = "broker " + which + " unreachable: " + why;
        return ReplyCodes.text(ReplyCodes.CONNECTION_FORCED, "broker " + which + " unreachable: " + why);
    }

    /** The open connection to the node was lost: the node goes into backoff (see {@link UpstreamNodes#lost}). */
    void nodeLost(String why) {
        if (node != null) {
            nodes.lost(node, ctx.loop.now(), why);
            ctx.metrics.upstreamError = "broker " + (node.upstream.tls() ? "amqps://" : "amqp://") + node + " " + why;
        }
    }

    /** Whether the set this connection draws from has more than one node, so that messages must say which. */
    boolean oneOfSeveralNodes() {
        return nodes.nodes().size() > 1;
    }

    /** Logged in, waiting for a client to name the vhost. */
    boolean awaitsVhost() {
        return step == Step.AWAIT_VHOST;
    }

    /** StartOk sent, Tune not yet seen: a broker that drops the socket now refused the login. */
    boolean awaitsTune() {
        return step == Step.AWAIT_TUNE;
    }

    int channelMax() {
        return channelMax;
    }

    int frameMax() {
        return frameMax;
    }

    /** The broker's own offer, which faithful mode passes on to the client as the broker made it. */
    int offeredHeartbeat() {
        return offeredHeartbeat;
    }

    int heartbeatSeconds() {
        return heartbeatSeconds;
    }
}
