package io.amqproxy;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.GetResponse;
import io.amqproxy.testsupport.Await;
import io.amqproxy.testsupport.Frames;
import io.amqproxy.testsupport.ProxyFixture;
import io.amqproxy.testsupport.RawAmqpClient;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Behaviour 13 (and the connection-level half of 5): bad input gets AMQP's answer and costs nothing else.
 * Wrong protocol headers get {@code AMQP 0 0 9 1} back and a closed socket; broken or oversized frames get
 * Connection.Close 501 FRAME_ERROR; a content frame out of place gets 505 UNEXPECTED_FRAME; a client stalling in
 * the handshake is dropped after the handshake timeout. Throughout, a well-behaved client on the same proxy and
 * the same upstream keeps working, and the upstream is never closed.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BadClientInputTest {

    private static final Duration HANDSHAKE_TIMEOUT = Duration.ofMillis(1500);

    @RegisterExtension
    final ProxyFixture fx = new ProxyFixture(b -> b.handshakeTimeout(HANDSHAKE_TIMEOUT));
    private AmqProxy proxy;
    private Connection bystander;
    private Channel bystanderChannel;
    private String queue;

    @BeforeEach
    void start() throws Exception {
        proxy = fx.proxy();
        bystander = fx.viaProxy("bad input test bystander");
        bystanderChannel = bystander.createChannel();
        bystanderChannel.confirmSelect();
        queue = "amqproxy-test-bad-input-" + UUID.randomUUID();
        bystanderChannel.queueDeclare(queue, false, false, false, null);
        fx.deleteAfter(queue);
    }

    /** The bystander publishes and gets its message back through the proxy: it did not notice anything. */
    private void assertBystanderUnaffected() throws Exception {
        assertThat(bystander.isOpen()).as("bystander connection").isTrue();
        assertThat(bystanderChannel.isOpen()).as("bystander channel").isTrue();
        String text = "ping-" + UUID.randomUUID();
        bystanderChannel.basicPublish("", queue, null, text.getBytes(StandardCharsets.UTF_8));
        bystanderChannel.waitForConfirmsOrDie(5_000);
        GetResponse r = bystanderChannel.basicGet(queue, true);
        assertThat(r).isNotNull();
        assertThat(new String(r.getBody(), StandardCharsets.UTF_8)).isEqualTo(text);
        assertThat(proxy.isRunning()).isTrue();
        assertThat(fx.listener().upstreamCloseReasons()).as("upstream closures").isEmpty();
    }

    // ---- wrong protocol headers

    static Stream<Arguments> wrongHeaders() {
        byte[] garbage = new byte[64];
        new Random(13).nextBytes(garbage);
        garbage[0] = 'X'; // never "AMQP" by chance
        byte[] tlsClientHello = {
                0x16, 0x03, 0x01, 0x00, (byte) 0xa5, // TLS record: handshake, TLS 1.0 record version, length
                0x01, 0x00, 0x00, (byte) 0xa1, 0x03, 0x03, // ClientHello, length, client version TLS 1.2
                0x1a, 0x2b, 0x3c, 0x4d, 0x5e, 0x6f, 0x70, (byte) 0x81}; // the start of client random
        return Stream.of(
                Arguments.of("AMQP 0-9-0", new byte[] {'A', 'M', 'Q', 'P', 0, 0, 9, 0}),
                Arguments.of("AMQP 0-8 (old style)", new byte[] {'A', 'M', 'Q', 'P', 1, 1, 8, 0}),
                Arguments.of("AMQP 1.0", new byte[] {'A', 'M', 'Q', 'P', 0, 1, 0, 0}),
                Arguments.of("HTTP request", "GET / HTTP/1.1\r\nHost: localhost\r\nUser-Agent: test\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII)),
                Arguments.of("TLS ClientHello", tlsClientHello),
                Arguments.of("random garbage", garbage));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("wrongHeaders")
    void wrongProtocolHeaderGetsTheCorrectHeaderBackAndTheSocketClosed(String what, byte[] bytes) throws Exception {
        try (RawAmqpClient raw = RawAmqpClient.connect(proxy.port())) {
            raw.send(bytes);
            byte[] answer = raw.readAllUntilClosed(Duration.ofSeconds(5));
            assertThat(answer).as("everything the proxy wrote before closing").isEqualTo(Frames.PROTOCOL_HEADER);
        }
        assertBystanderUnaffected();
    }

    // ---- broken frames after the handshake

    @Test
    void badFrameEndByteGetsFrameError() throws Exception {
        try (RawAmqpClient raw = RawAmqpClient.connect(proxy.port())) {
            raw.handshake(0, 0);
            raw.send(Frames.frame(Frames.METHOD, 1, Frames.methodPayload(Frames.CHANNEL, 10,
                    Frames.args().shortstr("").bytes()), 0x00));
            RawAmqpClient.Close close = raw.expectConnectionClose(Duration.ofSeconds(5));
            assertThat(close.replyCode()).isEqualTo(501);
            assertThat(close.replyText()).startsWith("FRAME_ERROR");
            raw.sendConnectionCloseOk();
            assertThat(raw.awaitClosed(Duration.ofSeconds(5))).as("socket closed after CloseOk").isTrue();
        }
        assertBystanderUnaffected();
    }

    @Test
    void frameFarBeyondFrameMaxGetsFrameErrorBeforeItsBodyIsSent() throws Exception {
        try (RawAmqpClient raw = RawAmqpClient.connect(proxy.port())) {
            raw.handshake(0, 0);
            raw.openChannel(1);
            // announces a 16 MiB method frame and sends only 100 bytes of it: the proxy must not wait for the rest
            byte[] head = ByteBuffer.allocate(7 + 100).put((byte) Frames.METHOD).putShort((short) 1)
                    .putInt(16 * 1024 * 1024).put(new byte[100]).array();
            raw.send(head);
            RawAmqpClient.Close close = raw.expectConnectionClose(Duration.ofSeconds(5));
            assertThat(close.replyCode()).isEqualTo(501);
            assertThat(close.replyText()).startsWith("FRAME_ERROR");
        }
        assertBystanderUnaffected();
    }

    @Test
    void frameBiggerThanTheNegotiatedFrameMaxGetsFrameErrorAndOneAtTheLimitIsAccepted() throws Exception {
        int frameMax = 4096;
        byte[] fits = new byte[frameMax - Frames.OVERHEAD];
        new Random(4096).nextBytes(fits);
        String q = queue;
        try (RawAmqpClient raw = RawAmqpClient.connect(proxy.port())) {
            raw.handshake(frameMax, 0);
            raw.openChannel(1);
            // a body frame of exactly frame_max bytes on the wire is legal
            raw.send(RawAmqpClient.publishFrames(1, q, fits, fits.length));
            GetResponse r = Await.valueOrFail(Duration.ofSeconds(5), "the frame_max-sized body reaches the queue",
                    () -> getQuietly(q), x -> x != null);
            assertThat(r.getBody()).isEqualTo(fits);

            // a payload bigger than frame_max itself is oversized however one counts (RabbitMQ tolerates up to
            // 8 bytes over, for old clients that left the frame overhead out; this is past that allowance too)
            byte[] tooBig = new byte[frameMax + 1];
            raw.send(RawAmqpClient.publishFrames(1, q, tooBig, tooBig.length));
            RawAmqpClient.Close close = raw.expectConnectionClose(Duration.ofSeconds(5));
            assertThat(close.replyCode()).isEqualTo(501);
            assertThat(close.replyText()).startsWith("FRAME_ERROR");
        }
        assertThat(getQuietly(q)).as("nothing of the rejected message reached the queue").isNull();
        assertBystanderUnaffected();
    }

    // ---- connection-level protocol errors (behaviour 5)

    @Test
    void contentHeaderWithoutPublishClosesOnlyThatClientWithUnexpectedFrame() throws Exception {
        try (RawAmqpClient raw = RawAmqpClient.connect(proxy.port())) {
            raw.handshake(0, 0);
            raw.openChannel(1);
            assertThat(proxy.stats().upstreamConnections()).as("precondition: raw client and bystander share an upstream")
                    .isEqualTo(1);
            raw.send(Frames.contentHeader(1, 5));
            raw.send(Frames.frame(Frames.BODY, 1, "hello".getBytes(StandardCharsets.US_ASCII)));
            RawAmqpClient.Close close = raw.expectConnectionClose(Duration.ofSeconds(5));
            assertThat(close.replyCode()).isEqualTo(505);
            assertThat(close.replyText()).startsWith("UNEXPECTED_FRAME");
            raw.sendConnectionCloseOk();
            assertThat(raw.awaitClosed(Duration.ofSeconds(5))).isTrue();
        }
        assertBystanderUnaffected();
        assertThat(getQuietly(queue)).as("no stray message").isNull();
    }

    @Test
    void bodyFrameWithoutPublishClosesOnlyThatClientWithUnexpectedFrame() throws Exception {
        try (RawAmqpClient raw = RawAmqpClient.connect(proxy.port())) {
            raw.handshake(0, 0);
            raw.openChannel(1);
            raw.send(Frames.frame(Frames.BODY, 1, "orphan body".getBytes(StandardCharsets.US_ASCII)));
            RawAmqpClient.Close close = raw.expectConnectionClose(Duration.ofSeconds(5));
            assertThat(close.replyCode()).isEqualTo(505);
        }
        assertBystanderUnaffected();
    }

    // ---- stalling in the handshake

    @Test
    void clientThatSendsOnlyTheHeaderAndStallsIsDroppedAfterTheHandshakeTimeout() throws Exception {
        try (RawAmqpClient raw = RawAmqpClient.connect(proxy.port())) {
            long t0 = System.nanoTime();
            raw.sendProtocolHeader();
            raw.expectMethod(0, Frames.CONNECTION, 10, Duration.ofSeconds(5)); // Connection.Start, then silence
            assertThat(raw.awaitClosed(Duration.ofSeconds(6))).as("dropped").isTrue();
            double seconds = (System.nanoTime() - t0) / 1e9;
            assertThat(seconds).as("seconds until dropped (timeout 1.5 s)").isBetween(1.2, 4.0);
        }
        assertBystanderUnaffected();
    }

    @Test
    void clientThatStallsMidHandshakeIsDroppedAfterTheHandshakeTimeout() throws Exception {
        try (RawAmqpClient raw = RawAmqpClient.connect(proxy.port())) {
            long t0 = System.nanoTime();
            raw.send(new byte[] {'A', 'M', 'Q'}); // part of a header, then nothing
            assertThat(raw.awaitClosed(Duration.ofSeconds(6))).as("dropped").isTrue();
            double seconds = (System.nanoTime() - t0) / 1e9;
            assertThat(seconds).as("seconds until dropped (timeout 1.5 s)").isBetween(1.2, 4.0);
        }
        try (RawAmqpClient raw = RawAmqpClient.connect(proxy.port())) {
            long t0 = System.nanoTime();
            raw.sendProtocolHeader();
            raw.expectMethod(0, Frames.CONNECTION, 10, Duration.ofSeconds(5));
            // StartOk arrives, then the client never answers Tune
            raw.sendMethod(0, Frames.CONNECTION, 11, Frames.args().table(java.util.Map.of()).shortstr("PLAIN")
                    .longstr("\0guest\0guest").shortstr("en_US"));
            raw.expectMethod(0, Frames.CONNECTION, 30, Duration.ofSeconds(5));
            assertThat(raw.awaitClosed(Duration.ofSeconds(6))).as("dropped").isTrue();
            double seconds = (System.nanoTime() - t0) / 1e9;
            assertThat(seconds).as("seconds until dropped (timeout 1.5 s)").isBetween(1.2, 4.0);
        }
        assertBystanderUnaffected();
    }

    @Test
    void aClientThatFinishesTheHandshakeInTimeIsNotDroppedLater() throws Exception {
        try (RawAmqpClient raw = RawAmqpClient.connect(proxy.port())) {
            raw.handshake(0, 0);
            Thread.sleep(HANDSHAKE_TIMEOUT.toMillis() + 1000); // time passing is the point
            raw.openChannel(1);
        }
    }

    private GetResponse getQuietly(String q) {
        return fx.broker().get(q);
    }
}
