package io.amqproxy.impl.jmh;

import io.amqproxy.impl.codec.FrameDecoder;
import io.amqproxy.impl.codec.FrameHandler;
import io.amqproxy.impl.codec.Frames;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * {@link FrameDecoder} alone over a burst of publishes; one op is one message (three frames).
 *
 * <p>With {@code reads=split} the burst arrives in reads of random length (1 to twice a message, fixed seed),
 * so frames straddle reads at arbitrary offsets and the decoder meets a partial header or payload about once
 * per message. The unconsumed rest stays in place and the next read extends the limit, so only the decoder's
 * own re-entry is measured; the copy that {@code NioEndpoint} makes of that rest (its carry) is not.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
public class FrameDecoderBenchmark {

    private static final int FRAME_MAX = 131072;

    @Param({"16", "4096"})
    public int bodyBytes;

    @Param({"whole", "split"})
    public String reads;

    private ByteBuffer stream;
    /** Where each read ends in {@link #stream}; the last one is its end. */
    private int[] readEnds;
    private final FrameCounter counter = new FrameCounter();

    @Setup
    public void setUp() {
        stream = MessageBatch.publishes(1, bodyBytes);
        int total = stream.limit();
        readEnds = switch (reads) {
            case "whole" -> new int[]{total};
            case "split" -> randomReadEnds(total, 2 * total / MessageBatch.MESSAGES, new SplittableRandom(20261125));
            default -> throw new IllegalArgumentException("reads must be whole or split, was " + reads);
        };
        long before = counter.frames;
        decode();
        if (counter.frames - before != 3L * MessageBatch.MESSAGES || stream.hasRemaining()) {
            throw new IllegalStateException("the decoder did not find every frame of the burst");
        }
    }

    private static int[] randomReadEnds(int total, int longestRead, SplittableRandom random) {
        int[] ends = new int[total];
        int n = 0;
        for (int at = 0; at < total; ) {
            at = Math.min(total, at + 1 + random.nextInt(longestRead));
            ends[n++] = at;
        }
        return Arrays.copyOf(ends, n);
    }

    @Benchmark
    @OperationsPerInvocation(MessageBatch.MESSAGES)
    public long decode() {
        ByteBuffer in = stream;
        in.position(0);
        for (int end : readEnds) {
            in.limit(end);
            FrameDecoder.decode(in, FRAME_MAX, counter);
        }
        return counter.frames;
    }

    /** Looks at each frame as the sessions do first (type, channel, method id), so nothing is optimised away. */
    static final class FrameCounter implements FrameHandler {
        long frames;
        long checksum;

        @Override
        public boolean onFrame(int type, int channel, ByteBuffer buf, int payloadOff, int payloadLen) {
            frames++;
            checksum += type + channel + payloadLen;
            if (type == Frames.TYPE_METHOD) {
                checksum += FrameDecoder.methodId(buf, payloadOff);
            }
            return true;
        }

        @Override
        public void onFrameError(int replyCode, String replyText) {
            throw new IllegalStateException("benchmark input is broken: " + replyText);
        }
    }
}
