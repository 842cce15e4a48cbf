package io.amqproxy;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import io.amqproxy.testsupport.AmqpErrors;
import io.amqproxy.testsupport.Await;
import io.amqproxy.testsupport.LoopThreadCpu;
import io.amqproxy.testsupport.ProxyFixture;
import io.amqproxy.testsupport.RawAmqpClient;
import io.amqproxy.testsupport.TestBroker;
import io.amqproxy.testsupport.relay.FaultRelay;
import io.amqproxy.testsupport.relay.RelayEffect.Fin;
import io.amqproxy.testsupport.relay.RelayEffect.Garbage;
import io.amqproxy.testsupport.relay.RelayEffect.Silence;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Issue 5, "upstream unreachable": whatever is wrong at the broker's address (nothing listening, a black hole
 * that accepts and never answers, a listener that hangs up at once, something that is not a broker), clients
 * get a Connection.Close whose reply text names the broker's address and the failure, within the connect
 * timeout plus a little; {@link AmqProxy#health()} says why; and once the real broker answers on that same
 * address, new clients work and the health check clears.
 *
 * <p>Issue 12 refines what a client that arrives later is told: once the attempt has failed and the proxy knows the
 * broker is down (no upstream open, the last attempt failed, the node still in its backoff), the proxy closes the
 * client's socket before Connection.Start, so that the client sees a connection failure and retries as it would
 * without the proxy, instead of a 320 after its login that some clients treat as a bad password.
 *
 * <p>The broker's address is a {@link FaultRelay} port set up to play each failure (see {@link Mode}), switched to
 * relaying to the real broker for the recovery half.
 */
@Timeout(value = 80, unit = TimeUnit.SECONDS)
class UpstreamUnreachableTest {

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    /** The bound the issue sets: the connect timeout plus a little. */
    private static final Duration REFUSAL_BOUND = CONNECT_TIMEOUT.plusSeconds(2);
    private static final Duration RECOVERY_BOUND = Duration.ofSeconds(10);

    /** What the broker's address does with a connection; {@link #switchTo} sets the relay up for it. */
    enum Mode {
        /** Nothing listens: the proxy's connect is refused. */
        REFUSE,
        /** Accepts, reads and discards everything, never answers. */
        BLACK_HOLE,
        /** Accepts and closes the socket at once. */
        CLOSE_AT_ONCE,
        /** Accepts and answers with an HTTP error instead of AMQP, then keeps the socket open. */
        GARBAGE,
        /** Relays to the real broker. */
        RELAY_TO_BROKER
    }

    /** What {@link Mode#GARBAGE} sends: a web server's answer. */
    private static final byte[] HTTP_400 = ("HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\n"
            + "Content-Length: 11\r\n\r\nBad Request").getBytes(StandardCharsets.US_ASCII);

    /** A client's failed attempt to connect through the proxy. */
    private record Refusal(int replyCode, String replyText, long millis, Throwable error) {
    }

    @RegisterExtension
    final ProxyFixture fx = new ProxyFixture(b -> b.upstreamConnectTimeout(CONNECT_TIMEOUT));
    private FaultRelay upstream;
    private Mode current;
    private AmqProxy proxy;
    private LoopThreadCpu loopCpu;

    private void startProxyAt(Mode first) {
        upstream = fx.relayToBroker();
        switchTo(first);
        LoopThreadCpu.Started<AmqProxy> started = LoopThreadCpu.around(() -> fx.startProxy(b -> b
                .upstream(upstream.uri())));
        proxy = started.value();
        loopCpu = started.cpu();
    }

    /** Makes the broker's address behave as {@code next} for new connections and ends every one held so far. */
    private void switchTo(Mode next) {
        upstream.apply(new Fin());
        upstream.startListening();
        switch (next) {
            case REFUSE -> upstream.stopListening();
            case BLACK_HOLE -> upstream.onAccept(new Silence());
            case CLOSE_AT_ONCE -> upstream.onAccept(new Fin());
            case GARBAGE -> upstream.onAccept(new Garbage(HTTP_400), new Silence());
            case RELAY_TO_BROKER -> upstream.onAccept();
        }
        current = next;
    }

    private ConnectionFactory client() {
        ConnectionFactory f = TestBroker.viaProxy(proxy.port());
        f.setConnectionTimeout(10_000);
        f.setHandshakeTimeout(10_000);
        return f;
    }

    /** Connects through the proxy and expects to be refused; fails if the connection opens. */
    private Refusal refusedClient(String name) {
        long t0 = System.nanoTime();
        try {
            Connection c = client().newConnection(name);
            c.abort();
            return fail("%s opened a connection through a proxy whose broker is %s", name, current);
        } catch (Exception e) {
            long millis = (System.nanoTime() - t0) / 1_000_000;
            return new Refusal(AmqpErrors.replyCode(e), AmqpErrors.replyText(e), millis, e);
        }
    }

    /** What the reply text must say about each failure, besides the address. */
    private static String failurePattern(Mode mode) {
        return switch (mode) {
            case REFUSE -> "(?is).*refused.*";
            case BLACK_HOLE -> "(?is).*(no answer|timed? ?out|timeout).*" + CONNECT_TIMEOUT.toMillis() + ".*";
            case CLOSE_AT_ONCE -> "(?is).*(closed|reset|broken pipe|end of stream|eof).*";
            case GARBAGE -> "(?is).*(not (an )?amqp|protocol|frame|unexpected|garbage|malformed|broken).*";
            case RELAY_TO_BROKER -> throw new IllegalArgumentException("the relay is not a failure");
        };
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = Mode.class, names = {"REFUSE", "BLACK_HOLE", "CLOSE_AT_ONCE", "GARBAGE"})
    void clientsAreToldWhyTheBrokerCannotBeReachedAndNewClientsWorkOnceItAnswers(Mode mode) throws Exception {
        startProxyAt(mode);

        // two clients at once: those waiting for the upstream attempt must hear its outcome; one that arrives
        // after the attempt failed (a quick failure, refused or closed or garbage, allows that) is turned away
        // before Connection.Start instead, which the raw socket below checks exactly
        CompletableFuture<Refusal> first = CompletableFuture.supplyAsync(() -> refusedClient("unreachable 1"));
        CompletableFuture<Refusal> second = CompletableFuture.supplyAsync(() -> refusedClient("unreachable 2"));
        List<Refusal> refusals = List.of(first.get(20, TimeUnit.SECONDS), second.get(20, TimeUnit.SECONDS))
                .stream().filter(r -> r.replyCode() != -1).toList();
        assertThat(refusals).as("the client whose login started the attempt hears why it failed").isNotEmpty();
        if (mode == Mode.BLACK_HOLE) {
            // the attempt lasts the whole connect timeout: both clients are surely waiting for it
            assertThat(refusals).as("both clients arrived while the attempt was under way").hasSize(2);
        }

        // a client arriving now, while the proxy knows the broker is down: its socket is closed before
        // Connection.Start, with nothing sent to it (the node's backoff after a first failure lasts 1 s)
        try (RawAmqpClient late = RawAmqpClient.connect(proxy.port())) {
            long t0 = System.nanoTime();
            late.sendProtocolHeader();
            byte[] sent = late.readAllUntilClosed(Duration.ofSeconds(2));
            assertThat(sent).as("bytes the proxy sent a client while the broker is known to be down").isEmpty();
            assertThat((System.nanoTime() - t0) / 1_000_000).as("milliseconds until that socket closed")
                    .isLessThan(500);
        }

        // what clients and the health check are told: all of it checked, and reported together at the end
        SoftAssertions told = new SoftAssertions();
        for (Refusal r : refusals) {
            assertThat(r.replyCode() == AMQP.CONNECTION_FORCED || (r.replyCode() >= 500 && r.replyCode() < 600))
                    .as("320 or a 5xx reply code, was %d %s", r.replyCode(), r.replyText())
                    .isTrue();
            told.assertThat(r.replyText()).as("the reply text names the broker's address").contains(upstream.address());
            told.assertThat(r.replyText()).as("the reply text says what failed").matches(failurePattern(mode));
            assertThat(r.millis()).as("milliseconds until refused (%s)", r.replyText())
                    .isLessThan(REFUSAL_BOUND.toMillis());
        }

        ProxyHealth health = proxy.health();
        assertThat(health.accepting()).isTrue();
        told.assertThat(health.healthy()).as("healthy() while the broker cannot be reached").isFalse();
        told.assertThat(health.upstreamError()).as("health names the address").contains(upstream.address());
        told.assertThat(health.upstreamError()).as("health says what failed").matches(failurePattern(mode));
        assertThat(proxy.stats().upstreamConnections()).isZero();
        assertThat(proxy.stats().clientConnections()).as("refused clients are let go").isZero();
        told.assertThat(proxy.stats().upstreamConnectFailures()).as("failed upstream attempts are counted").isPositive();

        // nobody asks for the broker now: the proxy neither spins nor retries on its own
        long failuresBefore = proxy.stats().upstreamConnectFailures();
        int acceptedBefore = upstream.acceptedConnections();
        double cpuShare = loopCpu.shareDuring(() -> pause(Duration.ofSeconds(2)));
        assertThat(cpuShare).as("event loop CPU share while the broker is unreachable and nobody asks").isLessThan(0.3);
        assertThat(proxy.stats().upstreamConnectFailures()).as("no retries without demand").isEqualTo(failuresBefore);
        assertThat(upstream.acceptedConnections()).as("no connects without demand").isEqualTo(acceptedBefore);

        // the broker answers on the same address: the next clients work and the health check clears
        switchTo(Mode.RELAY_TO_BROKER);
        String queue = fx.newQueue("unreachable-" + mode.name().toLowerCase());
        Connection c = Await.value(RECOVERY_BOUND, this::tryConnect, conn -> conn != null);
        assertThat(c).as("a client gets through within %s of the broker answering", RECOVERY_BOUND).isNotNull();
        try {
            Channel ch = c.createChannel();
            ch.confirmSelect();
            ch.basicPublish("", queue, null, ("after " + mode).getBytes(StandardCharsets.UTF_8));
            ch.waitForConfirmsOrDie(10_000);
        } finally {
            c.close(5_000);
        }
        GetResponse got = fx.broker().get(queue);
        assertThat(got).as("the message reached the broker").isNotNull();
        assertThat(new String(got.getBody(), StandardCharsets.UTF_8)).isEqualTo("after " + mode);
        ProxyHealth after = proxy.health();
        assertThat(after.upstreamError()).as("health after recovery").isNull();
        assertThat(after.healthy()).isTrue();
        told.assertAll();
    }

    @org.junit.jupiter.api.Test
    void aClientArrivingWhileTheBrokerIsKnownDownSeesAConnectionFailureNotALoginFailure() throws Exception {
        startProxyAt(Mode.REFUSE);
        Refusal first = refusedClient("learns the broker is down");
        assertThat(first.replyCode()).as("the client whose login found the broker down: %s", first.error())
                .isEqualTo(AMQP.CONNECTION_FORCED);

        // the Java client reports a Connection.Close after its login as a possible authentication failure, which
        // Spring AMQP's listener container, for one, treats as fatal; a closed socket is a plain connection failure
        Refusal next = refusedClient("arrives while the broker is known down");
        assertThat(next.error()).as("what the next client sees")
                .isNotInstanceOf(com.rabbitmq.client.PossibleAuthenticationFailureException.class)
                .isNotInstanceOf(com.rabbitmq.client.AuthenticationFailureException.class);
        assertThat(next.replyCode()).as("no AMQP reply: %s", next.error()).isEqualTo(-1);
        assertThat(next.millis()).as("milliseconds until the next client was turned away").isLessThan(1_000);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = Mode.class, names = {"REFUSE", "GARBAGE"})
    void afterTheBackoffANodeIsProbedBeforeTheClientIsLetIn(Mode mode) throws Exception {
        startProxyAt(mode);
        Refusal first = refusedClient("learns the broker is down");
        assertThat(first.replyCode()).as("the client whose login found the broker down: %s", first.error())
                .isEqualTo(AMQP.CONNECTION_FORCED);
        long failures = proxy.stats().upstreamConnectFailures();
        int accepted = upstream.acceptedConnections();
        pause(Duration.ofMillis(1_300)); // the node's first backoff (1 s) runs out

        // still down: the probe finds out, and the client is let go before Connection.Start, not after its login
        try (RawAmqpClient late = RawAmqpClient.connect(proxy.port())) {
            late.sendProtocolHeader();
            assertThat(late.readAllUntilClosed(Duration.ofSeconds(5)))
                    .as("bytes sent to a client while a probe found the broker still down").isEmpty();
        }
        assertThat(proxy.stats().upstreamConnectFailures()).as("the failed probe is counted").isEqualTo(failures + 1);
        if (mode != Mode.REFUSE) {
            assertThat(upstream.acceptedConnections()).as("the probe reached the address").isEqualTo(accepted + 1);
        }

        // up again: once the backoff is over, the probe finds the broker and the client is served
        switchTo(Mode.RELAY_TO_BROKER);
        pause(Duration.ofMillis(2_300)); // the second backoff (2 s) runs out
        Connection c = client().newConnection("after the probe");
        try {
            assertThat(c.createChannel().isOpen()).isTrue();
        } finally {
            c.close(5_000);
        }
    }

    /** One attempt to connect through the proxy; {@code null} when refused. */
    private Connection tryConnect() {
        try {
            return client().newConnection("after recovery");
        } catch (Exception e) {
            return null;
        }
    }

    private static void pause(Duration d) {
        try {
            Thread.sleep(d.toMillis()); // a measuring window, not synchronisation
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
