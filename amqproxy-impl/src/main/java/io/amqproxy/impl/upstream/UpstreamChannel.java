package io.amqproxy.impl.upstream;

import io.amqproxy.impl.loop.OutputBuffer;

import java.nio.ByteBuffer;

/**
 * One channel on an upstream connection, linked to at most one client channel (its {@link ChannelPeer}).
 * Owned by the event loop thread.
 */
public final class UpstreamChannel {

    /** Where the channel is in its life on the broker side. */
    public enum State {
        /**
         * Usable. Channel.Open goes out with the channel's first frame (see {@code announced}); its OpenOk
         * is not awaited: frames are pipelined behind it.
         */
        OPEN,
        /** The proxy sent Channel.Close and waits for CloseOk before the id may be reused. */
        CLOSING,
        /**
         * Close crossed the broker's own Close; the id is held back until a late CloseOk or a timeout,
         * so a stray CloseOk can never hit a reused channel.
         */
        QUARANTINED
    }

    private final UpstreamConnection connection;
    private final int id;
    State state = State.OPEN;
    /**
     * Whether Channel.Open has been written for this channel, i.e. whether the broker knows of it. A client's
     * channel.open is answered by the proxy, and the upstream Channel.Open waits for the first frame the
     * channel sends ({@link #output()}), so that it leaves in the same write, and a channel
     * that closes before it sends anything never reaches the broker.
     */
    boolean announced;
    long quarantineUntil;
    private ChannelPeer peer;
    private Runnable onClosed;

    UpstreamChannel(UpstreamConnection connection, int id, ChannelPeer peer) {
        this.connection = connection;
        this.id = id;
        this.peer = peer;
    }

    public UpstreamConnection connection() {
        return connection;
    }

    public int id() {
        return id;
    }

    public State state() {
        return state;
    }

    public boolean isOpen() {
        return state == State.OPEN;
    }

    ChannelPeer peer() {
        return peer;
    }

    /** Hands the channel to another client side (a parked channel being reused). */
    public void relink(ChannelPeer peer) {
        this.peer = peer;
    }

    /** Forgets the client side: frames that still arrive are dropped. */
    public void unlink() {
        peer = null;
    }

    /** Runs once when the broker confirms the channel is closed (or the connection is gone). */
    public void onClosed(Runnable r) {
        this.onClosed = r;
    }

    void fireClosed() {
        Runnable r = onClosed;
        onClosed = null;
        if (r != null) {
            r.run();
        }
    }

    /**
     * The output for this channel's next frame, with Channel.Open queued first if the broker has not heard of the
     * channel yet. Every frame for the channel goes through here; the caller marks the connection dirty.
     */
    public OutputBuffer output() {
        return connection.channels().outputFor(this);
    }

    /** Sends Channel.Close; the id is freed when the broker answers. */
    public void close(int replyCode, String replyText) {
        connection.channels().close(this, replyCode, replyText);
    }

    /** Forwards a client's own Channel.Close frame, under this channel's number. */
    public void forwardClose(ByteBuffer buf, int payloadOff, int payloadLen) {
        connection.channels().forwardClose(this, buf, payloadOff, payloadLen);
    }

    /**
     * Keeps this safe channel, whose client closed it, open for the next client (safe channel reuse).
     *
     * @return {@code false} if it cannot be kept; the caller then closes it as usual
     */
    public boolean park() {
        return connection.isOpen() && connection.channels().park(this);
    }
}
