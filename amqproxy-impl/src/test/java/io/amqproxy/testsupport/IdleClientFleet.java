package io.amqproxy.testsupport;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Many idle AMQP clients in a child JVM: each is one non-blocking {@link SocketChannel} that logs in with PLAIN
 * guest/guest on vhost "/", turns heartbeats off, opens channel 1 and then sits still.
 *
 * <p>The clients live in their own process so that the test JVM holds only the proxy's side of each connection:
 * its open-files limit then has to cover one socket per client instead of two, and its heap shows the proxy's
 * cost per client without the clients' buffers in it.
 *
 * <p>The child speaks one line at a time on its standard output: {@code READY opened failed unfinished firstError} once
 * every client has its Channel.OpenOk (or failed, or the handshake deadline passed), and {@code CLOSED} after
 * the parent writes {@code CLOSE} (or closes the pipe), when every socket is closed and the child exits.
 */
public final class IdleClientFleet implements AutoCloseable {

    /** What the child reported once the handshakes were over. */
    public record Ready(int opened, int failed, int unfinished, String firstError) {
    }

    private final Process process;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

    private IdleClientFleet(Process process) {
        this.process = process;
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    lines.add(line);
                }
            } catch (IOException ignored) {
                // the child is gone
            }
            lines.add("EOF");
        }, "idle-client-fleet-stdout");
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Starts a child JVM that opens {@code clients} connections to 127.0.0.1:{@code port}, with at most
     * {@code inFlight} handshakes under way at once (the proxy's accept backlog is finite).
     */
    public static IdleClientFleet start(int port, int clients, int inFlight) {
        String java = ProcessHandle.current().info().command().orElse("java");
        String classes;
        try {
            classes = Path.of(IdleClientFleet.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx256m", "-XX:+UseSerialGC", "-cp", classes,
                IdleClientFleet.class.getName(), Integer.toString(port), Integer.toString(clients),
                Integer.toString(inFlight));
        pb.redirectError(ProcessBuilder.Redirect.INHERIT);
        try {
            return new IdleClientFleet(pb.start());
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the client JVM: " + e.getMessage(), e);
        }
    }

    /** Waits for the child's READY line; fails with what the child said otherwise. */
    public Ready awaitReady(Duration timeout) {
        String line = awaitLine(timeout, "READY");
        String[] parts = line.split(" ", 5);
        return new Ready(Integer.parseInt(parts[1]), Integer.parseInt(parts[2]), Integer.parseInt(parts[3]),
                parts.length > 4 ? parts[4] : "");
    }

    /** Asks the child to close every socket and waits until it has and has exited. */
    public void closeAll(Duration timeout) {
        try {
            OutputStream in = process.getOutputStream();
            in.write("CLOSE\n".getBytes(StandardCharsets.US_ASCII));
            in.flush();
        } catch (IOException e) {
            throw new AssertionError("the client JVM is gone: " + e.getMessage(), e);
        }
        awaitLine(timeout, "CLOSED");
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("the client JVM did not exit within " + timeout);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private String awaitLine(Duration timeout, String prefix) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<String> seen = new ArrayList<>();
        try {
            while (true) {
                String line = lines.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (line == null || line.equals("EOF")) {
                    throw new AssertionError("the client JVM did not say " + prefix + " within " + timeout
                            + (line == null ? "" : " (it exited with " + exitValueOrRunning() + ")") + "; it said " + seen);
                }
                if (line.startsWith(prefix)) {
                    return line;
                }
                seen.add(line);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private String exitValueOrRunning() {
        try {
            return Integer.toString(process.waitFor(2, TimeUnit.SECONDS) ? process.exitValue() : -1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "?";
        }
    }

    /** Kills the child if it is still there: its sockets go with it. */
    @Override
    public void close() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- the child

    private static final Duration HANDSHAKE_DEADLINE = Duration.ofSeconds(60);
    private static final int READ_BUFFER = 4096;

    /** One client's progress through the handshake. */
    private enum Step { CONNECTING, START, TUNE, OPEN_OK, CHANNEL_OPEN_OK, IDLE, FAILED }

    /** A client connection; owned by the child's single selector thread. */
    private static final class Client {
        final SocketChannel socket;
        Step step = Step.CONNECTING;
        ByteBuffer in = ByteBuffer.allocate(READ_BUFFER);
        ByteBuffer out;

        Client(SocketChannel socket) {
            this.socket = socket;
        }
    }

    /** Entry point of the child JVM: {@code port clients inFlight}. */
    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        int total = Integer.parseInt(args[1]);
        int inFlight = Integer.parseInt(args[2]);
        PrintStream stdout = System.out;
        List<Client> clients = new ArrayList<>(total);
        String[] firstError = {""};
        int opened = 0;
        int failed = 0;
        int active = 0;
        try (Selector selector = Selector.open()) {
            long deadline = System.nanoTime() + HANDSHAKE_DEADLINE.toNanos();
            InetSocketAddress target = new InetSocketAddress("127.0.0.1", port);
            while (opened + failed < total && System.nanoTime() < deadline) {
                while (active < inFlight && clients.size() < total) {
                    SocketChannel ch = SocketChannel.open();
                    ch.configureBlocking(false);
                    Client c = new Client(ch);
                    clients.add(c);
                    active++;
                    ch.connect(target);
                    ch.register(selector, SelectionKey.OP_CONNECT, c);
                }
                selector.select(100);
                for (SelectionKey key : selector.selectedKeys()) {
                    Client c = (Client) key.attachment();
                    Step before = c.step;
                    try {
                        advance(c, key);
                    } catch (IOException | RuntimeException e) {
                        fail(c, key, e.toString(), firstError);
                    }
                    if (before != c.step && (c.step == Step.IDLE || c.step == Step.FAILED)) {
                        active--;
                        if (c.step == Step.IDLE) {
                            opened++;
                        } else {
                            failed++;
                        }
                    }
                }
                selector.selectedKeys().clear();
            }
            int unfinished = total - opened - failed; // still in the handshake at the deadline
            stdout.println("READY " + opened + " " + failed + " " + unfinished + " " + firstError[0]);
            stdout.flush();

            BufferedReader parent = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line;
            while ((line = parent.readLine()) != null && !line.equals("CLOSE")) {
                // wait for the word
            }
            for (Client c : clients) {
                try {
                    c.socket.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
        }
        stdout.println("CLOSED");
        stdout.flush();
        System.exit(0);
    }

    private static void fail(Client c, SelectionKey key, String why, String[] firstError) {
        if (firstError[0].isEmpty()) {
            firstError[0] = why.replace('\n', ' ');
        }
        c.step = Step.FAILED;
        key.cancel();
        try {
            c.socket.close();
        } catch (IOException ignored) {
            // failed anyway
        }
    }

    private static void advance(Client c, SelectionKey key) throws IOException {
        if (key.isConnectable()) {
            c.socket.finishConnect();
            send(c, key, ByteBuffer.wrap(Frames.PROTOCOL_HEADER));
            c.step = Step.START;
            return;
        }
        if (key.isWritable() && c.out != null) {
            flush(c, key);
        }
        if (!key.isValid() || !key.isReadable()) {
            return;
        }
        if (c.socket.read(c.in) < 0) {
            throw new IOException("closed by the proxy during " + c.step);
        }
        while (c.step != Step.IDLE) {
            RawAmqpClient.Frame f = nextFrame(c.in);
            if (f == null) {
                return;
            }
            if (f.type() != Frames.METHOD) {
                continue; // a heartbeat before TuneOk switches them off
            }
            if (f.isMethod(Frames.CONNECTION, 50)) {
                throw new IOException("Connection.Close " + RawAmqpClient.parseClose(f) + " during " + c.step);
            }
            switch (c.step) {
                case START -> {
                    expect(f, Frames.CONNECTION, 10, c);
                    byte[] response = "\0guest\0guest".getBytes(StandardCharsets.UTF_8);
                    send(c, key, ByteBuffer.wrap(Frames.method(0, Frames.CONNECTION, 11,
                            Frames.args().table(Map.of()).shortstr("PLAIN").longstr(response).shortstr("en_US").bytes())));
                    c.step = Step.TUNE;
                }
                case TUNE -> {
                    expect(f, Frames.CONNECTION, 30, c);
                    Frames.Reader r = f.args();
                    int channelMax = r.shortInt();
                    long frameMax = r.longInt();
                    send(c, key, ByteBuffer.wrap(Frames.concat(
                            Frames.method(0, Frames.CONNECTION, 31,
                                    Frames.args().shortInt(channelMax).longInt(frameMax).shortInt(0).bytes()),
                            Frames.method(0, Frames.CONNECTION, 40, Frames.args().shortstr("/").shortstr("").bit(false).bytes()),
                            Frames.method(1, Frames.CHANNEL, 10, Frames.args().shortstr("").bytes()))));
                    c.step = Step.OPEN_OK;
                }
                case OPEN_OK -> {
                    expect(f, Frames.CONNECTION, 41, c);
                    c.step = Step.CHANNEL_OPEN_OK;
                }
                case CHANNEL_OPEN_OK -> {
                    expect(f, Frames.CHANNEL, 11, c);
                    c.step = Step.IDLE;
                    c.in = null; // an idle client keeps nothing but its socket
                    key.interestOps(0);
                }
                default -> throw new IllegalStateException("unexpected " + f + " in " + c.step);
            }
        }
    }

    private static void expect(RawAmqpClient.Frame f, int classId, int methodId, Client c) throws IOException {
        if (!f.isMethod(classId, methodId)) {
            throw new IOException("expected " + classId + "." + methodId + " during " + c.step + " but got " + f);
        }
    }

    /** The next whole frame in {@code in} (in write mode before and after), or null when it is not all there. */
    private static RawAmqpClient.Frame nextFrame(ByteBuffer in) throws IOException {
        in.flip();
        try {
            if (in.remaining() < 7) {
                return null;
            }
            int size = in.getInt(in.position() + 3);
            if (size < 0 || size + Frames.OVERHEAD > in.capacity()) {
                throw new IOException("frame of " + size + " bytes does not fit the handshake buffer");
            }
            if (in.remaining() < size + Frames.OVERHEAD) {
                return null;
            }
            int type = in.get() & 0xFF;
            int channel = in.getShort() & 0xFFFF;
            in.getInt();
            byte[] payload = new byte[size];
            in.get(payload);
            int end = in.get() & 0xFF;
            if (end != Frames.FRAME_END) {
                throw new IOException("bad frame end 0x" + Integer.toHexString(end));
            }
            return new RawAmqpClient.Frame(type, channel, payload);
        } finally {
            in.compact();
        }
    }

    private static void send(Client c, SelectionKey key, ByteBuffer bytes) throws IOException {
        if (c.out != null) {
            throw new IllegalStateException("a handshake step was sent before the previous one was written");
        }
        c.out = bytes;
        flush(c, key);
    }

    private static void flush(Client c, SelectionKey key) throws IOException {
        c.socket.write(c.out);
        if (c.out.hasRemaining()) {
            key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
        } else {
            c.out = null;
            key.interestOps(SelectionKey.OP_READ);
        }
    }
}
