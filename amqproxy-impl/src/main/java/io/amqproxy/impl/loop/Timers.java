package io.amqproxy.impl.loop;

import java.util.PriorityQueue;

/**
 * One-shot timers of an event loop, finer than its ticks: what is due runs on the loop thread at the end of a
 * round, in the order it was due. Empty in normal operation (they serve the test fixture's delays and shaping), so
 * the loop pays one emptiness check per round. Loop thread only.
 */
final class Timers {

    private record Timer(long dueNanos, long order, Runnable action) implements Comparable<Timer> {
        @Override
        public int compareTo(Timer o) {
            int c = Long.compare(dueNanos - o.dueNanos, 0);
            return c != 0 ? c : Long.compare(order, o.order);
        }
    }

    private final PriorityQueue<Timer> queue = new PriorityQueue<>();
    private long added;

    void schedule(long dueNanos, Runnable action) {
        queue.add(new Timer(dueNanos, added++, action));
    }

    boolean isEmpty() {
        return queue.isEmpty();
    }

    /** When the next timer is due; only when not empty. */
    long nextDue() {
        return queue.peek().dueNanos;
    }

    /**
     * Takes the next timer due at {@code now}, or {@code null}.
     */
    Runnable takeDue(long now) {
        Timer t = queue.peek();
        if (t == null || t.dueNanos - now > 0) {
            return null;
        }
        queue.poll();
        return t.action;
    }
}
