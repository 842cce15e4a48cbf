package io.amqproxy.impl.upstream;

import io.amqproxy.impl.codec.Frames;
import io.amqproxy.impl.loop.BufferPool;
import io.amqproxy.impl.loop.OutputBuffer;

import java.util.Arrays;

/**
 * The way out of one shared upstream connection, fair between its channels. Every channel frame the proxy sends
 * to the broker is queued in its channel's own lane; before each socket write the connection takes the next part
 * with {@link #fill}: deficit round robin over the lanes that hold frames, whole frames only (a frame larger than
 * a lane's credit still goes when its turn comes, and the lane pays for it by sitting out the next turns), so one
 * client's bulk messages (1 MiB, as 128 KiB body frames) cannot keep a neighbour's small frames waiting behind all
 * of them, which never happens when each has its own TCP connection. AMQP keeps order per channel only: frames of different
 * channels may interleave, content frames of one message with other channels' frames included, while the frames
 * of one channel always leave in the order they were queued (a lane is a FIFO, and only its head moves).
 *
 * <p>What is moved to the socket's buffer in one fill stays small ({@code stageBytes}, about one frame_max), so a
 * frame queued a moment later waits for at most that, one frame of each busier lane, and what the kernel holds.
 * The lanes together are judged by the connection's output limit ({@link #size}, and {@link #bytesOf} for one
 * client's share), so memory stays bounded and backpressure works as before. Channel 0 (heartbeats, connection
 * methods) does not come through here: the connection writes it straight to the socket's buffer.
 *
 * <p>Lanes are indexed by channel number (no boxing) and made on first use; a lane's chunks go back to the pool as
 * they are sent. Owned by the connection's event loop thread, not thread-safe.
 */
final class FairUpstreamOutput {

    /** Bytes a lane may send per round, in whole frames; a larger frame waits until enough rounds added up. */
    static final int QUANTUM = 16 * 1024;

    private final BufferPool pool;
    private OutputBuffer[] lanes = new OutputBuffer[16];
    /** Who queued into each lane (the client behind the channel), for {@link #bytesOf}; may be null. */
    private Object[] owners = new Object[16];
    private int[] deficit = new int[16];
    private boolean[] active = new boolean[16];
    /** The lanes that may hold frames, in round-robin order: a ring of channel numbers. */
    private int[] ring = new int[16];
    private int ringHead;
    private int ringSize;

    FairUpstreamOutput(BufferPool pool) {
        this.pool = pool;
    }

    /**
     * The lane of {@code channel}, where the caller writes whole frames of that channel now (within this loop
     * round, before the next {@link #fill}).
     *
     * @param owner who the frames are for, counted by {@link #bytesOf}; {@code null} when nobody in particular
     */
    OutputBuffer lane(int channel, Object owner) {
        if (channel >= lanes.length) {
            grow(channel);
        }
        OutputBuffer lane = lanes[channel];
        if (lane == null) {
            lane = new OutputBuffer(pool);
            lanes[channel] = lane;
        }
        if (owner != null) {
            owners[channel] = owner;
        }
        if (!active[channel]) {
            active[channel] = true;
            deficit[channel] = 0;
            if (ringSize == ring.length) {
                ring = unwrap(ring, ringSize * 2);
            }
            ring[(ringHead + ringSize) % ring.length] = channel;
            ringSize++;
        }
        return lane;
    }

    /** Whether any lane holds frames. */
    boolean isEmpty() {
        for (int i = 0; i < ringSize; i++) {
            if (!lanes[ring[(ringHead + i) % ring.length]].isEmpty()) {
                return false;
            }
        }
        return true;
    }

    /** Bytes queued in all lanes. */
    long size() {
        long n = 0;
        for (int i = 0; i < ringSize; i++) {
            n += lanes[ring[(ringHead + i) % ring.length]].size();
        }
        return n;
    }

    /** Bytes queued in the lanes of {@code owner}. */
    long bytesOf(Object owner) {
        long n = 0;
        for (int i = 0; i < ringSize; i++) {
            int ch = ring[(ringHead + i) % ring.length];
            if (owners[ch] == owner) {
                n += lanes[ch].size();
            }
        }
        return n;
    }

    /**
     * Moves whole frames from the lanes to {@code out}, deficit round robin, until {@code out} holds at least
     * {@code stageBytes} or the lanes are empty.
     *
     * @return how many frames were moved, for the connection's metrics
     */
    long fill(OutputBuffer out, long stageBytes) {
        long frames = 0;
        while (ringSize > 0 && out.size() < stageBytes) {
            int ch = ring[ringHead];
            OutputBuffer lane = lanes[ch];
            if (lane.isEmpty()) {
                dropHead(ch);
                continue;
            }
            long credit = (long) deficit[ch] + QUANTUM;
            if (credit <= 0) {
                deficit[ch] = (int) credit; // still paying for a large frame: its neighbours go first this round
                rotate(ch);
                continue;
            }
            long room = stageBytes - out.size();
            if (ringSize == 1) {
                credit = Math.max(credit, room); // alone: nobody to be fair to, so as much as the write takes
            }
            long queued = lane.size();
            long take = 0;
            long n = 0;
            if (queued <= credit && queued <= room) {
                // the usual case: all of it fits, and a lane holds whole frames only, so none needs to be read
                take = queued;
                n = lane.takeFrameCount();
            } else {
                while (take + Frames.OVERHEAD <= queued) {
                    long frame = Frames.OVERHEAD + (lane.peekInt(take + 3) & 0xFFFFFFFFL); // size: after type, channel
                    // at least one frame per turn, however large: a 128 KiB body frame is paid for in the next turns
                    if (n > 0 && (take + frame > credit || take + frame > room) || take + frame > queued) {
                        break;
                    }
                    take += frame;
                    n++;
                }
                if (take == 0) {
                    break; // not a whole frame at the head: cannot happen, as writers queue whole frames; never spin
                }
                lane.addFrameCount(-n); // the rest stay counted in the lane
            }
            lane.transferTo(out, take);
            frames += n;
            // a lane keeps at most one quantum of unused credit, so a lane that was alone does not burst later
            deficit[ch] = (int) Math.max(Integer.MIN_VALUE, Math.min(QUANTUM, credit - take));
            if (lane.isEmpty()) {
                dropHead(ch);
            } else {
                rotate(ch);
            }
        }
        return frames;
    }

    /** Moves everything queued to {@code out}, each lane in its order: for a connection-level Close that must come last. */
    long drainAll(OutputBuffer out) {
        return fill(out, Long.MAX_VALUE);
    }

    /** Drops everything queued (the connection is gone) and returns the chunks to the pool. */
    void clear() {
        for (int ch = 0; ch < lanes.length; ch++) {
            if (lanes[ch] != null) {
                lanes[ch].clear();
            }
            owners[ch] = null;
            active[ch] = false;
            deficit[ch] = 0;
        }
        ringHead = 0;
        ringSize = 0;
    }

    /** Moves the head of the ring, {@code ch}, to its back. */
    private void rotate(int ch) {
        ringHead = (ringHead + 1) % ring.length;
        ring[(ringHead + ringSize - 1) % ring.length] = ch;
    }

    private void dropHead(int ch) {
        active[ch] = false;
        deficit[ch] = 0;
        owners[ch] = null;
        ringHead = (ringHead + 1) % ring.length;
        ringSize--;
    }

    private void grow(int channel) {
        int n = Math.max(lanes.length * 2, Integer.highestOneBit(channel) * 2);
        lanes = Arrays.copyOf(lanes, n);
        owners = Arrays.copyOf(owners, n);
        deficit = Arrays.copyOf(deficit, n);
        active = Arrays.copyOf(active, n);
    }

    /** The ring's members in order from index 0, in a new array of {@code capacity}. */
    private int[] unwrap(int[] old, int capacity) {
        int[] r = new int[capacity];
        for (int i = 0; i < ringSize; i++) {
            r[i] = old[(ringHead + i) % old.length];
        }
        ringHead = 0;
        return r;
    }
}
