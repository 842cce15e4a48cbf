package io.amqproxy.impl.tls;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TLS front for the plain broker, as a cloud broker's amqps port is: accepts TLS on 127.0.0.1 and relays
 * the decrypted bytes to the broker and back, two threads per connection. Closing it closes everything.
 */
final class TlsTerminatingRelay implements AutoCloseable {

    private final ServerSocket server;
    private final String brokerHost;
    private final int brokerPort;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final AtomicInteger handshakes = new AtomicInteger();
    private final Thread acceptor;

    TlsTerminatingRelay(SSLContext serverContext, String brokerHost, int brokerPort) throws IOException {
        this.brokerHost = brokerHost;
        this.brokerPort = brokerPort;
        SSLServerSocket s = (SSLServerSocket) serverContext.getServerSocketFactory().createServerSocket();
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        this.server = s;
        this.acceptor = new Thread(this::acceptLoop, "tls-relay-accept");
        this.acceptor.setDaemon(true);
        this.acceptor.start();
    }

    int port() {
        return server.getLocalPort();
    }

    /** TLS handshakes completed with this relay. */
    int handshakes() {
        return handshakes.get();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                javax.net.ssl.SSLSocket client = (javax.net.ssl.SSLSocket) server.accept();
                sockets.add(client);
                Thread t = new Thread(() -> serve(client), "tls-relay-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(javax.net.ssl.SSLSocket client) {
        try {
            client.setSoTimeout(30_000);
            client.startHandshake();
            handshakes.incrementAndGet();
            Socket broker = new Socket(brokerHost, brokerPort);
            sockets.add(broker);
            Thread back = new Thread(() -> pump(broker, client), "tls-relay-back");
            back.setDaemon(true);
            back.start();
            pump(client, broker);
        } catch (IOException e) {
            closeQuietly(client);
        }
    }

    private void pump(Socket from, Socket to) {
        byte[] buf = new byte[16 * 1024];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            int n;
            while ((n = in.read(buf)) >= 0) {
                out.write(buf, 0, n);
                out.flush();
            }
        } catch (IOException ignored) {
            // either side went away: the finally below closes both
        } finally {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() throws Exception {
        server.close();
        sockets.forEach(TlsTerminatingRelay::closeQuietly);
        acceptor.join(5000);
    }
}
