package io.amqproxy.impl.upstream;

import io.amqproxy.impl.LoopContext;
import io.amqproxy.impl.codec.Frames;
import io.amqproxy.impl.loop.NioEndpoint;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.function.Consumer;

/**
 * Asks one broker node whether it answers, without logging in: connects, sends the protocol header and waits for
 * the first frame of the broker's Connection.Start, then hangs up. Used when every node failed its last attempt
 * and a new client arrives after the backoff: the client is let in only once a node answers, so that a broker that
 * is still down costs the client a connect failure (which it retries) rather than a refusal after its login (which
 * some clients take for a wrong password). Over TLS the TCP connect alone counts as an answer: a TLS handshake
 * only to hang up is not worth its cost to the broker.
 *
 * <p>Loop thread only.
 */
final class NodeProbe extends NioEndpoint {

    private final LoopContext ctx;
    private final UpstreamNodes nodes;
    private final UpstreamNodes.Node node;
    private final Consumer<Boolean> done;
    private final long deadline;
    private boolean finished;

    private NodeProbe(LoopContext ctx, UpstreamNodes nodes, UpstreamNodes.Node node, Consumer<Boolean> done)
            throws IOException {
        super(ctx.loop, SocketChannel.open());
        this.ctx = ctx;
        this.nodes = nodes;
        this.node = node;
        this.done = done;
        this.deadline = ctx.loop.now() + ctx.config.timeouts().upstreamConnect().toNanos();
    }

    /** Probes {@code node}; {@code done} hears whether it answered, once, on the loop thread. */
    static void start(LoopContext ctx, UpstreamNodes nodes, UpstreamNodes.Node node, Consumer<Boolean> done) {
        NodeProbe probe;
        try {
            probe = new NodeProbe(ctx, nodes, node, done);
        } catch (IOException e) {
            nodes.failed(node, ctx.loop.now(), "cannot open a socket: " + e.getMessage());
            done.accept(false);
            return;
        }
        ctx.loop.addTickable(probe);
        probe.connectTo(node.address);
    }

    @Override
    protected void onConnected() {
        if (node.upstream.tls()) {
            finish(null);
            return;
        }
        interest(SelectionKey.OP_READ);
        out.put(Frames.PROTOCOL_HEADER);
        markDirty();
    }

    @Override
    protected void onConnectFailed(Exception e) {
        finish(String.valueOf(e.getMessage()));
    }

    @Override
    protected void onData(ByteBuffer rb) {
        if (!rb.hasRemaining()) {
            return;
        }
        // a broker answers the header with Connection.Start, a method frame (type 1) on channel 0
        int type = rb.get(rb.position()) & 0xFF;
        rb.position(rb.limit());
        finish(type == Frames.TYPE_METHOD ? null : "it answered with something that is not AMQP 0-9-1");
    }

    @Override
    protected void onSocketLost(String reason) {
        finish("it closed the connection: " + reason);
    }

    @Override
    protected void writeKeepAlive() {
        // a probe lives shorter than any heartbeat
    }

    @Override
    public void onFailure(Throwable t) {
        finish("probe failed: " + t);
    }

    @Override
    public void onTick(long now) {
        if (now - deadline > 0) {
            finish("no answer within " + ctx.config.timeouts().upstreamConnect().toMillis() + " ms");
        }
    }

    /** Ends the probe: {@code why} is {@code null} when the node answered. */
    private void finish(String why) {
        if (finished) {
            return;
        }
        finished = true;
        closeSocket();
        long now = ctx.loop.now();
        if (why == null) {
            nodes.reached(node, now);
        } else {
            ctx.metrics.upstreamConnectFailures++;
            nodes.failed(node, now, why);
            ctx.metrics.upstreamError = "broker " + (node.upstream.tls() ? "amqps://" : "amqp://") + node
                    + " unreachable: " + why;
        }
        done.accept(why == null);
    }
}
