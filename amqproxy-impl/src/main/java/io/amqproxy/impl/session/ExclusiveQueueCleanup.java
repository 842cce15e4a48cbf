package io.amqproxy.impl.session;

import io.amqproxy.impl.LoopContext;
import io.amqproxy.impl.codec.ReplyCodes;
import io.amqproxy.impl.policy.ExclusiveQueueGuard;
import io.amqproxy.impl.upstream.ChannelPeer;
import io.amqproxy.impl.upstream.UpstreamChannel;
import io.amqproxy.impl.upstream.UpstreamConnection;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;

/**
 * Deletes the exclusive queues of a client that is going, as the broker deletes a closing connection's: one
 * cleanup channel per upstream connection, a queue.delete per queue, then Channel.Close. The names stay locked
 * for other clients until the broker confirms. Stateless; runs on the client's event loop.
 */
final class ExclusiveQueueCleanup {

    /** The cleanup channel's peer: nothing the broker answers on it matters. */
    private static final ChannelPeer IGNORE_REPLIES = new ChannelPeer() {
        @Override
        public void onUpstreamFrame(UpstreamChannel channel, int type, ByteBuffer buf, int off, int len) {
        }

        @Override
        public void onUpstreamChannelClosed(UpstreamChannel channel, ByteBuffer buf, int off, int len) {
        }

        @Override
        public void onUpstreamCloseOk(UpstreamChannel channel) {
        }
    };

    private ExclusiveQueueCleanup() {
    }

    /**
     * Deletes what {@code guard} releases.
     *
     * @param whenDone runs once every deletion is confirmed (at once if there is nothing to delete)
     */
    static void deleteAll(ExclusiveQueueGuard<UpstreamConnection> guard, LoopContext ctx, Runnable whenDone) {
        Map<UpstreamConnection, List<String>> owned = guard.release();
        if (owned.isEmpty()) {
            whenDone.run();
            return;
        }
        int[] pending = {owned.size()};
        Runnable oneDone = () -> {
            if (--pending[0] == 0) {
                whenDone.run();
            }
        };
        owned.forEach((up, queues) -> {
            Runnable forget = () -> {
                queues.forEach(q -> guard.forget(up, q));
                oneDone.run();
            };
            UpstreamChannel cleanup = up.isUsable() ? up.openChannel(IGNORE_REPLIES) : null;
            if (cleanup == null) {
                forget.run();
                return;
            }
            for (String q : queues) {
                ctx.writer.queueDelete(cleanup.output(), cleanup.id(), q);
            }
            cleanup.onClosed(forget);
            cleanup.close(ReplyCodes.REPLY_SUCCESS, "exclusive queues of a closed client deleted");
        });
    }
}
