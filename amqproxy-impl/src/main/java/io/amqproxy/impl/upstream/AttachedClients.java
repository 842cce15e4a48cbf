package io.amqproxy.impl.upstream;

import java.util.ArrayList;
import java.util.List;

/**
 * The clients that have channels on one upstream connection, and what the connection tells them together:
 * Connection.Blocked and Unblocked from the broker (which the pool counts as the broker's alarm), that it drained
 * after they were paused for congestion, and that it is gone. A client that attaches while the connection is
 * blocked hears so at once. Owned by the connection's event loop, not thread-safe.
 */
final class AttachedClients {

    private final UpstreamPool pool;
    private final List<UpstreamClient> clients = new ArrayList<>();
    /** Clients paused because the connection's output was too far behind; resumed when it drains. */
    private final List<UpstreamClient> stalled = new ArrayList<>();
    private boolean blocked;
    private String blockedReason = "";

    AttachedClients(UpstreamPool pool) {
        this.pool = pool;
    }

    void attach(UpstreamClient client) {
        if (!clients.contains(client)) {
            clients.add(client);
            if (blocked) {
                client.upstreamBlocked(blockedReason);
            }
        }
    }

    void detach(UpstreamClient client) {
        clients.remove(client);
        stalled.remove(client);
    }

    void stall(UpstreamClient client) {
        if (!stalled.contains(client)) {
            stalled.add(client);
        }
    }

    /** Resumes the stalled clients; cheap when there are none. */
    void resumeStalled() {
        if (stalled.isEmpty()) {
            return;
        }
        List<UpstreamClient> resume = new ArrayList<>(stalled);
        stalled.clear();
        for (UpstreamClient c : resume) {
            c.upstreamWritable();
        }
    }

    boolean isEmpty() {
        return clients.isEmpty();
    }

    boolean isBlocked() {
        return blocked;
    }

    /** Connection.Blocked from the broker: the pool learns of the alarm, every client of the block. */
    void block(String reason) {
        if (!blocked) {
            pool.alarmRaised();
        }
        blocked = true;
        blockedReason = reason;
        for (UpstreamClient c : new ArrayList<>(clients)) {
            c.upstreamBlocked(reason);
        }
    }

    /** Connection.Unblocked from the broker: the pool learns the alarm is over here, every client too. */
    void unblock() {
        if (blocked) {
            pool.alarmCleared();
        }
        blocked = false;
        for (UpstreamClient c : new ArrayList<>(clients)) {
            c.upstreamUnblocked();
        }
    }

    /** The connection is gone, so it no longer speaks for an alarm. */
    void connectionGone() {
        if (blocked) {
            blocked = false;
            pool.alarmCleared();
        }
    }

    /** Takes every client out, for telling them the connection is gone; the stalled list is dropped too. */
    List<UpstreamClient> takeAll() {
        List<UpstreamClient> all = new ArrayList<>(clients);
        clients.clear();
        stalled.clear();
        return all;
    }
}
