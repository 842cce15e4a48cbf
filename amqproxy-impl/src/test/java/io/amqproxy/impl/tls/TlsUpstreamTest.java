package io.amqproxy.impl.tls;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.ShutdownSignalException;
import io.amqproxy.AmqProxy;
import io.amqproxy.testsupport.TestBroker;
import io.amqproxy.testsupport.relay.FaultRelay;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/** amqps:// upstreams: the proxy speaks TLS to a TLS-terminating relay in front of the local broker. */
@Timeout(60)
class TlsUpstreamTest {

    @TempDir
    static Path keys;
    static TestCertificates.Identity localhost;
    static TestCertificates.Identity wrongName;

    @BeforeAll
    static void makeCertificates() throws Exception {
        localhost = TestCertificates.generate(keys, "localhost", "dns:localhost,ip:127.0.0.1");
        wrongName = TestCertificates.generate(keys, "wrong", "dns:wrong.example");
    }

    /** A TLS front for the plain broker, as a cloud broker's amqps port is, with {@code identity}'s certificate. */
    private static FaultRelay tlsFront(TestCertificates.Identity identity) throws Exception {
        return FaultRelay.builder(TestBroker.host(), TestBroker.port()).tls(identity.serverContext()).name("tls-relay")
                .start();
    }

    private static AmqProxy proxyTo(int relayPort, javax.net.ssl.SSLContext trust) {
        var b = AmqProxy.builder().upstream("amqps://localhost:" + relayPort).listen("127.0.0.1", 0)
                .upstreamConnectTimeout(java.time.Duration.ofSeconds(5));
        if (trust != null) {
            b.upstreamSslContext(trust);
        }
        return b.start();
    }

    @Test
    void publishesReachTheBrokerThroughATlsUpstream() throws Exception {
        String queue = "amqproxy-tls-" + UUID.randomUUID();
        try (FaultRelay relay = tlsFront(localhost);
             AmqProxy proxy = proxyTo(relay.port(), TestCertificates.clientTrusting(localhost.certificate()))) {
            byte[] big = new byte[1024 * 1024];
            for (int i = 0; i < big.length; i++) {
                big[i] = (byte) (i * 31);
            }
            try (Connection c = TestBroker.viaProxy(proxy.port()).newConnection(); Channel ch = c.createChannel()) {
                ch.queueDeclare(queue, false, false, true, null);
                ch.confirmSelect();
                ch.basicPublish("", queue, null, "over tls".getBytes(StandardCharsets.UTF_8));
                ch.basicPublish("", queue, null, big);
                ch.waitForConfirmsOrDie(10_000);
                // and back through TLS: a 1 MiB delivery comes out byte-exact
                ch.basicGet(queue, true);
                assertThat(ch.basicGet(queue, true).getBody()).isEqualTo(big);
                ch.basicPublish("", queue, null, "stays".getBytes(StandardCharsets.UTF_8));
                ch.waitForConfirmsOrDie(10_000);
            }
            assertThat(relay.tlsHandshakes()).as("the upstream went through the TLS relay").isEqualTo(1);
            try (Connection direct = TestBroker.direct().newConnection(); Channel ch = direct.createChannel()) {
                assertThat(new String(ch.basicGet(queue, true).getBody(), StandardCharsets.UTF_8)).isEqualTo("stays");
                ch.queueDelete(queue);
            }
        }
    }

    @Test
    void untrustedBrokerCertificateIsAClearRefusalNotAHang() throws Exception {
        try (FaultRelay relay = tlsFront(localhost);
             AmqProxy proxy = proxyTo(relay.port(), null)) { // the JVM's trust store does not know the test CA
            Throwable refusal = refusalOf(TestBroker.viaProxy(proxy.port()));
            assertThat(closeText(refusal)).startsWith("CONNECTION_FORCED - broker amqps://localhost:" + relay.port())
                    .contains("TLS handshake").contains("certification path");
            assertThat(proxy.health().upstreamError()).contains("TLS handshake");
        }
    }

    @Test
    void certificateForAnotherHostIsRefusedWithHostnameVerificationOn() throws Exception {
        try (FaultRelay relay = tlsFront(wrongName);
             AmqProxy proxy = proxyTo(relay.port(), TestCertificates.clientTrusting(wrongName.certificate()))) {
            Throwable refusal = refusalOf(TestBroker.viaProxy(proxy.port()));
            assertThat(closeText(refusal)).contains("TLS handshake").contains("localhost");
        }
    }

    @Test
    void hostnameVerificationCanBeTurnedOff() throws Exception {
        try (FaultRelay relay = tlsFront(wrongName);
             AmqProxy proxy = AmqProxy.builder().upstream("amqps://localhost:" + relay.port()).listen("127.0.0.1", 0)
                     .upstreamSslContext(TestCertificates.clientTrusting(wrongName.certificate()))
                     .verifyUpstreamHostname(false).start()) {
            try (Connection c = TestBroker.viaProxy(proxy.port()).newConnection()) {
                assertThat(c.isOpen()).isTrue();
            }
            assertThat(relay.tlsHandshakes()).isEqualTo(1);
        }
    }

    private static Throwable refusalOf(ConnectionFactory f) {
        long start = System.nanoTime();
        Throwable t = catchThrowable(() -> f.newConnection().close());
        assertThat(t).as("connecting through a proxy whose upstream TLS fails").isNotNull();
        assertThat((System.nanoTime() - start) / 1_000_000).as("ms until the refusal").isLessThan(10_000);
        return t;
    }

    /** The reply text of the Connection.Close the client got, wherever the Java client wrapped it. */
    private static String closeText(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof ShutdownSignalException sse && sse.getReason() instanceof com.rabbitmq.client.AMQP.Connection.Close close) {
                assertThat(close.getReplyCode()).isEqualTo(320);
                return close.getReplyText();
            }
        }
        throw new AssertionError("no Connection.Close in " + t, t);
    }
}
