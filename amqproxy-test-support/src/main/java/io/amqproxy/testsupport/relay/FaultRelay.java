package io.amqproxy.testsupport.relay;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A loopback TCP relay that puts faults on one hop on purpose: between a client and a proxy, between a proxy and
 * its broker, or in front of a broker to make it look far away or broken. Whoever connects to the relay is a
 * <em>client</em>; each gets a <em>link</em> of its own, a connection to the relay's <em>target</em>. What the
 * relay does to the links is a small set of {@link RelayEffect effects}:
 * <ul>
 *   <li>{@link #apply} lasting effects ({@link RelayEffect.Pause}, {@link RelayEffect.Delay},
 *       {@link RelayEffect.Silence}), which hold until {@link #heal()}, and instant ones ({@link RelayEffect.Reset},
 *       {@link RelayEffect.Fin}, {@link RelayEffect.Garbage}), which act on the links open now;</li>
 *   <li>{@link #onAccept} effects for each new link, before it reaches the target: a port that never answers, hangs
 *       up at once or speaks another protocol;</li>
 *   <li>{@link #cutAfterClientBytes}: a reset or a FIN once the clients have sent a given number of further bytes,
 *       to cut a client off in the middle of a message;</li>
 *   <li>{@link #stopListening()}: nothing listens on the port, so connects are refused, until
 *       {@link #startListening()}.</li>
 * </ul>
 * The relay never sends a byte of its own except {@link RelayEffect.Garbage}. With {@link Builder#tls} its client
 * side speaks TLS (a TLS-terminating front for a plain broker): the TLS socket is layered over the accepted TCP
 * socket and the same pumps carry the decrypted bytes, so every effect works the same there.
 *
 * <p>Listens on 127.0.0.1. Per link and direction one thread reads and one writes ({@link Pump}), so a held
 * direction pushes back on its sender, and the pumps cost nothing beyond a few volatile reads per chunk while no
 * effect is in force. All threads are daemons. Thread-safe: any thread may apply effects while links run.
 */
public final class FaultRelay implements AutoCloseable {

    private final InetSocketAddress target;
    private final int port;
    private final int backlog;
    private final SSLContext tls;
    private final int chunkBytes;
    private final int queuedChunks;
    private final String name;

    private final LastingEffects lasting = new LastingEffects();
    private final ClientByteLimit clientBytes = new ClientByteLimit();
    private final AtomicLong bytesForwarded = new AtomicLong();
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicInteger handshakes = new AtomicInteger();
    private final Set<Link> links = ConcurrentHashMap.newKeySet();
    private volatile List<RelayEffect> atAccept = List.of();
    /** Null while not listening. Guarded by this. */
    private ServerSocket server;
    private volatile boolean closed;

    private FaultRelay(Builder b) throws IOException {
        this.target = b.target;
        this.backlog = b.backlog;
        this.tls = b.tls;
        this.chunkBytes = b.chunkBytes;
        this.queuedChunks = b.queuedChunks;
        this.name = b.name;
        ServerSocket s = bind(b.listenPort);
        this.port = s.getLocalPort();
        this.server = s;
        startAccepting(s);
    }

    /** Starts a plain relay on an ephemeral port of 127.0.0.1 to 127.0.0.1 at {@code targetPort}. */
    public static FaultRelay to(int targetPort) {
        return builder("127.0.0.1", targetPort).start();
    }

    /** A relay to {@code host:port}, to set up and {@link Builder#start()}. */
    public static Builder builder(String host, int port) {
        return new Builder(new InetSocketAddress(host, port));
    }

    /** How a relay listens and buffers. Not thread-safe; used once. */
    public static final class Builder {
        private final InetSocketAddress target;
        private int listenPort;
        private int backlog = 50;
        private SSLContext tls;
        private int chunkBytes = 64 * 1024;
        private int queuedChunks = 16;
        private String name = "fault-relay";

        private Builder(InetSocketAddress target) {
            this.target = target;
        }

        /** The port to listen on; 0 (the default) for any free one. */
        public Builder listenPort(int port) {
            this.listenPort = port;
            return this;
        }

        /** The listen backlog (default 50). */
        public Builder backlog(int backlog) {
            this.backlog = backlog;
            return this;
        }

        /** Clients speak TLS to the relay, with this context's server identity; the target stays plain. */
        public Builder tls(SSLContext serverContext) {
            this.tls = Objects.requireNonNull(serverContext, "serverContext");
            return this;
        }

        /**
         * The largest chunk one read takes (default 64 KiB) and how many chunks a direction of a link holds before
         * its reader stops reading (default 16): together the most a paused or delayed direction buffers.
         */
        public Builder buffers(int chunkBytes, int queuedChunks) {
            if (chunkBytes <= 0 || queuedChunks <= 0) {
                throw new IllegalArgumentException("buffers must be positive: " + chunkBytes + " x " + queuedChunks);
            }
            this.chunkBytes = chunkBytes;
            this.queuedChunks = queuedChunks;
            return this;
        }

        /** The prefix of the relay's thread names (default "fault-relay"). */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /** Binds the port and starts accepting. */
        public FaultRelay start() {
            try {
                return new FaultRelay(this);
            } catch (IOException e) {
                throw new IllegalStateException("cannot start a relay on port " + listenPort + ": " + e, e);
            }
        }
    }

    /** The port to connect to instead of the target. */
    public int port() {
        return port;
    }

    /** "amqp://127.0.0.1:PORT", for a proxy's upstream. */
    public String uri() {
        return "amqp://127.0.0.1:" + port;
    }

    /** "127.0.0.1:PORT", as a reply text may name the address. */
    public String address() {
        return "127.0.0.1:" + port;
    }

    /**
     * Applies effects in order. Lasting ones hold for every link, open or accepted later, until {@link #heal()}; a
     * later {@link RelayEffect.Delay} replaces an earlier one for its directions. Instant ones act on every link
     * open now.
     */
    public void apply(RelayEffect... effects) {
        for (RelayEffect e : effects) {
            if (e instanceof RelayEffect.Pause || e instanceof RelayEffect.Delay || e instanceof RelayEffect.Silence) {
                lasting.set(e);
            } else {
                for (Link l : links) {
                    try {
                        l.apply(e);
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException("interrupted while applying " + e, ie);
                    }
                }
            }
        }
    }

    /**
     * Sets what happens to each link from now on, at accept, before it reaches the target; replaces what was set
     * before, and none restores plain relaying. In order: {@link RelayEffect.Garbage} toward the client is written
     * first; then the first {@link RelayEffect.Cut} ends the link, or {@link RelayEffect.Silence} leaves it without a
     * target; otherwise it connects to the target, writes any garbage toward it, and relays. Lasting effects are
     * not allowed here: {@link #apply} them.
     */
    public void onAccept(RelayEffect... effects) {
        for (RelayEffect e : effects) {
            if (e instanceof RelayEffect.Pause || e instanceof RelayEffect.Delay) {
                throw new IllegalArgumentException(e + " holds for every link: apply() it");
            }
        }
        atAccept = List.of(effects);
    }

    /**
     * Lets exactly {@code bytes} more client bytes through, counted over all links, then cuts the link that reached
     * the limit once those bytes are out, and any other link as soon as its client sends more. Call it before the
     * client writes what should be cut; {@link #heal()} lifts it.
     */
    public void cutAfterClientBytes(long bytes, RelayEffect.Cut how) {
        clientBytes.cutAfter(bytes, Objects.requireNonNull(how, "how"));
    }

    /**
     * Lifts every lasting effect, the effects at accept and the client byte limit: what a pause held goes on in
     * order, and links relay normally again. A link silenced at accept never reached the target, so it ends with
     * a {@link RelayEffect.Fin}.
     */
    public void heal() {
        atAccept = List.of();
        clientBytes.clear();
        lasting.clear();
        for (Link l : links) {
            if (l.silencedAtAccept()) {
                l.cut(new RelayEffect.Fin());
            }
        }
    }

    /** Stops listening: connects to the port are refused. Links already open carry on. */
    public synchronized void stopListening() {
        if (server != null) {
            quietClose(server);
            server = null;
        }
    }

    /** Listens on the same port again after {@link #stopListening()}. */
    public synchronized void startListening() {
        if (closed) {
            throw new IllegalStateException("closed");
        }
        if (server == null) {
            try {
                server = bind(port);
            } catch (IOException e) {
                throw new IllegalStateException("cannot listen on " + port + " again: " + e, e);
            }
            startAccepting(server);
        }
    }

    /** Connections accepted so far, whatever became of them. */
    public int acceptedConnections() {
        return accepted.get();
    }

    /** Links open now: accepted and not ended yet. */
    public int openLinks() {
        return links.size();
    }

    /** Bytes written on to either side so far. */
    public long bytesForwarded() {
        return bytesForwarded.get();
    }

    /** Bytes read from clients so far and let through, whether or not passed on yet. */
    public long bytesFromClients() {
        return clientBytes.seen();
    }

    /** TLS handshakes completed with clients. */
    public int tlsHandshakes() {
        return handshakes.get();
    }

    /** Stops listening and resets every link. Repeated calls are harmless. */
    @Override
    public void close() {
        closed = true;
        stopListening();
        heal();
        for (Link l : links) {
            l.cut(new RelayEffect.Reset());
        }
    }

    @Override
    public String toString() {
        return "FaultRelay[" + address() + " -> " + target.getHostString() + ":" + target.getPort() + ", "
                + links.size() + " links]";
    }

    // ---- for links and pumps

    InetSocketAddress target() {
        return target;
    }

    String name() {
        return name;
    }

    int chunkBytes() {
        return chunkBytes;
    }

    int queuedChunks() {
        return queuedChunks;
    }

    LastingEffects lasting() {
        return lasting;
    }

    ClientByteLimit clientBytes() {
        return clientBytes;
    }

    void forwarded(int bytes) {
        bytesForwarded.addAndGet(bytes);
    }

    void handshakeDone() {
        handshakes.incrementAndGet();
    }

    void forget(Link link) {
        links.remove(link);
    }

    static void daemon(String threadName, Runnable body) {
        Thread t = new Thread(body, threadName);
        t.setDaemon(true);
        t.start();
    }

    // ---- accepting

    private ServerSocket bind(int onPort) throws IOException {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true); // listening again on the same port must not wait for TIME_WAIT
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), onPort), backlog);
        return s;
    }

    private void startAccepting(ServerSocket s) {
        daemon(name + "-accept-" + s.getLocalPort(), () -> acceptLoop(s));
    }

    private void acceptLoop(ServerSocket s) {
        while (!closed && !s.isClosed()) {
            Socket client;
            try {
                client = s.accept();
            } catch (IOException e) {
                return; // stopped listening or closed
            }
            int id = accepted.incrementAndGet();
            Link link = new Link(this, id, client);
            links.add(link);
            List<RelayEffect> effects = atAccept;
            daemon(name + "-" + id + "-setup", () -> link.run(tls, effects));
        }
    }

    private static void quietClose(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // closing anyway
        }
    }
}
