package io.amqproxy.impl.loop;

import javax.net.ssl.SSLException;
import java.io.IOException;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;

/**
 * One non-blocking socket on an {@link EventLoop}: reads into the loop's shared read buffer, keeps only an
 * incomplete frame between reads (the "carry"), queues output in an {@link OutputBuffer} and flushes it
 * once per loop round. Subclasses parse what arrives in {@link #onData}. Owned by the loop thread.
 */
public abstract class NioEndpoint implements IoHandler, Tickable {

    /** Writes per flush at most, when each emptied the output and {@link #refillOutput} had more. */
    private static final int MAX_FLUSH_PASSES = 4;

    protected final EventLoop loop;
    protected final SocketChannel socket;
    protected final OutputBuffer out;
    private SelectionKey key;
    /** The operations the endpoint wants; the key has none of them while the loop is frozen. */
    private int wantedOps;
    private Transport transport = PlainTransport.INSTANCE;
    /** The test fixture's shaping for this endpoint's direction, or {@code null}; see {@link #useShaping}. */
    private EgressShaping shaping;
    /** Made when shaping first applies. */
    private Egress egress;
    private ByteBuffer carry;
    private int tickIndex = -1;
    private boolean dirty;
    private boolean readPaused;
    private boolean closed;
    private boolean closeWhenFlushed;
    private boolean discardInput;
    protected long lastReadNanos;
    protected long lastWriteNanos;

    protected NioEndpoint(EventLoop loop, SocketChannel socket) {
        this.loop = loop;
        this.socket = socket;
        this.out = new OutputBuffer(loop.pool());
        this.lastReadNanos = loop.now();
        this.lastWriteNanos = loop.now();
    }

    /** Registers the socket with the loop's selector; loop thread only. */
    protected final void register(int ops) throws ClosedChannelException {
        wantedOps = ops;
        key = socket.register(loop.selector(), loop.frozen() ? 0 : ops, this);
        loop.addTickable(this);
    }

    /** The loop's shaping for the direction this endpoint writes in (latency, rate), for the test fixture. */
    protected final void useShaping(EgressShaping shaping) {
        this.shaping = shaping;
    }

    /** Switches to another transport (TLS) before any application byte is exchanged. */
    protected final void useTransport(Transport transport) {
        this.transport = transport;
    }

    protected final void interest(int ops) {
        wantedOps = ops;
        if (key != null && key.isValid()) {
            key.interestOps(loop.frozen() ? 0 : ops);
        }
    }

    /**
     * The loop froze or thawed (a simulated partition): the key's operations follow, and a thawed endpoint writes
     * what it queued and reads what it kept meanwhile.
     */
    final void frozenChanged() {
        if (closed || key == null || !key.isValid()) {
            return;
        }
        key.interestOps(loop.frozen() ? 0 : wantedOps);
        if (!loop.frozen()) {
            lastReadNanos = loop.now(); // silence while frozen says nothing about the peer
            markDirty();
            if (carry != null && !readPaused) {
                loop.defer(this::readAndProcess);
            }
        }
    }

    public final boolean isClosed() {
        return closed;
    }

    @Override
    public final int tickIndex() {
        return tickIndex;
    }

    @Override
    public final void setTickIndex(int index) {
        this.tickIndex = index;
    }

    @Override
    public void onReady(int readyOps) {
        if ((readyOps & SelectionKey.OP_CONNECT) != 0) {
            onConnectable();
            return;
        }
        if ((readyOps & SelectionKey.OP_WRITE) != 0) {
            flush();
        }
        if ((readyOps & SelectionKey.OP_READ) != 0) {
            readAndProcess();
        }
    }

    /**
     * Starts a non-blocking TCP connect (no Nagle, keep-alive on); {@link #onConnected} follows when it is done,
     * at once or when the selector reports it, and {@link #onConnectFailed} if it fails.
     */
    protected final void connectTo(SocketAddress address) {
        try {
            socket.configureBlocking(false);
            socket.setOption(StandardSocketOptions.TCP_NODELAY, true);
            socket.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
            register(SelectionKey.OP_CONNECT);
            if (socket.connect(address)) {
                onConnected();
            }
        } catch (IOException | RuntimeException e) {
            onConnectFailed(e);
        }
    }

    private void onConnectable() {
        try {
            if (socket.finishConnect()) {
                onConnected();
            }
        } catch (IOException e) {
            onConnectFailed(e);
        }
    }

    /** The connect started by {@link #connectTo} is done; the endpoint says what it reads from now on. */
    protected void onConnected() {
    }

    /** The connect started by {@link #connectTo} failed. */
    protected void onConnectFailed(Exception e) {
    }

    /** Reads what the socket has, appends it to the carry, and hands all of it to {@link #onData}. */
    protected final void readAndProcess() {
        if (closed || readPaused || loop.frozen() || !mayRead()) {
            return;
        }
        ByteBuffer rb = loop.readBuffer();
        rb.clear();
        if (carry != null) {
            rb.put(carry);
            releaseCarry();
        }
        int n;
        try {
            n = transport.read(socket, rb);
        } catch (SSLException e) {
            onSocketLost(e.getMessage());
            return;
        } catch (IOException e) {
            onSocketLost("connection reset: " + e.getMessage());
            return;
        }
        if (n < 0) {
            onSocketLost("socket closed by peer");
            return;
        }
        if (n > 0) {
            lastReadNanos = loop.now();
            onBytesRead(n);
        }
        rb.flip();
        if (rb.hasRemaining() && !discardInput) {
            onData(rb);
        }
        if (!closed && !discardInput && rb.hasRemaining()) {
            keepCarry(rb);
        }
        if (transport != PlainTransport.INSTANCE && !closed) {
            // a TLS handshake step may want to answer, or may have finished and released queued output
            markDirty();
            if (transport.hasBufferedInput() && !readPaused) {
                loop.defer(this::readAndProcess);
            }
        }
    }

    private void keepCarry(ByteBuffer rb) {
        int n = rb.remaining();
        ByteBuffer c = n <= BufferPool.CHUNK_SIZE ? loop.pool().acquire() : ByteBuffer.allocate(n);
        c.clear();
        c.put(rb);
        c.flip();
        carry = c;
    }

    private void releaseCarry() {
        if (carry.isDirect() && carry.capacity() == BufferPool.CHUNK_SIZE) {
            loop.pool().release(carry);
        }
        carry = null;
    }

    /**
     * Consumes frames from {@code rb}'s position; leaves the position at the first byte not consumed, which
     * is kept for the next round.
     */
    protected abstract void onData(ByteBuffer rb);

    /** The socket is gone (EOF, reset, heartbeat timeout); release everything. */
    protected abstract void onSocketLost(String reason);

    /**
     * Queues the protocol's keep-alive message (an AMQP heartbeat frame), for {@link #keepAlive}.
     */
    protected abstract void writeKeepAlive();

    /**
     * The heartbeat rule for either side: queue a keep-alive when nothing was written for half the interval,
     * and report the peer dead when nothing was read for two intervals.
     *
     * @param judgeSilence whether the peer's silence counts now (not while we ourselves hold its input back)
     * @return {@code false} if the peer missed its heartbeats
     */
    protected final boolean keepAlive(long now, int heartbeatSeconds, boolean judgeSilence) {
        if (heartbeatSeconds == 0) {
            return true;
        }
        long interval = TimeUnit.SECONDS.toNanos(heartbeatSeconds);
        if (judgeSilence && now - lastReadNanos > 2 * interval) {
            return false;
        }
        if (now - lastWriteNanos >= interval / 2 && out.isEmpty()) {
            writeKeepAlive();
            markDirty();
        }
        return true;
    }

    /** Whether to read now; a subclass may pause itself here (backpressure) and return false. */
    protected boolean mayRead() {
        return true;
    }

    protected void onBytesRead(int n) {
    }

    protected void onBytesWritten(long n) {
    }

    /** All queued output went out; backpressure may lift. */
    protected void onDrained() {
    }

    /** Stops reading this socket until {@link #resumeReading()}. */
    public final void pauseReading() {
        if (!readPaused && !closed) {
            readPaused = true;
            interest(wantedOps & ~SelectionKey.OP_READ);
        }
    }

    /** Reads again, and processes what was kept back, after the connection being served now. */
    public final void resumeReading() {
        if (readPaused && !closed) {
            readPaused = false;
            // silence while we were not reading says nothing about the peer's liveness
            lastReadNanos = loop.now();
            interest(wantedOps | SelectionKey.OP_READ);
            if (carry != null) {
                loop.defer(this::readAndProcess);
            }
        }
    }

    public final boolean isReadPaused() {
        return readPaused;
    }

    /** Ignore everything this peer sends from now on (its stream is broken or it is being closed). */
    protected final void discardInput() {
        discardInput = true;
        if (carry != null) {
            releaseCarry();
        }
    }

    /** Asks for a flush at the end of this loop round. */
    public final void markDirty() {
        if (!dirty && !closed) {
            dirty = true;
            loop.markDirty(this);
        }
    }

    /**
     * Bytes queued for the socket: in the output buffer, and held by the test fixture's shaping. What output limits
     * judge.
     */
    protected final long queuedBytes() {
        return egress == null ? out.size() : out.size() + egress.size();
    }

    /** Writes what is queued; waits for OP_WRITE when the socket is full. */
    final void flush() {
        dirty = false;
        if (closed || loop.frozen()) {
            return; // frozen: nothing goes out, heartbeats included; thawing marks every endpoint dirty
        }
        OutputBuffer source = out;
        for (int pass = 0; ; pass++) {
            refillOutput();
            source = out;
            if (shaping != null && (shaping.active() || egress != null && egress.busy())) {
                if (egress == null) {
                    egress = new Egress(loop, this::markDirty);
                }
                source = egress.prepare(out, shaping);
            }
            if (!source.isEmpty() || transport.hasPendingWrites()) {
                long n;
                try {
                    n = transport.write(socket, source, loop.gather());
                } catch (IOException e) {
                    onSocketLost("write failed: " + e.getMessage());
                    return;
                }
                if (n > 0) {
                    lastWriteNanos = loop.now();
                    onBytesWritten(n);
                }
            }
            if (closed) {
                return;
            }
            // the socket took all of it and more waits behind (see refillOutput): another pass, a few at most per
            // round so that one busy connection cannot keep the loop from the others
            if (source != out || !out.isEmpty() || transport.hasPendingWrites() || !hasMoreOutput()
                    || pass == MAX_FLUSH_PASSES - 1) {
                break;
            }
        }
        boolean held = source != out && egress.busy();
        if (source.isEmpty() && !transport.hasPendingWrites()) {
            if ((wantedOps & SelectionKey.OP_WRITE) != 0) {
                interest(wantedOps & ~SelectionKey.OP_WRITE);
            }
            if (hasMoreOutput()) {
                markDirty(); // more waits behind what went out: the next round writes it
                return;
            }
            if (held) {
                afterPartialFlush(); // the shaping holds bytes back; the limits still judge them
                return;
            }
            if (closeWhenFlushed) {
                closeSocket();
                return;
            }
            onDrained();
        } else {
            if (key != null && key.isValid()
                    && (transport.hasPendingWrites() || (!source.isEmpty() && transport.canSendApplicationData()))) {
                interest(wantedOps | SelectionKey.OP_WRITE);
            }
            afterPartialFlush();
        }
    }

    /**
     * Called before each write of a flush: an endpoint that keeps output of its own beyond {@link #out} (the
     * upstream's per-channel queues) moves the next part of it into {@link #out} here. Does nothing by default.
     */
    protected void refillOutput() {
    }

    /** Whether output beyond {@link #out} still waits to be moved there by {@link #refillOutput}. */
    protected boolean hasMoreOutput() {
        return false;
    }

    /** Output is still queued after a flush: the peer reads slower than we write. */
    protected void afterPartialFlush() {
    }

    /** Closes the socket once everything queued has been written (or at once if nothing is). */
    protected final void closeWhenFlushed() {
        closeWhenFlushed = true;
        discardInput();
        markDirty();
    }

    /** Makes the next close reset the connection (RST) instead of ending it in order (FIN). */
    protected final void lingerZero() {
        try {
            socket.setOption(StandardSocketOptions.SO_LINGER, 0);
        } catch (IOException | RuntimeException ignored) {
            // closed already: nothing left to reset
        }
    }

    /** Closes the socket now, dropping queued output. Idempotent. */
    protected final void closeSocket() {
        if (closed) {
            return;
        }
        closed = true;
        discardInput = true;
        if (key != null) {
            key.cancel();
        }
        try {
            socket.close();
        } catch (IOException ignored) {
            // nothing left to do with it
        }
        out.clear();
        if (egress != null) {
            egress.clear();
        }
        if (carry != null) {
            releaseCarry();
        }
        loop.removeTickable(this);
        onClosed();
    }

    /** The socket is closed; called once. */
    protected void onClosed() {
    }

    protected final boolean isCloseWhenFlushed() {
        return closeWhenFlushed;
    }
}
