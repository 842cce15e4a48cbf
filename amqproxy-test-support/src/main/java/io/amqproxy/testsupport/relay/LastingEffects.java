package io.amqproxy.testsupport.relay;

import io.amqproxy.testsupport.relay.RelayEffect.Direction;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The lasting effects in force on one relay ({@link RelayEffect.Pause}, {@link RelayEffect.Delay},
 * {@link RelayEffect.Silence}), read by every pump on every chunk. Written by test threads, read by the pumps'
 * threads: plain volatile fields, so that a relay with nothing in force costs a pump a few reads per chunk and no
 * lock; only a paused writer waits, on {@link #pauseLock}.
 */
final class LastingEffects {

    private final Object pauseLock = new Object();
    private volatile boolean pausedToTarget;
    private volatile boolean pausedToClient;
    private volatile long delayToTargetNanos;
    private volatile long delayToClientNanos;
    private volatile boolean silent;

    void set(RelayEffect effect) {
        if (effect instanceof RelayEffect.Pause p) {
            synchronized (pauseLock) {
                pausedToTarget |= p.direction().covers(Direction.TO_TARGET);
                pausedToClient |= p.direction().covers(Direction.TO_CLIENT);
            }
        } else if (effect instanceof RelayEffect.Delay d) {
            if (d.direction().covers(Direction.TO_TARGET)) {
                delayToTargetNanos = d.delay().toNanos();
            }
            if (d.direction().covers(Direction.TO_CLIENT)) {
                delayToClientNanos = d.delay().toNanos();
            }
        } else if (effect instanceof RelayEffect.Silence) {
            silent = true;
        } else {
            throw new IllegalArgumentException(effect + " is not a lasting effect");
        }
    }

    /** Lifts every lasting effect; paused writers pass on what they hold. */
    void clear() {
        silent = false;
        delayToTargetNanos = 0;
        delayToClientNanos = 0;
        synchronized (pauseLock) {
            pausedToTarget = false;
            pausedToClient = false;
            pauseLock.notifyAll();
        }
    }

    boolean silent() {
        return silent;
    }

    /** When a chunk read now in {@code direction} is due. */
    long dueNanos(Direction direction) {
        long delay = direction == Direction.TO_TARGET ? delayToTargetNanos : delayToClientNanos;
        return System.nanoTime() + delay;
    }

    /** Returns once {@code direction} is not paused, or once {@code gone} says the link is over. */
    void awaitNotPaused(Direction direction, BooleanSupplier gone) throws InterruptedException {
        if (!paused(direction)) {
            return; // the usual case: no lock
        }
        synchronized (pauseLock) {
            while (paused(direction) && !gone.getAsBoolean()) {
                pauseLock.wait(200); // bounded: a link closed meanwhile is noticed
            }
        }
    }

    private boolean paused(Direction direction) {
        return direction == Direction.TO_TARGET ? pausedToTarget : pausedToClient;
    }

    /** Sleeps until {@code dueNanos}; at once when it has passed. */
    static void awaitDue(long dueNanos) throws InterruptedException {
        long wait;
        while ((wait = dueNanos - System.nanoTime()) > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
        }
    }
}
