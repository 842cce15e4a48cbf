package io.amqproxy.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A loopback TCP relay between a client and a server (the proxy) that a test can cut: with a reset (RST, what
 * the server sees when a client process is killed) or with an orderly FIN, at once or after a given number of
 * further client bytes (to kill a client in the middle of a message). Cutting never sends anything AMQP.
 *
 * <p>Listens on 127.0.0.1 at an ephemeral port; every accepted client gets its own connection to the target.
 * Two daemon threads per connection copy bytes. Thread-safe.
 */
public final class CuttableRelay implements AutoCloseable {

    private final ServerSocket server;
    private final InetSocketAddress target;
    private final List<Link> links = new CopyOnWriteArrayList<>();
    private final AtomicLong bytesFromClients = new AtomicLong();
    private final Object limitLock = new Object();
    /** Absolute count of client bytes after which every link is cut; -1 for none. Guarded by limitLock. */
    private long clientByteLimit = -1;
    /** Whether the cut at the limit is a reset (else a FIN). Guarded by limitLock. */
    private boolean resetAtLimit;
    private volatile boolean closed;

    private CuttableRelay(InetSocketAddress target) throws IOException {
        this.target = target;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::acceptLoop, "relay-accept-" + server.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** Starts a relay to 127.0.0.1 at {@code targetPort}. */
    public static CuttableRelay to(int targetPort) {
        try {
            return new CuttableRelay(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort));
        } catch (IOException e) {
            throw new IllegalStateException("cannot start relay: " + e, e);
        }
    }

    /** The port clients connect to. */
    public int port() {
        return server.getLocalPort();
    }

    /** Bytes copied from clients towards the target so far. */
    public long bytesFromClients() {
        return bytesFromClients.get();
    }

    /** How many client connections were accepted so far. */
    public int acceptedConnections() {
        return links.size();
    }

    /** Resets (RST) both sockets of every link: the target sees the client vanish without a goodbye. */
    public void cutWithReset() {
        for (Link l : links) {
            l.reset();
        }
    }

    /** Closes both sockets of every link in order (FIN), without any AMQP Close. */
    public void cutWithFin() {
        for (Link l : links) {
            l.fin();
        }
    }

    /**
     * Lets exactly {@code bytes} more client bytes through, then resets every link. Call it before the client
     * writes what should be cut.
     */
    public void resetAfterClientBytes(long bytes) {
        cutAfterClientBytes(bytes, true);
    }

    /** Lets exactly {@code bytes} more client bytes through, then closes every link with a FIN. */
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
        cutWithReset();
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket client = server.accept();
                Socket upstream = new Socket();
                upstream.connect(target, 5000);
                client.setTcpNoDelay(true);
                upstream.setTcpNoDelay(true);
                Link link = new Link(client, upstream);
                links.add(link);
                link.start();
            } catch (IOException e) {
                if (!closed) {
                    System.err.println("relay accept failed: " + e);
                }
                return;
            }
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
            Thread up = new Thread(() -> pump(client, upstream, true), "relay-c2s-" + client.getPort());
            Thread down = new Thread(() -> pump(upstream, client, false), "relay-s2c-" + client.getPort());
            up.setDaemon(true);
            down.setDaemon(true);
            up.start();
            down.start();
        }

        void pump(Socket from, Socket to, boolean fromClient) {
            byte[] buf = new byte[64 * 1024];
            try {
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream();
                int n;
                while ((n = in.read(buf)) >= 0) {
                    if (fromClient) {
                        boolean cut = false;
                        boolean reset = false;
                        synchronized (limitLock) {
                            long seen = bytesFromClients.get();
                            if (clientByteLimit >= 0 && seen + n >= clientByteLimit) {
                                n = (int) Math.max(0, clientByteLimit - seen);
                                cut = true;
                                reset = resetAtLimit;
                            }
                            bytesFromClients.addAndGet(n);
                        }
                        out.write(buf, 0, n);
                        out.flush();
                        if (cut) {
                            if (reset) {
                                reset();
                            } else {
                                fin();
                            }
                            return;
                        }
                    } else {
                        out.write(buf, 0, n);
                        out.flush();
                    }
                }
                // orderly end from one side: pass the FIN on
                to.shutdownOutput();
            } catch (IOException e) {
                // a cut or the peer went away: make sure both ends are gone
                quietClose(from);
                quietClose(to);
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

    private static void quietClose(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }
}
