package io.amqproxy.impl.tls;

import io.amqproxy.impl.loop.BufferPool;
import io.amqproxy.impl.loop.OutputBuffer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * The test's own tiny event loop for one non-blocking socket with a {@link TlsTransport}: what
 * {@code NioEndpoint} does, minus AMQP. Queue bytes in {@link #out}, call {@link #step} or {@link #until},
 * and find what arrived in {@link #received}.
 */
final class TlsPump implements AutoCloseable {

    final SocketChannel channel;
    final TlsTransport tls;
    final OutputBuffer out = new OutputBuffer(new BufferPool(64));
    final ByteArrayOutputStream received = new ByteArrayOutputStream();
    private final Selector selector;
    private final SelectionKey key;
    private final ByteBuffer dst = ByteBuffer.allocateDirect(256 * 1024);
    private final ByteBuffer[] gather = new ByteBuffer[64];
    private final byte[] copy = new byte[dst.capacity()];
    /** Network bytes the transport reported written. */
    long wireWritten;
    boolean eof;

    TlsPump(SocketChannel channel, TlsTransport tls) throws IOException {
        this.channel = channel;
        this.tls = tls;
        channel.configureBlocking(false);
        this.selector = Selector.open();
        this.key = channel.register(selector, SelectionKey.OP_READ);
    }

    /** Connects (blocking, loopback) and then switches the socket to non-blocking. */
    static TlsPump connect(int port, TlsTransport tls) throws IOException {
        return connect(port, 0, tls);
    }

    /** As {@link #connect(int, TlsTransport)} with a fixed SO_SNDBUF (no autotuning), or 0 for the default. */
    static TlsPump connect(int port, int sendBuffer, TlsTransport tls) throws IOException {
        SocketChannel ch = SocketChannel.open();
        if (sendBuffer > 0) {
            ch.setOption(StandardSocketOptions.SO_SNDBUF, sendBuffer);
        }
        ch.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        return new TlsPump(ch, tls);
    }

    /** One loop round: wait up to {@code waitMillis} for the socket, write what may go, read what came. */
    void step(long waitMillis) throws IOException {
        int ops = eof ? 0 : SelectionKey.OP_READ;
        // application bytes cannot leave before the handshake; asking for OP_WRITE then would only spin
        if (tls.hasPendingWrites() || (!out.isEmpty() && tls.isHandshakeComplete())) {
            ops |= SelectionKey.OP_WRITE;
        }
        key.interestOps(ops);
        selector.select(waitMillis);
        selector.selectedKeys().clear();
        flush();
        readAvailable();
    }

    void flush() throws IOException {
        if (!out.isEmpty() || tls.hasPendingWrites()) {
            wireWritten += tls.write(channel, out, gather);
        }
    }

    private void readAvailable() throws IOException {
        if (eof) {
            return;
        }
        int n;
        do {
            dst.clear();
            n = tls.read(channel, dst);
            if (n < 0) {
                eof = true;
                return;
            }
            dst.flip();
            int len = dst.remaining();
            dst.get(copy, 0, len);
            received.write(copy, 0, len);
        } while (n > 0 || tls.hasBufferedInput());
    }

    /** Steps until {@code done}; an {@link AssertionError} naming {@code what} after {@code timeout}. */
    void until(Duration timeout, String what, BooleanSupplier done) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out after " + timeout.toMillis() + " ms waiting for " + what);
            }
            step(20);
        }
    }

    /** Waits until the socket has something to read (or the timeout passes), without reading it. */
    boolean awaitReadable(Duration timeout) throws IOException {
        key.interestOps(SelectionKey.OP_READ);
        int n = selector.select(Math.max(1, timeout.toMillis()));
        selector.selectedKeys().clear();
        return n > 0;
    }

    @Override
    public void close() throws IOException {
        selector.close();
        channel.close();
        out.clear();
    }
}
