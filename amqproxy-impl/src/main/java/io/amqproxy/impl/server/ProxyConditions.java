package io.amqproxy.impl.server;

import io.amqproxy.fixture.Conditions;
import io.amqproxy.impl.LoopContext;
import io.amqproxy.impl.loop.EgressShaping;
import io.amqproxy.impl.session.ClientSession;
import io.amqproxy.impl.upstream.UpstreamPool;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.BiConsumer;

/**
 * The network and broker conditions a test sets on a proxy: each call runs on every event loop, and returns once
 * every loop has taken it (the loops' own state changes on their threads, as always). Thread-safe.
 */
final class ProxyConditions implements Conditions {

    /** What one loop offers to a condition: its context, its pool and its client sessions now. */
    interface Loops {
        /** Runs {@code action} on every loop and waits for all. */
        void onEach(BiConsumer<LoopContext, UpstreamPool> action);

        /** The client sessions of a loop; on that loop's thread. */
        List<ClientSession> sessions(LoopContext ctx);
    }

    private final Loops loops;

    ProxyConditions(Loops loops) {
        this.loops = loops;
    }

    private static EgressShaping shaping(LoopContext ctx, Direction direction) {
        return direction == Direction.TO_CLIENT ? ctx.shapingToClients : ctx.shapingToBroker;
    }

    @Override
    public void latency(Direction direction, Duration latency, Duration jitter) {
        Objects.requireNonNull(direction, "direction");
        long l = nonNegative(latency, "latency");
        long j = nonNegative(jitter, "jitter");
        loops.onEach((ctx, pool) -> shaping(ctx, direction).set(l, j));
    }

    @Override
    public void bandwidth(Direction direction, long bytesPerSecond) {
        Objects.requireNonNull(direction, "direction");
        if (bytesPerSecond < 0) {
            throw new IllegalArgumentException("bytesPerSecond must not be negative, was " + bytesPerSecond);
        }
        loops.onEach((ctx, pool) -> shaping(ctx, direction).rate(bytesPerSecond));
    }

    @Override
    public void pause() {
        loops.onEach((ctx, pool) -> ctx.loop.freeze(true));
    }

    @Override
    public void resume() {
        loops.onEach((ctx, pool) -> ctx.loop.freeze(false));
    }

    @Override
    public void block(String reason) {
        String why = reason == null ? "" : reason;
        loops.onEach((ctx, pool) -> {
            boolean newly = pool.simulatedAlarm() == null;
            pool.simulateAlarm(why);
            if (newly) {
                loops.sessions(ctx).forEach(s -> s.upstreamBlocked(why));
            }
        });
    }

    @Override
    public void unblock() {
        loops.onEach((ctx, pool) -> {
            if (pool.simulatedAlarm() != null) {
                pool.simulateAlarm(null);
                loops.sessions(ctx).forEach(ClientSession::upstreamUnblocked);
            }
        });
    }

    @Override
    public void delayConfirms(Duration delay) {
        long d = nonNegative(delay, "delay");
        loops.onEach((ctx, pool) -> ctx.fixture.confirmDelayNanos(d));
    }

    @Override
    public void disconnectAll(int code, String text) {
        if (code < 200 || code > 599) {
            throw new IllegalArgumentException("reply code must be an AMQP reply code (200..599), was " + code);
        }
        String reply = Objects.requireNonNull(text, "text");
        loops.onEach((ctx, pool) -> loops.sessions(ctx).forEach(s -> s.disconnect(code, reply)));
    }

    @Override
    public void reset() {
        loops.onEach((ctx, pool) -> {
            ctx.shapingToClients.set(0, 0);
            ctx.shapingToClients.rate(0);
            ctx.shapingToBroker.set(0, 0);
            ctx.shapingToBroker.rate(0);
            ctx.loop.freeze(false);
            ctx.fixture.confirmDelayNanos(0);
            if (pool.simulatedAlarm() != null) {
                pool.simulateAlarm(null);
                loops.sessions(ctx).forEach(ClientSession::upstreamUnblocked);
            }
        });
    }

    private static long nonNegative(Duration d, String what) {
        if (d == null || d.isNegative()) {
            throw new IllegalArgumentException(what + " must be zero or more, was " + d);
        }
        return d.toNanos();
    }
}
