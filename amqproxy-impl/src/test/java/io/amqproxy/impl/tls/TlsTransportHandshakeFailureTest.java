package io.amqproxy.impl.tls;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A TLS handshake that cannot succeed ends promptly in an {@link SSLHandshakeException} that names the peer
 * and the reason, never in a hang. Each case has a twin that succeeds, so the failure is the one intended.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TlsTransportHandshakeFailureTest {

    /** Far longer than any of these failures takes; reaching it means the transport hung. */
    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    static Path keys;
    private static TestCertificates.Identity localhost;
    private static TestCertificates.Identity wrongName;

    @BeforeAll
    static void makeCertificates() throws Exception {
        localhost = TestCertificates.generate(keys, "localhost", "dns:localhost,ip:127.0.0.1");
        wrongName = TestCertificates.generate(keys, "wrong", "dns:wrong.example");
    }

    private static final BlockingTlsServer.Handler HANDSHAKE_ONLY = s -> s.startHandshake();

    /** Runs the handshake from the non-blocking side; returns normally only if it completes. */
    private static void handshake(SSLContext clientCtx, String host, int port, boolean verifyHostname) throws Exception {
        try (TlsPump pump = TlsPump.connect(port, TlsTransport.client(clientCtx, host, port, verifyHostname))) {
            pump.until(WAIT, "the handshake to end", pump.tls::isHandshakeComplete);
        }
    }

    @Test
    void certificateForAnotherNameIsRefusedWhenConnectingByName() throws Exception {
        try (BlockingTlsServer server = new BlockingTlsServer(wrongName.serverContext(), null, HANDSHAKE_ONLY)) {
            SSLContext trustsIt = TestCertificates.clientTrusting(wrongName.certificate());
            assertThatThrownBy(() -> handshake(trustsIt, "localhost", server.port(), true))
                    .isInstanceOf(SSLHandshakeException.class)
                    .hasMessageStartingWith("TLS handshake with localhost:" + server.port() + " failed: ")
                    .hasMessageContaining("No subject alternative DNS name matching localhost found");
        }
    }

    @Test
    void certificateWithoutTheAddressIsRefusedWhenConnectingByIp() throws Exception {
        try (BlockingTlsServer server = new BlockingTlsServer(wrongName.serverContext(), null, HANDSHAKE_ONLY)) {
            SSLContext trustsIt = TestCertificates.clientTrusting(wrongName.certificate());
            assertThatThrownBy(() -> handshake(trustsIt, "127.0.0.1", server.port(), true))
                    .isInstanceOf(SSLHandshakeException.class)
                    .hasMessage("TLS handshake with 127.0.0.1:" + server.port()
                            + " failed: No subject alternative names matching IP address 127.0.0.1 found");
        }
    }

    @Test
    void certificateForAnotherNameIsAcceptedWithoutHostnameVerification() throws Exception {
        try (BlockingTlsServer server = new BlockingTlsServer(wrongName.serverContext(), null, HANDSHAKE_ONLY)) {
            handshake(TestCertificates.clientTrusting(wrongName.certificate()), "localhost", server.port(), false);
            server.awaitServed();
        }
    }

    @Test
    void matchingCertificateIsAcceptedByNameAndByIp() throws Exception {
        SSLContext trustsIt = TestCertificates.clientTrusting(localhost.certificate());
        try (BlockingTlsServer server = new BlockingTlsServer(localhost.serverContext(), null, HANDSHAKE_ONLY)) {
            handshake(trustsIt, "localhost", server.port(), true);
            handshake(trustsIt, "127.0.0.1", server.port(), true);
        }
    }

    @Test
    void untrustedCertificateIsRefused() throws Exception {
        try (BlockingTlsServer server = new BlockingTlsServer(localhost.serverContext(), null, HANDSHAKE_ONLY)) {
            SSLContext trustsOther = TestCertificates.clientTrusting(wrongName.certificate());
            assertThatThrownBy(() -> handshake(trustsOther, "localhost", server.port(), false))
                    .isInstanceOf(SSLHandshakeException.class)
                    .hasMessageStartingWith("TLS handshake with localhost:" + server.port() + " failed: ")
                    .hasMessageContaining("unable to find valid certification path");
            // the server learns at once, not by its read timeout: from our alert, or - the alert being best
            // effort before we close - from the closed socket when it writes
            assertThatThrownBy(server::awaitServed)
                    .rootCause()
                    .isInstanceOfAny(javax.net.ssl.SSLException.class, java.net.SocketException.class)
                    .isNotInstanceOf(java.net.SocketTimeoutException.class);
        }
    }

    @Test
    void plainAmqpListenerIsAHandshakeFailure() throws Exception {
        // what a broker's non-TLS port does with a ClientHello: sends its protocol header and hangs up
        try (ServerSocket plain = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> {
                try (Socket s = plain.accept()) {
                    s.getInputStream().read(new byte[8]);
                    s.getOutputStream().write("AMQP\0\0\u0009\u0001".getBytes(StandardCharsets.ISO_8859_1));
                    s.getOutputStream().flush();
                } catch (IOException ignored) {
                    // the test asserts on the client side
                }
            }, "plain-amqp");
            t.setDaemon(true);
            t.start();
            SSLContext ctx = TestCertificates.clientTrusting(localhost.certificate());
            assertThatThrownBy(() -> handshake(ctx, "localhost", plain.getLocalPort(), true))
                    .isInstanceOf(SSLHandshakeException.class)
                    .hasMessageStartingWith("TLS handshake with localhost:" + plain.getLocalPort() + " failed: ");
            t.join(5_000);
        }
    }

    @Test
    void peerHangingUpMidHandshakeIsAHandshakeFailure() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> {
                try (Socket s = silent.accept()) {
                    s.getInputStream().read(new byte[1]); // the ClientHello has arrived; leave
                } catch (IOException ignored) {
                    // the test asserts on the client side
                }
            }, "hang-up");
            t.setDaemon(true);
            t.start();
            SSLContext ctx = TestCertificates.clientTrusting(localhost.certificate());
            assertThatThrownBy(() -> handshake(ctx, "localhost", silent.getLocalPort(), true))
                    .isInstanceOf(SSLHandshakeException.class)
                    .hasMessageStartingWith("TLS handshake with localhost:" + silent.getLocalPort() + " failed: ");
            t.join(5_000);
        }
    }
}
