package io.amqproxy.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One loopback port that plays a broken broker, switchable while a test runs, and finally relays to the real
 * broker so the test can watch the proxy recover on the same address.
 *
 * <p>The behaviour is chosen for each new connection when it is accepted; connections already accepted keep
 * theirs, except that switching closes every held connection. One daemon thread accepts; each connection that
 * needs reading or relaying gets its own threads. Thread-safe.
 */
public final class SwitchableUpstream implements AutoCloseable {

    /** What the port does with a connection. */
    public enum Mode {
        /** Nothing listens: the proxy's connect is refused. */
        REFUSE,
        /** Accepts, reads and discards everything, never answers. */
        BLACK_HOLE,
        /** Accepts and closes the socket at once. */
        CLOSE_AT_ONCE,
        /** Accepts and answers with an HTTP error instead of AMQP, then keeps the socket open. */
        GARBAGE,
        /** Relays to the real broker. */
        RELAY_TO_BROKER
    }

    /** What {@link Mode#GARBAGE} sends: a web server's answer. */
    public static final byte[] GARBAGE = ("HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\n"
            + "Content-Length: 11\r\n\r\nBad Request").getBytes(StandardCharsets.US_ASCII);

    private final int port;
    private final InetSocketAddress broker;
    private final List<Socket> held = new CopyOnWriteArrayList<>();
    private final AtomicInteger accepted = new AtomicInteger();
    private ServerSocket server;
    private volatile Mode mode;
    private volatile boolean closed;

    private SwitchableUpstream(int brokerPort) throws IOException {
        this.broker = new InetSocketAddress(InetAddress.getLoopbackAddress(), brokerPort);
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        this.port = s.getLocalPort();
        this.server = s;
        this.mode = Mode.BLACK_HOLE;
        startAccepting(s);
    }

    /**
     * Reserves a loopback port in the given mode; {@link Mode#RELAY_TO_BROKER} relays to 127.0.0.1 at
     * {@code brokerPort}.
     */
    public static SwitchableUpstream start(Mode mode, int brokerPort) {
        try {
            SwitchableUpstream u = new SwitchableUpstream(brokerPort);
            u.switchTo(mode);
            return u;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start a fake upstream: " + e, e);
        }
    }

    public int port() {
        return port;
    }

    /** "amqp://127.0.0.1:PORT", for {@code AmqProxy.builder().upstream(...)}. */
    public String uri() {
        return "amqp://127.0.0.1:" + port;
    }

    /** "127.0.0.1:PORT", as a reply text may name the address. */
    public String address() {
        return "127.0.0.1:" + port;
    }

    public Mode mode() {
        return mode;
    }

    /** Connections accepted so far, in every mode. */
    public int acceptedConnections() {
        return accepted.get();
    }

    /**
     * Switches behaviour for new connections and closes every connection held so far. Switching to
     * {@link Mode#REFUSE} stops listening; switching away from it listens on the same port again.
     */
    public synchronized void switchTo(Mode next) throws IOException {
        if (closed) {
            throw new IllegalStateException("closed");
        }
        for (Socket s : held) {
            quietClose(s);
        }
        held.clear();
        mode = next;
        if (next == Mode.REFUSE) {
            if (server != null) {
                server.close();
                server = null;
            }
        } else if (server == null) {
            ServerSocket s = new ServerSocket();
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 50);
            server = s;
            startAccepting(s);
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (server != null) {
            quietClose(server);
            server = null;
        }
        for (Socket s : held) {
            quietClose(s);
        }
        held.clear();
    }

    private void startAccepting(ServerSocket s) {
        Thread t = new Thread(() -> acceptLoop(s), "switchable-upstream-" + port);
        t.setDaemon(true);
        t.start();
    }

    private void acceptLoop(ServerSocket s) {
        while (!closed && !s.isClosed()) {
            Socket c;
            try {
                c = s.accept();
            } catch (IOException e) {
                return;
            }
            accepted.incrementAndGet();
            serve(c, mode);
        }
    }

    private void serve(Socket c, Mode m) {
        switch (m) {
            case CLOSE_AT_ONCE, REFUSE -> quietClose(c);
            case BLACK_HOLE -> {
                held.add(c);
                background("black-hole", () -> drain(c));
            }
            case GARBAGE -> {
                held.add(c);
                background("garbage", () -> {
                    try {
                        c.getOutputStream().write(GARBAGE);
                        c.getOutputStream().flush();
                    } catch (IOException e) {
                        return;
                    }
                    drain(c);
                });
            }
            case RELAY_TO_BROKER -> {
                Socket b = new Socket();
                try {
                    b.connect(broker, 5000);
                    b.setTcpNoDelay(true);
                    c.setTcpNoDelay(true);
                } catch (IOException e) {
                    quietClose(b);
                    quietClose(c);
                    return;
                }
                held.add(c);
                held.add(b);
                background("relay-c2b", () -> pipe(c, b));
                background("relay-b2c", () -> pipe(b, c));
            }
        }
    }

    private static void drain(Socket c) {
        byte[] buf = new byte[8192];
        try (InputStream in = c.getInputStream()) {
            while (in.read(buf) >= 0) {
                // discard
            }
        } catch (IOException ignored) {
            // closed by a switch or by the peer
        }
        quietClose(c);
    }

    private static void pipe(Socket from, Socket to) {
        byte[] buf = new byte[64 * 1024];
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            int n;
            while ((n = in.read(buf)) >= 0) {
                out.write(buf, 0, n);
                out.flush();
            }
            to.shutdownOutput();
        } catch (IOException e) {
            quietClose(from);
            quietClose(to);
        }
    }

    private void background(String what, Runnable r) {
        Thread t = new Thread(r, "switchable-upstream-" + what + "-" + port);
        t.setDaemon(true);
        t.start();
    }

    private static void quietClose(AutoCloseable s) {
        try {
            s.close();
        } catch (Exception ignored) {
            // nothing to do
        }
    }
}
