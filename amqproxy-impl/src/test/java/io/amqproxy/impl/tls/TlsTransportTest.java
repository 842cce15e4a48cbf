package io.amqproxy.impl.tls;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSocket;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link TlsTransport} over real loopback sockets: a non-blocking {@link TlsPump} on one side and the JDK's
 * blocking {@code SSLSocket} on the other, so both ends of every record are an independent TLS stack.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TlsTransportTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final int MIB = 1024 * 1024;
    /** Write sizes cycled through: below, at and above a TLS record and an output chunk. */
    private static final int[] PIECES = {1, 3, 17, 100, 999, 5000, 16384, 16385, 40000, 65536, 70001, 200000};

    @TempDir
    static Path keys;
    private static TestCertificates.Identity localhost;
    private static SSLContext serverCtx;
    private static SSLContext clientCtx;

    @BeforeAll
    static void makeCertificate() throws Exception {
        localhost = TestCertificates.generate(keys, "localhost", "dns:localhost,ip:127.0.0.1");
        serverCtx = localhost.serverContext();
        clientCtx = TestCertificates.clientTrusting(localhost.certificate());
    }

    @AfterAll
    static void forget() {
        localhost = null;
    }

    private static byte[] payload(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static byte[] sha256(byte[] b) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(b);
    }

    /** Echoes everything until the client's close; keeps what it saw for the test to compare. */
    private static final class EchoHandler implements BlockingTlsServer.Handler {
        final ByteArrayOutputStream seen = new ByteArrayOutputStream();
        volatile List<SNIServerName> requestedNames;
        volatile String protocol;

        @Override
        public void serve(SSLSocket s) throws Exception {
            s.startHandshake();
            requestedNames = ((ExtendedSSLSession) s.getSession()).getRequestedServerNames();
            protocol = s.getSession().getProtocol();
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            byte[] buf = new byte[32 * 1024];
            int n;
            while ((n = in.read(buf)) >= 0) {
                synchronized (seen) {
                    seen.write(buf, 0, n);
                }
                out.write(buf, 0, n);
                out.flush();
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
    void megabyteRoundTripsByteExactThroughAnEchoServer(String protocol) throws Exception {
        EchoHandler echo = new EchoHandler();
        byte[] data = payload(MIB, 42);
        try (BlockingTlsServer server = new BlockingTlsServer(serverCtx, new String[]{protocol}, echo);
             TlsPump pump = TlsPump.connect(server.port(), TlsTransport.client(clientCtx, "localhost", server.port(), true))) {
            int queued = 0;
            int piece = 0;
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (pump.received.size() < data.length && !pump.eof && System.nanoTime() < deadline) {
                // many writes of mixed sizes, queued while earlier ones are still being encrypted and sent
                while (queued < data.length && pump.out.size() < 300_000) {
                    int n = Math.min(PIECES[piece++ % PIECES.length], data.length - queued);
                    pump.out.put(ByteBuffer.wrap(data), queued, n);
                    queued += n;
                }
                pump.step(20);
            }
            assertThat(server.failureSoFar()).isNull();
            assertThat(pump.received.size()).as("bytes echoed back").isEqualTo(data.length);
            assertThat(sha256(pump.received.toByteArray())).isEqualTo(sha256(data));
            synchronized (echo.seen) {
                assertThat(sha256(echo.seen.toByteArray())).as("what the server decrypted").isEqualTo(sha256(data));
            }
            assertThat(pump.tls.session().getProtocol()).isEqualTo(protocol);
            assertThat(echo.protocol).isEqualTo(protocol);
            assertThat(echo.requestedNames).extracting(n -> new String(n.getEncoded())).containsExactly("localhost");
            assertThat(pump.wireWritten).as("ciphertext counted, with record overhead").isGreaterThan(data.length);
            assertThat(pump.tls.hasPendingWrites()).isFalse();
        }
    }
    @Test
    void applicationBytesWaitUntilTheHandshakeIsComplete() throws Exception {
        EchoHandler echo = new EchoHandler();
        try (BlockingTlsServer server = new BlockingTlsServer(serverCtx, null, echo);
             TlsPump pump = TlsPump.connect(server.port(), TlsTransport.client(clientCtx, "localhost", server.port(), true))) {
            pump.out.put("AMQP\0\0\u0009\u0001".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            assertThat(pump.tls.hasPendingWrites()).as("a client speaks first").isTrue();

            long hello = pump.tls.write(pump.channel, pump.out, new ByteBuffer[8]);

            assertThat(hello).as("ClientHello bytes").isGreaterThan(0);
            assertThat(pump.out.size()).as("application bytes untouched").isEqualTo(8);
            assertThat(pump.tls.isHandshakeComplete()).isFalse();
            assertThat(pump.tls.hasPendingWrites()).as("now waiting for the server").isFalse();

            pump.until(WAIT, "the 8 bytes to come back", () -> pump.received.size() == 8);
            assertThat(pump.received.toByteArray()).isEqualTo("AMQP\0\0\u0009\u0001".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            assertThat(pump.out.isEmpty()).isTrue();
        }
    }

    @Test
    void serverModeRoundTripsAMegabyteWithABlockingClient() throws Exception {
        byte[] data = payload(MIB, 7);
        try (ServerSocketChannel listener = ServerSocketChannel.open()) {
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            int port = ((InetSocketAddress) listener.getLocalAddress()).getPort();
            // the blocking client writes from one thread and reads the echo on another, as SSLSocket allows
            CompletableFuture<byte[]> echoed = CompletableFuture.supplyAsync(() -> {
                try (SSLSocket s = (SSLSocket) clientCtx.getSocketFactory().createSocket("127.0.0.1", port)) {
                    s.setSoTimeout(20_000);
                    s.startHandshake();
                    Thread writer = new Thread(() -> {
                        try {
                            OutputStream o = s.getOutputStream();
                            for (int off = 0, i = 0; off < data.length; i++) {
                                int n = Math.min(PIECES[i % PIECES.length], data.length - off);
                                o.write(data, off, n);
                                off += n;
                            }
                            o.flush();
                        } catch (Exception e) {
                            throw new RuntimeException(e);
                        }
                    }, "tls-test-client-writer");
                    writer.setDaemon(true);
                    writer.start();
                    byte[] got = s.getInputStream().readNBytes(data.length);
                    writer.join(20_000);
                    return got;
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            SocketChannel accepted = listener.accept();
            SSLEngine engine = serverCtx.createSSLEngine();
            engine.setUseClientMode(false);
            try (TlsPump pump = new TlsPump(accepted, new TlsTransport(engine))) {
                assertThat(pump.tls.hasPendingWrites()).as("a server waits for the ClientHello").isFalse();
                int[] forwarded = {0};
                pump.until(WAIT, "the whole megabyte echoed", () -> {
                    byte[] all = pump.received.toByteArray();
                    if (all.length > forwarded[0] && pump.out.size() < 1_000_000) {
                        pump.out.put(ByteBuffer.wrap(all), forwarded[0], all.length - forwarded[0]);
                        forwarded[0] = all.length;
                    }
                    return echoed.isDone() || pump.eof;
                });
                assertThat(sha256(echoed.get(5, TimeUnit.SECONDS))).isEqualTo(sha256(data));
                assertThat(pump.tls.isHandshakeComplete()).isTrue();
            }
        }
    }

    @Test
    void readIntoADestinationWithLittleRoomKeepsTheRestForTheNextRead() throws Exception {
        byte[] data = payload(3 * 16384 + 1000, 3);
        CountDownLatch go = new CountDownLatch(1);
        CountDownLatch written = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(1);
        BlockingTlsServer.Handler sender = s -> {
            s.startHandshake();
            assertThat(go.await(20, TimeUnit.SECONDS)).isTrue(); // not before the pump below stops reading
            s.getOutputStream().write(data);
            s.getOutputStream().flush();
            written.countDown();
            done.await(20, TimeUnit.SECONDS);
        };
        try (BlockingTlsServer server = new BlockingTlsServer(serverCtx, null, sender);
             TlsPump pump = TlsPump.connect(server.port(), TlsTransport.client(clientCtx, "localhost", server.port(), true))) {
            pump.until(WAIT, "the handshake", pump.tls::isHandshakeComplete);
            assertThat(pump.received.size()).isZero();
            go.countDown();
            assertThat(written.await(20, TimeUnit.SECONDS)).isTrue();
            // loopback: once the server's write returned, every record is in our socket's receive queue
            int appSize = pump.tls.session().getApplicationBufferSize();
            ByteBuffer small = ByteBuffer.allocate(appSize + 10);
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            assertThat(pump.awaitReadable(WAIT)).isTrue();

            int first = pump.tls.read(pump.channel, small);

            assertThat(first).as("one record's worth").isBetween(1, appSize);
            assertThat(pump.tls.hasBufferedInput()).as("the next records wait in net-in").isTrue();
            ByteBuffer full = ByteBuffer.allocate(16);
            full.position(full.limit());
            assertThat(pump.tls.read(pump.channel, full)).as("no room, nothing lost").isZero();
            assertThat(pump.tls.hasBufferedInput()).isTrue();

            got.write(small.array(), 0, small.position());
            int reads = 1;
            int bufferedReads = 0;
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (got.size() < data.length && System.nanoTime() < deadline) {
                boolean buffered = pump.tls.hasBufferedInput();
                if (!buffered) {
                    pump.awaitReadable(Duration.ofMillis(100));
                }
                small.clear();
                int n = pump.tls.read(pump.channel, small);
                assertThat(n).as("never more than the room for one record").isLessThanOrEqualTo(appSize + 10);
                if (buffered) {
                    assertThat(n).as("a read after buffered input returns it without the selector").isPositive();
                    bufferedReads++;
                }
                if (n > 0) {
                    got.write(small.array(), 0, n);
                    reads++;
                }
            }
            done.countDown();
            assertThat(got.toByteArray()).isEqualTo(data);
            assertThat(reads).as("a read per record").isGreaterThanOrEqualTo(4);
            assertThat(bufferedReads).isPositive();
        }
    }

    @Test
    void closeNotifyFromThePeerEndsTheStreamAfterItsData() throws Exception {
        BlockingTlsServer.Handler byeAndClose = s -> {
            s.getOutputStream().write("bye".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            s.close(); // sends close_notify
        };
        try (BlockingTlsServer server = new BlockingTlsServer(serverCtx, null, byeAndClose);
             TlsPump pump = TlsPump.connect(server.port(), TlsTransport.client(clientCtx, "localhost", server.port(), true))) {
            pump.until(WAIT, "end of stream", () -> pump.eof);
            assertThat(pump.received.toString(java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("bye");
            assertThat(pump.tls.read(pump.channel, ByteBuffer.allocate(64 * 1024))).isEqualTo(-1);
        }
    }

    @Test
    void closeOutboundSendsCloseNotifyAfterEverythingQueued() throws Exception {
        byte[] data = payload(200_000, 9);
        CompletableFuture<byte[]> serverGot = new CompletableFuture<>();
        BlockingTlsServer.Handler drain = s -> serverGot.complete(s.getInputStream().readAllBytes()); // until close_notify
        try (BlockingTlsServer server = new BlockingTlsServer(serverCtx, null, drain);
             TlsPump pump = TlsPump.connect(server.port(), TlsTransport.client(clientCtx, "localhost", server.port(), true))) {
            pump.out.put(data);
            pump.tls.closeOutbound();
            assertThat(pump.tls.hasPendingWrites()).isTrue();

            pump.until(WAIT, "everything written, close_notify included",
                    () -> pump.out.isEmpty() && !pump.tls.hasPendingWrites());

            assertThat(serverGot.get(20, TimeUnit.SECONDS)).isEqualTo(data);
            assertThat(pump.channel.isOpen()).as("the socket itself is the endpoint's to close").isTrue();
        }
    }

    @Test
    void keyUpdateFromThePeerIsAnsweredWhileTheSocketIsFull() throws Exception {
        CountDownLatch clientFull = new CountDownLatch(1);
        CountDownLatch pinged = new CountDownLatch(1);
        CountDownLatch clientGotPing = new CountDownLatch(1);
        java.util.concurrent.atomic.AtomicLong queued = new java.util.concurrent.atomic.AtomicLong();
        CompletableFuture<byte[]> serverDigest = new CompletableFuture<>();
        BlockingTlsServer.Handler slowReader = s -> {
            s.startHandshake();
            assertThat(clientFull.await(20, TimeUnit.SECONDS)).isTrue();
            s.startHandshake(); // on an established TLS 1.3 session: a KeyUpdate that requests one back
            s.getOutputStream().write("ping".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            pinged.countDown();
            clientGotPing.await(20, TimeUnit.SECONDS);
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[64 * 1024];
            long left = queued.get();
            InputStream in = s.getInputStream();
            while (left > 0) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                if (n < 0) {
                    break;
                }
                sha.update(buf, 0, n);
                left -= n;
            }
            serverDigest.complete(sha.digest());
        };
        // fixed socket buffers: with autotuning the kernel would let a few more bytes through now and then
        try (BlockingTlsServer server = new BlockingTlsServer(serverCtx, new String[]{"TLSv1.3"}, 32 * 1024, slowReader);
             TlsPump pump = TlsPump.connect(server.port(), 32 * 1024,
                     TlsTransport.client(clientCtx, "localhost", server.port(), true))) {
            pump.until(WAIT, "the handshake", pump.tls::isHandshakeComplete);
            MessageDigest sent = MessageDigest.getInstance("SHA-256");
            byte[] block = payload(64 * 1024, 11);
            long deadline = System.nanoTime() + WAIT.toNanos();
            int stalls = 0;
            while (stalls < 10 && System.nanoTime() < deadline) { // the server does not read: fill every buffer
                while (pump.out.size() < 1_000_000) {
                    pump.out.put(block);
                    sent.update(block);
                    queued.addAndGet(block.length);
                }
                long before = pump.wireWritten;
                pump.step(10);
                stalls = pump.wireWritten == before && pump.tls.hasPendingWrites() ? stalls + 1 : 0;
            }
            assertThat(stalls).as("the socket filled up").isEqualTo(10);
            clientFull.countDown();
            assertThat(pinged.await(20, TimeUnit.SECONDS)).isTrue();
            long wireBefore = pump.wireWritten;

            pump.until(Duration.ofSeconds(5), "the ping behind the KeyUpdate", () -> pump.received.size() >= 4);

            assertThat(pump.received.toString(java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("ping");
            assertThat(pump.wireWritten).as("the socket stayed full all along").isEqualTo(wireBefore);
            clientGotPing.countDown();
            pump.until(WAIT, "everything written", () -> pump.out.isEmpty() && !pump.tls.hasPendingWrites());
            assertThat(serverDigest.get(20, TimeUnit.SECONDS)).as("all bytes, across the key change").isEqualTo(sent.digest());
        }
    }

    @Test
    void sniCarriesDnsNamesOnly() {
        assertThat(TlsEngines.sniName("broker.example").getAsciiName()).isEqualTo("broker.example");
        assertThat(TlsEngines.sniName("broker.example.").getAsciiName()).isEqualTo("broker.example");
        assertThat(TlsEngines.sniName("localhost").getAsciiName()).isEqualTo("localhost");
        assertThat(TlsEngines.sniName("127.0.0.1")).isNull();
        assertThat(TlsEngines.sniName("::1")).isNull();
        assertThat(TlsEngines.sniName("[fe80::1]")).isNull();
        assertThat(TlsEngines.sniName("10.0.0.1.example")).isNotNull();
        assertThat(TlsEngines.sniName("1234.1.1.1")).isNotNull(); // not an address: five digits
    }
}
