package io.amqproxy.impl.upstream;

import io.amqproxy.impl.codec.FrameDecoder;
import io.amqproxy.impl.codec.Frames;
import io.amqproxy.impl.codec.Methods;
import io.amqproxy.impl.codec.ReplyCodes;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * Upstream channels a client closed while they were "safe" (see safe channel reuse), kept open for the next
 * client of the same connection. A parked channel is first asked channel.flow(active=true); its FlowOk shows
 * the broker has processed everything the previous client sent, so any late channel error has already
 * arrived (and closed the channel) before the channel is handed out. Owned by the loop thread.
 */
final class ParkedChannels implements ChannelPeer {

    /** Channels kept per connection at most; more are closed as usual. */
    static final int MAX_PARKED = 64;

    private final UpstreamChannels channels;
    private final ArrayDeque<UpstreamChannel> settled = new ArrayDeque<>();
    private int count;

    ParkedChannels(UpstreamChannels channels) {
        this.channels = channels;
    }

    /** Channels parked, settled or still waiting for their FlowOk. */
    int count() {
        return count;
    }

    boolean hasRoom() {
        return count < MAX_PARKED;
    }

    void park(UpstreamChannel ch) {
        ch.relink(this);
        count++;
        channels.askFlow(ch);
    }

    /** A settled channel for a new client, or {@code null}. */
    UpstreamChannel take(ChannelPeer newPeer) {
        UpstreamChannel ch;
        while ((ch = settled.pollFirst()) != null) {
            if (ch.isOpen()) {
                count--;
                ch.relink(newPeer);
                return ch;
            }
        }
        return null;
    }

    @Override
    public void onUpstreamFrame(UpstreamChannel ch, int type, ByteBuffer buf, int off, int len) {
        if (type == Frames.TYPE_METHOD && FrameDecoder.methodId(buf, off) == Methods.CHANNEL_FLOW_OK) {
            settled.addLast(ch);
            return;
        }
        // anything else on a parked channel means it was not as quiet as it looked: do not reuse it
        settled.remove(ch);
        channels.close(ch, ReplyCodes.REPLY_SUCCESS, "parked channel not reusable");
    }

    @Override
    public void onUpstreamChannelClosed(UpstreamChannel ch, ByteBuffer buf, int off, int len) {
        gone(ch);
    }

    @Override
    public void onUpstreamCloseOk(UpstreamChannel ch) {
        gone(ch);
    }

    private void gone(UpstreamChannel ch) {
        settled.remove(ch);
        count--;
    }
}
