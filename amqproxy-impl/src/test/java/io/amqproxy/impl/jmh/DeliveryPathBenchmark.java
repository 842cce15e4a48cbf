package io.amqproxy.impl.jmh;

import io.amqproxy.impl.loop.OutputBuffer;
import io.amqproxy.impl.loop.EventLoopAccess;
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
 * The way back, on the real classes: a burst of basic.deliver messages handed to a live
 * {@code UpstreamConnection} as if just read from the broker (decode, routing by upstream channel to the
 * client's channel, copy under the client's channel number into the client's output), then that output drained
 * into a {@link DiscardingChannel}. One op is one message. Not included: socket I/O and the selector.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
public class DeliveryPathBenchmark {

    private static final int CLIENT_CHANNEL = 7;

    @Param({"16", "4096"})
    public int bodyBytes;

    private LiveProxySession proxy;
    private ByteBuffer burst;
    private OutputBuffer toClient;
    private final DiscardingChannel client = new DiscardingChannel();
    private final ByteBuffer[] gather = new ByteBuffer[64];
    private long deliveredBefore;

    @Setup
    public void setUp() throws IOException {
        proxy = LiveProxySession.open(CLIENT_CHANNEL);
        burst = MessageBatch.deliveries(proxy.upstreamChannel, bodyBytes);
        toClient = EventLoopAccess.queued(proxy.session);
        toClient.writeTo(client, gather); // the handshake's leftovers, if the loop had not flushed them all
        UpstreamConnectionAccess.onData(proxy.upstream, burst);
        ForwardedBytes.check(toClient, burst.limit(), CLIENT_CHANNEL, "deliveries to the client");
        deliveredBefore = proxy.ctx.metrics.messagesDelivered;
        toClient.writeTo(client, gather);
    }

    @Benchmark
    @OperationsPerInvocation(MessageBatch.MESSAGES)
    public long deliver() throws IOException {
        burst.position(0);
        UpstreamConnectionAccess.onData(proxy.upstream, burst);
        return toClient.writeTo(client, gather);
    }

    @TearDown(Level.Iteration)
    public void checkStillForwarding() {
        long delivered = proxy.ctx.metrics.messagesDelivered;
        if (delivered == deliveredBefore || proxy.session.isClosed() || !toClient.isEmpty()) {
            throw new IllegalStateException("the upstream connection stopped forwarding deliveries");
        }
        deliveredBefore = delivered;
    }

    @TearDown
    public void tearDown() throws IOException {
        proxy.close();
    }
}
