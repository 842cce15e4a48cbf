package io.amqproxy;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DeliverCallback;
import com.rabbitmq.client.GetResponse;
import io.amqproxy.testsupport.Frames;
import io.amqproxy.testsupport.ProxyFixture;
import io.amqproxy.testsupport.RawAmqpClient;
import io.amqproxy.testsupport.TestBroker;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Behaviour 8: frame_max is per client. The upstream negotiates the broker's 131072, a client may negotiate
 * less, and the proxy splits body frames so that the client never receives a frame bigger than its own limit.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FrameMaxPerClientTest {

    private static final int SMALL_FRAME_MAX = 4096;

    @RegisterExtension
    final ProxyFixture fx = new ProxyFixture();
    private AmqProxy proxy;

    @BeforeEach
    void start() {
        proxy = fx.proxy();
    }

    private String declareQueue() {
        return fx.newQueue("framemax");
    }

    private static byte[] randomBody(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    private void publishDirect(String queue, byte[] body) {
        fx.broker().run(ch -> {
            ch.confirmSelect();
            ch.basicPublish("", queue, null, body);
            ch.waitForConfirmsOrDie(10_000);
        });
    }

    @Test
    void clientWithSmallFrameMaxReceivesOneMebibyteMessageIntact() throws Exception {
        String q = declareQueue();
        byte[] body = randomBody(1024 * 1024, 8);
        ConnectionFactory f = TestBroker.viaProxy(proxy.port());
        f.setRequestedFrameMax(SMALL_FRAME_MAX);
        try (Connection c = f.newConnection("frame-max 4096 client")) {
            assertThat(c.getFrameMax()).isEqualTo(SMALL_FRAME_MAX);
            Channel ch = c.createChannel();
            BlockingQueue<byte[]> received = new ArrayBlockingQueue<>(1);
            DeliverCallback onDeliver = (tag, d) -> received.offer(d.getBody());
            ch.basicConsume(q, true, onDeliver, tag -> { });

            publishDirect(q, body);
            byte[] got = received.poll(20, TimeUnit.SECONDS);
            assertThat(got).as("1 MiB delivery through a 4096-byte frame_max client").isNotNull();
            assertThat(got).isEqualTo(body);

            // a second one: the split stream of the first left the connection in a sane state
            byte[] second = randomBody(1024 * 1024, 80);
            publishDirect(q, second);
            assertThat(received.poll(20, TimeUnit.SECONDS)).isEqualTo(second);
            assertThat(c.isOpen()).isTrue();
        }
    }

    @Test
    void clientWithSmallFrameMaxGetsOneMebibyteMessageViaBasicGet() throws Exception {
        String q = declareQueue();
        byte[] body = randomBody(1024 * 1024, 9);
        publishDirect(q, body);
        ConnectionFactory f = TestBroker.viaProxy(proxy.port());
        f.setRequestedFrameMax(SMALL_FRAME_MAX);
        try (Connection c = f.newConnection("frame-max 4096 client")) {
            Channel ch = c.createChannel();
            GetResponse r = ch.basicGet(q, true);
            assertThat(r).isNotNull();
            assertThat(r.getBody()).isEqualTo(body);
            // the connection is still usable afterwards
            assertThat(ch.queueDeclarePassive(q).getMessageCount()).isZero();
        }
    }

    @Test
    void rawClientWithFrameMax4096NeverReceivesABiggerFrameOnBasicGet() throws Exception {
        String q = declareQueue();
        byte[] body = randomBody(100_000, 10);
        publishDirect(q, body);
        try (RawAmqpClient raw = RawAmqpClient.connect(proxy.port())) {
            raw.handshake(SMALL_FRAME_MAX, 0);
            raw.openChannel(1);
            raw.sendGet(1, q, true);
            List<RawAmqpClient.Frame> frames = readMessage(raw, 1, Frames.BASIC, 71, body.length);
            assertFramesWithinLimitAndBodyIs(frames, body);
        }
    }

    @Test
    void rawClientWithFrameMax4096NeverReceivesABiggerFrameOnDelivery() throws Exception {
        String q = declareQueue();
        byte[] body = randomBody(100_000, 11);
        try (RawAmqpClient raw = RawAmqpClient.connect(proxy.port())) {
            raw.handshake(SMALL_FRAME_MAX, 0);
            raw.openChannel(1);
            raw.consume(1, q, true);
            publishDirect(q, body);
            List<RawAmqpClient.Frame> frames = readMessage(raw, 1, Frames.BASIC, 60, body.length);
            assertFramesWithinLimitAndBodyIs(frames, body);
        }
    }

    @Test
    void rawClientWithDefaultFrameMaxStillGetsLargeFramesUnsplitWhenTheyFit() throws Exception {
        // Control for the tests above: with the proxy's default offer (131072) a 100 KB body fits one frame,
        // so the 4096 limit above really comes from the client's TuneOk, not from a fixed split size.
        String q = declareQueue();
        byte[] body = randomBody(100_000, 12);
        publishDirect(q, body);
        try (RawAmqpClient raw = RawAmqpClient.connect(proxy.port())) {
            RawAmqpClient.Tune offered = raw.handshake(0, 0);
            assertThat(offered.frameMax()).isEqualTo(131072);
            raw.openChannel(1);
            raw.sendGet(1, q, true);
            List<RawAmqpClient.Frame> frames = readMessage(raw, 1, Frames.BASIC, 71, body.length);
            assertThat(frames).allSatisfy(fr -> assertThat(fr.size()).isLessThanOrEqualTo(131072));
            assertThat(bodyOf(frames)).isEqualTo(body);
        }
    }

    /** Reads the method frame, the content header and body frames up to {@code bodySize} bytes. */
    private static List<RawAmqpClient.Frame> readMessage(RawAmqpClient raw, int channel, int classId, int methodId,
                                                         int bodySize) throws Exception {
        List<RawAmqpClient.Frame> frames = new ArrayList<>();
        RawAmqpClient.Frame m = raw.expectMethod(channel, classId, methodId, Duration.ofSeconds(10));
        frames.add(m);
        RawAmqpClient.Frame header = raw.readNonHeartbeat(Duration.ofSeconds(10));
        assertThat(header.type()).as("content header after " + m).isEqualTo(Frames.HEADER);
        frames.add(header);
        // content header: class-id u16, weight u16, body size u64, property flags...
        long declared = java.nio.ByteBuffer.wrap(header.payload(), 2 + 2, 8).getLong();
        assertThat(declared).isEqualTo(bodySize);
        int got = 0;
        while (got < bodySize) {
            RawAmqpClient.Frame b = raw.readNonHeartbeat(Duration.ofSeconds(10));
            assertThat(b.type()).as("body frame").isEqualTo(Frames.BODY);
            assertThat(b.channel()).isEqualTo(channel);
            frames.add(b);
            got += b.payload().length;
        }
        assertThat(got).isEqualTo(bodySize);
        return frames;
    }

    private static byte[] bodyOf(List<RawAmqpClient.Frame> frames) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        frames.stream().filter(f -> f.type() == Frames.BODY).forEach(f -> out.writeBytes(f.payload()));
        return out.toByteArray();
    }

    private static void assertFramesWithinLimitAndBodyIs(List<RawAmqpClient.Frame> frames, byte[] body) {
        assertThat(frames).allSatisfy(f -> assertThat(f.size())
                .as("size on the wire of %s", f).isLessThanOrEqualTo(SMALL_FRAME_MAX));
        assertThat(frames.stream().filter(f -> f.type() == Frames.BODY).count())
                .as("body frames").isGreaterThanOrEqualTo(body.length / (SMALL_FRAME_MAX - Frames.OVERHEAD));
        assertThat(bodyOf(frames)).isEqualTo(body);
    }
}
