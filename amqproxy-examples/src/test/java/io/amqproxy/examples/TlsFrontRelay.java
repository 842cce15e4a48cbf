package io.amqproxy.examples;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An amqps:// broker for the process tests: TLS on a free loopback port, and the decrypted bytes copied to the
 * plain broker and back, one thread per direction. Closing it closes every socket it opened.
 */
final class TlsFrontRelay implements AutoCloseable {

    private final SSLServerSocket server;
    private final InetSocketAddress broker;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final AtomicInteger handshakes = new AtomicInteger();

    TlsFrontRelay(SSLContext identity, InetSocketAddress broker) throws IOException {
        this.broker = broker;
        this.server = (SSLServerSocket) identity.getServerSocketFactory().createServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        daemon("tls-front-accept", this::accept);
    }

    int port() {
        return server.getLocalPort();
    }

    /** TLS handshakes that succeeded. */
    int handshakes() {
        return handshakes.get();
    }

    private void accept() {
        while (!server.isClosed()) {
            SSLSocket client;
            try {
                client = (SSLSocket) server.accept();
            } catch (IOException e) {
                return; // closed
            }
            sockets.add(client);
            daemon("tls-front-conn", () -> relay(client));
        }
    }

    private void relay(SSLSocket client) {
        try {
            client.setSoTimeout(0);
            client.startHandshake();
            handshakes.incrementAndGet();
            Socket upstream = new Socket();
            sockets.add(upstream);
            upstream.connect(broker, 5000);
            daemon("tls-front-up", () -> copy(client, upstream));
            copy(upstream, client);
        } catch (IOException e) {
            closeQuietly(client); // a failed handshake: the proxy sees the alert
        }
    }

    /** Copies until either side ends, then closes both, as a TCP proxy does. */
    private static void copy(Socket from, Socket to) {
        byte[] buffer = new byte[16 * 1024];
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // one side is gone
        } finally {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private static void daemon(String name, Runnable task) {
        Thread t = new Thread(task, name);
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        sockets.forEach(TlsFrontRelay::closeQuietly);
    }
}
