package io.amqproxy.impl.upstream;

import io.amqproxy.Upstream;
import io.amqproxy.impl.LoopContext;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The brokers of one upstream set (the nodes of a cluster, or one broker), as one event loop knows them. Every
 * address a configured host name resolves to is a node; each node has its own backoff after failures and a count
 * of this loop's connections to it. New connections go to the node that is up with the fewest connections, the
 * first of equals in turn. Names are resolved off the loop, on the proxy's thread for blocking work: when first
 * needed, and again after a node of the name failed, so that a changed DNS record is followed. Loop thread only.
 */
final class UpstreamNodes {

    /**
     * How long a node that failed is skipped: 1 s, then 2 s after each further failure. While every node of a set
     * is skipped the set is known to be down and new clients are turned away at once (see {@link #knownDown}), so
     * the window is long enough for a burst of reconnecting clients to meet it, and short enough that a broker
     * that is back is found within about 2 s of the next client asking.
     */
    private static final long FIRST_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long MAX_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(2);

    /** One address of a broker. */
    static final class Node {
        final Upstream upstream;
        final InetSocketAddress address;
        /** How metrics and messages name it: {@code host:port}, with the address when the name has several. */
        final String label;
        int connections;
        /**
         * Connects to it under way (socket or login not done yet). They count for the spread, so that clients
         * arriving together are not all sent to the node whose earlier connections happen to be still opening.
         */
        int connecting;
        /** Attempts that failed because the node did not answer as a broker, ever. */
        long connectFailures;
        private int consecutiveFailures;
        private long retryAt;
        boolean everReached;
        /** Until when (loop clock) new connections go elsewhere if they can, after a connection to it was lost. */
        private long avoidUntil;
        /** A connection to it was lost and none has opened since. */
        private boolean lostSinceReached;
        /** Why the last attempt failed or the last connection was lost; {@code null} after a success. */
        String lastError;
        /** When the node last succeeded or failed (loop clock), 0 if never: the latest of all loops speaks for it. */
        long lastChangeAt;

        Node(Upstream upstream, InetSocketAddress address, boolean oneOfSeveral) {
            this.upstream = upstream;
            this.address = address;
            this.label = upstream.host() + ":" + upstream.port()
                    + (oneOfSeveral ? " (" + address.getAddress().getHostAddress() + ")" : "");
        }

        boolean up(long now) {
            return consecutiveFailures == 0 || now - retryAt >= 0;
        }

        /** Whether its last attempt (or connection) went well, or it was never tried. */
        boolean answering() {
            return consecutiveFailures == 0 && !lostSinceReached;
        }

        /** Lost a connection a moment ago: other nodes are preferred for new connections. */
        boolean avoided(long now) {
            return lostSinceReached && now - avoidUntil < 0;
        }

        @Override
        public String toString() {
            return label;
        }
    }

    /** A configured host and the nodes it resolved to. */
    private static final class Host {
        final Upstream upstream;
        List<Node> nodes = List.of();
        boolean resolved;
        boolean resolving;
        /** A node of it failed since it was resolved: resolve again when next asked. */
        boolean stale;
        String error;
        /** When the name last failed to resolve (loop clock). */
        long errorAt;

        Host(Upstream upstream) {
            this.upstream = upstream;
        }
    }

    private final LoopContext ctx;
    private final List<Host> hosts = new ArrayList<>();
    /** Connects waiting for a name to resolve. */
    private final List<Runnable> waitingForNames = new ArrayList<>();
    private int turn;

    UpstreamNodes(LoopContext ctx, List<Upstream> upstreams) {
        this.ctx = ctx;
        for (Upstream u : upstreams) {
            hosts.add(new Host(u));
        }
    }

    /**
     * The node a new connection should go to now, or {@code null}: when a name is still resolving ({@code then}
     * runs once it is), or when every node is in backoff ({@link #nanosUntilUp} says how long).
     */
    Node pick(long now, Runnable then) {
        boolean waiting = false;
        for (Host h : hosts) {
            boolean askAgain = h.error != null && h.nodes.isEmpty() && now - h.errorAt >= FIRST_BACKOFF_NANOS;
            if (!h.resolved || h.stale || askAgain) {
                resolve(h);
            }
            waiting |= h.resolving && h.nodes.isEmpty();
        }
        Node best = null;
        List<Node> all = nodes();
        for (int i = 0; i < all.size(); i++) {
            Node n = all.get((turn + i) % all.size());
            if (n.up(now) && (best == null || better(n, best, now))) {
                best = n;
            }
        }
        if (best != null) {
            turn++;
            return best;
        }
        if (waiting) {
            waitingForNames.add(then);
        }
        return null;
    }

    /** A node that lost a connection a moment ago comes last; then the fewest connections, open or opening, win. */
    private static boolean better(Node n, Node than, long now) {
        boolean nAvoided = n.avoided(now);
        if (nAvoided != than.avoided(now)) {
            return !nAvoided;
        }
        return n.connections + n.connecting < than.connections + than.connecting;
    }

    /** How long until a node leaves its backoff; 0 when one is up, or when there is no node yet. */
    long nanosUntilUp(long now) {
        long soonest = Long.MAX_VALUE;
        for (Node n : nodes()) {
            if (n.up(now)) {
                return 0;
            }
            soonest = Math.min(soonest, n.retryAt - now);
        }
        return soonest == Long.MAX_VALUE ? 0 : Math.max(0, soonest);
    }

    /**
     * Whether every node of this set failed its last attempt (a name that does not resolve counts as failed). A set
     * never tried, or with a name still resolving, has not failed.
     */
    boolean lastAttemptsFailed() {
        for (Host h : hosts) {
            if (h.resolving || !h.resolved) {
                return false;
            }
        }
        for (Node n : nodes()) {
            if (n.consecutiveFailures == 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether this set is known to be down: every node failed its last attempt and is still in its backoff, and a
     * name that did not resolve was asked about less than a backoff ago.
     */
    boolean knownDown(long now) {
        if (!lastAttemptsFailed()) {
            return false;
        }
        for (Node n : nodes()) {
            if (n.up(now)) {
                return false;
            }
        }
        for (Host h : hosts) {
            if (h.nodes.isEmpty() && now - h.errorAt >= FIRST_BACKOFF_NANOS) {
                return false; // time to ask the name service again
            }
        }
        return true;
    }

    /** Every node now, in configuration order. */
    List<Node> nodes() {
        List<Node> all = new ArrayList<>();
        for (Host h : hosts) {
            all.addAll(h.nodes);
        }
        return all;
    }

    /** Why a name did not resolve, for a client waiting on it; {@code null} if none failed. */
    String resolveError() {
        for (Host h : hosts) {
            if (h.error != null) {
                return h.error;
            }
        }
        return null;
    }

    /** An attempt to connect to {@code n} failed: counted, and the node is skipped for a while. */
    void failed(Node n, long now, String why) {
        n.connectFailures++;
        backOff(n, now, why);
    }

    private void backOff(Node n, long now, String why) {
        n.lastError = why;
        n.lastChangeAt = now;
        n.consecutiveFailures++;
        long backoff = Math.min(MAX_BACKOFF_NANOS, FIRST_BACKOFF_NANOS << Math.min(n.consecutiveFailures - 1, 10));
        n.retryAt = now + backoff;
        resolveAgainLater(n);
    }

    /**
     * An open connection to {@code n} was lost (socket gone, heartbeats missed, the broker shutting down): for a
     * while new connections go to the other nodes if there are any, so that reconnecting clients do not all try
     * the node that just failed them. It is neither a failed attempt nor a reason to call the set down: a single
     * reset connection says little, and the next attempt decides.
     */
    void lost(Node n, long now, String why) {
        n.lostSinceReached = true;
        n.avoidUntil = now + FIRST_BACKOFF_NANOS;
        n.lastError = why;
        n.lastChangeAt = now;
        resolveAgainLater(n);
    }

    /** The name {@code n} came from is resolved again when next needed, so that a changed record is followed. */
    private void resolveAgainLater(Node n) {
        for (Host h : hosts) {
            if (h.nodes.contains(n)) {
                h.stale = true;
            }
        }
    }

    void reached(Node n, long now) {
        n.consecutiveFailures = 0;
        n.lostSinceReached = false;
        n.everReached = true;
        n.lastError = null;
        n.lastChangeAt = now;
    }

    private void resolve(Host h) {
        if (h.resolving) {
            return;
        }
        h.stale = false;
        String name = h.upstream.host();
        if (isAddressLiteral(name)) {
            try {
                resolved(h, new InetAddress[] {InetAddress.getByName(name)}, null); // no lookup for a literal
            } catch (UnknownHostException e) {
                resolved(h, new InetAddress[0], "bad address " + name + ": " + e.getMessage());
            }
            return;
        }
        h.resolving = true;
        ctx.blockingTasks.execute(() -> {
            InetAddress[] found;
            String error = null;
            try {
                found = InetAddress.getAllByName(name);
            } catch (UnknownHostException | SecurityException e) {
                found = new InetAddress[0];
                error = "the name " + name + " does not resolve: " + e.getMessage();
            }
            InetAddress[] addresses = found;
            String why = error;
            ctx.loop.execute(() -> resolved(h, addresses, why));
        });
    }

    private void resolved(Host h, InetAddress[] addresses, String error) {
        h.resolving = false;
        h.resolved = true;
        h.error = error;
        h.errorAt = ctx.loop.now();
        if (addresses.length > 0) {
            List<Node> fresh = new ArrayList<>(addresses.length);
            for (InetAddress a : addresses) {
                Node known = find(h, a);
                fresh.add(known != null ? known
                        : new Node(h.upstream, new InetSocketAddress(a, h.upstream.port()), addresses.length > 1));
            }
            h.nodes = fresh;
        }
        List<Runnable> resume = new ArrayList<>(waitingForNames);
        waitingForNames.clear();
        resume.forEach(Runnable::run);
    }

    /** An IPv4 or IPv6 address written out, which needs no name service. */
    private static boolean isAddressLiteral(String host) {
        return host.indexOf(':') >= 0 || host.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}");
    }

    private static Node find(Host h, InetAddress a) {
        for (Node n : h.nodes) {
            if (n.address.getAddress().equals(a)) {
                return n;
            }
        }
        return null;
    }
}
