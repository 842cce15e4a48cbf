package io.amqproxy.examples.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP relay on loopback that makes a local broker look far away: every chunk of bytes is held for a fixed
 * delay in each direction before it is passed on, in order. Round trip = 2 x delay.
 *
 * <p>Each direction of each connection has a reader thread, which stamps chunks with their due time, and a
 * writer thread, which sleeps until then; the queue between them holds at most {@link #QUEUE_CHUNKS} chunks,
 * after which the reader stops reading (so a fast sender is slowed, not buffered without bound). The TCP
 * handshake itself is not delayed; only payload is.
 */
final class DelayRelay implements AutoCloseable {

    private static final int QUEUE_CHUNKS = 256;
    private static final int CHUNK_BYTES = 16 * 1024;
    private static final int CONNECT_TIMEOUT_MS = 5_000;

    private final InetSocketAddress target;
    private final long delayNanos;
    private final ServerSocket server;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final AtomicInteger connections = new AtomicInteger();
    private volatile boolean closed;

    private DelayRelay(int port, InetSocketAddress target, Duration delay) throws IOException {
        this.target = target;
        this.delayNanos = delay.toNanos();
        this.server = new ServerSocket(port, 128, InetAddress.getLoopbackAddress());
    }

    /**
     * Starts a relay on 127.0.0.1 that forwards to the target with the given one-way delay.
     *
     * @param port the port to listen on, 0 for any free one
     */
    static DelayRelay start(int port, String targetHost, int targetPort, Duration oneWayDelay) throws IOException {
        DelayRelay relay = new DelayRelay(port, new InetSocketAddress(targetHost, targetPort), oneWayDelay);
        daemon(relay::acceptLoop, "bench-relay-accept").start();
        return relay;
    }

    /** The port clients connect to. */
    int port() {
        return server.getLocalPort();
    }

    /** Stops accepting and cuts every relayed connection. */
    @Override
    public void close() {
        closed = true;
        closeQuietly(server);
        sockets.forEach(DelayRelay::closeQuietly);
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            int id = connections.incrementAndGet();
            Socket upstream = new Socket();
            try {
                client.setTcpNoDelay(true);
                upstream.setTcpNoDelay(true);
                upstream.connect(target, CONNECT_TIMEOUT_MS);
            } catch (IOException e) {
                closeQuietly(client);
                closeQuietly(upstream);
                continue;
            }
            sockets.add(client);
            sockets.add(upstream);
            AtomicInteger openDirections = new AtomicInteger(2);
            Runnable whenBothDone = () -> {
                if (openDirections.decrementAndGet() == 0) {
                    closeQuietly(client);
                    closeQuietly(upstream);
                    sockets.remove(client);
                    sockets.remove(upstream);
                }
            };
            new Direction(client, upstream, whenBothDone).start("bench-relay-" + id + "-up");
            new Direction(upstream, client, whenBothDone).start("bench-relay-" + id + "-down");
        }
    }

    /** One direction of one connection: read, hold for the delay, write, in order. */
    private final class Direction {
        private static final byte[] EOF = new byte[0];

        private final Socket from;
        private final Socket to;
        private final Runnable onDone;
        private final BlockingQueue<Chunk> queue = new ArrayBlockingQueue<>(QUEUE_CHUNKS);

        private record Chunk(long dueNanos, byte[] bytes) {
        }

        Direction(Socket from, Socket to, Runnable onDone) {
            this.from = from;
            this.to = to;
            this.onDone = onDone;
        }

        void start(String name) {
            daemon(this::read, name + "-read").start();
            daemon(this::write, name + "-write").start();
        }

        private void read() {
            byte[] buffer = new byte[CHUNK_BYTES];
            try {
                InputStream in = from.getInputStream();
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    queue.put(new Chunk(System.nanoTime() + delayNanos, Arrays.copyOf(buffer, n)));
                }
            } catch (IOException | InterruptedException e) {
                // the socket was closed or reset: pass the end on
            }
            try {
                queue.put(new Chunk(System.nanoTime() + delayNanos, EOF));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private void write() {
            try {
                OutputStream out = to.getOutputStream();
                while (true) {
                    Chunk chunk = queue.take();
                    long wait;
                    while ((wait = chunk.dueNanos - System.nanoTime()) > 0) {
                        TimeUnit.NANOSECONDS.sleep(wait);
                    }
                    if (chunk.bytes == EOF) {
                        to.shutdownOutput();
                        break;
                    }
                    out.write(chunk.bytes);
                    out.flush();
                }
            } catch (IOException | InterruptedException e) {
                // the peer is gone: cut both sides so the reader of the other direction ends too
                closeQuietly(from);
                closeQuietly(to);
            } finally {
                onDone.run();
            }
        }
    }

    private static Thread daemon(Runnable body, String name) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        return t;
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // closing is best effort
        }
    }
}
