package io.amqproxy;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.GetResponse;
import io.amqproxy.ContentFrameRules.ContentModel;
import io.amqproxy.ContentFrameRules.Token;
import io.amqproxy.testsupport.Await;
import io.amqproxy.testsupport.Frames;
import io.amqproxy.testsupport.ProxyFixture;
import io.amqproxy.testsupport.RandomTries;
import io.amqproxy.testsupport.RawAmqpClient;
import io.amqproxy.testsupport.TestBroker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 5, hostile and broken input, as randomized tests: whatever a client sends, it ends with a Connection.Close
 * carrying one of AMQP's connection error codes or with a closed socket, within seconds, and nobody else notices.
 *
 * <p>Each test runs a fixed number of tries (see {@link RandomTries}: the seed is in every failure message, and
 * {@code -Dfuzz.seed=<seed>} replays it) against one proxy with one bystander, a well-behaved client opened once for
 * the whole test and logged in as the same user as the hostile clients, so they share its pooled upstream
 * connection. After every try the bystander publishes with confirms and gets its own message back, and no upstream
 * connection may have closed. After the test the proxy still accepts a new client and counts exactly one connected
 * client, the bystander. Every read is bounded by a socket timeout, so a hang is a failure, not a stuck build.
 *
 * <p>A test stops at its first failing try, and there is no shrinking: a try that broke the shared upstream or the
 * bystander poisons every later try, so the first failing sample is the one to read.
 */
class HostileInputFuzzTest {

    /** The connection-level reply codes AMQP 0-9-1 has for broken input. */
    private static final Set<Integer> CONNECTION_ERRORS = Set.of(501, 502, 503, 504, 505, 530, 540);
    private static final Duration BOUND = Duration.ofSeconds(5);
    private static final int CONNECTION_CLASS = 10;

    /** This test's seed: JUnit makes a new instance for every test method. */
    private final long seed = RandomTries.seed();
    @RegisterExtension
    final ProxyFixture fx = new ProxyFixture(b -> b.handshakeTimeout(Duration.ofSeconds(2))
            .shutdownTimeout(Duration.ofMillis(300)));
    private AmqProxy proxy;
    private Connection bystander;
    private Channel bystanderChannel;
    private String bystanderQueue;

    @BeforeEach
    void startProxyAndBystander() throws Exception {
        proxy = fx.proxy();
        bystander = fx.viaProxy("fuzz test bystander");
        bystanderChannel = bystander.createChannel();
        bystanderChannel.confirmSelect();
        bystanderQueue = "amqproxy-it-fuzz-" + UUID.randomUUID();
        bystanderChannel.queueDeclare(bystanderQueue, false, false, false, null);
        fx.deleteAfter(bystanderQueue);
    }

    /** Runs before the fixture's teardown, so the proxy is still up. */
    @AfterEach
    void proxyStillServesAndLeaksNoClient() {
        try (Connection fresh = TestBroker.viaProxy(proxy.port()).newConnection("fuzz test newcomer")) {
            Channel ch = fresh.createChannel();
            ch.queueDeclarePassive(bystanderQueue);
        } catch (Exception e) {
            throw new AssertionError("a new client after all tries (" + RandomTries.replay(seed) + "): " + e, e);
        }
        // the bystander, unless a failed try took it down (that try's own failure says more than this would)
        long expected = bystander.isOpen() ? 1 : 0;
        long clients = Await.value(Duration.ofSeconds(10), () -> proxy.stats().clientConnections(),
                n -> n == expected);
        assertThat(clients).as("clients connected after all tries: only the bystander (stats %s; %s)",
                proxy.stats(), RandomTries.replay(seed)).isEqualTo(expected);
    }

    // ---- the tests

    @Test
    void randomBytesAfterTheProtocolHeader() {
        RandomTries.run(seed, 150, (rnd, sample) -> {
            byte[] bytes = sample.add("bytes", bytes(rnd, 2000));
            try (RawAmqpClient raw = RawAmqpClient.connect(proxy.port())) {
                Outcome o = sendAndObserve(raw, Frames.concat(Frames.PROTOCOL_HEADER, bytes), true);
                o.assertConnectionErrorOrClosed();
            }
            assertBystanderUnaffected();
        });
    }

    @Test
    void randomFramesDuringTheHandshake() {
        RandomTries.run(seed, 100, (rnd, sample) -> {
            List<byte[]> frames = sample.add("frames", randomFrames(rnd));
            try (RawAmqpClient raw = RawAmqpClient.connect(proxy.port())) {
                byte[] all = Frames.concat(Frames.PROTOCOL_HEADER, Frames.concat(frames.toArray(byte[][]::new)));
                Outcome o = sendAndObserve(raw, all, true);
                o.assertConnectionErrorOrClosed();
            }
            assertBystanderUnaffected();
        });
    }

    @Test
    void randomFramesAfterAValidHandshake() {
        RandomTries.run(seed, 150, (rnd, sample) -> {
            List<byte[]> frames = sample.add("frames", randomFrames(rnd));
            try (RawAmqpClient raw = RawAmqpClient.connect(proxy.port())) {
                raw.handshake(0, 0);
                // whatever the random frames did, a broken frame end must finish the connection now
                byte[] all = Frames.concat(Frames.concat(frames.toArray(byte[][]::new)), badEnd());
                Outcome o = sendAndObserve(raw, all, false);
                o.assertConnectionErrorOrClosed();
            }
            assertBystanderUnaffected();
        });
    }

    /**
     * Every prefix of a valid session (handshake, channel, a publish, closes), then the client half-closes: not
     * random, one try per offset, 0 to the whole stream.
     */
    @Test
    void aValidStreamTruncatedAtEveryOffsetThenClosed() {
        byte[] stream = validStream();
        RandomTries.run(seed, stream.length + 1, (rnd, sample) -> {
            int offset = sample.add("offset", sample.index());
            try (RawAmqpClient raw = RawAmqpClient.connect(proxy.port())) {
                Outcome o = sendAndObserve(raw, Arrays.copyOf(stream, offset), true);
                o.assertConnectionErrorOrClosed();
            }
            assertBystanderUnaffected();
        });
    }

    @Test
    void oversizeFrameSizesAreRefusedBeforeTheirPayloadArrives() {
        RandomTries.run(seed, 100, (rnd, sample) -> {
            boolean afterHandshake = sample.add("afterHandshake", rnd.nextBoolean());
            int type = sample.add("type", frameType(rnd));
            int channel = sample.add("channel", intBetween(rnd, 0, 3));
            long over = sample.add("over", oversizeMargin(rnd));
            try (RawAmqpClient raw = RawAmqpClient.connect(proxy.port())) {
                long limit;
                if (afterHandshake) {
                    limit = raw.handshake(0, 0).frameMax();
                } else {
                    raw.sendProtocolHeader();
                    limit = proxy.config().limits().frameMax();
                }
                // payload size such that payload + 8 exceeds the limit by "over" (wrapping is not allowed: u32)
                long size = Math.min(0xFFFFFFFFL, limit - Frames.OVERHEAD + over);
                byte[] head = ByteBuffer.allocate(7 + 16).put((byte) type).putShort((short) channel)
                        .putInt((int) size).put(new byte[16]).array();
                Outcome o = sendAndObserve(raw, head, false);
                o.assertConnectionError(501);
            }
            assertBystanderUnaffected();
        });
    }

    @Test
    void badFrameEndsGetFrameError() {
        RandomTries.run(seed, 100, (rnd, sample) -> {
            boolean afterHandshake = sample.add("afterHandshake", rnd.nextBoolean());
            int type = sample.add("type", frameType(rnd));
            int channel = sample.add("channel", intBetween(rnd, 0, 3));
            byte[] payload = sample.add("payload", bytes(rnd, 64));
            int endByte = sample.add("end", intBetween(rnd, 0, 255));
            if (endByte == Frames.FRAME_END) {
                endByte = 0;
            }
            byte[] p = type == Frames.METHOD ? Frames.concat(new byte[] {0, 20, 0, 10}, payload) : payload;
            try (RawAmqpClient raw = RawAmqpClient.connect(proxy.port())) {
                startSession(raw, afterHandshake);
                Outcome o = sendAndObserve(raw, Frames.frame(type, channel, p, endByte), false);
                o.assertConnectionError(501);
            }
            assertBystanderUnaffected();
        });
    }

    @Test
    void unknownFrameTypesGetFrameError() {
        RandomTries.run(seed, 100, (rnd, sample) -> {
            boolean afterHandshake = sample.add("afterHandshake", rnd.nextBoolean());
            int type = sample.add("type", unknownFrameType(rnd));
            int channel = sample.add("channel", intBetween(rnd, 0, 65535));
            byte[] payload = sample.add("payload", bytes(rnd, 64));
            try (RawAmqpClient raw = RawAmqpClient.connect(proxy.port())) {
                startSession(raw, afterHandshake);
                Outcome o = sendAndObserve(raw, Frames.frame(type, channel, payload), false);
                o.assertConnectionError(501);
            }
            assertBystanderUnaffected();
        });
    }

    @Test
    void channelZeroMethodsTheProxyCannotHonour() {
        RandomTries.run(seed, 150, (rnd, sample) -> {
            byte[] payload = sample.add("payload", unhonourableChannelZeroMethod(rnd));
            int classId = classOf(payload);
            int methodId = methodOf(payload);
            try (RawAmqpClient raw = RawAmqpClient.connect(proxy.port())) {
                raw.handshake(0, 0);
                raw.openChannel(1);
                if (classId == CONNECTION_CLASS && methodId == 70) {
                    // update-secret: the internal user database takes any secret that decodes (UpdateSecretOk, as
                    // directly); one that does not decode is a connection error
                    raw.send(Frames.frame(Frames.METHOD, 0, payload));
                    RawAmqpClient.Frame answer = raw.readNonHeartbeat(BOUND);
                    if (!answer.isMethod(CONNECTION_CLASS, 71)) {
                        assertThat(answer.isMethod(CONNECTION_CLASS, 50)).as("%s", answer).isTrue();
                        assertThat(CONNECTION_ERRORS).contains(RawAmqpClient.parseClose(answer).replyCode());
                    }
                    return;
                }
                Outcome o = sendAndObserve(raw, Frames.frame(Frames.METHOD, 0, payload), false);
                {
                    o.assertConnectionErrorOrClosed();
                    assertThat(o.closeCode).as("a Connection.Close, not just a closed socket, for method %d.%d: %s",
                            classId, methodId, o).isNotEqualTo(-1);
                }
            }
            assertBystanderUnaffected();
        });
    }

    @Test
    void contentFramesOutOfOrder() {
        RandomTries.run(seed, 150, (rnd, sample) -> {
            List<Token> tokens = sample.add("tokens", contentTokens(rnd));
            // play the tokens against the rules until the first one that breaks them; add one if none does
            List<Token> played = new ArrayList<>();
            ContentModel model = new ContentModel();
            int expected = -1;
            for (Token t : tokens) {
                played.add(t);
                expected = model.accept(t);
                if (expected != -1) {
                    break;
                }
            }
            if (expected == -1) {
                Token breaker = model.breaker();
                played.add(breaker);
                expected = model.accept(breaker);
            }
            sample.add("played", played);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (Token t : played) {
                out.writeBytes(t.bytes(1));
            }
            try (RawAmqpClient raw = RawAmqpClient.connect(proxy.port())) {
                raw.handshake(0, 0);
                raw.openChannel(1);
                Outcome o = sendAndObserve(raw, out.toByteArray(), false);
                if (expected == 505) {
                    o.assertConnectionError(505);
                } else {
                    // a body longer than its header declared: a frame error or an unexpected frame, both fair
                    o.assertConnectionErrorOrClosed();
                    assertThat(o.closeCode).as("%s", o).isIn(501, 505);
                }
            }
            assertBystanderUnaffected();
        });
    }

    /**
     * A method the proxy passes on to the broker must not let one client break the upstream connection it shares
     * with others: an unknown method, or a known one with broken arguments, is a connection error at the broker.
     */
    @Test
    void randomMethodsOnAnOpenChannel() {
        RandomTries.run(seed, 100, (rnd, sample) -> {
            byte[] payload = sample.add("payload", randomMethodPayload(rnd));
            try (RawAmqpClient raw = RawAmqpClient.connect(proxy.port())) {
                raw.handshake(0, 0);
                raw.openChannel(1);
                byte[] all = Frames.concat(Frames.frame(Frames.METHOD, 1, payload), badEnd());
                Outcome o = sendAndObserve(raw, all, false);
                o.assertConnectionErrorOrClosed();
            }
            assertBystanderUnaffected();
        });
    }

    // ---- generators

    /** Between min and max inclusive; one draw in ten is an edge (min, min + 1, max - 1, max, or 0 if in range). */
    private static int intBetween(SplittableRandom rnd, int min, int max) {
        if (rnd.nextInt(10) == 0) {
            int[] edges = {min, Math.min(min + 1, max), Math.max(max - 1, min), max, min <= 0 && 0 <= max ? 0 : min};
            return edges[rnd.nextInt(edges.length)];
        }
        return (int) rnd.nextLong(min, (long) max + 1);
    }

    /** Between min and max inclusive, with edges as in {@link #intBetween}. */
    private static long longBetween(SplittableRandom rnd, long min, long max) {
        if (rnd.nextInt(10) == 0) {
            long[] edges = {min, Math.min(min + 1, max), Math.max(max - 1, min), max};
            return edges[rnd.nextInt(edges.length)];
        }
        return rnd.nextLong(min, max + 1);
    }

    /** 0 to maxSize random bytes. */
    private static byte[] bytes(SplittableRandom rnd, int maxSize) {
        byte[] b = new byte[intBetween(rnd, 0, maxSize)];
        rnd.nextBytes(b);
        return b;
    }

    /** 0 to maxLength chars: half printable ASCII, half anywhere in the BMP but surrogates. */
    private static String string(SplittableRandom rnd, int maxLength) {
        int n = intBetween(rnd, 0, maxLength);
        StringBuilder sb = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            char c;
            do {
                c = rnd.nextBoolean() ? (char) rnd.nextInt(0x20, 0x7F) : (char) rnd.nextInt(0, 0x10000);
            } while (Character.isSurrogate(c));
            sb.append(c);
        }
        return sb.toString();
    }

    @SafeVarargs
    private static <T> T oneOf(SplittableRandom rnd, T... choices) {
        return choices[rnd.nextInt(choices.length)];
    }

    private static int frameType(SplittableRandom rnd) {
        return oneOf(rnd, Frames.METHOD, Frames.HEADER, Frames.BODY, Frames.HEARTBEAT);
    }

    private static int unknownFrameType(SplittableRandom rnd) {
        while (true) {
            int t = intBetween(rnd, 0, 255);
            if (t != Frames.METHOD && t != Frames.HEADER && t != Frames.BODY && t != Frames.HEARTBEAT) {
                return t;
            }
        }
    }

    /** A little over the limit or anything up to u32 over it, evenly. */
    private static long oversizeMargin(SplittableRandom rnd) {
        return rnd.nextBoolean() ? longBetween(rnd, 1, 16) : longBetween(rnd, 1, 0xFFFFFFFFL);
    }

    /** A low channel or any channel, evenly. */
    private static int channel(SplittableRandom rnd) {
        return rnd.nextBoolean() ? intBetween(rnd, 0, 3) : intBetween(rnd, 0, 65535);
    }

    /** 1 to 8 well-formed frames of any type on low and random channels; methods with real or random ids. */
    private static List<byte[]> randomFrames(SplittableRandom rnd) {
        int n = intBetween(rnd, 1, 8);
        List<byte[]> frames = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            frames.add(randomFrame(rnd));
        }
        return frames;
    }

    /** Weighted 4 method, 2 header, 2 body, 1 heartbeat, 1 any type at all. */
    private static byte[] randomFrame(SplittableRandom rnd) {
        int pick = rnd.nextInt(10);
        int type = pick < 4 ? Frames.METHOD : pick < 6 ? Frames.HEADER : pick < 8 ? Frames.BODY
                : pick < 9 ? Frames.HEARTBEAT : intBetween(rnd, 0, 255);
        int channel = channel(rnd);
        byte[] method = methodPayload(rnd);
        byte[] raw = bytes(rnd, 200);
        // channel.open would open a channel and pass what follows to the broker: that is
        // randomMethodsOnAnOpenChannel's business, not this test's
        if (type == Frames.METHOD && !isChannelOpen(method)) {
            return Frames.frame(type, channel, method);
        }
        return Frames.frame(type == Frames.METHOD ? Frames.BODY : type, channel, raw);
    }

    /** Any method payload but Channel.Open. */
    private static byte[] randomMethodPayload(SplittableRandom rnd) {
        while (true) {
            byte[] p = methodPayload(rnd);
            if (!isChannelOpen(p)) {
                return p;
            }
        }
    }

    /** Methods on channel 0 that a proxy in front of a pool cannot honour; never Connection.Close itself. */
    private static byte[] unhonourableChannelZeroMethod(SplittableRandom rnd) {
        switch (rnd.nextInt(5)) {
            case 0: { // update-secret
                String secret = string(rnd, 40);
                String reason = string(rnd, 40);
                return Frames.methodPayload(CONNECTION_CLASS, 70,
                        Frames.args().longstr(secret).shortstr(truncate(reason)).bytes());
            }
            case 1: // blocked
                return Frames.methodPayload(CONNECTION_CLASS, 60,
                        Frames.args().shortstr(truncate(string(rnd, 40))).bytes());
            case 2: // unblocked
                return Frames.methodPayload(CONNECTION_CLASS, 61, new byte[0]);
            case 3: // the handshake again
                return Frames.methodPayload(CONNECTION_CLASS, oneOf(rnd, 10, 11, 20, 21, 30, 31, 40, 41, 51, 71),
                        new byte[8]);
            default:
                while (true) {
                    byte[] p = methodPayload(rnd);
                    if (!(classOf(p) == CONNECTION_CLASS && methodOf(p) == 50)) {
                        return p;
                    }
                }
        }
    }

    /** 1 to 10 of publish, header (body size 0 to 64), body (0 to 64 bytes) and heartbeat, evenly. */
    private static List<Token> contentTokens(SplittableRandom rnd) {
        int n = intBetween(rnd, 1, 10);
        List<Token> tokens = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            tokens.add(switch (rnd.nextInt(4)) {
                case 0 -> Token.publish();
                case 1 -> Token.header(intBetween(rnd, 0, 64));
                case 2 -> Token.body(intBetween(rnd, 0, 64));
                default -> Token.heartbeat();
            });
        }
        return tokens;
    }

    /** A method payload: class and method ids from the real classes or anything, then random argument bytes. */
    private static byte[] methodPayload(SplittableRandom rnd) {
        int classId = rnd.nextBoolean() ? oneOf(rnd, 10, 20, 40, 50, 60, 85, 90) : intBetween(rnd, 0, 65535);
        int methodId = rnd.nextBoolean() ? intBetween(rnd, 0, 120) : intBetween(rnd, 0, 65535);
        return Frames.methodPayload(classId, methodId, bytes(rnd, 200));
    }

    private static boolean isChannelOpen(byte[] methodPayload) {
        return classOf(methodPayload) == 20 && methodOf(methodPayload) == 10;
    }

    private static int classOf(byte[] p) {
        return ((p[0] & 0xFF) << 8) | (p[1] & 0xFF);
    }

    private static int methodOf(byte[] p) {
        return ((p[2] & 0xFF) << 8) | (p[3] & 0xFF);
    }

    private static String truncate(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return b.length <= 255 ? s : s.substring(0, 60);
    }

    // ---- the session being fuzzed

    private static void startSession(RawAmqpClient raw, boolean afterHandshake) throws IOException {
        if (afterHandshake) {
            raw.handshake(0, 0);
        } else {
            raw.sendProtocolHeader();
        }
    }

    /** A heartbeat frame with a wrong end octet: always a frame error. */
    private static byte[] badEnd() {
        return Frames.frame(Frames.HEARTBEAT, 0, new byte[0], 0x00);
    }

    /** Header, handshake as guest, a channel, one publish in two body frames, Channel.Close, Connection.Close. */
    private static byte[] validStream() {
        byte[] startOk = Frames.method(0, CONNECTION_CLASS, 11, Frames.args()
                .table(Map.of("product", "fuzz", "capabilities", Map.of("connection.blocked", true)))
                .shortstr("PLAIN").longstr("\0guest\0guest").shortstr("en_US").bytes());
        byte[] tuneOk = Frames.method(0, CONNECTION_CLASS, 31,
                Frames.args().shortInt(0).longInt(0).shortInt(0).bytes());
        byte[] open = Frames.method(0, CONNECTION_CLASS, 40,
                Frames.args().shortstr("/").shortstr("").bit(false).bytes());
        byte[] channelOpen = Frames.method(1, Frames.CHANNEL, 10, Frames.args().shortstr("").bytes());
        byte[] publish = RawAmqpClient.publishFrames(1, "amqproxy-it-fuzz-nowhere",
                "0123456789".getBytes(StandardCharsets.US_ASCII), 6);
        byte[] channelClose = Frames.method(1, Frames.CHANNEL, 40, Frames.args().shortInt(200).shortstr("bye")
                .shortInt(0).shortInt(0).bytes());
        byte[] connectionClose = Frames.method(0, CONNECTION_CLASS, 50, Frames.args().shortInt(200).shortstr("bye")
                .shortInt(0).shortInt(0).bytes());
        return Frames.concat(Frames.PROTOCOL_HEADER, startOk, tuneOk, open, channelOpen, publish, channelClose,
                connectionClose);
    }

    /** How a hostile session ended: the Connection.Close code the proxy sent, or -1 if it just closed the socket. */
    private record Outcome(int closeCode, String closeText, List<String> framesSeen) {
        void assertConnectionErrorOrClosed() {
            if (closeCode != -1) {
                assertThat(CONNECTION_ERRORS).as("Connection.Close code in %s", this).contains(closeCode);
            }
        }

        void assertConnectionError(int code) {
            assertThat(closeCode).as("%s", this).isEqualTo(code);
        }
    }

    /**
     * Sends the bytes (a send the proxy cuts short counts as sent), half-closes if asked, then reads until
     * Connection.Close or end of stream; fails if neither comes within {@link #BOUND}.
     */
    private static Outcome sendAndObserve(RawAmqpClient raw, byte[] bytes, boolean halfClose) throws IOException {
        try {
            raw.send(bytes);
            if (halfClose) {
                raw.socket().shutdownOutput();
            }
        } catch (SocketException e) {
            // the proxy closed before it read everything: fine, see what it said
        }
        List<String> seen = new ArrayList<>();
        long deadline = System.nanoTime() + BOUND.toNanos();
        while (true) {
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                throw new AssertionError("no Connection.Close and no closed socket within " + BOUND
                        + " (a hang); frames seen: " + seen);
            }
            RawAmqpClient.Frame f;
            try {
                f = raw.readFrame(Duration.ofMillis(left));
            } catch (SocketTimeoutException e) {
                continue;
            } catch (EOFException | SocketException e) {
                return new Outcome(-1, null, seen);
            }
            seen.add(f.toString());
            if (f.channel() == 0 && f.isMethod(CONNECTION_CLASS, 50)) {
                RawAmqpClient.Close c = RawAmqpClient.parseClose(f);
                try {
                    raw.sendConnectionCloseOk();
                } catch (SocketException ignored) {
                    // gone already
                }
                return new Outcome(c.replyCode(), c.replyText(), seen);
            }
        }
    }

    private void assertBystanderUnaffected() throws Exception {
        assertThat(bystander.isOpen()).as("bystander connection open (close reason: %s)",
                bystander.getCloseReason()).isTrue();
        String text = "ping-" + UUID.randomUUID();
        GetResponse r;
        try {
            bystanderChannel.basicPublish("", bystanderQueue, null, text.getBytes(StandardCharsets.UTF_8));
            bystanderChannel.waitForConfirmsOrDie(5_000);
            r = bystanderChannel.basicGet(bystanderQueue, true);
        } catch (Exception e) {
            throw new AssertionError("the bystander could not publish and get its message after this try: " + e, e);
        }
        assertThat(r).as("the bystander's own message").isNotNull();
        assertThat(new String(r.getBody(), StandardCharsets.UTF_8)).isEqualTo(text);
        // the connections an update-secret is tried on close when done; no other upstream may
        assertThat(fx.listener().upstreamCloseReasons()).as("upstream connections closed")
                .filteredOn(reason -> !reason.equals("200 trial over")).isEmpty();
    }
}
