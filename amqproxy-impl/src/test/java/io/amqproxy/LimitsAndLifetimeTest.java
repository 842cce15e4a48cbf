package io.amqproxy;

import com.rabbitmq.client.AuthenticationFailureException;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import io.amqproxy.testsupport.Await;
import io.amqproxy.testsupport.ProxyFixture;
import io.amqproxy.testsupport.ScratchBrokerUser;
import io.amqproxy.testsupport.TestBroker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/** maxClients, maxUpstreamLifetime and the reconnect backoff. */
@Timeout(60)
class LimitsAndLifetimeTest {

    @RegisterExtension
    final ProxyFixture fx = new ProxyFixture();

    @Test
    void clientsBeyondMaxClientsAreTurnedAwayAndAdmittedAgainWhenOneLeaves() throws Exception {
        AmqProxy proxy = fx.startProxy(b -> b.maxClients(3));
        ConnectionFactory f = TestBroker.viaProxy(proxy.port());
        f.setConnectionTimeout(5_000);
        List<Connection> admitted = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            admitted.add(f.newConnection());
        }
        Throwable refused = catchThrowable(() -> f.newConnection().close());
        assertThat(refused).as("the fourth client").isInstanceOf(IOException.class);
        admitted.remove(0).close();
        Await.until(Duration.ofSeconds(5), "a place is free again", () -> {
            try (Connection c = f.newConnection()) {
                return c.isOpen();
            } catch (Exception e) {
                return false;
            }
        });
        for (Connection c : admitted) {
            assertThat(c.isOpen()).as("admitted clients are untouched").isTrue();
            c.close();
        }
    }

    @Test
    void aPasswordChangedAtTheBrokerStopsWorkingOnceTheUpstreamLifetimeIsOver() throws Exception {
        Duration lifetime = Duration.ofSeconds(8);
        try (ScratchBrokerUser user = ScratchBrokerUser.create("lifetime")) {
            AmqProxy proxy = fx.startProxy(b -> b.maxUpstreamLifetime(lifetime));
            ConnectionFactory oldPassword = user.viaProxy(proxy.port());
            long openedAt = System.nanoTime();
            try (Connection early = oldPassword.newConnection()) {
                Channel earlyChannel = early.createChannel();
                TestBroker.rabbitmqctl("change_password", user.name(), "a-new-secret-" + System.nanoTime());
                if (System.nanoTime() - openedAt < lifetime.toNanos() - 1_000_000_000L) {
                    // within the lifetime the pooled connection still vouches for the old password, as RabbitMQ
                    // keeps existing connections open after a password change
                    try (Connection c = oldPassword.newConnection()) {
                        assertThat(c.isOpen()).isTrue();
                    }
                }
                Await.until(Duration.ofSeconds(15), "the old password refused once the upstream is past its lifetime",
                        () -> catchThrowable(() -> oldPassword.newConnection().close()) instanceof AuthenticationFailureException);
                assertThat(earlyChannel.queueDeclare().getQueue())
                        .as("a client connected before keeps working on the old upstream").startsWith("amq.gen-");
            }
            Await.until(Duration.ofSeconds(5), "the expired upstream closes once its clients are gone",
                    () -> proxy.stats().upstreamConnections() == 0);
        }
    }

    @Test
    void anUnreachableBrokerIsRetriedWithBackoffNotOncePerClient() throws Exception {
        int deadPort;
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            deadPort = s.getLocalPort();
        }
        AmqProxy proxy = fx.startProxy(b -> b.upstream("amqp://127.0.0.1:" + deadPort)
                .upstreamConnectTimeout(Duration.ofSeconds(3)));
        ConnectionFactory f = TestBroker.viaProxy(proxy.port());
        long start = System.nanoTime();
        java.util.concurrent.atomic.AtomicInteger clients = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger admitted = new java.util.concurrent.atomic.AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            Thread thread = new Thread(() -> {
                while (System.nanoTime() - start < 1_500_000_000L) {
                    if (catchThrowable(() -> f.newConnection().close()) == null) {
                        admitted.incrementAndGet();
                    }
                    clients.incrementAndGet();
                }
            });
            thread.start();
            threads.add(thread);
        }
        for (Thread thread : threads) {
            thread.join(10_000);
        }
        long attempts = proxy.stats().upstreamConnectFailures();
        // without backoff a refused connect fails in a millisecond and every client would start another
        assertThat(admitted.get()).isZero();
        assertThat(attempts).as("%d clients in 1.5 s caused %d connect attempts", clients.get(), attempts)
                .isPositive().isLessThanOrEqualTo(7);
        assertThat(clients.get()).isGreaterThan((int) attempts);
    }
}
