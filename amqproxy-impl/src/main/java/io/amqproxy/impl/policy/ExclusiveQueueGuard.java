package io.amqproxy.impl.policy;

import io.amqproxy.impl.codec.Field;
import io.amqproxy.impl.codec.MethodView;
import io.amqproxy.impl.codec.Methods;
import io.amqproxy.impl.codec.ReplyCodes;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Keeps RabbitMQ's meaning of exclusive queues behind shared upstream connections, for one client. Invariant: an
 * exclusive queue this client declared is used by no other client (a neighbour's queue.declare, bind, purge,
 * delete, unbind, consume or get of it is answered 405 RESOURCE_LOCKED, as the broker answers another connection),
 * and it does not outlive the client (the caller deletes what {@link #release} hands back). The broker sees one
 * connection for many clients, so without this a neighbour could use the queue and it would stay after the client
 * left.
 *
 * <p>It owns all of that state: the client's queues, the per-loop {@link ExclusiveQueues} registry, and, per
 * channel, whether each queue.declare still awaiting its DeclareOk was exclusive (a server-named queue gets its
 * name only in the DeclareOk). One per client session; loop thread only.
 *
 * @param <C> the upstream connection type
 */
public final class ExclusiveQueueGuard<C> {

    private final ExclusiveQueues<C> registry;
    private final String vhost;
    /** The queues this client owns, by the connection they were declared through. */
    private final Map<C, List<String>> owned = new LinkedHashMap<>(2);
    /** Per client channel number: for each queue.declare awaiting its DeclareOk, whether it was exclusive. */
    @SuppressWarnings("unchecked")
    private ArrayDeque<Boolean>[] declaresInFlight = new ArrayDeque[0];

    public ExclusiveQueueGuard(ExclusiveQueues<C> registry, String vhost) {
        this.registry = registry;
        this.vhost = vhost;
    }

    /**
     * Checks a method from the client on {@code channel}, about to go to {@code connection}.
     *
     * @return {@code null} to forward it, or the 405 that closes the channel because another client owns the queue
     */
    public Refusal onClientMethod(int channel, MethodView m, C connection) {
        int method = m.id();
        switch (method) {
            case Methods.QUEUE_DECLARE, Methods.QUEUE_BIND, Methods.QUEUE_PURGE, Methods.QUEUE_DELETE,
                    Methods.QUEUE_UNBIND, Methods.BASIC_CONSUME, Methods.BASIC_GET -> {
            }
            default -> {
                return null;
            }
        }
        boolean declare = method == Methods.QUEUE_DECLARE;
        if (!declare && !registry.anyOn(connection)) {
            return null; // the usual case: no exclusive queue on this connection, no name to read
        }
        String queue = m.shortStr(Field.QUEUE);
        ExclusiveQueueGuard<C> owner = queue.isEmpty() ? null : registry.owner(connection, queue);
        if (owner != null && owner != this) {
            return Refusal.channel(ReplyCodes.RESOURCE_LOCKED, "cannot obtain exclusive access to locked queue '"
                    + queue + "' in vhost '" + vhost + "'. It could be originally declared on another connection or"
                    + " the exclusive property value does not match that of the original declaration.", method);
        }
        if (declare) {
            boolean exclusive = m.flag(Field.EXCLUSIVE) && !m.flag(Field.PASSIVE);
            if (!m.flag(Field.NOWAIT)) {
                inFlight(channel).addLast(exclusive);
            } else if (exclusive && !queue.isEmpty()) {
                declared(connection, queue);
            }
        } else if (method == Methods.QUEUE_DELETE && owner == this) {
            registry.forget(connection, queue, this);
            List<String> queues = owned.get(connection);
            if (queues != null) {
                queues.remove(queue);
            }
        }
        return null;
    }

    /** Notes a method from the broker on {@code channel}, which came through {@code connection}. */
    public void onBrokerMethod(int channel, MethodView m, C connection) {
        if (m.id() != Methods.QUEUE_DECLARE_OK || channel >= declaresInFlight.length) {
            return;
        }
        ArrayDeque<Boolean> pending = declaresInFlight[channel];
        Boolean exclusive = pending == null ? null : pending.pollFirst();
        if (exclusive != null && exclusive) {
            declared(connection, m.shortStr(Field.QUEUE));
        }
    }

    /** The client's channel is gone: its declares in flight will never be answered to this client. */
    public void channelClosed(int channel) {
        if (channel < declaresInFlight.length) {
            declaresInFlight[channel] = null;
        }
    }

    private ArrayDeque<Boolean> inFlight(int channel) {
        if (channel >= declaresInFlight.length) {
            declaresInFlight = Arrays.copyOf(declaresInFlight, Math.max(channel + 1, declaresInFlight.length * 2));
        }
        ArrayDeque<Boolean> pending = declaresInFlight[channel];
        if (pending == null) {
            pending = new ArrayDeque<>(2);
            declaresInFlight[channel] = pending;
        }
        return pending;
    }

    private void declared(C connection, String queue) {
        if (registry.owner(connection, queue) == this) {
            return;
        }
        registry.register(connection, queue, this);
        owned.computeIfAbsent(connection, c -> new ArrayList<>(2)).add(queue);
    }

    /**
     * The client is going: hands back its queues by connection, for the caller to delete. The names stay locked
     * for other clients until the caller {@linkplain #forget forgets} them, once the broker confirms, as they
     * would while a real connection closes.
     */
    public Map<C, List<String>> release() {
        Map<C, List<String>> all = new LinkedHashMap<>(owned);
        owned.clear();
        Arrays.fill(declaresInFlight, null);
        all.values().removeIf(List::isEmpty);
        return all;
    }

    /** The broker deleted {@code queue} (or the connection is gone): the name is free for other clients. */
    public void forget(C connection, String queue) {
        registry.forget(connection, queue, this);
    }

    /** Whether {@code queue} is an exclusive queue of any client on {@code connection}: only it may use it. */
    public boolean lockedOn(C connection, String queue) {
        return registry.owner(connection, queue) != null;
    }
}
