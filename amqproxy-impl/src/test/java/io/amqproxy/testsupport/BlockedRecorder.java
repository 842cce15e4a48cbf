package io.amqproxy.testsupport;

import com.rabbitmq.client.BlockedListener;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Records the Connection.Blocked and Connection.Unblocked a client connection receives, in order. */
public final class BlockedRecorder implements BlockedListener {

    /** "blocked:&lt;reason&gt;" or "unblocked", in arrival order. */
    public final List<String> events = new CopyOnWriteArrayList<>();

    @Override
    public void handleBlocked(String reason) {
        events.add("blocked:" + reason);
    }

    @Override
    public void handleUnblocked() {
        events.add("unblocked");
    }

    public boolean blocked() {
        return events.stream().anyMatch(e -> e.startsWith("blocked:"));
    }

    public boolean unblocked() {
        return events.contains("unblocked");
    }
}
