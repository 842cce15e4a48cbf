package io.amqproxy.impl.session;

import io.amqproxy.impl.loop.BufferPool;
import io.amqproxy.impl.loop.EventLoop;
import io.amqproxy.impl.loop.OutputBuffer;

import java.util.ArrayDeque;
import java.util.function.Consumer;

/**
 * Frames of one channel in one direction held back by a fault's delay or a simulated condition, in order: a frame
 * that comes while earlier ones wait is held behind them however short its own delay, so the channel's order is
 * kept while other channels go on. Each entry is a segment of whole frames, handed to {@code release} when due.
 * Made only when a delay first applies. Owned by the channel's loop thread.
 */
final class DelayedFrames {

    private record Entry(long dueNanos, OutputBuffer frames) {
    }

    private final EventLoop loop;
    private final BufferPool pool;
    private final Consumer<OutputBuffer> release;
    private final ArrayDeque<Entry> held = new ArrayDeque<>();
    private boolean timerSet;

    /** @param release writes a due segment where it goes (and marks that output dirty); it takes the bytes out */
    DelayedFrames(EventLoop loop, BufferPool pool, Consumer<OutputBuffer> release) {
        this.loop = loop;
        this.pool = pool;
        this.release = release;
    }

    boolean isEmpty() {
        return held.isEmpty();
    }

    /** A new segment to write frames into; {@link #hold} it once written. */
    OutputBuffer segment() {
        return new OutputBuffer(pool);
    }

    /** Holds {@code frames} for {@code delayNanos}, and behind whatever is held already. */
    void hold(OutputBuffer frames, long delayNanos) {
        long due = loop.now() + delayNanos;
        Entry last = held.peekLast();
        if (last != null && last.dueNanos - due > 0) {
            due = last.dueNanos;
        }
        held.addLast(new Entry(due, frames));
        if (!timerSet) {
            timerSet = true;
            loop.schedule(due - loop.now(), this::releaseDue);
        }
    }

    private void releaseDue() {
        timerSet = false;
        long now = loop.now();
        Entry e;
        while ((e = held.peekFirst()) != null && e.dueNanos - now <= 0) {
            held.pollFirst();
            release.accept(e.frames);
        }
        if (e != null) {
            timerSet = true;
            loop.schedule(e.dueNanos - now, this::releaseDue);
        }
    }

    /** Lets everything held go now, in order (the channel closes: what was sent before the close arrives first). */
    void releaseAll() {
        Entry e;
        while ((e = held.pollFirst()) != null) {
            release.accept(e.frames);
        }
    }

    /** Drops everything held (nobody is left to receive it). */
    void drop() {
        Entry e;
        while ((e = held.pollFirst()) != null) {
            e.frames.clear();
        }
    }
}
