package io.amqproxy.impl.jmh;

import io.amqproxy.impl.codec.FrameDecoder;
import io.amqproxy.impl.codec.FrameHandler;
import io.amqproxy.impl.codec.FrameWriter;
import io.amqproxy.impl.codec.Frames;
import io.amqproxy.impl.loop.BufferPool;
import io.amqproxy.impl.loop.OutputBuffer;
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

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * The floor under {@link PublishPathBenchmark}: the same burst through the real decoder and output buffers,
 * but with none of the session's logic, only the copying the forwarding path is made of. This is a composite
 * written for the benchmark, not proxy code. {@code staged} copies each frame into a per-channel buffer and
 * appends the whole message to the upstream output, as {@code ClientChannel} does, so that a client dying
 * mid-message leaves nothing half-sent; {@code direct} copies each frame straight into the upstream output.
 * The difference is the price of staging. One op is one message.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
public class CopyOnlyForwardingBenchmark {

    private static final int FRAME_MAX = 131072;
    private static final int CLIENT_CHANNEL = 7;
    private static final int UPSTREAM_CHANNEL = 1;

    @Param({"16", "4096"})
    public int bodyBytes;

    @Param({"staged", "direct"})
    public String copy;

    private ByteBuffer burst;
    private OutputBuffer toBroker;
    private FrameHandler forwarder;
    private final DiscardingChannel broker = new DiscardingChannel();
    private final ByteBuffer[] gather = new ByteBuffer[64];

    @Setup
    public void setUp() throws IOException {
        BufferPool pool = new BufferPool(256); // as many as an event loop keeps
        toBroker = new OutputBuffer(pool);
        forwarder = switch (copy) {
            case "staged" -> new StagedCopy(new OutputBuffer(pool), toBroker);
            case "direct" -> new DirectCopy(toBroker);
            default -> throw new IllegalArgumentException("copy must be staged or direct, was " + copy);
        };
        burst = MessageBatch.publishes(CLIENT_CHANNEL, bodyBytes);
        FrameDecoder.decode(burst, FRAME_MAX, forwarder);
        ForwardedBytes.check(toBroker, burst.limit(), UPSTREAM_CHANNEL, "copied publishes");
        toBroker.writeTo(broker, gather);
    }

    @Benchmark
    @OperationsPerInvocation(MessageBatch.MESSAGES)
    public long forward() throws IOException {
        burst.position(0);
        FrameDecoder.decode(burst, FRAME_MAX, forwarder);
        return toBroker.writeTo(broker, gather);
    }

    /** Each frame into the upstream output under the upstream channel number. */
    private record DirectCopy(OutputBuffer out) implements FrameHandler {
        @Override
        public boolean onFrame(int type, int channel, ByteBuffer buf, int payloadOff, int payloadLen) {
            if (type == Frames.TYPE_BODY) {
                FrameWriter.bodyFrames(out, UPSTREAM_CHANNEL, buf, payloadOff, payloadLen, FRAME_MAX);
            } else {
                FrameWriter.frame(out, type, UPSTREAM_CHANNEL, buf, payloadOff, payloadLen);
            }
            return true;
        }

        @Override
        public void onFrameError(int replyCode, String replyText) {
            throw new IllegalStateException(replyText);
        }
    }

    /** Each frame into a stage; the message moves to the upstream output with its body (one body frame here). */
    private record StagedCopy(OutputBuffer stage, OutputBuffer out) implements FrameHandler {
        @Override
        public boolean onFrame(int type, int channel, ByteBuffer buf, int payloadOff, int payloadLen) {
            if (type == Frames.TYPE_BODY) {
                FrameWriter.bodyFrames(stage, UPSTREAM_CHANNEL, buf, payloadOff, payloadLen, FRAME_MAX);
                out.append(stage);
            } else {
                FrameWriter.frame(stage, type, UPSTREAM_CHANNEL, buf, payloadOff, payloadLen);
            }
            return true;
        }

        @Override
        public void onFrameError(int replyCode, String replyText) {
            throw new IllegalStateException(replyText);
        }
    }
}
