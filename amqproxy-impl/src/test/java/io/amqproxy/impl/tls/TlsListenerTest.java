package io.amqproxy.impl.tls;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import io.amqproxy.AmqProxy;
import io.amqproxy.testsupport.Await;
import io.amqproxy.testsupport.TestBroker;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/** Clients that connect to the proxy with TLS, beside plain ones. */
@Timeout(60)
class TlsListenerTest {

    @TempDir
    static Path keys;
    static TestCertificates.Identity proxyIdentity;
    static TestCertificates.Identity stranger;

    @BeforeAll
    static void makeCertificates() throws Exception {
        proxyIdentity = TestCertificates.generate(keys, "proxy", "dns:localhost,ip:127.0.0.1");
        stranger = TestCertificates.generate(keys, "stranger", "dns:localhost,ip:127.0.0.1");
    }

    private static ConnectionFactory tlsClient(int port, javax.net.ssl.SSLContext trust) {
        ConnectionFactory f = TestBroker.viaProxy(port);
        f.useSslProtocol(trust);
        f.enableHostnameVerification();
        return f;
    }

    @Test
    void tlsAndPlainClientsShareTheProxy() throws Exception {
        String queue = "amqproxy-tls-listener-" + UUID.randomUUID();
        try (AmqProxy proxy = AmqProxy.builder().upstream(TestBroker.upstreamUri()).listen("127.0.0.1", 0)
                .listenTls("127.0.0.1", 0, proxyIdentity.serverContext()).start()) {
            assertThat(proxy.tlsPort()).isPositive().isNotEqualTo(proxy.port());
            byte[] big = new byte[512 * 1024];
            java.util.Arrays.fill(big, (byte) 7);
            try (Connection c = tlsClient(proxy.tlsPort(), TestCertificates.clientTrusting(proxyIdentity.certificate())).newConnection();
                 Channel ch = c.createChannel()) {
                ch.queueDeclare(queue, false, false, true, null);
                ch.confirmSelect();
                ch.basicPublish("", queue, null, "via tls".getBytes(StandardCharsets.UTF_8));
                ch.basicPublish("", queue, null, big);
                ch.waitForConfirmsOrDie(10_000);
                ch.basicGet(queue, true);
                assertThat(ch.basicGet(queue, true).getBody()).as("a large delivery over TLS").isEqualTo(big);
                ch.basicPublish("", queue, null, "via tls".getBytes(StandardCharsets.UTF_8));
                ch.waitForConfirmsOrDie(10_000);
            }
            try (Connection plain = TestBroker.viaProxy(proxy.port()).newConnection(); Channel ch = plain.createChannel()) {
                ch.basicPublish("", queue, null, "plain".getBytes(StandardCharsets.UTF_8));
            }
            try (Connection direct = TestBroker.direct().newConnection(); Channel ch = direct.createChannel()) {
                Await.until(java.time.Duration.ofSeconds(5), "both messages at the broker", () -> {
                    try {
                        return ch.queueDeclarePassive(queue).getMessageCount() == 2;
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                assertThat(new String(ch.basicGet(queue, true).getBody(), StandardCharsets.UTF_8)).isEqualTo("via tls");
                assertThat(new String(ch.basicGet(queue, true).getBody(), StandardCharsets.UTF_8)).isEqualTo("plain");
                ch.queueDelete(queue);
            }
            assertThat(proxy.stats().upstreamConnections()).as("TLS and plain clients share the pool").isEqualTo(1);
        }
    }

    @Test
    void aClientThatDistrustsTheProxyFailsAloneAndOthersGoOn() throws Exception {
        try (AmqProxy proxy = AmqProxy.builder().upstream(TestBroker.upstreamUri()).listen("127.0.0.1", 0)
                .listenTls("127.0.0.1", 0, proxyIdentity.serverContext()).handshakeTimeout(java.time.Duration.ofSeconds(2)).start()) {
            Throwable t = catchThrowable(() -> tlsClient(proxy.tlsPort(), TestCertificates.clientTrusting(stranger.certificate()))
                    .newConnection().close());
            assertThat(t).isNotNull();
            assertThat(t).hasStackTraceContaining("SSLHandshakeException");
            try (Connection ok = tlsClient(proxy.tlsPort(), TestCertificates.clientTrusting(proxyIdentity.certificate())).newConnection();
                 Connection plain = TestBroker.viaProxy(proxy.port()).newConnection()) {
                assertThat(ok.isOpen()).isTrue();
                assertThat(plain.isOpen()).isTrue();
            }
        }
    }
}
