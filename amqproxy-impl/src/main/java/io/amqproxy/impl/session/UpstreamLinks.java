package io.amqproxy.impl.session;

import io.amqproxy.impl.upstream.Credentials;
import io.amqproxy.impl.upstream.UpstreamClient;
import io.amqproxy.impl.upstream.UpstreamConnection;
import io.amqproxy.impl.upstream.UpstreamPool;

import java.util.ArrayList;
import java.util.List;

/**
 * The upstream connections one client uses: those it has channels on (attached, so they tell it of Blocked and
 * of their end), and the ones its next channels should go to, for publishers and for consumers, so that a
 * client's channels stay together where there is room. Owned by the client's event loop, not thread-safe.
 */
final class UpstreamLinks {

    private final UpstreamClient client;
    private final List<UpstreamConnection> attached = new ArrayList<>(1);
    private UpstreamConnection primary;
    /** The connection the client was admitted on. */
    private UpstreamConnection admitted;
    /** Where this client's consuming channels go, when consumers are kept apart from publishers. */
    private UpstreamConnection consumerPrimary;

    UpstreamLinks(UpstreamClient client) {
        this.client = client;
    }

    /** The connection the handshake verified the client's credentials on: its first channels go there. */
    void admittedOn(UpstreamConnection upstream, boolean own) {
        primary = upstream;
        admitted = upstream;
        if (own) {
            attach(upstream); // a connection of the client's own: it is the client's from the start
        }
    }

    /** The connection the client was admitted on: in faithful mode, its own. */
    UpstreamConnection admittedConnection() {
        return admitted;
    }

    /** A connection with room for a new channel, or {@code null} if no socket could be opened. */
    UpstreamConnection forChannel(UpstreamPool pool, Credentials credentials) {
        return pool.forChannel(credentials, primary);
    }

    /** A connection for consumers with room for a channel, or {@code null}. */
    UpstreamConnection forConsumer(UpstreamPool pool, Credentials credentials) {
        return pool.forConsumer(credentials, consumerPrimary);
    }

    /** A channel was opened on {@code up}: remember it for the next channels, and attach. */
    void channelOpened(UpstreamConnection up) {
        if (primary == null || !primary.isUsable() || primary.isForConsumers()) {
            primary = up;
        }
        attach(up);
    }

    /** A consuming channel was opened on {@code up}. */
    void consumerChannelOpened(UpstreamConnection up) {
        consumerPrimary = up;
        attach(up);
    }

    private void attach(UpstreamConnection up) {
        if (!attached.contains(up)) {
            attached.add(up);
            up.attach(client);
        }
    }

    /**
     * The first attached connection so far behind that the client must pause, or {@code null}. The connection
     * remembers the client and resumes it when it drains.
     */
    UpstreamConnection congested() {
        for (int i = 0; i < attached.size(); i++) {
            UpstreamConnection up = attached.get(i);
            if (up.isCongestedFor(client)) {
                up.stall(client);
                return up;
            }
        }
        return null;
    }

    /**
     * An open connection of this client's from which nothing has come for longer than its client may wait: twice
     * the client's heartbeat interval, but never less than one and a half of the connection's own (between its
     * heartbeats a healthy broker may be silent that long). {@code null} when all are heard from.
     */
    UpstreamConnection silentBeyond(long now, int clientHeartbeatSeconds) {
        for (int i = -1; i < attached.size(); i++) {
            UpstreamConnection up = i < 0 ? primary : attached.get(i);
            if (up == null || !up.isOpen() || up.heartbeatSeconds() == 0) {
                continue;
            }
            long limit = Math.max(2L * clientHeartbeatSeconds, up.heartbeatSeconds() * 3L / 2) * 1_000_000_000L;
            if (up.silentNanos(now) > limit) {
                return up;
            }
        }
        return null;
    }

    /** The open connections this client uses (has channels on, or was admitted on and still goes to first). */
    List<UpstreamConnection> openConnections() {
        List<UpstreamConnection> open = new ArrayList<>(attached.size() + 1);
        for (UpstreamConnection up : attached) {
            if (up.isOpen()) {
                open.add(up);
            }
        }
        if (primary != null && primary.isOpen() && !open.contains(primary)) {
            open.add(primary);
        }
        return open;
    }

    /** {@code up} is gone (closed, or retired while this client had no channel on it). */
    void lost(UpstreamConnection up) {
        attached.remove(up);
        if (primary == up) {
            primary = null;
        }
        if (consumerPrimary == up) {
            consumerPrimary = null;
        }
    }

    /** The client is going: detach from every connection. */
    void detachAll() {
        for (UpstreamConnection up : attached) {
            up.detach(client);
        }
        attached.clear();
        primary = null;
        consumerPrimary = null;
    }
}
