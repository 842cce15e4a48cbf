package io.amqproxy.impl.session;

import io.amqproxy.impl.LoopContext;
import io.amqproxy.impl.codec.ReplyCodes;
import io.amqproxy.impl.upstream.UpstreamConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;

/**
 * The deadlines of one client session, checked on each tick: the handshake timeout, the client's heartbeats, the
 * silence of the broker connections it uses, and how long a closing connection waits for the other side.
 * Invariant: every state but CLOSED ends within a bounded time, whatever the client or the broker does. Owned by
 * the client's event loop, not thread-safe.
 */
final class ClientClock {

    private static final Logger log = LoggerFactory.getLogger(ClientSession.class);
    private static final long CLOSE_WAIT_NANOS = TimeUnit.SECONDS.toNanos(3);

    private final ClientSession session;
    private final LoopContext ctx;
    /** When a closing connection stops waiting: for the client's CloseOk, or for its upstream channels. */
    private long closeDeadline;

    ClientClock(ClientSession session, LoopContext ctx) {
        this.session = session;
        this.ctx = ctx;
    }

    /** The connection starts closing (either side): it waits a short while at most. */
    void closing(long now) {
        closeDeadline = now + CLOSE_WAIT_NANOS;
    }

    void tick(long now) {
        ClientHandshake handshake = session.handshake();
        switch (session.state()) {
            case HANDSHAKE -> {
                if (handshake.timedOut(now)) {
                    log.debug("client {} dropped: no handshake within {} ms", session.remote(),
                            ctx.config.timeouts().handshake().toMillis());
                    session.onSocketLost("handshake timeout");
                }
            }
            case OPEN -> {
                if (!session.heardFrom(now)) {
                    log.debug("client {} ({}) missed heartbeats", session.remote(), handshake.credentials());
                    session.onSocketLost("missed heartbeats");
                    return;
                }
                UpstreamConnection silent = handshake.heartbeatSeconds() == 0 ? null
                        : session.links().silentBeyond(now, handshake.heartbeatSeconds());
                if (silent != null) {
                    // its broker stalled: the client learns within its own heartbeat timeout, as it would directly
                    session.connectionError(ReplyCodes.CONNECTION_FORCED, ReplyCodes.text(ReplyCodes.CONNECTION_FORCED,
                            "the broker " + silent.node() + " has not been heard from for "
                                    + TimeUnit.NANOSECONDS.toSeconds(silent.silentNanos(now)) + " s"), 0);
                }
            }
            case CLOSE_SENT -> {
                if (now - closeDeadline > 0) {
                    session.onSocketLost("no close-ok from the client");
                }
            }
            case CLOSE_RECEIVED -> {
                if (now - closeDeadline > 0) {
                    session.answerClose();
                }
            }
            default -> {
            }
        }
    }
}
