package io.amqproxy.impl.upstream;

import java.nio.ByteBuffer;

/** The client side of an {@link UpstreamChannel}: where the broker's frames for that channel go. */
public interface ChannelPeer {

    /** A frame for an open channel (not Channel.Close, CloseOk or OpenOk, which the upstream handles). */
    void onUpstreamFrame(UpstreamChannel channel, int type, ByteBuffer buf, int payloadOff, int payloadLen);

    /**
     * The broker closed the channel (a channel error such as 404), possibly crossing a Close the peer had
     * asked for. The upstream already answered CloseOk; the frame is handed over so the peer can forward it.
     */
    void onUpstreamChannelClosed(UpstreamChannel channel, ByteBuffer buf, int payloadOff, int payloadLen);

    /** The Close the peer asked for is done (CloseOk, or the broker's own Close crossed it). */
    void onUpstreamCloseOk(UpstreamChannel channel);

    /**
     * Who this channel's frames to the broker are queued for: the client connection behind it, so that a connection
     * can tell how much one client holds in its output ({@link UpstreamConnection#isCongestedFor}).
     */
    default Object owner() {
        return this;
    }
}
