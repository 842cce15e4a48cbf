package io.amqproxy.impl.upstream;

import io.amqproxy.impl.loop.BufferPool;
import io.amqproxy.impl.loop.OutputBuffer;

/**
 * What an upstream connection holds for the broker besides its socket's buffer: the frames clients queue before
 * the connection is open (they follow the handshake at the open), and, once open, each channel's frames in a lane
 * of its own ({@link FairUpstreamOutput}), taken fairly before each write. It also says when the clients feeding
 * the connection should pause, and when they may go on. Owned by the connection's event loop, not thread-safe.
 */
final class UpstreamBacklog {

    /**
     * What one write takes from the channels' lanes at most (whole frames, so a little more): small, so that a frame
     * queued a moment later is not stuck behind much, and large enough for few writes per round.
     */
    private static final long STAGE_BYTES = 128 * 1024;

    private final OutputBuffer beforeOpen;
    private final FairUpstreamOutput lanes;
    /** The connection's output limit, {@code maxUpstreamOutputBytes}. */
    private final long limit;

    UpstreamBacklog(BufferPool pool, long limit) {
        this.beforeOpen = new OutputBuffer(pool);
        this.lanes = new FairUpstreamOutput(pool);
        this.limit = limit;
    }

    /** Where clients queue frames while the connection opens. */
    OutputBuffer beforeOpen() {
        return beforeOpen;
    }

    /** The connection is open: what clients queued meanwhile goes behind the handshake in {@code out}. */
    void opened(OutputBuffer out) {
        out.append(beforeOpen);
    }

    /** The lane for a frame of {@code ch}, fairly interleaved with the other channels' frames. */
    OutputBuffer laneFor(UpstreamChannel ch) {
        ChannelPeer peer = ch.peer();
        return lanes.lane(ch.id(), peer == null ? null : peer.owner());
    }

    /** Moves the next fair share of the lanes into {@code out}, for one write. */
    void fill(OutputBuffer out) {
        out.addFrameCount(lanes.fill(out, STAGE_BYTES));
    }

    /** Moves everything the lanes hold into {@code out}: before the connection's Close, or for tests. */
    void drainAll(OutputBuffer out) {
        out.addFrameCount(lanes.drainAll(out));
    }

    boolean lanesHoldFrames() {
        return !lanes.isEmpty();
    }

    /** Bytes queued for the broker: {@code socketQueued} (the socket's buffer and shaping), the lanes, the waiting. */
    private long size(long socketQueued) {
        return socketQueued + beforeOpen.size() + lanes.size();
    }

    /** Whether the broker side is so far behind that every client feeding it should pause. */
    boolean congested(long socketQueued) {
        return size(socketQueued) > limit;
    }

    /**
     * Whether {@code client} (as its channels name it, {@link ChannelPeer#owner()}) should pause: the connection is
     * past its limit and the client holds more than a quarter of that in its channels' lanes, or the connection is
     * past twice its limit. A neighbour with little queued goes on while a bulk publisher waits, as each would with a
     * TCP connection of its own; memory stays bounded by twice the limit (plus a read per client).
     */
    boolean congestedFor(Object client, long socketQueued) {
        long size = size(socketQueued);
        return size > limit && (size > 2 * limit || lanes.bytesOf(client) > limit / 4);
    }

    /** Whether enough has drained for paused clients to go on. */
    boolean drained(long socketQueued) {
        return size(socketQueued) <= limit / 2;
    }

    /** The connection failed: nothing queued will be sent. */
    void clear() {
        beforeOpen.clear();
        lanes.clear();
    }

    /** The socket is closed: the lanes' buffers go back to the pool. */
    void clearLanes() {
        lanes.clear();
    }
}
