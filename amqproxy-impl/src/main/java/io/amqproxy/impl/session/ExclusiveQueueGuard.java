package io.amqproxy.impl.session;

import io.amqproxy.impl.codec.MethodReader;
import io.amqproxy.impl.codec.Methods;
import io.amqproxy.impl.codec.ReplyCodes;
import io.amqproxy.impl.upstream.ChannelPeer;
import io.amqproxy.impl.upstream.UpstreamChannel;
import io.amqproxy.impl.upstream.UpstreamConnection;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Keeps RabbitMQ's meaning of exclusive queues behind a shared upstream connection. The broker sees one
 * connection for many clients, so it would let a neighbour use a client's exclusive queue and keep the queue
 * after the client left. This guard remembers which client declared which exclusive queue, answers a
 * neighbour's access with 405 RESOURCE_LOCKED as the broker would, and deletes the client's exclusive
 * queues when it goes. One per client session; loop thread only.
 */
final class ExclusiveQueueGuard {

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

    private record Owned(UpstreamConnection upstream, String queue) {
    }

    private final ClientSession session;
    private List<Owned> owned;

    ExclusiveQueueGuard(ClientSession session) {
        this.session = session;
    }

    /**
     * Checks a queue method from the client before it is forwarded.
     *
     * @return {@code true} to forward it; {@code false} if the channel was closed with 405
     */
    boolean admit(ClientChannel channel, UpstreamChannel uc, int method, ByteBuffer buf, int off, int len) {
        UpstreamConnection up = uc.connection();
        boolean declare = method == Methods.QUEUE_DECLARE;
        if (!declare && !up.hasExclusiveQueues()) {
            return true;
        }
        MethodReader r = session.loopReader().reset(buf, off, len);
        r.u16();
        String queue = r.shortStr();
        Object owner = queue.isEmpty() ? null : up.exclusiveOwner(queue);
        if (owner != null && owner != session) {
            channel.closeByProxy(ReplyCodes.RESOURCE_LOCKED, ReplyCodes.text(ReplyCodes.RESOURCE_LOCKED,
                    "cannot obtain exclusive access to locked queue '" + queue + "' in vhost '" + session.vhost()
                            + "'. It could be originally declared on another connection or the exclusive property"
                            + " value does not match that of the original declaration."), method);
            return false;
        }
        if (declare) {
            int bits = r.u8();
            boolean passive = (bits & 1) != 0;
            boolean exclusive = (bits & 4) != 0 && !passive;
            boolean noWait = (bits & 16) != 0;
            if (noWait) {
                if (exclusive && !queue.isEmpty()) {
                    declared(up, queue);
                }
            } else {
                uc.expectDeclareOk(exclusive);
            }
        } else if (method == Methods.QUEUE_DELETE && owner == session) {
            up.forgetExclusive(queue, session);
            owned.remove(new Owned(up, queue));
        }
        return true;
    }

    /** The broker confirmed an exclusive declare by this client. */
    void declared(UpstreamConnection up, String queue) {
        if (up.exclusiveOwner(queue) == session) {
            return;
        }
        up.registerExclusive(queue, session);
        if (owned == null) {
            owned = new ArrayList<>(2);
        }
        owned.add(new Owned(up, queue));
    }

    /**
     * Deletes this client's exclusive queues, one cleanup channel per upstream connection. The names stay
     * locked for other clients until the broker confirms, as they would while a real connection closes.
     *
     * @param whenDone runs once every deletion is confirmed (at once if there is nothing to delete)
     */
    void deleteAll(Runnable whenDone) {
        if (owned == null || owned.isEmpty()) {
            whenDone.run();
            return;
        }
        List<UpstreamConnection> upstreams = new ArrayList<>();
        for (Owned o : owned) {
            if (!upstreams.contains(o.upstream())) {
                upstreams.add(o.upstream());
            }
        }
        int[] pending = {upstreams.size()};
        Runnable oneDone = () -> {
            if (--pending[0] == 0) {
                whenDone.run();
            }
        };
        for (UpstreamConnection up : upstreams) {
            List<String> queues = new ArrayList<>();
            for (Owned o : owned) {
                if (o.upstream() == up) {
                    queues.add(o.queue());
                }
            }
            Runnable forget = () -> {
                queues.forEach(q -> up.forgetExclusive(q, session));
                oneDone.run();
            };
            UpstreamChannel cleanup = up.isUsable() ? up.openChannel(IGNORE_REPLIES) : null;
            if (cleanup == null) {
                forget.run();
                continue;
            }
            for (String q : queues) {
                session.loopWriter().queueDelete(up.outputFor(cleanup), cleanup.id(), q);
            }
            cleanup.onClosed(forget);
            up.closeChannel(cleanup, ReplyCodes.REPLY_SUCCESS, "exclusive queues of a closed client deleted");
        }
        owned.clear();
    }
}
