package io.amqproxy.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A loopback TCP relay that injects network faults on one hop, between a client and the proxy or between the proxy
 * and its broker. Whoever connects to the relay is its client; each gets its own connection to the target.
 *
 * <ul>
 *   <li>{@link #reset()} resets (RST) both sides of every link, what a peer sees when the other process is killed;
 *       {@link #fin()} closes them in order (FIN) without a word of AMQP.</li>
 *   <li>{@link #resetAfterClientBytes} and {@link #finAfterClientBytes} do the same once the clients have sent a
 *       given number of further bytes, to cut a client off in the middle of a message.</li>
 *   <li>{@link #pause()} stops forwarding in both directions with every socket left open (a stalled path), and
 *       {@link #resume()} lets the held bytes through in order.</li>
 *   <li>{@link #delay} holds every chunk for a fixed time before passing it on (a far broker).</li>
 * </ul>
 * The relay never sends anything of its own.
 *
 * <p>Listens on 127.0.0.1 at an ephemeral port. Per link and direction one thread reads and one writes, joined by
 * a small bounded queue, so a paused or delayed direction still pushes back on its sender once the queue and the
 * socket buffers are full. All threads are daemons. Thread-safe; faults apply to existing and future links alike.
 */
public final class FaultyRelay implements AutoCloseable {

    /** What the writer does after a chunk's bytes. */
    private enum Then {
        CONTINUE,
        /** The reading side ended in order: pass the FIN on. */
        PASS_FIN,
        /** The client byte limit was reached: cut the whole link. */
        CUT_RESET,
        CUT_FIN
    }

    /** Bytes read from one side, due for writing to the other at {@code dueNanos}. */
    private record Chunk(byte[] bytes, long dueNanos, Then then) {
    }

    private static final byte[] NO_BYTES = new byte[0];

    private final ServerSocket server;
    private final InetSocketAddress target;
    private final List<Link> links = new CopyOnWriteArrayList<>();
    private final Object gate = new Object();
    private final AtomicLong bytesForwarded = new AtomicLong();
    private final AtomicLong bytesFromClients = new AtomicLong();
    private final Object limitLock = new Object();
    /** Guarded by gate. */
    private boolean paused;
    /** Total client bytes after which each link is cut; -1 for none. Guarded by limitLock. */
    private long clientByteLimit = -1;
    /** Guarded by limitLock. */
    private boolean resetAtLimit;
    private volatile long delayNanos;
    private volatile boolean closed;

    private FaultyRelay(InetSocketAddress target) throws IOException {
        this.target = target;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::acceptLoop, "faulty-relay-accept-" + server.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** Starts a relay to 127.0.0.1 at {@code targetPort}. */
    public static FaultyRelay to(int targetPort) {
        try {
            return new FaultyRelay(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort));
        } catch (IOException e) {
            throw new IllegalStateException("cannot start relay: " + e, e);
        }
    }

    /** The port to connect to instead of the target. */
    public int port() {
        return server.getLocalPort();
    }

    /** "amqp://127.0.0.1:PORT", for {@code AmqProxy.builder().upstream(...)}. */
    public String uri() {
        return "amqp://127.0.0.1:" + port();
    }

    /** Connections accepted so far. */
    public int acceptedConnections() {
        return links.size();
    }

    /** Links whose sockets are both still open. */
    public long openLinks() {
        return links.stream().filter(l -> !l.client.isClosed() && !l.upstream.isClosed()).count();
    }

    /** Bytes written on to either side so far. */
    public long bytesForwarded() {
        return bytesForwarded.get();
    }

    /** Bytes read from clients so far, whether or not passed on yet. */
    public long bytesFromClients() {
        return bytesFromClients.get();
    }

    /** Stops passing bytes on in both directions; sockets stay open and what arrives is held. */
    public void pause() {
        synchronized (gate) {
            paused = true;
        }
    }

    /** Passes on, in order, everything held by {@link #pause()}, and forwards normally again. */
    public void resume() {
        synchronized (gate) {
            paused = false;
            gate.notifyAll();
        }
    }

    /** Holds every chunk, in both directions, this long before passing it on; zero for none. */
    public void delay(Duration delay) {
        delayNanos = delay.toNanos();
    }

    /** Resets (RST) both sockets of every link: each side sees the other vanish without a goodbye. */
    public void reset() {
        for (Link l : links) {
            l.reset();
        }
    }

    /** Closes both sockets of every link in order (FIN), without any AMQP Close. */
    public void fin() {
        for (Link l : links) {
            l.fin();
        }
    }

    /**
     * Lets exactly {@code bytes} more client bytes through, counted over all links, then resets the link that
     * reached the limit, and any other link as soon as its client sends more. Call it before the client writes
     * what should be cut.
     */
    public void resetAfterClientBytes(long bytes) {
        cutAfterClientBytes(bytes, true);
    }

    /** Like {@link #resetAfterClientBytes}, but closes with a FIN. */
    public void finAfterClientBytes(long bytes) {
        cutAfterClientBytes(bytes, false);
    }

    private void cutAfterClientBytes(long bytes, boolean reset) {
        synchronized (limitLock) {
            clientByteLimit = bytesFromClients.get() + bytes;
            resetAtLimit = reset;
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        resume();
        reset();
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return;
            }
            Socket upstream = new Socket();
            try {
                upstream.connect(target, 5000);
                client.setTcpNoDelay(true);
                upstream.setTcpNoDelay(true);
            } catch (IOException e) {
                quietClose(client);
                quietClose(upstream);
                continue;
            }
            Link link = new Link(client, upstream);
            links.add(link);
            link.start();
        }
    }

    private final class Link {
        final Socket client;
        final Socket upstream;

        Link(Socket client, Socket upstream) {
            this.client = client;
            this.upstream = upstream;
        }

        void start() {
            direction(client, upstream, "c2s", true);
            direction(upstream, client, "s2c", false);
        }

        private void direction(Socket from, Socket to, String name, boolean fromClient) {
            BlockingQueue<Chunk> queue = new ArrayBlockingQueue<>(16);
            Thread reader = new Thread(() -> read(from, to, queue, fromClient),
                    "faulty-relay-read-" + name + "-" + client.getPort());
            Thread writer = new Thread(() -> write(from, to, queue), "faulty-relay-write-" + name + "-" + client.getPort());
            reader.setDaemon(true);
            writer.setDaemon(true);
            reader.start();
            writer.start();
        }

        private void read(Socket from, Socket to, BlockingQueue<Chunk> queue, boolean fromClient) {
            byte[] buf = new byte[64 * 1024];
            try {
                InputStream in = from.getInputStream();
                int n;
                while ((n = in.read(buf)) >= 0) {
                    Then then = Then.CONTINUE;
                    if (fromClient) {
                        synchronized (limitLock) {
                            long seen = bytesFromClients.get();
                            if (clientByteLimit >= 0 && seen + n >= clientByteLimit) {
                                n = (int) Math.max(0, clientByteLimit - seen);
                                then = resetAtLimit ? Then.CUT_RESET : Then.CUT_FIN;
                            }
                            bytesFromClients.addAndGet(n);
                        }
                    }
                    queue.put(new Chunk(Arrays.copyOf(buf, n), System.nanoTime() + delayNanos, then));
                    if (then != Then.CONTINUE) {
                        return; // the writer cuts the link once the bytes before the limit are out
                    }
                }
                queue.put(new Chunk(NO_BYTES, 0, Then.PASS_FIN));
            } catch (IOException e) {
                // a reset or the peer went away: make sure both ends are gone
                quietClose(from);
                quietClose(to);
                queue.offer(new Chunk(NO_BYTES, 0, Then.PASS_FIN));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private void write(Socket from, Socket to, BlockingQueue<Chunk> queue) {
            try {
                OutputStream out = to.getOutputStream();
                while (true) {
                    Chunk c = queue.poll(1, TimeUnit.SECONDS);
                    if (c == null) {
                        if (to.isClosed()) {
                            return;
                        }
                        continue;
                    }
                    if (c.bytes().length > 0) {
                        awaitDue(c.dueNanos());
                        awaitNotPaused();
                        out.write(c.bytes());
                        out.flush();
                        bytesForwarded.addAndGet(c.bytes().length);
                    }
                    switch (c.then()) {
                        case CONTINUE -> {
                        }
                        case PASS_FIN -> {
                            if (!to.isClosed()) {
                                to.shutdownOutput();
                            }
                            return;
                        }
                        case CUT_RESET -> {
                            reset();
                            return;
                        }
                        case CUT_FIN -> {
                            fin();
                            return;
                        }
                    }
                }
            } catch (IOException e) {
                quietClose(from);
                quietClose(to);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        void reset() {
            for (Socket s : new Socket[] {upstream, client}) {
                try {
                    s.setSoLinger(true, 0);
                } catch (IOException ignored) {
                    // already closed
                }
                quietClose(s);
            }
        }

        void fin() {
            for (Socket s : new Socket[] {upstream, client}) {
                try {
                    s.shutdownOutput();
                } catch (IOException ignored) {
                    // already closed
                }
                quietClose(s);
            }
        }
    }

    private static void awaitDue(long dueNanos) throws InterruptedException {
        long wait = dueNanos - System.nanoTime();
        if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
        }
    }

    private void awaitNotPaused() throws InterruptedException {
        synchronized (gate) {
            while (paused && !closed) {
                gate.wait(1000);
            }
        }
    }

    private static void quietClose(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }
}
