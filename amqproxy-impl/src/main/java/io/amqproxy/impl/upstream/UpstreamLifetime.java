package io.amqproxy.impl.upstream;

import io.amqproxy.impl.LoopContext;
import io.amqproxy.impl.codec.ReplyCodes;
import io.amqproxy.impl.upstream.UpstreamConnection.State;

import java.util.concurrent.TimeUnit;

/**
 * The clock of one upstream connection, run on each tick: the connect deadline and backoff while opening, the
 * broker's heartbeats once open, and when an open connection has served long enough: idle (no channels, nobody waiting) for the idle timeout,
 * or past its maximum lifetime with no channels left. Invariant: a connection is retired only when it carries no
 * channel, so no client is cut off by it; past its lifetime it merely stops taking new clients and channels
 * ({@link #expired}). A retired connection waits a short grace for the broker's CloseOk. Owned by the connection's event loop, not thread-safe.
 */
final class UpstreamLifetime {

    private static final long CLOSE_GRACE_NANOS = TimeUnit.SECONDS.toNanos(2);

    private final LoopContext ctx;
    private long openedAt;
    /** When a retired connection stops waiting for the broker's CloseOk. */
    private long closeDeadline;

    UpstreamLifetime(LoopContext ctx) {
        this.ctx = ctx;
    }

    void opened(long now) {
        openedAt = now;
    }

    /** The connection was retired: the broker's CloseOk is awaited for a short grace. */
    void closing(long now) {
        closeDeadline = now + CLOSE_GRACE_NANOS;
    }

    /** One tick of {@code conn}, in {@code state}. */
    void tick(UpstreamConnection conn, State state, long now) {
        BrokerHandshake handshake = conn.handshake;
        switch (state) {
            case OPENING -> {
                switch (handshake.onTick(now)) {
                    case CONNECT -> {
                        ctx.loop.removeTickable(conn); // registering the socket adds it again
                        conn.connect();
                    }
                    case LEAVE -> conn.leave();
                    case GIVE_UP -> conn.fail(ReplyCodes.CONNECTION_FORCED, handshake.unreachable("no answer within "
                            + ctx.config.timeouts().upstreamConnect().toMillis() + " ms"));
                    default -> {
                    }
                }
            }
            case OPEN -> {
                if (!conn.heardFrom(now)) {
                    int heartbeat = handshake.heartbeatSeconds();
                    handshake.nodeLost("missed heartbeats for " + 2 * heartbeat + " s");
                    conn.fail(ReplyCodes.CONNECTION_FORCED, ReplyCodes.text(ReplyCodes.CONNECTION_FORCED,
                            "broker " + conn.node() + " missed heartbeats for " + 2 * heartbeat + " s"));
                    return;
                }
                UpstreamChannels channels = conn.channels();
                channels.endQuarantines(now);
                // a client's own connection (faithful mode) lives as long as the client
                boolean ownedByClient = ctx.config.faithful() && !conn.clients.isEmpty();
                String why = ownedByClient ? null : retireReason(now, channels, handshake.hasWaiters());
                if (why != null) {
                    conn.retire(why);
                }
            }
            case CLOSING -> {
                if (now - closeDeadline > 0) {
                    conn.leave();
                }
            }
            default -> {
            }
        }
    }

    /** Past the configured maximum lifetime (none when 0). */
    boolean expired(long now) {
        long lifetime = ctx.config.timeouts().maxUpstreamLifetime().toNanos();
        return lifetime > 0 && now - openedAt >= lifetime;
    }

    /** Why the connection should be retired now, or {@code null} to keep it. */
    private String retireReason(long now, UpstreamChannels channels, boolean clientsWaiting) {
        if (!channels.idle()) {
            return null;
        }
        long idle = ctx.config.timeouts().idleUpstream().toNanos();
        if (!clientsWaiting && now - channels.idleSince() >= idle) {
            return "idle for " + ctx.config.timeouts().idleUpstream().toMillis() + " ms";
        }
        if (expired(now)) {
            return "past its maximum lifetime of " + ctx.config.timeouts().maxUpstreamLifetime().toMillis() + " ms";
        }
        return null;
    }
}
