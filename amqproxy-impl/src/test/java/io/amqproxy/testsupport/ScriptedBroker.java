package io.amqproxy.testsupport;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A fake broker on 127.0.0.1 that speaks just enough AMQP 0-9-1 to let a proxy connect upstream: the handshake
 * with a chosen heartbeat, Channel.Open/OpenOk, heartbeats. It can then {@link #goSilent() go silent} (keep the
 * socket open but write nothing, as a hung broker does), and it records what it receives, so that tests can
 * check the proxy's broker-side heartbeats and its detection of a dead broker.
 *
 * <p>Each accepted connection runs on its own thread; everything recorded is thread-safe to read.
 */
public final class ScriptedBroker implements AutoCloseable {

    /** A frame the fake broker received, and when (System.nanoTime()). */
    public record Received(long atNanos, int connection, RawAmqpClient.Frame frame) {
    }

    private final ServerSocket server;
    private final int heartbeatSeconds;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "scripted-broker");
        t.setDaemon(true);
        return t;
    });
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final List<Long> closedAt = new CopyOnWriteArrayList<>();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile boolean silent;
    private volatile boolean closed;
    private volatile int connections;

    private ScriptedBroker(ServerSocket server, int heartbeatSeconds) {
        this.server = server;
        this.heartbeatSeconds = heartbeatSeconds;
    }

    /** Starts listening on an ephemeral port; Connection.Tune will offer this heartbeat. */
    public static ScriptedBroker start(int heartbeatSeconds) throws IOException {
        ScriptedBroker b = new ScriptedBroker(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()), heartbeatSeconds);
        b.threads.submit(b::acceptLoop);
        return b;
    }

    public int port() {
        return server.getLocalPort();
    }

    /** "amqp://127.0.0.1:PORT". */
    public String uri() {
        return "amqp://127.0.0.1:" + port();
    }

    /** From now on write nothing on any connection (no heartbeats, no replies), but keep reading. */
    public void goSilent() {
        silent = true;
    }

    public int connectionsAccepted() {
        return connections;
    }

    public List<Received> received() {
        return received;
    }

    /** When connections were closed by the peer (the proxy), System.nanoTime() values. */
    public List<Long> peerClosedAt() {
        return closedAt;
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket s = server.accept();
                sockets.add(s);
                int n = ++connections;
                threads.submit(() -> serve(s, n));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s, int n) {
        try (s) {
            RawAmqpClient peer = RawAmqpClient.wrap(s);
            byte[] header = new byte[8];
            s.setSoTimeout(10_000);
            new java.io.DataInputStream(s.getInputStream()).readFully(header);
            if (!java.util.Arrays.equals(header, Frames.PROTOCOL_HEADER)) {
                peer.send(Frames.PROTOCOL_HEADER);
                return;
            }
            peer.sendMethod(0, Frames.CONNECTION, 10, Frames.args().octet(0).octet(9)
                    .table(Map.of("product", "ScriptedBroker", "capabilities", Map.of("connection.blocked", true)))
                    .longstr("PLAIN AMQPLAIN").longstr("en_US"));
            peer.expectMethod(0, Frames.CONNECTION, 11, Duration.ofSeconds(10));
            peer.sendMethod(0, Frames.CONNECTION, 30, Frames.args().shortInt(2047).longInt(131072).shortInt(heartbeatSeconds));
            peer.expectMethod(0, Frames.CONNECTION, 31, Duration.ofSeconds(10));
            peer.expectMethod(0, Frames.CONNECTION, 40, Duration.ofSeconds(10));
            peer.sendMethod(0, Frames.CONNECTION, 41, Frames.args().shortstr(""));
            threads.submit(() -> heartbeats(peer));
            while (!closed) {
                RawAmqpClient.Frame f;
                try {
                    f = peer.readFrame(Duration.ofSeconds(60));
                } catch (SocketTimeoutException e) {
                    continue;
                }
                received.add(new Received(System.nanoTime(), n, f));
                if (silent) {
                    continue;
                }
                if (f.type() == Frames.METHOD && f.classId() == Frames.CHANNEL && f.methodId() == 10) {
                    peer.sendMethod(f.channel(), Frames.CHANNEL, 11, Frames.args().longstr(""));
                } else if (f.type() == Frames.METHOD && f.classId() == Frames.CHANNEL && f.methodId() == 40) {
                    peer.sendMethod(f.channel(), Frames.CHANNEL, 41, Frames.args());
                } else if (f.type() == Frames.METHOD && f.classId() == Frames.CONNECTION && f.methodId() == 50) {
                    peer.sendMethod(0, Frames.CONNECTION, 51, Frames.args());
                    return;
                }
            }
        } catch (java.io.EOFException | SocketException e) {
            closedAt.add(System.nanoTime());
        } catch (IOException | RuntimeException | AssertionError e) {
            closedAt.add(System.nanoTime());
        }
    }

    private void heartbeats(RawAmqpClient peer) {
        if (heartbeatSeconds == 0) {
            return;
        }
        long periodMillis = heartbeatSeconds * 1000L / 2;
        while (!closed && !peer.isClosed()) {
            try {
                Thread.sleep(periodMillis);
                if (!silent) {
                    peer.sendHeartbeat();
                }
            } catch (InterruptedException e) {
                return;
            } catch (IOException e) {
                return;
            }
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        for (Socket s : sockets) {
            s.close();
        }
        threads.shutdownNow();
        try {
            threads.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
