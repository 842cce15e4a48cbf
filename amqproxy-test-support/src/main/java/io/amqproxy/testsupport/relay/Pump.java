package io.amqproxy.testsupport.relay;

import io.amqproxy.testsupport.relay.RelayEffect.Direction;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One direction of one link, the only place where the relay moves bytes: a reader that takes chunks off one end
 * and stamps each with its due time, and a writer thread that waits until a chunk is due and its direction is not
 * paused, then writes it to the other end. A bounded queue joins them, so a held direction pushes back on its
 * sender once the queue and the socket buffers are full, and nothing is ever buffered without bound.
 *
 * <p>The reader runs on whatever thread calls {@link #read}; the writer on a daemon thread of its own. The queue is
 * their only shared state besides the relay's counters and lasting effects, which are thread-safe.
 */
final class Pump {

    private enum Kind {
        /** Bytes to write. */
        DATA,
        /** The reading end ended in order: pass the end on. */
        END,
        /** The link broke or was cut elsewhere: stop. */
        GONE,
        /** The client byte limit was reached: cut the link once the bytes before are out. */
        CUT
    }

    private record Chunk(Kind kind, byte[] bytes, long dueNanos, RelayEffect.Cut cut) {
    }

    private static final Chunk END = new Chunk(Kind.END, null, 0, null);
    private static final Chunk GONE = new Chunk(Kind.GONE, null, 0, null);
    /** How often a thread waiting on the queue looks whether its link is over. */
    private static final long WAKE_MILLIS = 500;

    private final FaultRelay relay;
    private final Link link;
    private final Direction direction;
    private final LinkEnd to;
    private final BlockingQueue<Chunk> queue;

    Pump(FaultRelay relay, Link link, Direction direction, LinkEnd to) {
        this.relay = relay;
        this.link = link;
        this.direction = direction;
        this.to = to;
        this.queue = new ArrayBlockingQueue<>(relay.queuedChunks());
    }

    void startWriter(String threadName) {
        FaultRelay.daemon(threadName, this::write);
    }

    /** Reads {@code from} until it ends, on the calling thread. */
    void read(LinkEnd from) {
        byte[] buffer = new byte[relay.chunkBytes()];
        try {
            InputStream in = from.in();
            int n;
            while ((n = in.read(buffer)) >= 0) {
                RelayEffect.Cut cut = null;
                if (direction == Direction.TO_TARGET) {
                    ClientByteLimit.Admitted admitted = relay.clientBytes().admit(n);
                    n = admitted.bytes();
                    cut = admitted.cut();
                }
                if (n > 0 && !relay.lasting().silent()) {
                    enqueue(new Chunk(Kind.DATA, Arrays.copyOf(buffer, n), relay.lasting().dueNanos(direction), null));
                }
                if (cut != null) {
                    enqueue(new Chunk(Kind.CUT, null, 0, cut));
                    return; // the writer cuts the link once the bytes before the limit are out
                }
            }
            enqueue(END);
        } catch (IOException e) {
            link.breakOff(); // reset by the peer or closed here: both ends go
            queue.offer(GONE);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Queues {@code bytes} behind what is already queued, as if the reading end had sent them. */
    void inject(byte[] bytes) throws InterruptedException {
        if (!queue.offer(new Chunk(Kind.DATA, bytes, System.nanoTime(), null), 5, TimeUnit.SECONDS)) {
            throw new IllegalStateException("cannot inject " + bytes.length + " bytes " + direction.name()
                    .toLowerCase() + ": the queue stayed full for 5 s (paused?)");
        }
    }

    private void enqueue(Chunk chunk) throws InterruptedException {
        // put(), but a link cut while this waits for room lets the reader go
        while (!queue.offer(chunk, WAKE_MILLIS, TimeUnit.MILLISECONDS)) {
            if (link.over()) {
                return;
            }
        }
    }

    private void write() {
        try {
            OutputStream out = to.out();
            while (true) {
                Chunk c = queue.poll(WAKE_MILLIS, TimeUnit.MILLISECONDS);
                if (c == null) {
                    if (link.over()) {
                        return;
                    }
                    continue;
                }
                switch (c.kind()) {
                    case DATA -> {
                        LastingEffects.awaitDue(c.dueNanos());
                        relay.lasting().awaitNotPaused(direction, link::over);
                        if (link.over()) {
                            return;
                        }
                        out.write(c.bytes());
                        out.flush();
                        relay.forwarded(c.bytes().length);
                    }
                    case END -> {
                        to.passEnd();
                        link.directionEnded();
                        return;
                    }
                    case GONE -> {
                        return;
                    }
                    case CUT -> {
                        link.cut(c.cut());
                        return;
                    }
                }
            }
        } catch (IOException e) {
            link.breakOff(); // the peer went away: the other direction must end too
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
