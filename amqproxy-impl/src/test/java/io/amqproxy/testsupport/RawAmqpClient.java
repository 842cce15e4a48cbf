package io.amqproxy.testsupport;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A deliberately small AMQP 0-9-1 client on a plain {@link Socket}, for tests where the bytes on the wire
 * must be exact: wrong headers, broken frames, a client that never reads or never answers heartbeats.
 *
 * <p>One thread reads; writes may come from another. Every read is bounded by a timeout. A read that times
 * out in the middle of a frame leaves the stream unusable, so use timeouts only where frames arrive whole.
 */
public final class RawAmqpClient implements AutoCloseable {

    /** One frame as read from the wire. {@link #size()} is the size on the wire, payload plus 8. */
    public record Frame(int type, int channel, byte[] payload) {
        public int size() {
            return payload.length + Frames.OVERHEAD;
        }

        public boolean isMethod(int classId, int methodId) {
            return type == Frames.METHOD && classId() == classId && methodId() == methodId;
        }

        public int classId() {
            requireMethod();
            return ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF);
        }

        public int methodId() {
            requireMethod();
            return ((payload[2] & 0xFF) << 8) | (payload[3] & 0xFF);
        }

        /** A reader positioned after the class and method ids. */
        public Frames.Reader args() {
            requireMethod();
            return new Frames.Reader(payload, 4);
        }

        private void requireMethod() {
            if (type != Frames.METHOD) {
                throw new IllegalStateException("not a method frame: " + this);
            }
        }

        @Override
        public String toString() {
            String what = type == Frames.METHOD && payload.length >= 4 ? " method " + classId() + "." + methodId() : "";
            return "Frame[type=" + type + ", channel=" + channel + ", size=" + payload.length + what + "]";
        }
    }

    /** What the server put in Connection.Tune. */
    public record Tune(int channelMax, long frameMax, int heartbeat) {
    }

    /** A Connection.Close or Channel.Close. */
    public record Close(int replyCode, String replyText, int classId, int methodId) {
    }

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private Map<String, Object> serverProperties;
    private Tune serverTune;

    private RawAmqpClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    /** Connects to 127.0.0.1 at the given port. */
    public static RawAmqpClient connect(int port) throws IOException {
        return connect(port, 0);
    }

    /**
     * Connects with the given socket receive buffer (0 keeps the default). A small one, set before connecting,
     * makes a client that does not read fill up quickly.
     */
    public static RawAmqpClient connect(int port, int receiveBufferBytes) throws IOException {
        Socket s = new Socket();
        if (receiveBufferBytes > 0) {
            s.setReceiveBufferSize(receiveBufferBytes);
        }
        s.setTcpNoDelay(true);
        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        s.setSoTimeout(10_000);
        return new RawAmqpClient(s);
    }

    /**
     * Wraps an accepted socket, so that a scripted fake broker can read and write frames with the same code.
     * The caller owns the socket's timeouts.
     */
    public static RawAmqpClient wrap(Socket accepted) throws IOException {
        return new RawAmqpClient(accepted);
    }

    public Socket socket() {
        return socket;
    }

    public Map<String, Object> serverProperties() {
        return serverProperties;
    }

    public Tune serverTune() {
        return serverTune;
    }

    // ---- writing

    public void sendProtocolHeader() throws IOException {
        send(Frames.PROTOCOL_HEADER);
    }

    /** Writes the bytes at once; safe to call from a second thread (e.g. a heartbeat sender) while one reads. */
    public synchronized void send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    public void sendFrame(int type, int channel, byte[] payload) throws IOException {
        send(Frames.frame(type, channel, payload));
    }

    public void sendMethod(int channel, int classId, int methodId, Frames.Writer args) throws IOException {
        send(Frames.method(channel, classId, methodId, args.bytes()));
    }

    public void sendHeartbeat() throws IOException {
        send(Frames.heartbeat());
    }

    // ---- reading

    /**
     * Reads one frame, waiting at most {@code timeout}.
     *
     * @throws SocketTimeoutException if nothing complete arrives in time
     * @throws EOFException           if the peer closed the socket
     */
    public Frame readFrame(Duration timeout) throws IOException {
        socket.setSoTimeout((int) Math.max(1, timeout.toMillis()));
        int type = in.readUnsignedByte();
        int channel = in.readUnsignedShort();
        int size = in.readInt();
        if (size < 0 || size > 64 * 1024 * 1024) {
            throw new IOException("implausible frame size " + (size & 0xFFFFFFFFL) + " (type " + type + ")");
        }
        byte[] payload = new byte[size];
        in.readFully(payload);
        int end = in.readUnsignedByte();
        if (end != Frames.FRAME_END) {
            throw new IOException("bad frame end byte 0x" + Integer.toHexString(end) + " after frame type " + type);
        }
        return new Frame(type, channel, payload);
    }

    /** Reads frames until one that is not a heartbeat, within the overall timeout. */
    public Frame readNonHeartbeat(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Frame f = readFrame(remaining(deadline));
            if (f.type() != Frames.HEARTBEAT) {
                return f;
            }
        }
    }

    /** Reads the next non-heartbeat frame and fails unless it is the given method on the given channel. */
    public Frame expectMethod(int channel, int classId, int methodId, Duration timeout) throws IOException {
        Frame f = readNonHeartbeat(timeout);
        if (f.channel() != channel || !f.isMethod(classId, methodId)) {
            String detail = f.type() == Frames.METHOD && f.classId() == Frames.CONNECTION && f.methodId() == 50
                    ? " (Connection.Close " + parseClose(f) + ")" : "";
            throw new AssertionError("expected method " + classId + "." + methodId + " on channel " + channel
                    + " but got " + f + detail);
        }
        return f;
    }

    /**
     * Reads and skips frames until Connection.Close arrives on channel 0 and returns its fields.
     *
     * @throws AssertionError if the socket closes or the timeout passes first
     */
    public Close expectConnectionClose(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Frame f;
            try {
                f = readFrame(remaining(deadline));
            } catch (SocketTimeoutException e) {
                throw new AssertionError("no Connection.Close within " + timeout);
            } catch (EOFException | SocketException e) {
                throw new AssertionError("socket closed without Connection.Close: " + e);
            }
            if (f.channel() == 0 && f.isMethod(Frames.CONNECTION, 50)) {
                return parseClose(f);
            }
        }
    }

    public static Close parseClose(Frame f) {
        Frames.Reader r = f.args();
        return new Close(r.shortInt(), r.shortstr(), r.shortInt(), r.shortInt());
    }

    /** Answers a Connection.Close. */
    public void sendConnectionCloseOk() throws IOException {
        sendMethod(0, Frames.CONNECTION, 51, Frames.args());
    }

    /**
     * Reads and discards everything until the peer closes the socket (EOF or reset).
     *
     * @return true if it closed within the timeout, false if it was still open
     */
    public boolean awaitClosed(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        byte[] buf = new byte[65536];
        while (true) {
            Duration left = remaining(deadline);
            if (left.isZero()) {
                return false;
            }
            socket.setSoTimeout((int) Math.max(1, left.toMillis()));
            try {
                if (in.read(buf) < 0) {
                    return true;
                }
            } catch (SocketTimeoutException e) {
                return false;
            } catch (SocketException e) {
                return true; // connection reset
            }
        }
    }

    /**
     * Reads raw bytes until the peer closes the socket or the timeout passes, and returns all of them.
     * A reset after some bytes counts as a close.
     */
    public byte[] readAllUntilClosed(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        while (true) {
            Duration left = remaining(deadline);
            if (left.isZero()) {
                throw new AssertionError("socket still open after " + timeout + ", read so far: " + got.size() + " bytes");
            }
            socket.setSoTimeout((int) Math.max(1, left.toMillis()));
            int n;
            try {
                n = in.read(buf);
            } catch (SocketTimeoutException e) {
                continue;
            } catch (SocketException e) {
                return got.toByteArray();
            }
            if (n < 0) {
                return got.toByteArray();
            }
            got.write(buf, 0, n);
        }
    }

    // ---- the handshake

    /** The whole client side of the handshake with PLAIN guest/guest on vhost "/". */
    public Tune handshake(int frameMax, int heartbeatSeconds) throws IOException {
        return handshake("guest", "guest", "/", frameMax, heartbeatSeconds, true);
    }

    /**
     * Sends the protocol header and walks through Start, StartOk (PLAIN), Tune, TuneOk and Open up to OpenOk.
     *
     * @param frameMax          what to put in TuneOk; 0 accepts the server's offer
     * @param heartbeatSeconds  what to put in TuneOk
     * @param announceBlocked   whether the client properties announce the connection.blocked capability
     * @return what the server offered in Tune
     */
    public Tune handshake(String user, String password, String vhost, int frameMax, int heartbeatSeconds,
                          boolean announceBlocked) throws IOException {
        Duration step = Duration.ofSeconds(10);
        sendProtocolHeader();
        Frame start = expectMethod(0, Frames.CONNECTION, 10, step);
        Frames.Reader r = start.args();
        r.octet();
        r.octet();
        serverProperties = r.table();
        String mechanisms = r.longstr();
        if (!mechanisms.contains("PLAIN")) {
            throw new AssertionError("server offers no PLAIN: " + mechanisms);
        }

        Map<String, Object> capabilities = new LinkedHashMap<>();
        capabilities.put("publisher_confirms", true);
        capabilities.put("consumer_cancel_notify", true);
        capabilities.put("basic.nack", true);
        if (announceBlocked) {
            capabilities.put("connection.blocked", true);
        }
        Map<String, Object> clientProperties = new LinkedHashMap<>();
        clientProperties.put("product", "RawAmqpClient");
        clientProperties.put("connection_name", "amqproxy raw test client");
        clientProperties.put("capabilities", capabilities);
        byte[] response = ("\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8);
        sendMethod(0, Frames.CONNECTION, 11,
                Frames.args().table(clientProperties).shortstr("PLAIN").longstr(response).shortstr("en_US"));

        Frame tune = expectMethod(0, Frames.CONNECTION, 30, step);
        Frames.Reader t = tune.args();
        serverTune = new Tune(t.shortInt(), t.longInt(), t.shortInt());
        long fm = frameMax == 0 ? serverTune.frameMax() : frameMax;
        sendMethod(0, Frames.CONNECTION, 31,
                Frames.args().shortInt(serverTune.channelMax()).longInt(fm).shortInt(heartbeatSeconds));
        sendMethod(0, Frames.CONNECTION, 40, Frames.args().shortstr(vhost).shortstr("").bit(false));
        expectMethod(0, Frames.CONNECTION, 41, step);
        return serverTune;
    }

    // ---- a few channel methods

    public void openChannel(int channel) throws IOException {
        sendMethod(channel, Frames.CHANNEL, 10, Frames.args().shortstr(""));
        expectMethod(channel, Frames.CHANNEL, 11, Duration.ofSeconds(10));
    }

    /** Sends Basic.Consume and waits for ConsumeOk; returns the consumer tag. */
    public String consume(int channel, String queue, boolean noAck) throws IOException {
        sendMethod(channel, Frames.BASIC, 20, Frames.args().shortInt(0).shortstr(queue).shortstr("")
                .bit(false).bit(noAck).bit(false).bit(false).table(Map.of()));
        return expectMethod(channel, Frames.BASIC, 21, Duration.ofSeconds(10)).args().shortstr();
    }

    /** Sends Basic.Get; the caller reads GetOk or GetEmpty and the content. */
    public void sendGet(int channel, String queue, boolean noAck) throws IOException {
        sendMethod(channel, Frames.BASIC, 70, Frames.args().shortInt(0).shortstr(queue).bit(noAck));
    }

    /** The frames of a Basic.Publish to the default exchange, body in frames of at most {@code maxBodyFrame}. */
    public static byte[] publishFrames(int channel, String routingKey, byte[] body, int maxBodyFrame) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.writeBytes(Frames.method(channel, Frames.BASIC, 40,
                Frames.args().shortInt(0).shortstr("").shortstr(routingKey).bit(false).bit(false).bytes()));
        o.writeBytes(Frames.contentHeader(channel, body.length));
        for (int off = 0; off < body.length; off += maxBodyFrame) {
            int n = Math.min(maxBodyFrame, body.length - off);
            byte[] part = new byte[n];
            System.arraycopy(body, off, part, 0, n);
            o.writeBytes(Frames.frame(Frames.BODY, channel, part));
        }
        return o.toByteArray();
    }

    /** Whether the socket is closed on our side. */
    public boolean isClosed() {
        return socket.isClosed();
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing a test socket
        }
    }

    private static Duration remaining(long deadlineNanos) {
        long left = deadlineNanos - System.nanoTime();
        return left <= 0 ? Duration.ZERO : Duration.ofNanos(left);
    }
}
