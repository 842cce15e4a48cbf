package io.amqproxy.impl.tls;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The far end for client-mode tests: a plain blocking {@link SSLServerSocket} on 127.0.0.1 that serves one
 * connection at a time in its own thread with a scripted {@link Handler}. Every socket read has a timeout,
 * so a confused test ends instead of hanging.
 */
final class BlockingTlsServer implements AutoCloseable {

    /** What the server does with one accepted connection; the socket is closed afterwards. */
    interface Handler {
        void serve(SSLSocket socket) throws Exception;
    }

    private final SSLServerSocket server;
    private final Thread thread;
    /** Completes when the first connection has been served: normally, or with the handler's exception. */
    private final CompletableFuture<Void> firstServed = new CompletableFuture<>();

    BlockingTlsServer(SSLContext ctx, String[] protocols, Handler handler) throws IOException {
        this(ctx, protocols, 0, handler);
    }

    /**
     * @param receiveBuffer a fixed SO_RCVBUF for accepted sockets (which turns the kernel's autotuning off,
     *                      so "the server is not reading" fills the pipe at a stable point), or 0 for the default
     */
    BlockingTlsServer(SSLContext ctx, String[] protocols, int receiveBuffer, Handler handler) throws IOException {
        this.server = (SSLServerSocket) ctx.getServerSocketFactory().createServerSocket();
        if (receiveBuffer > 0) {
            server.setReceiveBufferSize(receiveBuffer); // inherited by accepted sockets
        }
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
        if (protocols != null) {
            server.setEnabledProtocols(protocols);
        }
        this.thread = new Thread(() -> acceptLoop(handler), "tls-test-server");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    private void acceptLoop(Handler handler) {
        while (!server.isClosed()) {
            try (SSLSocket s = (SSLSocket) server.accept()) {
                s.setSoTimeout(10_000);
                try {
                    handler.serve(s);
                    firstServed.complete(null);
                } catch (Exception e) {
                    firstServed.completeExceptionally(e);
                }
            } catch (SocketException closed) {
                return;
            } catch (IOException e) {
                firstServed.completeExceptionally(e);
            }
        }
    }

    int port() {
        return server.getLocalPort();
    }

    /** Waits (bounded) for the first connection's handler and rethrows what it threw. */
    void awaitServed() throws Exception {
        firstServed.get(10, TimeUnit.SECONDS);
    }

    /** How the first connection's handler ended, without waiting: its exception, or null. */
    Throwable failureSoFar() {
        return firstServed.isCompletedExceptionally() ? firstServed.handle((v, e) -> e).join() : null;
    }

    @Override
    public void close() throws Exception {
        server.close();
        thread.join(5_000);
    }
}
