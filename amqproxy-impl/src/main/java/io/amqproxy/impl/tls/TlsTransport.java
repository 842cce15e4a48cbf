package io.amqproxy.impl.tls;

import io.amqproxy.impl.loop.OutputBuffer;
import io.amqproxy.impl.loop.Transport;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSession;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.Arrays;

/**
 * TLS over a non-blocking socket, driven by an {@link SSLEngine}: encrypts what the endpoint queues and decrypts
 * what arrives, and runs the handshake in between as the socket allows. Works in client mode (the proxy's
 * connections to an {@code amqps://} broker) and in server mode (a TLS listener); it knows nothing about AMQP.
 * <p>
 * Buffers, all owned by this transport: {@code netIn} holds ciphertext read from the socket and not yet
 * unwrapped (write mode: data is {@code [0, position)}); {@code netOut} holds ciphertext wrapped and not yet
 * written (write mode too). {@code netIn} is one TLS packet big and grows only if the session asks for
 * larger packets. {@code netOut} holds {@value #NET_OUT_PACKETS} packets and is filled only while it has
 * room for one more, so at most that much ciphertext waits ahead of the socket. A handshake record the engine
 * wants while {@code netOut} is full (a TLS 1.3 KeyUpdate answer) waits in the engine; reading goes on.
 * Application bytes are unwrapped straight into the caller's buffer and wrapped straight from the
 * {@link OutputBuffer}'s chunks: nothing is copied or allocated per record here. (The JDK allocates inside
 * the engine: an {@link SSLEngineResult} per call and, in JDK 17's AES-GCM, scratch arrays per record.)
 * <p>
 * The handshake is started by the first {@link #read} or {@link #write}; delegated tasks (certificate checks)
 * run inline on the calling thread. Until the first handshake is complete, {@link #write} sends handshake
 * records only and leaves queued application bytes where they are. A failed handshake surfaces as an
 * {@link SSLHandshakeException} saying with whom and why, e.g.
 * {@code TLS handshake with broker.example:5671 failed: No subject alternative names matching IP address
 * 127.0.0.1 found}.
 * <p>
 * Owned by one event loop thread, not thread-safe.
 */
public final class TlsTransport implements Transport {

    /** How many TLS packets {@code netOut} holds: up to two full records go out in one socket write. */
    static final int NET_OUT_PACKETS = 2;
    /** A bound on {@code netIn} growth, far above any record size a TLS peer may legally send. */
    private static final int MAX_NET_IN = 256 * 1024;

    private final SSLEngine engine;
    private final ByteBuffer empty = ByteBuffer.allocate(0);
    /** Chunks of the output buffer handed to one wrap; a record takes at most 16 KiB, so a few suffice. */
    private final ByteBuffer[] wrapSources = new ByteBuffer[4];
    /** The caller's buffer as the array unwrap takes; the one-buffer overload would allocate it per record. */
    private final ByteBuffer[] unwrapTargets = new ByteBuffer[1];
    private ByteBuffer netIn;
    private ByteBuffer netOut;
    private int packetSize;
    private int appSize;
    private boolean started;
    private boolean handshakeDone;
    private boolean bufferedInput;
    private boolean inboundClosed;
    private boolean closeRequested;
    /** Network bytes written from inside {@link #read} (handshake answers), reported by the next {@link #write}. */
    private long writtenOutsideWrite;

    /**
     * Wraps an engine the caller has configured completely (client or server mode, parameters); the transport
     * only starts and drives it.
     */
    public TlsTransport(SSLEngine engine) {
        this.engine = engine;
        updateSizes();
        this.netIn = ByteBuffer.allocateDirect(packetSize);
        this.netOut = ByteBuffer.allocateDirect(NET_OUT_PACKETS * packetSize);
    }

    /**
     * A client-mode transport for a connection to {@code host:port}: TLSv1.3 and TLSv1.2, SNI with {@code host}
     * when it is a DNS name (not an IP literal), and, when {@code verifyHostname}, a check that the server's
     * certificate names {@code host} (the HTTPS rules of RFC 2818).
     */
    public static TlsTransport client(SSLContext ctx, String host, int port, boolean verifyHostname) {
        return new TlsTransport(TlsEngines.client(ctx, host, port, verifyHostname));
    }

    /** Whether the first handshake has completed; application bytes flow only after it. */
    public boolean isHandshakeComplete() {
        return handshakeDone;
    }

    /** The TLS session: after the handshake, the negotiated protocol, cipher suite and peer certificates. */
    public SSLSession session() {
        return engine.getSession();
    }

    /**
     * Asks for a close_notify to be sent once everything queued has been wrapped; {@link #hasPendingWrites()}
     * stays true until it is on the wire, so an endpoint that closes when flushed closes politely.
     */
    public void closeOutbound() {
        closeRequested = true;
    }

    // --- reading

    @Override
    public int read(SocketChannel socket, ByteBuffer dst) throws IOException {
        bufferedInput = false;
        if (inboundClosed) {
            return -1;
        }
        try {
            start();
            return unwrapInto(socket, dst);
        } catch (IOException e) {
            throw describe(socket, e);
        }
    }

    private int unwrapInto(SocketChannel socket, ByteBuffer dst) throws IOException {
        int produced = 0;
        boolean needNetData = netIn.position() == 0;
        while (true) {
            HandshakeStatus hs = engine.getHandshakeStatus();
            if (hs == HandshakeStatus.NEED_TASK) {
                runTasks();
                continue;
            }
            if (hs == HandshakeStatus.NEED_WRAP && wrapHandshake(socket)) {
                continue;
            }
            // a wrap blocked by a full socket need not stop unwrapping (JDK 17 keeps the record until it is
            // wrapped); should an engine refuse, it returns 0/0 and the progress check below ends the loop
            noteHandshakeDone(hs);
            if (handshakeDone && dst.remaining() < appSize) {
                bufferedInput = netIn.position() > 0;
                return produced;
            }
            if (needNetData) {
                if (netIn.remaining() == 0) {
                    growNetIn();
                }
                int n = socket.read(netIn);
                if (n < 0) {
                    if (!handshakeDone) {
                        throw new IOException("connection closed by the peer");
                    }
                    return produced > 0 ? produced : -1;
                }
                if (n == 0) {
                    return produced;
                }
                needNetData = false;
            }
            netIn.flip();
            unwrapTargets[0] = dst;
            SSLEngineResult r;
            try {
                r = engine.unwrap(netIn, unwrapTargets, 0, 1);
            } finally {
                unwrapTargets[0] = null;
                netIn.compact();
            }
            produced += r.bytesProduced();
            if (r.getHandshakeStatus() == HandshakeStatus.FINISHED) {
                noteHandshakeDone(HandshakeStatus.FINISHED);
            }
            switch (r.getStatus()) {
                case OK:
                    if (netIn.position() == 0) {
                        needNetData = true;
                    } else if (r.bytesConsumed() == 0 && r.bytesProduced() == 0
                            && r.getHandshakeStatus() != HandshakeStatus.NEED_TASK) {
                        // nothing moved and no task to run: only the peer (or a drained socket) can help now
                        return produced;
                    }
                    break;
                case BUFFER_UNDERFLOW:
                    updateSizes();
                    if (netIn.capacity() < packetSize) {
                        growNetIn();
                    }
                    needNetData = true;
                    break;
                case BUFFER_OVERFLOW:
                    // the caller's buffer cannot take the next record: keep it for the next read
                    updateSizes();
                    bufferedInput = netIn.position() > 0;
                    return produced;
                case CLOSED:
                    inboundClosed = true;
                    answerCloseNotify(socket);
                    return produced > 0 ? produced : -1;
                default:
                    throw new IllegalStateException("unexpected unwrap status " + r.getStatus());
            }
        }
    }

    private void growNetIn() throws IOException {
        int want = Math.max(packetSize, netIn.capacity() * 2);
        if (want > MAX_NET_IN) {
            throw new SSLException("TLS record larger than " + MAX_NET_IN + " bytes");
        }
        ByteBuffer bigger = ByteBuffer.allocateDirect(want);
        netIn.flip();
        bigger.put(netIn);
        netIn = bigger;
    }

    private void answerCloseNotify(SocketChannel socket) {
        try {
            if (engine.getHandshakeStatus() == HandshakeStatus.NEED_WRAP) {
                wrapHandshake(socket);
            }
        } catch (IOException ignored) {
            // the peer is leaving anyway; our close_notify is a courtesy
        }
    }

    // --- writing

    /**
     * {@inheritDoc}
     * <p>
     * {@code gather} is not used: a record takes at most 16 KiB, so the chunks are lent to the engine through a
     * small array of this transport's own. The count includes handshake bytes that {@link #read} sent.
     */
    @Override
    public long write(SocketChannel socket, OutputBuffer out, ByteBuffer[] gather) throws IOException {
        try {
            start();
            long sent = wrapFrom(socket, out) + writtenOutsideWrite;
            writtenOutsideWrite = 0;
            return sent;
        } catch (IOException e) {
            throw describe(socket, e);
        }
    }

    private long wrapFrom(SocketChannel socket, OutputBuffer out) throws IOException {
        long sent = flushNetOut(socket);
        while (true) {
            HandshakeStatus hs = engine.getHandshakeStatus();
            if (hs == HandshakeStatus.NEED_TASK) {
                runTasks();
                continue;
            }
            if (hs == HandshakeStatus.NEED_WRAP) {
                if (netOut.remaining() < packetSize) {
                    sent += flushNetOut(socket);
                }
                if (!wrapHandshakeRecord()) {
                    break; // no room (the socket is full) or nothing to send
                }
                continue;
            }
            noteHandshakeDone(hs);
            if (!handshakeDone) {
                break; // waiting for the peer's next handshake message
            }
            if (out.isEmpty()) {
                if (closeRequested && !engine.isOutboundDone()) {
                    engine.closeOutbound(); // the engine now needs a wrap: the close_notify
                    continue;
                }
                break;
            }
            if (engine.isOutboundDone()) {
                throw new SSLException("TLS session already closed for writing, " + out.size() + " bytes unsent");
            }
            if (netOut.remaining() < packetSize) {
                sent += flushNetOut(socket);
                if (netOut.position() == 0 && netOut.capacity() < packetSize) {
                    growNetOut(); // the session's packets grew
                }
                if (netOut.remaining() < packetSize) {
                    break; // the socket is full: wrap no further ahead of it
                }
            }
            int lent = out.chunks(wrapSources);
            SSLEngineResult r;
            try {
                r = engine.wrap(wrapSources, 0, lent, netOut);
            } finally {
                Arrays.fill(wrapSources, 0, lent, null);
            }
            out.consumed(r.bytesConsumed());
            if (r.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
                long n = overflowed(socket);
                if (n < 0) {
                    break; // the socket is full
                }
                sent += n;
            } else if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                throw new SSLException("TLS session closed");
            } else if (r.bytesConsumed() == 0 && r.bytesProduced() == 0
                    && r.getHandshakeStatus() != HandshakeStatus.NEED_TASK
                    && r.getHandshakeStatus() != HandshakeStatus.NEED_WRAP) {
                break; // e.g. a renegotiation waits for the peer
            }
        }
        return sent + flushNetOut(socket);
    }

    /**
     * The engine needs more room in {@code netOut} than was left: flush it, or grow it when it is empty (the
     * session's packet size grew).
     *
     * @return bytes written to the socket, or -1 when the socket took nothing and there is still no room
     */
    private long overflowed(SocketChannel socket) throws IOException {
        updateSizes();
        if (netOut.position() == 0) {
            growNetOut();
            return 0;
        }
        long n = flushNetOut(socket);
        return n > 0 ? n : -1;
    }

    private void growNetOut() throws SSLException {
        if (netOut.capacity() >= NET_OUT_PACKETS * packetSize) {
            throw new SSLException("the TLS engine wants more than " + netOut.capacity() + " bytes for one record");
        }
        netOut = ByteBuffer.allocateDirect(NET_OUT_PACKETS * packetSize);
    }

    /**
     * Wraps the handshake records the engine wants to send and tries to write them at once.
     *
     * @return whether anything was wrapped (false: {@code netOut} is full and the socket takes nothing)
     */
    private boolean wrapHandshake(SocketChannel socket) throws IOException {
        boolean any = false;
        while (engine.getHandshakeStatus() == HandshakeStatus.NEED_WRAP) {
            if (netOut.remaining() < packetSize) {
                writtenOutsideWrite += flushNetOut(socket);
            }
            if (!wrapHandshakeRecord()) {
                break;
            }
            any = true;
        }
        writtenOutsideWrite += flushNetOut(socket);
        return any;
    }

    /** One wrap without application bytes; returns whether it produced a record. */
    private boolean wrapHandshakeRecord() throws IOException {
        if (netOut.remaining() < packetSize && netOut.position() > 0) {
            return false;
        }
        SSLEngineResult r = engine.wrap(empty, netOut);
        if (r.getHandshakeStatus() == HandshakeStatus.FINISHED) {
            noteHandshakeDone(HandshakeStatus.FINISHED);
        }
        if (r.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
            updateSizes();
            if (netOut.position() == 0) {
                growNetOut();
                return true; // retry with room
            }
            return false;
        }
        return r.bytesProduced() > 0 || r.getHandshakeStatus() == HandshakeStatus.NEED_TASK;
    }

    private long flushNetOut(SocketChannel socket) throws IOException {
        if (netOut.position() == 0) {
            return 0;
        }
        netOut.flip();
        try {
            return socket.write(netOut);
        } finally {
            netOut.compact();
        }
    }

    @Override
    public boolean hasPendingWrites() {
        if (netOut.position() > 0) {
            return true;
        }
        if (!started) {
            return engine.getUseClientMode(); // the client speaks first
        }
        return engine.getHandshakeStatus() == HandshakeStatus.NEED_WRAP
                || (closeRequested && !engine.isOutboundDone());
    }

    @Override
    public boolean canSendApplicationData() {
        return isHandshakeComplete();
    }

    @Override
    public boolean hasBufferedInput() {
        return bufferedInput;
    }

    // --- handshake bookkeeping

    private void start() throws SSLException {
        if (!started) {
            started = true;
            engine.beginHandshake();
        }
    }

    private void runTasks() {
        Runnable task;
        while ((task = engine.getDelegatedTask()) != null) {
            task.run(); // a failure is kept by the engine and thrown by the next wrap or unwrap
        }
    }

    private void noteHandshakeDone(HandshakeStatus hs) {
        // once begun, the engine reports NOT_HANDSHAKING only after the handshake is over, or after it failed
        if (!handshakeDone && started && (hs == HandshakeStatus.FINISHED
                || (hs == HandshakeStatus.NOT_HANDSHAKING && !engine.isOutboundDone() && !engine.isInboundDone()))) {
            handshakeDone = true;
            updateSizes();
        }
    }

    private void updateSizes() {
        SSLSession s = engine.getSession();
        packetSize = s.getPacketBufferSize();
        appSize = s.getApplicationBufferSize();
    }

    /** Puts the peer and the stage into the message; sends our alert, if the engine made one, on a best-effort basis. */
    private IOException describe(SocketChannel socket, IOException e) {
        if (e instanceof SSLException) {
            sendAlert(socket);
        }
        if (!handshakeDone) {
            SSLHandshakeException h = new SSLHandshakeException(
                    "TLS handshake with " + peer(socket) + " failed: " + e.getMessage());
            h.initCause(e);
            return h;
        }
        if (e instanceof SSLException) {
            return new SSLException("TLS error on the connection with " + peer(socket) + ": " + e.getMessage(), e);
        }
        return e;
    }

    private void sendAlert(SocketChannel socket) {
        try {
            engine.closeOutbound();
            if (netOut.remaining() >= packetSize || netOut.position() == 0) {
                engine.wrap(empty, netOut);
            }
            flushNetOut(socket);
        } catch (IOException | RuntimeException ignored) {
            // the connection is failing; the alert is a courtesy
        }
    }

    private String peer(SocketChannel socket) {
        if (engine.getPeerHost() != null) {
            return engine.getPeerPort() > 0 ? engine.getPeerHost() + ":" + engine.getPeerPort() : engine.getPeerHost();
        }
        try {
            Object remote = socket.getRemoteAddress();
            return remote != null ? remote.toString() : "an unconnected peer";
        } catch (IOException e) {
            return "a closed connection";
        }
    }
}
