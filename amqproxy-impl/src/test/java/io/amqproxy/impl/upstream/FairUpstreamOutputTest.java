package io.amqproxy.impl.upstream;

import io.amqproxy.impl.codec.FrameWriter;
import io.amqproxy.impl.codec.Frames;
import io.amqproxy.impl.loop.BufferPool;
import io.amqproxy.impl.loop.OutputBuffer;
import io.amqproxy.impl.loop.OutputBytes;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** The fair output of a shared upstream, without a socket: what leaves, in which order, and how much at a time. */
class FairUpstreamOutputTest {

    private static final int STAGE = 128 * 1024;
    private static final int BIG = 128 * 1024;

    private final BufferPool pool = new BufferPool(64);
    private final FairUpstreamOutput lanes = new FairUpstreamOutput(pool);

    /** One frame as it left: its channel and payload. */
    private record Frame(int channel, byte[] payload) {
    }

    private static byte[] payload(int channel, int seq, int size) {
        byte[] p = new byte[size];
        for (int i = 0; i < size; i++) {
            p[i] = (byte) (channel * 31 + seq * 7 + i);
        }
        if (size >= 8) {
            ByteBuffer.wrap(p).putInt(0, channel).putInt(4, seq);
        }
        return p;
    }

    private void queue(int channel, Object owner, byte[] payload) {
        FrameWriter.frame(lanes.lane(channel, owner), Frames.TYPE_BODY, channel, ByteBuffer.wrap(payload), 0,
                payload.length);
    }

    /** Parses the frames of bytes a socket would have received. */
    private static List<Frame> frames(byte[] bytes) {
        List<Frame> list = new ArrayList<>();
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
            assertThat(b.get() & 0xFF).isEqualTo(Frames.TYPE_BODY);
            int channel = b.getShort() & 0xFFFF;
            byte[] p = new byte[b.getInt()];
            b.get(p);
            assertThat(b.get() & 0xFF).as("frame end").isEqualTo(Frames.FRAME_END);
            list.add(new Frame(channel, p));
        }
        return list;
    }

    /** Fills and drains until the lanes are empty, as the connection's flushes would; returns every round's bytes. */
    private List<byte[]> drainInRounds(int stage) {
        List<byte[]> rounds = new ArrayList<>();
        OutputBuffer out = new OutputBuffer(pool);
        for (int i = 0; i < 100_000 && !lanes.isEmpty(); i++) {
            lanes.fill(out, stage);
            rounds.add(OutputBytes.drain(out));
        }
        assertThat(lanes.isEmpty()).isTrue();
        return rounds;
    }

    private static byte[] concat(List<byte[]> rounds) {
        int n = rounds.stream().mapToInt(r -> r.length).sum();
        ByteBuffer all = ByteBuffer.allocate(n);
        rounds.forEach(all::put);
        return all.array();
    }

    @Test
    void aSmallFrameQueuedBehindBulkFramesOfAnotherChannelLeavesInTheFirstWrite() {
        for (int seq = 0; seq < 8; seq++) {
            queue(1, "bulk", payload(1, seq, BIG)); // one 1 MiB message as 128 KiB body frames
        }
        queue(2, "small", payload(2, 0, 16));

        List<byte[]> rounds = drainInRounds(STAGE);

        List<Frame> all = frames(concat(rounds));
        assertThat(all).hasSize(9);
        // at most one bulk frame went ahead of it, where a single queue would have sent all eight first
        assertThat(all.subList(0, 2)).extracting(Frame::channel).contains(2);
    }

    @Test
    void framesOfEachChannelLeaveInTheirOrderWhateverTheInterleaving() {
        Random random = new Random(42);
        Map<Integer, List<byte[]>> sent = new HashMap<>();
        List<byte[]> rounds = new ArrayList<>();
        OutputBuffer out = new OutputBuffer(pool);
        int[] seq = new int[6];
        for (int step = 0; step < 3_000; step++) {
            int channel = 1 + random.nextInt(5);
            int size = random.nextInt(10) == 0 ? 1 + random.nextInt(140_000) : random.nextInt(300);
            byte[] p = payload(channel, seq[channel]++, size);
            queue(channel, "client" + channel % 2, p);
            sent.computeIfAbsent(channel, c -> new ArrayList<>()).add(p);
            if (random.nextInt(20) == 0) { // a write now and then, as flushes come between reads
                lanes.fill(out, STAGE);
                rounds.add(OutputBytes.drain(out));
            }
        }
        rounds.addAll(drainInRounds(STAGE));

        Map<Integer, List<byte[]>> received = new HashMap<>();
        for (Frame f : frames(concat(rounds))) {
            received.computeIfAbsent(f.channel(), c -> new ArrayList<>()).add(f.payload());
        }
        assertThat(received.keySet()).isEqualTo(sent.keySet());
        for (int channel : sent.keySet()) {
            assertThat(received.get(channel)).as("channel %d", channel).hasSameSizeAs(sent.get(channel));
            for (int i = 0; i < sent.get(channel).size(); i++) {
                assertThat(received.get(channel).get(i)).as("channel %d frame %d", channel, i)
                        .isEqualTo(sent.get(channel).get(i));
            }
        }
    }

    @Test
    void aWriteTakesAboutTheStageAndNoMore() {
        for (int seq = 0; seq < 1_000; seq++) {
            queue(1 + seq % 3, null, payload(1, seq, 1_000));
        }
        OutputBuffer out = new OutputBuffer(pool);
        lanes.fill(out, STAGE);
        // whole frames: within one frame of the stage
        assertThat(out.size()).isBetween((long) STAGE - 1_000 - Frames.OVERHEAD, (long) STAGE + 1_000 + Frames.OVERHEAD);
        assertThat(lanes.size()).isEqualTo(1_000L * (1_000 + Frames.OVERHEAD) - out.size());
    }

    @Test
    void busyChannelsShareTheWritesAboutEquallyInBytes() {
        for (int seq = 0; seq < 64; seq++) {
            queue(1, "a", payload(1, seq, BIG));
            for (int k = 0; k < 32; k++) {
                queue(2, "b", payload(2, seq * 32 + k, 4_096));
            }
        }
        OutputBuffer out = new OutputBuffer(pool);
        lanes.fill(out, 2L * 1024 * 1024);
        long one = 0;
        long two = 0;
        for (Frame f : frames(OutputBytes.drain(out))) {
            if (f.channel() == 1) {
                one += f.payload().length;
            } else {
                two += f.payload().length;
            }
        }
        assertThat((double) one / two).isBetween(0.8, 1.25);
    }

    @Test
    void bytesOfCountsOneOwnersLanesOnly() {
        queue(1, "a", payload(1, 0, 100));
        queue(3, "a", payload(3, 0, 50));
        queue(2, "b", payload(2, 0, 10));
        assertThat(lanes.bytesOf("a")).isEqualTo(150 + 2L * Frames.OVERHEAD);
        assertThat(lanes.bytesOf("b")).isEqualTo(10 + Frames.OVERHEAD);
        assertThat(lanes.size()).isEqualTo(160 + 3L * Frames.OVERHEAD);

        lanes.clear();
        assertThat(lanes.isEmpty()).isTrue();
        assertThat(lanes.size()).isZero();
        assertThat(lanes.bytesOf("a")).isZero();
    }

    @Test
    void channelNumbersUpToTheProtocolMaximumGetLanes() {
        queue(65_535, null, payload(1, 0, 10));
        queue(1, null, payload(1, 1, 10));
        assertThat(frames(concat(drainInRounds(STAGE)))).extracting(Frame::channel).containsExactly(65_535, 1);
    }
}
