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
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The upstream connections of one event loop, by credentials. A client is admitted only when a connection
 * with exactly its credentials is open (the broker accepted them) or has just opened for it; its channels
 * go to a connection of those credentials with room, and a new one is opened when all are full.
 * Owned by the loop thread.
 */
public final class UpstreamPool {

    private static final AtomicLong IDS = new AtomicLong();

    private final LoopContext ctx;
    private final Map<Credentials, List<UpstreamConnection>> byCredentials = new HashMap<>();
    private final ExclusiveQueues<UpstreamConnection> exclusiveQueues = new ExclusiveQueues<>();
    /** Connections the broker has blocked (a resource alarm); while any is, see {@link #alarmOn()}. */
    private int blocked;
    /** The reason of the resource alarm the test fixture simulates, or {@code null}. */
    private String simulatedAlarm;
    /** Clients holding a publish back until the alarm is over. */
    private final Set<Runnable> alarmWaiters = new LinkedHashSet<>();
    /** The brokers of the default upstreams. */
    private final UpstreamNodes defaultNodes;
    /** Clients waiting for the probe under way ({@link #probeThen}); empty when none runs. */
    private final List<Consumer<Boolean>> probeWaiters = new ArrayList<>();
    /** The brokers of vhosts routed to upstreams of their own. */
    private final Map<String, UpstreamNodes> vhostNodes = new HashMap<>();

    public UpstreamPool(LoopContext ctx) {
        this.ctx = ctx;
        this.defaultNodes = new UpstreamNodes(ctx, ctx.config.upstreams());
        ctx.config.vhostUpstreams().forEach((vhost, upstreams) -> vhostNodes.put(vhost, new UpstreamNodes(ctx, upstreams)));
    }

    /** The brokers for {@code credentials}: its vhost's own, or the default ones (also before the vhost is known). */
    private UpstreamNodes nodesFor(Credentials credentials) {
        if (credentials.vhost() == null) {
            return loginNodes();
        }
        UpstreamNodes own = vhostNodes.get(credentials.vhost());
        return own != null ? own : defaultNodes;
    }

    /**
     * Where a login (user and password, before the client names its vhost) is checked: the default set, unless it
     * is known down while a vhost's set is not, so that a vhost with upstreams of its own keeps working when the
     * default ones are down. Only a pre-check: the client is admitted once the set of its vhost accepted the
     * credentials with the vhost ({@link #verify}).
     */
    private UpstreamNodes loginNodes() {
        long now = ctx.loop.now();
        if (vhostNodes.isEmpty() || !defaultNodes.lastAttemptsFailed()) {
            return defaultNodes;
        }
        for (UpstreamNodes own : vhostNodes.values()) {
            if (!own.lastAttemptsFailed() && own.nanosUntilUp(now) == 0) {
                return own;
            }
        }
        return defaultNodes;
    }

    /** Open connections by node, for metrics; every node known so far is listed, with 0 if need be. */
    public Map<String, Long> connectionsByNode() {
        Map<String, Long> m = new java.util.TreeMap<>();
        allNodes().forEach(n -> m.merge(n.label, (long) n.connections, Long::sum));
        return m;
    }

    /** Failed attempts by node, for metrics. */
    public Map<String, Long> connectFailuresByNode() {
        Map<String, Long> m = new java.util.TreeMap<>();
        allNodes().forEach(n -> m.merge(n.label, n.connectFailures, Long::sum));
        return m;
    }

    /** Every node of every set as this loop knows it, for the health check. */
    public List<NodeState> nodeStates() {
        List<NodeState> states = new ArrayList<>();
        addStates(states, io.amqproxy.ProxyHealth.DEFAULT_SET, defaultNodes);
        vhostNodes.forEach((vhost, nodes) -> addStates(states, "vhost:" + vhost, nodes));
        return states;
    }

    private static void addStates(List<NodeState> states, String set, UpstreamNodes nodes) {
        for (UpstreamNodes.Node n : nodes.nodes()) {
            states.add(new NodeState(set, n.label, n.answering(), n.connections, n.lastError, n.lastChangeAt));
        }
    }

    private List<UpstreamNodes.Node> allNodes() {
        List<UpstreamNodes.Node> all = new ArrayList<>(defaultNodes.nodes());
        vhostNodes.values().forEach(n -> all.addAll(n.nodes()));
        return all;
    }

    /** What to do with a client that has just connected, before it is sent Connection.Start. */
    public enum Readiness {
        /** Serve it. */
        ADMIT,
        /** Close its socket: every node is known to be down (see {@link #readiness}). */
        REFUSE,
        /** Every node failed its last attempt, and a backoff is over: {@link #probeThen probe} a node first. */
        PROBE
    }

    /**
     * Whether a new client can be served. When no connection of this loop is open and every node of every upstream
     * set failed its last attempt, the brokers are down as far as the proxy knows: while the nodes are in their
     * backoff the client is refused at once, and after it a node is probed before the client is let in. Either way
     * a broker that is down costs the client a connect failure, which clients retry, instead of a refusal after its
     * login, which some take for a wrong password.
     */
    public Readiness readiness() {
        for (List<UpstreamConnection> list : byCredentials.values()) {
            for (UpstreamConnection c : list) {
                if (c.isOpen()) {
                    return Readiness.ADMIT;
                }
            }
        }
        boolean allFailed = defaultNodes.lastAttemptsFailed();
        for (UpstreamNodes n : vhostNodes.values()) {
            allFailed &= n.lastAttemptsFailed();
        }
        if (!allFailed) {
            return Readiness.ADMIT;
        }
        long now = ctx.loop.now();
        boolean down = defaultNodes.knownDown(now);
        for (UpstreamNodes n : vhostNodes.values()) {
            down &= n.knownDown(now);
        }
        return down ? Readiness.REFUSE : Readiness.PROBE;
    }

    /**
     * Probes the default upstream set's nodes that are out of their backoff, one after the other, until one
     * answers; {@code then} hears whether one did. Clients arriving meanwhile wait for the same probe.
     */
    public void probeThen(Consumer<Boolean> then) {
        probeWaiters.add(then);
        if (probeWaiters.size() == 1) {
            probeNext();
        }
    }

    private void probeNext() {
        UpstreamNodes.Node node = defaultNodes.pick(ctx.loop.now(), () -> { });
        if (node == null) {
            probeDone(false);
            return;
        }
        NodeProbe.start(ctx, defaultNodes, node, answered -> {
            if (answered) {
                probeDone(true);
            } else {
                probeNext();
            }
        });
    }

    private void probeDone(boolean answered) {
        List<Consumer<Boolean>> waiting = new ArrayList<>(probeWaiters);
        probeWaiters.clear();
        waiting.forEach(w -> w.accept(answered));
    }

    /**
     * A connection still opening found its node down: opens one to another node that is up, with the same
     * clients waiting and the same deadline, and counts a failover.
     *
     * @return whether another connection took the waiting clients over
     */
    boolean failOver(UpstreamConnection failed, BrokerHandshake handshake) {
        long now = ctx.loop.now();
        UpstreamNodes nodes = nodesFor(failed.credentials());
        if (!handshake.hasWaiters() || now - handshake.deadline() > 0 || nodes.nanosUntilUp(now) > 0
                || !pooled(failed)) {
            return false;
        }
        UpstreamConnection next = open(failed.credentials(), failed.isForConsumers(), failed.clientConnectionName());
        if (next == null) {
            return false;
        }
        handshake.moveWaitersTo(next);
        next.keepDeadline(handshake.deadline());
        ctx.metrics.failovers++;
        next.connect();
        return true;
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
    public void authenticate(Credentials login, UpstreamClient client, String connectionName) {
        if (ctx.config.faithful()) {
            // a connection of the client's own, under its name, as it would have directly
            openFor(login, client, connectionName);
            return;
        }
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
        openFor(login, client, null);
    }

    /**
     * Checks the credentials with the broker: at once ({@link UpstreamClient#upstreamReady}) when an open
     * connection already proves them, otherwise when a connection opening for them finishes.
     */
    public void verify(Credentials credentials, UpstreamClient client, UpstreamConnection held) {
        List<UpstreamConnection> list = ctx.config.faithful() ? null : byCredentials.get(credentials);
        if (list != null) {
            for (UpstreamConnection c : list) {
                if (c.takesNewClients()) {
                    client.upstreamReady(c);
                    return;
                }
            }
        }
        if (held != null && held.isAwaitingVhost() && held.credentials().sameLogin(credentials)) {
            if (held.goesTo(nodesFor(credentials))) {
                held.assignVhost(credentials.vhost(), client);
                return;
            }
            held.leave(); // logged in where the default upstreams are, but this vhost has brokers of its own
        }
        if (list != null) {
            for (UpstreamConnection c : list) {
                if (c.isOpening()) {
                    c.addWaiter(client);
                    return;
                }
            }
        }
        openFor(credentials, client, null);
    }

    /**
     * Opens a new connection for {@code credentials}; {@code client} hears how it ends. {@code connectionName}: the
     * client's, for a connection of its own (faithful mode).
     */
    private void openFor(Credentials credentials, UpstreamClient client, String connectionName) {
        UpstreamConnection c = open(credentials, false, connectionName);
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
        if (ctx.config.faithful()) {
            return null; // a client's channels go only to its own connection
        }
        List<UpstreamConnection> list = byCredentials.get(credentials);
        if (list != null) {
            for (UpstreamConnection c : list) {
                if (takesChannel(c, forConsumers)) {
                    return c;
                }
            }
        }
        UpstreamConnection c = open(credentials, forConsumers, null);
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

    /**
     * Starts or ends a resource alarm the test fixture simulates: it counts as one more blocked connection, so
     * publishes are held in the proxy as during a real alarm.
     */
    public void simulateAlarm(String reason) {
        if (reason != null && simulatedAlarm == null) {
            alarmRaised();
        } else if (reason == null && simulatedAlarm != null) {
            simulatedAlarm = null;
            alarmCleared();
            return;
        }
        simulatedAlarm = reason;
    }

    /** The reason of a simulated alarm in force, or {@code null}. */
    public String simulatedAlarm() {
        return simulatedAlarm;
    }

    void alarmCleared() {
        if (blocked > 0 && --blocked == 0 && !alarmWaiters.isEmpty()) {
            List<Runnable> resume = new ArrayList<>(alarmWaiters);
            alarmWaiters.clear();
            resume.forEach(Runnable::run);
        }
    }

    private UpstreamConnection open(Credentials credentials, boolean forConsumers, String connectionName) {
        try {
            UpstreamConnection c = new UpstreamConnection(IDS.incrementAndGet(), ctx, this, nodesFor(credentials),
                    credentials, forConsumers, connectionName);
            byCredentials.computeIfAbsent(credentials, k -> new ArrayList<>(2)).add(c);
            return c;
        } catch (IOException e) {
            return null;
        }
    }

    /** {@code c}'s credentials changed from {@code before}: it is found under its new ones (if it is pooled at all). */
    void rekey(UpstreamConnection c, Credentials before) {
        List<UpstreamConnection> list = byCredentials.get(before);
        if (list == null || !list.remove(c)) {
            return; // a trial connection: never pooled
        }
        if (list.isEmpty()) {
            byCredentials.remove(before);
        }
        byCredentials.computeIfAbsent(c.credentials(), k -> new ArrayList<>(2)).add(c);
    }

    /**
     * Opens a connection for a trial (see {@code session.BrokerTrial}): logged in with {@code credentials} and its
     * vhost open, but never pooled, so no client's channel ever goes to it and its loss hurts nobody.
     * {@code client} hears how the opening ends.
     */
    public void openTrial(Credentials credentials, UpstreamClient client) {
        UpstreamConnection c;
        try {
            c = new UpstreamConnection(IDS.incrementAndGet(), ctx, this, nodesFor(credentials), credentials, false, null);
        } catch (IOException e) {
            client.upstreamRefused(ReplyCodes.INTERNAL_ERROR,
                    ReplyCodes.text(ReplyCodes.INTERNAL_ERROR, "the proxy cannot open a socket"));
            return;
        }
        c.addWaiter(client);
        c.connect();
    }

    private boolean pooled(UpstreamConnection c) {
        List<UpstreamConnection> list = byCredentials.get(c.credentials());
        return list != null && list.contains(c);
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
