package io.amqproxy.testsupport.relay;

import io.amqproxy.testsupport.relay.RelayEffect.Delay;
import io.amqproxy.testsupport.relay.RelayEffect.Direction;
import io.amqproxy.testsupport.relay.RelayEffect.Fin;
import io.amqproxy.testsupport.relay.RelayEffect.Garbage;
import io.amqproxy.testsupport.relay.RelayEffect.Pause;
import io.amqproxy.testsupport.relay.RelayEffect.Reset;
import io.amqproxy.testsupport.relay.RelayEffect.Silence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * Each effect of the {@link FaultRelay}, as raw sockets on both sides see it: bytes held and released in order, a
 * reset that is a reset, a FIN that is an end of stream, garbage, silence, a refused connect, an exact cut.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class FaultRelayTest {

    private static final byte[] HELLO = "AMQP\0\0\u0009\u0001".getBytes(StandardCharsets.ISO_8859_1);

    private TargetServer target;
    private FaultRelay relay;

    private void start(boolean echo) throws IOException {
        target = new TargetServer(echo);
        relay = FaultRelay.to(target.port());
    }

    @AfterEach
    void stop() throws IOException {
        if (relay != null) {
            relay.close();
        }
        if (target != null) {
            target.close();
        }
    }

    @Test
    void relaysBothWaysInOrderAndCountsTheBytes() throws Exception {
        start(true);
        byte[] sent = new byte[1024 * 1024];
        new Random(1).nextBytes(sent);
        try (Socket c = TargetServer.connect(relay.port())) {
            Thread writer = new Thread(() -> {
                try {
                    c.getOutputStream().write(sent);
                } catch (IOException ignored) {
                    // the reads below fail then
                }
            });
            writer.start();
            assertThat(readExactly(c.getInputStream(), sent.length)).isEqualTo(sent);
            writer.join(5000);
        }
        assertThat(relay.bytesFromClients()).isEqualTo(sent.length);
        assertThat(relay.bytesForwarded()).isEqualTo(2L * sent.length);
        assertThat(relay.acceptedConnections()).isEqualTo(1);
    }

    @Test
    void pauseHoldsEveryByteAndHealPassesThemOnInOrder() throws Exception {
        start(false);
        try (Socket c = TargetServer.connect(relay.port())) {
            TargetServer.Accepted far = target.next();
            relay.apply(new Pause());
            OutputStream out = c.getOutputStream();
            for (String part : new String[] {"one ", "two ", "three"}) {
                out.write(part.getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
            assertStaysFalse(Duration.ofMillis(500), "bytes reached the target during the pause",
                    () -> far.received().length > 0);
            assertThat(far.socket.isClosed()).isFalse();

            relay.heal();
            await(Duration.ofSeconds(5), "the held bytes", () -> far.received().length == 13);
            assertThat(new String(far.received(), StandardCharsets.US_ASCII)).isEqualTo("one two three");
        }
    }

    @Test
    void aPauseOfOneDirectionLeavesTheOtherFlowing() throws Exception {
        start(true);
        try (Socket c = TargetServer.connect(relay.port())) {
            TargetServer.Accepted far = target.next();
            relay.apply(new Pause(Direction.TO_CLIENT));
            c.getOutputStream().write(HELLO);
            await(Duration.ofSeconds(5), "the client's bytes at the target",
                    () -> far.received().length == HELLO.length);
            c.setSoTimeout(500);
            assertThat(catchThrowable(() -> c.getInputStream().read())).as("the echo, held back")
                    .isInstanceOf(SocketTimeoutException.class);
            relay.heal();
            c.setSoTimeout(5000);
            assertThat(readExactly(c.getInputStream(), HELLO.length)).isEqualTo(HELLO);
        }
    }

    @Test
    void delayHoldsEveryChunkForItsTimeEachWay() throws Exception {
        start(true);
        relay.apply(new Delay(Duration.ofMillis(150)));
        try (Socket c = TargetServer.connect(relay.port())) {
            long t0 = System.nanoTime();
            c.getOutputStream().write(HELLO);
            assertThat(readExactly(c.getInputStream(), HELLO.length)).isEqualTo(HELLO);
            long millis = (System.nanoTime() - t0) / 1_000_000;
            assertThat(millis).as("ms for a round trip with 150 ms each way").isBetween(300L, 3000L);
        }
    }

    @Test
    void resetIsAConnectionResetForBothPeers() throws Exception {
        start(false);
        try (Socket c = TargetServer.connect(relay.port())) {
            TargetServer.Accepted far = target.next();
            c.getOutputStream().write(HELLO);
            await(Duration.ofSeconds(5), "the bytes at the target", () -> far.received().length == HELLO.length);

            relay.apply(new Reset());

            Throwable atClient = catchThrowable(() -> c.getInputStream().read());
            assertThat(atClient).as("the client's read").isInstanceOf(SocketException.class)
                    .hasMessageContaining("reset");
            assertThat(far.ended.get(5, TimeUnit.SECONDS)).as("how the target's read ended")
                    .isInstanceOf(SocketException.class).hasMessageContaining("reset");
            await(Duration.ofSeconds(5), "the link gone", () -> relay.openLinks() == 0);
        }
    }

    @Test
    void finIsAnEndOfStreamForBothPeers() throws Exception {
        start(false);
        try (Socket c = TargetServer.connect(relay.port())) {
            TargetServer.Accepted far = target.next();
            relay.apply(new Fin());
            assertThat(c.getInputStream().read()).as("the client's read: end of stream").isEqualTo(-1);
            assertThat(far.ended.get(5, TimeUnit.SECONDS)).as("the target's read ended without an error").isNull();
        }
    }

    @Test
    void garbageGoesToTheClientBehindWhatIsQueuedAndTheLinkCarriesOn() throws Exception {
        start(true);
        byte[] junk = "HTTP/1.1 400 Bad Request\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        try (Socket c = TargetServer.connect(relay.port())) {
            c.getOutputStream().write(HELLO);
            assertThat(readExactly(c.getInputStream(), HELLO.length)).isEqualTo(HELLO);
            relay.apply(new Garbage(junk));
            assertThat(readExactly(c.getInputStream(), junk.length)).isEqualTo(junk);
            c.getOutputStream().write(HELLO);
            assertThat(readExactly(c.getInputStream(), HELLO.length)).as("relaying after the garbage").isEqualTo(HELLO);
        }
    }

    @Test
    void garbageAndSilenceAtAcceptPlayAPeerThatSpeaksAnotherProtocolAndThenNothing() throws Exception {
        start(true);
        byte[] junk = "HTTP/1.1 400 Bad Request\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        relay.onAccept(new Garbage(junk), new Silence());
        try (Socket c = TargetServer.connect(relay.port())) {
            assertThat(readExactly(c.getInputStream(), junk.length)).isEqualTo(junk);
            c.getOutputStream().write(HELLO);
            c.setSoTimeout(500);
            assertThat(catchThrowable(() -> c.getInputStream().read())).as("after the garbage: silence, no end")
                    .isInstanceOf(SocketTimeoutException.class);
            assertThat(target.acceptedCount()).as("connections that reached the target").isZero();

            relay.heal(); // nothing to resume on a link that never had a target: it ends
            c.setSoTimeout(5000);
            assertThat(c.getInputStream().read()).isEqualTo(-1);
        }
        try (Socket c = TargetServer.connect(relay.port())) {
            c.getOutputStream().write(HELLO);
            assertThat(readExactly(c.getInputStream(), HELLO.length)).as("relayed again after heal()").isEqualTo(HELLO);
        }
    }

    @Test
    void finAtAcceptHangsUpAtOnceWithoutReachingTheTarget() throws Exception {
        start(false);
        relay.onAccept(new Fin());
        try (Socket c = TargetServer.connect(relay.port())) {
            assertThat(c.getInputStream().read()).isEqualTo(-1);
        }
        assertThat(relay.acceptedConnections()).isEqualTo(1);
        assertThat(target.acceptedCount()).isZero();
    }

    @Test
    void aStoppedRelayRefusesConnectsAndListensOnTheSamePortAgain() throws Exception {
        start(true);
        int port = relay.port();
        relay.stopListening();
        assertThat(catchThrowable(() -> connectUnlessSelf(port))).isInstanceOf(ConnectException.class);
        relay.startListening();
        assertThat(relay.port()).isEqualTo(port);
        try (Socket c = TargetServer.connect(port)) {
            c.getOutputStream().write(HELLO);
            assertThat(readExactly(c.getInputStream(), HELLO.length)).isEqualTo(HELLO);
        }
    }

    /**
     * Connects to a port nothing should listen on. The port came from the ephemeral range, so the kernel may pick
     * it as the client's own port too, and a socket connected to itself (TCP's simultaneous open) says nothing
     * about a listener: such a connect is tried again, at most twice more.
     */
    private static void connectUnlessSelf(int port) throws IOException {
        for (int attempt = 0; attempt < 3; attempt++) {
            try (Socket s = TargetServer.connect(port)) {
                if (s.getLocalPort() != port) {
                    return; // a real listener answered
                }
            }
        }
    }

    @Test
    void cutAfterClientBytesLetsExactlyThatManyThroughThenResets() throws Exception {
        start(false);
        try (Socket c = TargetServer.connect(relay.port())) {
            TargetServer.Accepted far = target.next();
            relay.cutAfterClientBytes(1000, new Reset());
            byte[] message = new byte[5000];
            new Random(2).nextBytes(message);
            catchThrowable(() -> c.getOutputStream().write(message)); // may fail once the reset is back
            assertThat(far.ended.get(5, TimeUnit.SECONDS)).as("the target's end").isInstanceOf(SocketException.class);
            byte[] got = far.received();
            assertThat(got).hasSize(1000);
            assertThat(got).isEqualTo(Arrays.copyOf(message, 1000));
            assertThat(catchThrowable(() -> c.getInputStream().read())).isInstanceOf(SocketException.class);
        }
        assertThat(relay.bytesFromClients()).isEqualTo(1000);
    }

    @Test
    void closeResetsEveryLinkAndStopsListening() throws Exception {
        start(false);
        try (Socket c = TargetServer.connect(relay.port())) {
            target.next();
            relay.close();
            assertThat(catchThrowable(() -> c.getInputStream().read())).isInstanceOf(SocketException.class);
            int acceptedBefore = relay.acceptedConnections();
            Throwable again = catchThrowable(() -> TargetServer.connect(relay.port()).close());
            // refused; or, rarely, Linux connects the socket to itself when its ephemeral port is the closed
            // listener's (a TCP self-connect): either way the relay takes no new link
            if (again == null) {
                assertThat(relay.acceptedConnections()).as("no link accepted after close").isEqualTo(acceptedBefore);
            } else {
                assertThat(again).isInstanceOf(ConnectException.class);
            }
        }
    }

    // ---- helpers

    private static byte[] readExactly(InputStream in, int n) throws IOException {
        byte[] out = in.readNBytes(n);
        assertThat(out).as("bytes before the end of stream").hasSize(n);
        return out;
    }

    private static void await(Duration timeout, String what, BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout.toMillis() + " ms waiting for " + what);
            }
            Thread.sleep(10);
        }
    }

    /** Watches {@code happened} for the whole window: the claim is that nothing moves for a while. */
    private static void assertStaysFalse(Duration window, String what, BooleanSupplier happened)
            throws InterruptedException {
        long end = System.nanoTime() + window.toNanos();
        while (System.nanoTime() < end) {
            if (happened.getAsBoolean()) {
                throw new AssertionError(what);
            }
            Thread.sleep(10);
        }
    }
}
