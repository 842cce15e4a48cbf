package io.amqproxy.impl.upstream;

import io.amqproxy.impl.LoopContext;
import io.amqproxy.impl.codec.ReplyCodes;
import io.amqproxy.impl.policy.ExclusiveQueues;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The upstream connections of one event loop, by credentials. A client is admitted only when a connection
 * with exactly its credentials is open (the broker accepted them) or has just opened for it; its channels
 * go to a connection of those credentials with room, and a new one is opened when all are full.
 * Owned by the loop thread.
 */
public final class UpstreamPool {

    private static final AtomicLong IDS = new AtomicLong();

    private static final long FIRST_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long MAX_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(2);

    private final LoopContext ctx;
    private final Map<Credentials, List<UpstreamConnection>> byCredentials = new HashMap<>();
    private final ExclusiveQueues<UpstreamConnection> exclusiveQueues = new ExclusiveQueues<>();
    /** Connections the broker has blocked (a resource alarm); while any is, see {@link #alarmOn()}. */
    private int blocked;
    /** Clients holding a publish back until the alarm is over. */
    private final Set<Runnable> alarmWaiters = new LinkedHashSet<>();
    /** Broker unreachable this many times in a row; new connects wait {@link #retryAt} (backoff). */
    private int consecutiveFailures;
    private long retryAt;

    public UpstreamPool(LoopContext ctx) {
        this.ctx = ctx;
    }

    /** Who declared which exclusive queue through this loop's connections. */
    public ExclusiveQueues<UpstreamConnection> exclusiveQueues() {
        return exclusiveQueues;
    }

    /**
     * Checks a user and password (no vhost yet) with the broker, as RabbitMQ does before Connection.Tune:
     * at once when an open connection with the same login proves them, otherwise by logging in a new
     * connection that then waits for the client's vhost.
     */
    public void authenticate(Credentials login, UpstreamClient client) {
        for (Map.Entry<Credentials, List<UpstreamConnection>> e : byCredentials.entrySet()) {
            if (e.getKey().sameLogin(login)) {
                for (UpstreamConnection c : e.getValue()) {
                    if (c.takesNewClients()) {
                        client.upstreamAuthenticated(null);
                        return;
                    }
                }
            }
        }
        List<UpstreamConnection> loggingIn = byCredentials.get(login);
        if (loggingIn != null) {
            for (UpstreamConnection c : loggingIn) {
                if (c.isAwaitingVhost()) {
                    client.upstreamAuthenticated(c);
                    return;
                }
                if (c.isOpening()) {
                    c.addWaiter(client);
                    return;
                }
            }
        }
        openFor(login, client);
    }

    /**
     * Checks the credentials with the broker: at once ({@link UpstreamClient#upstreamReady}) when an open
     * connection already proves them, otherwise when a connection opening for them finishes.
     */
    public void verify(Credentials credentials, UpstreamClient client, UpstreamConnection held) {
        List<UpstreamConnection> list = byCredentials.get(credentials);
        if (list != null) {
            for (UpstreamConnection c : list) {
                if (c.takesNewClients()) {
                    client.upstreamReady(c);
                    return;
                }
            }
        }
        if (held != null && held.isAwaitingVhost() && held.credentials().sameLogin(credentials)) {
            held.assignVhost(credentials.vhost(), client);
            return;
        }
        if (list != null) {
            for (UpstreamConnection c : list) {
                if (c.isOpening()) {
                    c.addWaiter(client);
                    return;
                }
            }
        }
        openFor(credentials, client);
    }

    /** Opens a new connection for {@code credentials}; {@code client} hears how it ends. */
    private void openFor(Credentials credentials, UpstreamClient client) {
        UpstreamConnection c = open(credentials, false);
        if (c == null) {
            client.upstreamRefused(ReplyCodes.INTERNAL_ERROR,
                    ReplyCodes.text(ReplyCodes.INTERNAL_ERROR, "the proxy cannot open a socket"));
            return;
        }
        c.addWaiter(client);
        c.connect();
    }

    /**
     * A connection with room for one more channel of a client that has not consumed on it: {@code preferred}
     * if it has room, else the first with room, else a new one (whose frames wait until it is open).
     *
     * @return the connection, or {@code null} if no socket could be opened
     */
    public UpstreamConnection forChannel(Credentials credentials, UpstreamConnection preferred) {
        return withRoom(credentials, preferred, false);
    }

    /**
     * Like {@link #forChannel}, among the connections that carry consumers only. RabbitMQ stops reading a
     * connection that publishes during a resource alarm, acknowledgements and all, so consumers sharing one
     * with publishers would stall until the alarm clears.
     */
    public UpstreamConnection forConsumer(Credentials credentials, UpstreamConnection preferred) {
        return withRoom(credentials, preferred, true);
    }

    private UpstreamConnection withRoom(Credentials credentials, UpstreamConnection preferred, boolean forConsumers) {
        if (takesChannel(preferred, forConsumers)) {
            return preferred;
        }
        List<UpstreamConnection> list = byCredentials.get(credentials);
        if (list != null) {
            for (UpstreamConnection c : list) {
                if (takesChannel(c, forConsumers)) {
                    return c;
                }
            }
        }
        UpstreamConnection c = open(credentials, forConsumers);
        if (c != null) {
            c.connect();
        }
        return c;
    }

    /**
     * Whether a new channel may go to {@code c}: its kind, with room, and not blocked by the broker. A blocked
     * connection is not read until the alarm is over, so a channel opened there could not even declare a
     * queue; the next connection opened instead stays unblocked, because publishes are held back in the
     * proxy while the alarm lasts (see {@link #alarmOn()}).
     */
    private static boolean takesChannel(UpstreamConnection c, boolean forConsumers) {
        return c != null && c.isForConsumers() == forConsumers && c.hasRoom() && !c.isBlocked();
    }

    /**
     * Whether the broker has a resource alarm on, as far as this pool knows: some connection of it is blocked.
     * RabbitMQ blocks a connection the moment it sees a publish during an alarm and then stops reading it,
     * acknowledgements and all; so while the alarm lasts, publishes for connections not yet blocked wait in
     * the proxy instead, and those connections stay readable for consumers and declarations.
     */
    public boolean alarmOn() {
        return blocked > 0;
    }

    /** Runs {@code resume} once the alarm is over (at once if it already is). */
    public void afterAlarm(Runnable resume) {
        if (blocked == 0) {
            resume.run();
        } else {
            alarmWaiters.add(resume);
        }
    }

    /** Forgets a {@link #afterAlarm} wait of a client that went away. */
    public void cancelAfterAlarm(Runnable resume) {
        alarmWaiters.remove(resume);
    }

    void alarmRaised() {
        blocked++;
    }

    void alarmCleared() {
        if (blocked > 0 && --blocked == 0 && !alarmWaiters.isEmpty()) {
            List<Runnable> resume = new ArrayList<>(alarmWaiters);
            alarmWaiters.clear();
            resume.forEach(Runnable::run);
        }
    }

    private UpstreamConnection open(Credentials credentials, boolean forConsumers) {
        try {
            UpstreamConnection c = new UpstreamConnection(IDS.incrementAndGet(), ctx, this, credentials, forConsumers);
            byCredentials.computeIfAbsent(credentials, k -> new ArrayList<>(2)).add(c);
            return c;
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * How long a new connection must wait before it connects: 0 normally; after the broker was unreachable,
     * 100 ms doubling up to 2 s, so a dead broker costs one attempt per interval instead of a busy loop.
     */
    long connectDelayNanos(long now) {
        return consecutiveFailures == 0 ? 0 : Math.max(0, retryAt - now);
    }

    void brokerUnreachable(long now) {
        consecutiveFailures++;
        long backoff = Math.min(MAX_BACKOFF_NANOS, FIRST_BACKOFF_NANOS << Math.min(consecutiveFailures - 1, 10));
        retryAt = now + backoff;
    }

    void brokerReached() {
        consecutiveFailures = 0;
    }

    void rekey(UpstreamConnection c, Credentials before) {
        List<UpstreamConnection> list = byCredentials.get(before);
        if (list != null && list.remove(c) && list.isEmpty()) {
            byCredentials.remove(before);
        }
        byCredentials.computeIfAbsent(c.credentials(), k -> new ArrayList<>(2)).add(c);
    }

    void remove(UpstreamConnection c) {
        List<UpstreamConnection> list = byCredentials.get(c.credentials());
        if (list != null && list.remove(c) && list.isEmpty()) {
            byCredentials.remove(c.credentials());
        }
    }

    /** Every connection in the pool, for shutdown. */
    public List<UpstreamConnection> all() {
        List<UpstreamConnection> all = new ArrayList<>();
        byCredentials.values().forEach(all::addAll);
        return all;
    }
}
