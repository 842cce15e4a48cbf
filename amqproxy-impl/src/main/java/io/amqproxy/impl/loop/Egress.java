package io.amqproxy.impl.loop;

import java.util.ArrayDeque;

/**
 * The shaped way out of one endpoint, while an {@link EgressShaping} is active or bytes it delayed are still held:
 * what the endpoint queued is stamped with when it may go (now plus the latency, never before what was queued
 * earlier), and once due it moves to a ready buffer at most as fast as the rate allows; the socket is written from
 * there. Wakes the endpoint with a loop timer when more may go. Made the first time shaping applies to the endpoint.
 * Owned by the loop thread.
 */
final class Egress {

    private record Held(long dueNanos, OutputBuffer bytes) {
    }

    private final EventLoop loop;
    private final Runnable wake;
    private final ArrayDeque<Held> held = new ArrayDeque<>();
    private final OutputBuffer ready;
    private long lastDue;
    private long heldBytes;
    private double tokens;
    private long tokensAt;
    private boolean wakeSet;

    Egress(EventLoop loop, Runnable wake) {
        this.loop = loop;
        this.wake = wake;
        this.ready = new OutputBuffer(loop.pool());
        this.tokensAt = loop.now();
    }

    /** Whether bytes are still held or ready: they go out before anything queued after them. */
    boolean busy() {
        return !held.isEmpty() || !ready.isEmpty();
    }

    /** Bytes held or ready, for the endpoint's output limits. */
    long size() {
        return heldBytes + ready.size();
    }

    /**
     * Takes what {@code out} has queued into the shaped pipeline and returns the buffer to write from now. The
     * frames counted in {@code out} stay counted there, for the endpoint's metrics.
     */
    OutputBuffer prepare(OutputBuffer out, EgressShaping shaping) {
        long now = loop.now();
        if (!out.isEmpty()) {
            long frames = out.takeFrameCount();
            OutputBuffer segment = new OutputBuffer(loop.pool());
            segment.append(out);
            segment.takeFrameCount();
            out.addFrameCount(frames);
            long due = Math.max(lastDue, now + shaping.delayNanos());
            lastDue = due;
            held.addLast(new Held(due, segment));
            heldBytes += segment.size();
        }
        long rate = shaping.bytesPerSecond();
        if (rate > 0) {
            double capacity = Math.max(rate / 20.0, 4096);
            tokens = Math.min(capacity, tokens + (now - tokensAt) * rate / 1e9);
        } else {
            tokens = Double.MAX_VALUE;
        }
        tokensAt = now;
        Held h;
        while ((h = held.peekFirst()) != null && h.dueNanos - now <= 0 && tokens >= 1) {
            long n = (long) Math.min(h.bytes.size(), tokens);
            h.bytes.moveTo(ready, n);
            heldBytes -= n;
            if (rate > 0) {
                tokens -= n;
            }
            if (h.bytes.isEmpty()) {
                held.pollFirst();
            }
        }
        if (h != null && !wakeSet) {
            long at = h.dueNanos - now > 0 ? h.dueNanos - now
                    : (long) ((Math.min(h.bytes.size(), 4096) - tokens) * 1e9 / Math.max(1, rate));
            wakeSet = true;
            loop.schedule(Math.max(at, 1_000_000), () -> {
                wakeSet = false;
                wake.run();
            });
        }
        return ready;
    }

    /** The socket is gone: drop everything. */
    void clear() {
        for (Held h : held) {
            h.bytes.clear();
        }
        held.clear();
        heldBytes = 0;
        ready.clear();
    }
}
