package io.amqproxy.impl.jmh;

import io.amqproxy.impl.loop.OutputBuffer;
import io.amqproxy.impl.session.ClientSessionAccess;
import io.amqproxy.impl.upstream.UpstreamConnectionAccess;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * The proxy's work for a client's publishes, on the real classes: a burst of basic.publish messages handed to
 * a live {@code ClientSession} as if just read from its socket (decode, checks, staging under the upstream
 * channel number, append to the upstream channel's lane), then moved to the connection's output and drained into a
 * {@link DiscardingChannel} as the loop's flush would drain it into the broker's socket. One op is one message.
 * Not included: the socket read and write themselves, the selector, and the carry of a split frame.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
public class PublishPathBenchmark {

    /** Not the upstream's first channel number, so the rewrite is a real one. */
    private static final int CLIENT_CHANNEL = 7;

    @Param({"16", "4096"})
    public int bodyBytes;

    private LiveProxySession proxy;
    private ByteBuffer burst;
    private OutputBuffer toBroker;
    private final DiscardingChannel broker = new DiscardingChannel();
    private final ByteBuffer[] gather = new ByteBuffer[64];
    private long publishedBefore;

    @Setup
    public void setUp() throws IOException {
        proxy = LiveProxySession.open(CLIENT_CHANNEL);
        burst = MessageBatch.publishes(CLIENT_CHANNEL, bodyBytes);
        ClientSessionAccess.onData(proxy.session, burst);
        toBroker = UpstreamConnectionAccess.staged(proxy.upstream);
        ForwardedBytes.check(toBroker, burst.limit(), proxy.upstreamChannel, "publishes to the broker");
        publishedBefore = proxy.ctx.metrics.messagesPublished;
        toBroker.writeTo(broker, gather);
    }

    @Benchmark
    @OperationsPerInvocation(MessageBatch.MESSAGES)
    public long publish() throws IOException {
        burst.position(0);
        ClientSessionAccess.onData(proxy.session, burst);
        return UpstreamConnectionAccess.flushTo(proxy.upstream, broker, gather); // via the channel's lane, fairly
    }

    /** A session that refused the input would forward nothing, fast; make that an error instead of a figure. */
    @TearDown(Level.Iteration)
    public void checkStillForwarding() {
        long published = proxy.ctx.metrics.messagesPublished;
        if (published == publishedBefore || proxy.session.isClosed() || !toBroker.isEmpty()) {
            throw new IllegalStateException("the session stopped forwarding publishes");
        }
        publishedBefore = published;
    }

    @TearDown
    public void tearDown() throws IOException {
        proxy.close();
    }
}
