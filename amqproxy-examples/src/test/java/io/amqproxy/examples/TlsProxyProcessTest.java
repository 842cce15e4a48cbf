package io.amqproxy.examples;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import com.rabbitmq.client.ShutdownSignalException;
import io.amqproxy.examples.tls.TestTlsFiles;
import io.amqproxy.examples.tls.TlsMaterial;
import io.amqproxy.testsupport.relay.FaultRelay;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * TLS in the standalone proxy as a process: clients on its TLS listener with host name verification, and an
 * amqps:// upstream (a TLS relay in front of the local broker) trusted through {@code --upstream-ca}. Every
 * message is checked at the broker itself, on a connection that bypasses the proxy.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TlsProxyProcessTest {

    private static final Duration START = Duration.ofSeconds(20);

    @TempDir
    static Path dir;
    static TestTlsFiles.Identity localhost;
    static TestTlsFiles.Identity stranger;

    @BeforeAll
    static void makeIdentities() throws Exception {
        localhost = TestTlsFiles.generate(dir, "localhost", "RSA", "dns:localhost,ip:127.0.0.1");
        stranger = TestTlsFiles.generate(dir, "stranger", "RSA", "dns:localhost,ip:127.0.0.1");
    }

    private static InetSocketAddress brokerAddress() {
        URI u = URI.create(LocalBroker.upstream());
        return new InetSocketAddress(u.getHost(), u.getPort());
    }

    /** An amqps:// broker: TLS with the localhost certificate on a free loopback port, in front of the plain one. */
    private static FaultRelay tlsFront() throws Exception {
        InetSocketAddress b = brokerAddress();
        return FaultRelay.builder(b.getHostString(), b.getPort())
                .tls(TlsMaterial.serverFromPem(localhost.cert(), localhost.key())).name("tls-front").start();
    }

    /** A connection straight to the broker, to see what really arrived. */
    private static Connection direct() throws Exception {
        InetSocketAddress b = brokerAddress();
        ConnectionFactory f = LocalBroker.viaProxy(b.getPort());
        f.setHost(b.getHostString());
        return f.newConnection();
    }

    /** Publishes one message through a client connection to a queue declared directly, and gets it directly. */
    private static void publishArrivesAtTheBroker(ConnectionFactory client) throws Exception {
        String queue = "amqproxy-tls-test-" + UUID.randomUUID();
        String body = "through TLS " + queue;
        try (Connection broker = direct(); Channel check = broker.createChannel()) {
            check.queueDeclare(queue, false, false, true, null);
            try {
                try (Connection c = client.newConnection(); Channel ch = c.createChannel()) {
                    ch.confirmSelect();
                    ch.basicPublish("", queue, new AMQP.BasicProperties(), body.getBytes(StandardCharsets.UTF_8));
                    ch.waitForConfirmsOrDie(10_000);
                }
                GetResponse got = Poll.until("the message at the broker", Duration.ofSeconds(10),
                        () -> check.basicGet(queue, true), g -> g != null);
                assertThat(new String(got.getBody(), StandardCharsets.UTF_8)).isEqualTo(body);
            } finally {
                check.queueDelete(queue);
            }
        }
    }

    @Test
    void clientsConnectWithTlsVerifyingTheProxyHostName() throws Exception {
        try (ProxyProcess p = ProxyProcess.start("-l", "127.0.0.1", "-p", "0", "-b", "0", "--tls-port", "0",
                "--tls-cert", localhost.cert().toString(), "--tls-key", localhost.key().toString(),
                LocalBroker.upstream())) {
            int tlsPort = p.tlsPort(START);
            int plainPort = p.amqpPort(START);

            ConnectionFactory tls = LocalBroker.viaProxy(tlsPort);
            tls.useSslProtocol(localhost.clientTrusting());
            tls.enableHostnameVerification();
            publishArrivesAtTheBroker(tls);
            // the plain listener still serves beside it
            publishArrivesAtTheBroker(LocalBroker.viaProxy(plainPort));

            // a client that trusts another certificate does not get through
            ConnectionFactory distrustful = LocalBroker.viaProxy(tlsPort);
            distrustful.useSslProtocol(stranger.clientTrusting());
            distrustful.enableHostnameVerification();
            assertThat(catchThrowable(() -> distrustful.newConnection().close()))
                    .hasRootCauseInstanceOf(java.security.cert.CertPathBuilderException.class);
            assertThat(p.isAlive()).as(p.describe()).isTrue();
        }
    }

    @Test
    void clientsConnectWithTlsOnAKeystoreIdentity() throws Exception {
        try (ProxyProcess p = ProxyProcess.start(java.util.Map.of("TLS_KEYSTORE_PASSWORD", TestTlsFiles.PASSWORD),
                "-l", "127.0.0.1", "-p", "0", "-b", "0", "--tls-port", "0",
                "--tls-keystore", localhost.keystore().toString(), LocalBroker.upstream())) {
            ConnectionFactory tls = LocalBroker.viaProxy(p.tlsPort(START));
            tls.useSslProtocol(localhost.clientTrusting());
            tls.enableHostnameVerification();
            publishArrivesAtTheBroker(tls);
        }
    }

    @Test
    void amqpsUpstreamTrustedThroughUpstreamCa() throws Exception {
        try (FaultRelay relay = tlsFront();
             ProxyProcess p = ProxyProcess.start("-l", "127.0.0.1", "-p", "0", "-b", "0",
                     "--upstream-ca", localhost.cert().toString(), "amqps://localhost:" + relay.port())) {
            publishArrivesAtTheBroker(LocalBroker.viaProxy(p.amqpPort(START)));

            assertThat(relay.tlsHandshakes()).as("the upstream went through the TLS relay").isPositive();
        }
    }

    @Test
    void amqpsUpstreamWithAnotherCaIsRefusedQuickly() throws Exception {
        try (FaultRelay relay = tlsFront();
             ProxyProcess p = ProxyProcess.start("-l", "127.0.0.1", "-p", "0", "-b", "0",
                     "--upstream-ca", stranger.cert().toString(), "amqps://localhost:" + relay.port())) {
            ConnectionFactory client = LocalBroker.viaProxy(p.amqpPort(START));

            long start = System.nanoTime();
            Throwable refusal = catchThrowable(() -> client.newConnection().close());
            long millis = (System.nanoTime() - start) / 1_000_000;

            assertThat(refusal).as("connecting through a proxy that distrusts its upstream").isNotNull();
            assertThat(millis).as("ms until the refusal").isLessThan(10_000);
            AMQP.Connection.Close close = closeOf(refusal);
            assertThat(close.getReplyCode()).isEqualTo(320);
            assertThat(close.getReplyText()).contains("TLS");
            assertThat(relay.tlsHandshakes()).isZero();
        }
    }

    private static AMQP.Connection.Close closeOf(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof ShutdownSignalException sse && sse.getReason() instanceof AMQP.Connection.Close close) {
                return close;
            }
        }
        throw new AssertionError("no Connection.Close in " + t, t);
    }
}
