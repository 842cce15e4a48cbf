package io.amqproxy.testsupport.relay;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The far end for the relay's own tests, on 127.0.0.1: accepts connections and keeps, for each, every byte it
 * read and how its input ended (an end of stream, or the exception of a reset). With {@code echo} it writes back
 * whatever it reads. One daemon thread accepts, one per connection reads.
 */
final class TargetServer implements AutoCloseable {

    /** What one accepted connection saw. */
    static final class Accepted {
        final Socket socket;
        private final ByteArrayOutputStream received = new ByteArrayOutputStream();
        /** Completes with null at an end of stream, or with the exception that ended the reading. */
        final CompletableFuture<IOException> ended = new CompletableFuture<>();

        Accepted(Socket socket) {
            this.socket = socket;
        }

        synchronized byte[] received() {
            return received.toByteArray();
        }

        private synchronized void add(byte[] b, int n) {
            received.write(b, 0, n);
        }
    }

    private final ServerSocket server;
    private final boolean echo;
    private final List<Accepted> all = new CopyOnWriteArrayList<>();
    private final BlockingQueue<Accepted> fresh = new LinkedBlockingQueue<>();

    TargetServer(boolean echo) throws IOException {
        this.echo = echo;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        FaultRelay.daemon("target-accept", this::acceptLoop);
    }

    int port() {
        return server.getLocalPort();
    }

    int acceptedCount() {
        return all.size();
    }

    /** The next connection accepted, waiting up to 5 s. */
    Accepted next() throws InterruptedException {
        Accepted a = fresh.poll(5, TimeUnit.SECONDS);
        if (a == null) {
            throw new AssertionError("the target accepted no connection within 5 s");
        }
        return a;
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                Accepted a = new Accepted(s);
                all.add(a);
                fresh.add(a);
                FaultRelay.daemon("target-read", () -> serve(a));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Accepted a) {
        byte[] buffer = new byte[8192];
        try {
            InputStream in = a.socket.getInputStream();
            int n;
            while ((n = in.read(buffer)) >= 0) {
                a.add(buffer, n);
                if (echo) {
                    a.socket.getOutputStream().write(buffer, 0, n);
                }
            }
            a.ended.complete(null);
        } catch (IOException e) {
            a.ended.complete(e);
        }
    }

    /** A client socket to {@code port} on 127.0.0.1 whose reads give up after 5 s. */
    static Socket connect(int port) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
        s.setSoTimeout(5000);
        return s;
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Accepted a : all) {
            a.socket.close();
        }
    }
}
