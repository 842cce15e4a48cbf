package io.amqproxy.impl.session;

import io.amqproxy.fixture.FaultAction;
import io.amqproxy.impl.LoopContext;
import io.amqproxy.impl.codec.FrameDecoder;
import io.amqproxy.impl.codec.Frames;
import io.amqproxy.impl.codec.MethodReader;
import io.amqproxy.impl.codec.MethodWriter;
import io.amqproxy.impl.codec.Methods;
import io.amqproxy.impl.codec.ReplyCodes;
import io.amqproxy.impl.fixture.ClientIdentity;
import io.amqproxy.impl.loop.OutputBuffer;
import io.amqproxy.impl.upstream.Credentials;
import io.amqproxy.impl.upstream.UpstreamConnection;
import io.amqproxy.impl.upstream.UpstreamPool;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The server side of the AMQP handshake with one client, from its protocol header to Connection.OpenOk. The proxy
 * plays the broker: it offers Start, reads the login from StartOk, answers Tune only once the broker has accepted
 * user and password (as RabbitMQ does, so clients tell a refused login by when it comes), negotiates channel_max,
 * frame_max and heartbeat with the client alone, and answers Open only once the broker has accepted the exact
 * credentials with the vhost ({@link UpstreamPool#authenticate}, {@link UpstreamPool#verify}). While it waits for
 * the broker, the session reads nothing more from the client. Owned by the client's event loop, not thread-safe.
 */
final class ClientHandshake {

    /** Where the handshake is. */
    enum Step {
        AWAIT_HEADER, AWAIT_START_OK,
        /** StartOk read; the broker judges user and password. */
        AUTHENTICATING,
        AWAIT_TUNE_OK, AWAIT_OPEN,
        /** Open read; the broker judges the vhost. */
        VERIFYING,
        DONE
    }

    /** What the first bytes of the connection were. */
    enum Header { INCOMPLETE, ACCEPTED, REFUSED }

    private final ClientSession session;
    private final LoopContext ctx;
    private final UpstreamPool pool;
    /** The client's output, held not owned: the session's socket buffer. */
    private final OutputBuffer toClient;
    private final long startedAt;
    private Step step = Step.AWAIT_HEADER;
    private String user;
    private String vhost;
    private Credentials credentials;
    private boolean wantsBlocked;
    private String connectionName;
    private int channelMax;
    private int frameMax;
    private int heartbeatSeconds;
    /** The connection that logged in for this client and waits for its vhost, if one had to be opened. */
    private UpstreamConnection held;

    ClientHandshake(ClientSession session, LoopContext ctx, UpstreamPool pool, OutputBuffer toClient) {
        this.session = session;
        this.ctx = ctx;
        this.pool = pool;
        this.toClient = toClient;
        this.startedAt = ctx.loop.now();
        this.channelMax = ctx.config.limits().maxChannelsPerClient();
        this.frameMax = ctx.config.limits().frameMax();
    }

    /**
     * Reads the protocol header at {@code rb}'s position. A header the proxy does not speak is answered with its
     * own, as the spec asks; the caller then closes once that is written.
     */
    Header readProtocolHeader(ByteBuffer rb) {
        if (rb.remaining() < Frames.PROTOCOL_HEADER.length) {
            return Header.INCOMPLETE;
        }
        for (int i = 0; i < Frames.PROTOCOL_HEADER.length; i++) {
            if (rb.get(rb.position() + i) != Frames.PROTOCOL_HEADER[i]) {
                toClient.put(Frames.PROTOCOL_HEADER);
                step = Step.DONE;
                return Header.REFUSED;
            }
        }
        rb.position(rb.position() + Frames.PROTOCOL_HEADER.length);
        writeStart(ctx.writer, toClient);
        step = Step.AWAIT_START_OK;
        return Header.ACCEPTED;
    }

    /** A frame before the connection is open. */
    void onFrame(int type, int channel, ByteBuffer buf, int off, int len) {
        if (type == Frames.TYPE_HEARTBEAT) {
            return;
        }
        int expected = switch (step) {
            case AWAIT_START_OK -> Methods.CONNECTION_START_OK;
            case AWAIT_TUNE_OK -> Methods.CONNECTION_TUNE_OK;
            default -> Methods.CONNECTION_OPEN;
        };
        if (type != Frames.TYPE_METHOD || channel != 0 || FrameDecoder.methodId(buf, off) != expected) {
            session.connectionError(ReplyCodes.COMMAND_INVALID, ReplyCodes.text(ReplyCodes.COMMAND_INVALID,
                    "unexpected frame during the connection handshake"), 0);
            return;
        }
        MethodReader r = ctx.reader.reset(buf, off, len);
        switch (step) {
            case AWAIT_START_OK -> onStartOk(r);
            case AWAIT_TUNE_OK -> onTuneOk(r);
            default -> onOpen(r);
        }
    }

    private void onStartOk(MethodReader r) {
        ClientLogin.Login login;
        try {
            login = ClientLogin.read(r);
        } catch (ClientLogin.Refusal refusal) {
            ctx.metrics.refusedLogins++;
            session.connectionError(refusal.code, refusal.getMessage(), Methods.CONNECTION_START_OK);
            return;
        }
        user = login.user();
        wantsBlocked = login.wantsBlockedNotifications();
        connectionName = login.connectionName();
        credentials = new Credentials(login.user(), login.password(), null);
        Arrays.fill(login.password(), (byte) 0);
        // RabbitMQ judges the login before it sends Tune, and clients tell a refused login by that
        step = Step.AUTHENTICATING;
        session.pauseReading();
        pool.authenticate(credentials, session, connectionName);
    }

    private void onTuneOk(MethodReader r) {
        int clientChannelMax = r.u16();
        long clientFrameMax = r.u32();
        int clientHeartbeat = r.u16();
        if (clientFrameMax != 0 && clientFrameMax < Frames.FRAME_MIN_SIZE || clientFrameMax > frameMax) {
            session.connectionError(ReplyCodes.NOT_ALLOWED, ReplyCodes.text(ReplyCodes.NOT_ALLOWED, "frame_max="
                    + clientFrameMax + " outside " + Frames.FRAME_MIN_SIZE + ".." + frameMax), Methods.CONNECTION_TUNE_OK);
            return;
        }
        if (clientChannelMax > channelMax) {
            session.connectionError(ReplyCodes.NOT_ALLOWED, ReplyCodes.text(ReplyCodes.NOT_ALLOWED, "channel_max="
                    + clientChannelMax + " above the offered " + channelMax), Methods.CONNECTION_TUNE_OK);
            return;
        }
        if (clientChannelMax != 0) {
            channelMax = clientChannelMax;
        }
        if (clientFrameMax != 0) {
            frameMax = (int) clientFrameMax;
        }
        heartbeatSeconds = clientHeartbeat;
        step = Step.AWAIT_OPEN;
    }

    private void onOpen(MethodReader r) {
        vhost = r.shortStr();
        credentials = credentials.withVhost(vhost);
        step = Step.VERIFYING;
        session.pauseReading();
        FaultAction fault = ctx.fixture.faults.isEmpty() ? null : ctx.fixture.faults.decideOpen(identity());
        if (fault == null) {
            verify();
            return;
        }
        if (fault instanceof FaultAction.Refuse refuse) {
            refuseByFault(refuse.code(), refuse.text());
        } else if (fault instanceof FaultAction.CloseConnection close) {
            refuseByFault(close.code(), close.text());
        } else if (fault instanceof FaultAction.Reset) {
            session.reset("connection reset by a fault rule");
        } else if (fault instanceof FaultAction.Delay d) {
            ctx.loop.schedule(d.delay().toNanos(), this::verify);
        } else if (!(fault instanceof FaultAction.Drop)) {
            verify();
        }
        // dropped: never answered; the client waits for its OpenOk as for a broker that does not answer
    }

    private void verify() {
        if (step != Step.VERIFYING || session.isClosed()) {
            return;
        }
        UpstreamConnection loggedIn = held;
        held = null;
        if (ctx.config.faithful() && loggedIn != null) {
            loggedIn.useClientTune(channelMax, frameMax, heartbeatSeconds);
        }
        pool.verify(credentials, session, loggedIn);
    }

    private void refuseByFault(int code, String text) {
        ctx.metrics.refusedLogins++;
        session.connectionError(code, text.isEmpty() ? ReplyCodes.text(code, "refused by a fault rule") : text,
                Methods.CONNECTION_OPEN);
        session.resumeReading(); // to see the client's CloseOk
    }

    /** Who the client is, for fault rules; complete once Open was read. */
    ClientIdentity identity() {
        return new ClientIdentity(user, vhost, connectionName);
    }

    /** The broker accepted user and password: Tune the client. */
    void authenticated(UpstreamConnection loggedIn) {
        if (step != Step.AUTHENTICATING) {
            return;
        }
        held = loggedIn;
        int heartbeat = (int) ctx.config.timeouts().clientHeartbeat().toSeconds();
        if (ctx.config.faithful() && loggedIn != null) {
            // the client's own broker connection: it is offered what the broker offered, as it would be directly
            channelMax = Math.min(channelMax, loggedIn.brokerChannelMax());
            frameMax = Math.min(frameMax, loggedIn.frameMax());
            heartbeat = loggedIn.brokerHeartbeat();
        }
        ctx.writer.begin(Methods.CONNECTION_TUNE).u16(channelMax).u32(frameMax).u16(heartbeat).writeTo(toClient, 0);
        session.markDirty();
        step = Step.AWAIT_TUNE_OK;
        session.resumeReading();
    }

    /**
     * The broker accepted the credentials with the vhost: OpenOk to the client.
     *
     * @return whether the handshake was waiting for it (and is now done)
     */
    boolean verified() {
        if (step != Step.VERIFYING) {
            return false;
        }
        step = Step.DONE;
        ctx.writer.begin(Methods.CONNECTION_OPEN_OK).shortStr("").writeTo(toClient, 0);
        session.markDirty();
        return true;
    }

    /** Whether the connection's first bytes, the protocol header, are still to come. */
    boolean awaitsHeader() {
        return step == Step.AWAIT_HEADER;
    }

    /** Whether the broker is judging the client now: its frames wait, and its refusal is awaited. */
    boolean awaitsBroker() {
        return step == Step.AUTHENTICATING || step == Step.VERIFYING;
    }

    /** The method a broker's refusal answers: Open when the vhost was refused, StartOk when the login was. */
    int refusedMethod() {
        return step == Step.VERIFYING ? Methods.CONNECTION_OPEN : Methods.CONNECTION_START_OK;
    }

    /** Whether a refusal now is reported to the listener: the client got as far as a login. */
    boolean reportsRefusal() {
        return step.ordinal() >= Step.AUTHENTICATING.ordinal() && step != Step.DONE;
    }

    /**
     * Whether the client took longer than the handshake timeout. Waiting for the broker does not count: the
     * upstream connect timeout rules that.
     */
    boolean timedOut(long now) {
        return !awaitsBroker() && step != Step.DONE && now - startedAt > ctx.config.timeouts().handshake().toNanos();
    }

    String user() {
        return user;
    }

    String vhost() {
        return vhost;
    }

    Credentials credentials() {
        return credentials;
    }

    /** A refreshed secret that a broker login checked (SecretRefresh) replaces the one the client logged in with. */
    void renew(Credentials renewed) {
        credentials = renewed;
    }

    boolean wantsBlocked() {
        return wantsBlocked;
    }

    /** The {@code connection_name} client property, or {@code null}. */
    String connectionName() {
        return connectionName;
    }

    int channelMax() {
        return channelMax;
    }

    /** The negotiated frame_max once TuneOk is read; until then what the proxy offers. */
    int frameMax() {
        return frameMax;
    }

    int heartbeatSeconds() {
        return heartbeatSeconds;
    }

    private static void writeStart(MethodWriter w, OutputBuffer out) {
        Map<String, Object> caps = new LinkedHashMap<>();
        caps.put("publisher_confirms", true);
        caps.put("exchange_exchange_bindings", true);
        caps.put("basic.nack", true);
        caps.put("consumer_cancel_notify", true);
        caps.put("connection.blocked", true);
        caps.put("consumer_priorities", true);
        caps.put("authentication_failure_close", true);
        caps.put("per_consumer_qos", true);
        caps.put("direct_reply_to", true);
        Map<String, Object> props = new LinkedHashMap<>();
        props.put("product", "amqproxy-java");
        props.put("platform", "Java");
        props.put("information", "AMQP 0-9-1 proxy with connection pooling");
        props.put("capabilities", caps);
        w.begin(Methods.CONNECTION_START).u8(0).u8(9).table(props)
                .longStr(ClientLogin.MECHANISMS).longStr("en_US").writeTo(out, 0);
    }
}
