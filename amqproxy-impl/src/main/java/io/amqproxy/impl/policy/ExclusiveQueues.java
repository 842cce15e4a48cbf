package io.amqproxy.impl.policy;

import java.util.HashMap;
import java.util.Map;

/**
 * Which client declared which exclusive queue through which shared upstream connection, for one event loop. The
 * broker sees only the shared connection as the owner; this registry remembers the client behind it, so that
 * {@link ExclusiveQueueGuard} can keep the queue to that client as the broker would. Loop thread only.
 *
 * @param <C> the upstream connection type (a plain object in unit tests)
 */
public final class ExclusiveQueues<C> {

    private final Map<C, Map<String, ExclusiveQueueGuard<C>>> byConnection = new HashMap<>();

    /** The client that declared {@code queue} as exclusive through {@code connection}, or {@code null}. */
    public ExclusiveQueueGuard<C> owner(C connection, String queue) {
        Map<String, ExclusiveQueueGuard<C>> owners = byConnection.get(connection);
        return owners == null ? null : owners.get(queue);
    }

    /** Whether any exclusive queue was declared through {@code connection}: most have none, and pay nothing. */
    boolean anyOn(C connection) {
        return !byConnection.isEmpty() && byConnection.containsKey(connection);
    }

    void register(C connection, String queue, ExclusiveQueueGuard<C> owner) {
        byConnection.computeIfAbsent(connection, c -> new HashMap<>(4)).put(queue, owner);
    }

    void forget(C connection, String queue, ExclusiveQueueGuard<C> owner) {
        Map<String, ExclusiveQueueGuard<C>> owners = byConnection.get(connection);
        if (owners != null && owners.remove(queue, owner) && owners.isEmpty()) {
            byConnection.remove(connection);
        }
    }
}
