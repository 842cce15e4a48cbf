package io.amqproxy.impl.codec;

import io.amqproxy.testsupport.RandomTries;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link FrameDecoder} on byte arrays, as randomized tests: however a valid stream is cut into reads, the same frames
 * come out; whatever bytes arrive, the decoder reports a frame error or waits for more, never throws, and never
 * buffers past one frame's limit. Each test runs a fixed number of tries (see {@link RandomTries}: the seed is in
 * every failure message, and {@code -Dfuzz.seed=<seed>} replays it).
 */
class FrameDecoderPropertiesTest {

    private static final int MAX_FRAME = 4096;

    /** A decoded frame, copied out of the buffer. */
    record Decoded(int type, int channel, List<Byte> payload) {
        static Decoded of(int type, int channel, byte[] payload) {
            List<Byte> p = new ArrayList<>(payload.length);
            for (byte b : payload) {
                p.add(b);
            }
            return new Decoded(type, channel, p);
        }
    }

    /** Keeps what the decoder hands out; the buffer is read with absolute gets only, as the contract says. */
    private static final class Recorder implements FrameHandler {
        final List<Decoded> frames = new ArrayList<>();
        int errors;
        int errorCode;

        @Override
        public boolean onFrame(int type, int channel, ByteBuffer buf, int off, int len) {
            byte[] p = new byte[len];
            buf.get(off, p);
            frames.add(Decoded.of(type, channel, p));
            return true;
        }

        @Override
        public void onFrameError(int replyCode, String replyText) {
            errors++;
            errorCode = replyCode;
        }
    }

    @Test
    void anyChunkingOfAValidStreamDecodesToTheSameFrames() {
        RandomTries.run(RandomTries.seed(), 300, (rnd, sample) -> {
            List<Decoded> frames = sample.add("frames", validFrames(rnd));
            List<Integer> cutSeeds = sample.add("cutSeeds", cuts(rnd));
            byte[] stream = encode(frames);
            int[] cuts = cutSeeds.stream().mapToInt(c -> Math.floorMod(c, stream.length + 1)).sorted().distinct()
                    .toArray();

            Recorder r = new Recorder();
            ByteBuffer buf = ByteBuffer.allocate(stream.length + MAX_FRAME);
            int from = 0;
            for (int i = 0; i <= cuts.length; i++) {
                int to = i < cuts.length ? cuts[i] : stream.length;
                buf.put(stream, from, to - from).flip();
                assertThat(FrameDecoder.decode(buf, MAX_FRAME, r)).as("a valid stream is never broken").isTrue();
                assertThat(buf.remaining()).as("left over: less than one whole frame").isLessThan(MAX_FRAME);
                buf.compact();
                from = to;
            }
            buf.flip();
            assertThat(buf.remaining()).as("nothing left at the end").isZero();
            assertThat(r.errors).isZero();
            assertThat(r.frames).isEqualTo(frames);
        });
    }

    @Test
    void randomBytesNeverThrowAndLeaveTheBufferAtAFrameBoundary() {
        RandomTries.run(RandomTries.seed(), 1000, (rnd, sample) -> {
            byte[] bytes = sample.add("bytes", payloads(rnd, 0, 600));
            int maxFrame = sample.add("maxFrame", intBetween(rnd, 8, 1024));
            Recorder r = new Recorder();
            ByteBuffer buf = ByteBuffer.wrap(bytes);
            boolean ok = FrameDecoder.decode(buf, maxFrame, r);

            assertThat(ok).as("false exactly when an error was reported").isEqualTo(r.errors == 0);
            assertThat(r.errors).as("at most one error per call").isLessThanOrEqualTo(1);
            if (r.errors == 1) {
                assertThat(r.errorCode).isEqualTo(ReplyCodes.FRAME_ERROR);
            }
            int consumed = 0;
            for (Decoded d : r.frames) {
                assertThat(d.type()).isIn(Frames.TYPE_METHOD, Frames.TYPE_HEADER, Frames.TYPE_BODY,
                        Frames.TYPE_HEARTBEAT);
                assertThat(d.payload().size() + Frames.OVERHEAD).isLessThanOrEqualTo(maxFrame);
                if (d.type() == Frames.TYPE_METHOD) {
                    assertThat(d.payload().size()).isGreaterThanOrEqualTo(4);
                }
                consumed += d.payload().size() + Frames.OVERHEAD;
            }
            assertThat(buf.position()).as("position after the frames handed out").isEqualTo(consumed);
            if (ok) {
                assertThat(buf.remaining()).as("an incomplete frame kept for later is smaller than the limit")
                        .isLessThan(maxFrame);
            }
        });
    }

    @Test
    void aFrameErrorInTheMiddleStopsDecodingThere() {
        RandomTries.run(RandomTries.seed(), 300, (rnd, sample) -> {
            List<Decoded> before = sample.add("before", validFrames(rnd));
            int badEnd = sample.add("badEnd", intBetween(rnd, 0, 255));
            if (badEnd == Frames.FRAME_END) {
                badEnd = 0;
            }
            byte[] good = encode(before);
            byte[] bad = frame(Frames.TYPE_BODY, 1, new byte[] {1, 2, 3}, badEnd);
            byte[] stream = Arrays.copyOf(good, good.length + bad.length + 16);
            System.arraycopy(bad, 0, stream, good.length, bad.length);

            Recorder r = new Recorder();
            ByteBuffer buf = ByteBuffer.wrap(stream);
            assertThat(FrameDecoder.decode(buf, MAX_FRAME, r)).isFalse();
            assertThat(r.frames).isEqualTo(before);
            assertThat(r.errors).isEqualTo(1);
            assertThat(r.errorCode).isEqualTo(ReplyCodes.FRAME_ERROR);
            assertThat(buf.position()).isEqualTo(good.length);
        });
    }

    // ---- generators

    /** 1 to 12 frames, weighted 4 method, 4 header or body, 1 body near the limit, 1 heartbeat. */
    private static List<Decoded> validFrames(SplittableRandom rnd) {
        int n = intBetween(rnd, 1, 12);
        List<Decoded> frames = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int pick = rnd.nextInt(10);
            if (pick < 4) {
                frames.add(Decoded.of(Frames.TYPE_METHOD, channel(rnd), payloads(rnd, 4, 200)));
            } else if (pick < 8) {
                int type = rnd.nextBoolean() ? Frames.TYPE_HEADER : Frames.TYPE_BODY;
                frames.add(Decoded.of(type, channel(rnd), payloads(rnd, 0, 300)));
            } else if (pick < 9) {
                frames.add(Decoded.of(Frames.TYPE_BODY, channel(rnd),
                        payloads(rnd, MAX_FRAME - Frames.OVERHEAD - 8, MAX_FRAME - Frames.OVERHEAD)));
            } else {
                frames.add(Decoded.of(Frames.TYPE_HEARTBEAT, 0, new byte[0]));
            }
        }
        return frames;
    }

    /** 0 to 40 non-negative ints, taken modulo the stream length + 1 as cut points. */
    private static List<Integer> cuts(SplittableRandom rnd) {
        int n = intBetween(rnd, 0, 40);
        List<Integer> cuts = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            cuts.add(intBetween(rnd, 0, Integer.MAX_VALUE));
        }
        return cuts;
    }

    /** A low channel or any channel, evenly. */
    private static int channel(SplittableRandom rnd) {
        return rnd.nextBoolean() ? intBetween(rnd, 0, 3) : intBetween(rnd, 0, 65535);
    }

    /** min to max random bytes. */
    private static byte[] payloads(SplittableRandom rnd, int min, int max) {
        byte[] b = new byte[intBetween(rnd, min, max)];
        rnd.nextBytes(b);
        return b;
    }

    /** Between min and max inclusive; one draw in ten is an edge (min, min + 1, max - 1, max, or 0 if in range). */
    private static int intBetween(SplittableRandom rnd, int min, int max) {
        if (rnd.nextInt(10) == 0) {
            int[] edges = {min, Math.min(min + 1, max), Math.max(max - 1, min), max, min <= 0 && 0 <= max ? 0 : min};
            return edges[rnd.nextInt(edges.length)];
        }
        return (int) rnd.nextLong(min, (long) max + 1);
    }

    private static byte[] encode(List<Decoded> frames) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Decoded d : frames) {
            byte[] p = new byte[d.payload().size()];
            for (int i = 0; i < p.length; i++) {
                p[i] = d.payload().get(i);
            }
            out.writeBytes(frame(d.type(), d.channel(), p, Frames.FRAME_END));
        }
        return out.toByteArray();
    }

    private static byte[] frame(int type, int channel, byte[] payload, int end) {
        return ByteBuffer.allocate(payload.length + Frames.OVERHEAD).put((byte) type).putShort((short) channel)
                .putInt(payload.length).put(payload).put((byte) end).array();
    }
}
