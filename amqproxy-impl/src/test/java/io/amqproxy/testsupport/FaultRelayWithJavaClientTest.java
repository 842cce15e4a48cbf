package io.amqproxy.testsupport;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.ShutdownSignalException;
import io.amqproxy.testsupport.relay.FaultRelay;
import io.amqproxy.testsupport.relay.RelayEffect.Fin;
import io.amqproxy.testsupport.relay.RelayEffect.Pause;
import io.amqproxy.testsupport.relay.RelayEffect.Reset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.EOFException;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@link FaultRelay}'s effects as the tests' real client sees them, with the relay straight in front of the
 * broker (no proxy): a reset is a connection reset, a FIN an end of stream, and a pause holds a publish, which
 * arrives in order once the relay heals. The raw-socket view of every effect is in the relay's own module.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class FaultRelayWithJavaClientTest {

    @RegisterExtension
    final ProxyFixture fx = new ProxyFixture();

    private Connection throughRelay(FaultRelay relay, String name) throws Exception {
        ConnectionFactory f = TestBroker.direct();
        f.setHost("127.0.0.1");
        f.setPort(relay.port());
        return fx.connect(f, name);
    }

    private static CompletableFuture<ShutdownSignalException> shutdownOf(Connection c) {
        CompletableFuture<ShutdownSignalException> f = new CompletableFuture<>();
        c.addShutdownListener(f::complete);
        return f;
    }

    @Test
    void aResetIsAConnectionResetForTheJavaClient() throws Exception {
        FaultRelay relay = fx.relayToBroker();
        Connection c = throughRelay(relay, "relay test reset");
        c.createChannel().queueDeclare(); // traffic both ways first
        CompletableFuture<ShutdownSignalException> down = shutdownOf(c);

        relay.apply(new Reset());

        ShutdownSignalException sse = down.get(10, TimeUnit.SECONDS);
        assertThat(sse.isInitiatedByApplication()).isFalse();
        assertThat(sse.getReason()).as("no AMQP close came first").isNull();
        assertThat(sse.getCause()).as("what the client's reader thread met").isInstanceOf(SocketException.class)
                .hasMessageContaining("reset");
    }

    @Test
    void aFinIsAnEndOfStreamForTheJavaClient() throws Exception {
        FaultRelay relay = fx.relayToBroker();
        Connection c = throughRelay(relay, "relay test fin");
        CompletableFuture<ShutdownSignalException> down = shutdownOf(c);

        relay.apply(new Fin());

        ShutdownSignalException sse = down.get(10, TimeUnit.SECONDS);
        assertThat(sse.getReason()).as("no AMQP close came first").isNull();
        assertThat(sse.getCause()).isInstanceOf(EOFException.class);
    }

    @Test
    void aPauseHoldsPublishesAndHealDeliversThemInOrder() throws Exception {
        String queue = fx.newQueue("relay-pause");
        FaultRelay relay = fx.relayToBroker();
        Connection c = throughRelay(relay, "relay test pause");
        Channel ch = c.createChannel();
        ch.confirmSelect();

        relay.apply(new Pause());
        for (int i = 0; i < 5; i++) {
            ch.basicPublish("", queue, null, ("m" + i).getBytes(StandardCharsets.UTF_8));
        }
        CompletableFuture<Void> confirmed = CompletableFuture.runAsync(() -> {
            try {
                ch.waitForConfirmsOrDie(20_000);
            } catch (Exception e) {
                throw new CompletionException(e);
            }
        });
        // the claim is that nothing arrives for a while
        boolean arrived = Await.quietly(Duration.ofSeconds(1), () -> fx.broker().readyCount(queue) > 0);
        assertThat(arrived).as("a message reached the broker during the pause").isFalse();
        assertThat(confirmed).as("confirms during the pause").isNotDone();
        assertThat(c.isOpen()).isTrue();

        relay.heal();

        confirmed.get(10, TimeUnit.SECONDS);
        List<String> got = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            got.add(new String(fx.broker().get(queue).getBody(), StandardCharsets.UTF_8));
        }
        assertThat(got).containsExactly("m0", "m1", "m2", "m3", "m4");
    }
}
