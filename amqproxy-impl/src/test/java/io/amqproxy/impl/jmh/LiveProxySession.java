package io.amqproxy.impl.jmh;

import io.amqproxy.AmqProxy;
import io.amqproxy.ProxyConfig;
import io.amqproxy.ProxyListener;
import io.amqproxy.impl.LoopContext;
import io.amqproxy.impl.fixture.Fixture;
import io.amqproxy.impl.loop.EventLoop;
import io.amqproxy.impl.loop.EventLoopAccess;
import io.amqproxy.impl.loop.PlainTransport;
import io.amqproxy.impl.session.ClientSession;
import io.amqproxy.impl.upstream.UpstreamConnection;
import io.amqproxy.impl.upstream.UpstreamPool;
import io.amqproxy.testsupport.Frames;
import io.amqproxy.testsupport.RawAmqpClient;
import io.amqproxy.testsupport.ScriptedBroker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A real {@link ClientSession} with one open channel, served by a real {@link UpstreamConnection} to a
 * {@link ScriptedBroker}, set up over loopback sockets as the proxy sets up its own, except that the event
 * loop is turned by hand on the calling thread instead of running on a thread of its own. The calling thread
 * therefore owns both connections afterwards, as the loop thread would, and a benchmark can hand them bytes
 * directly. The sockets are left alone from then on, so neither the kernel nor the fake broker is measured.
 */
final class LiveProxySession implements AutoCloseable {

    private static final long SETUP_LIMIT_NANOS = TimeUnit.SECONDS.toNanos(20);

    final LoopContext ctx;
    final ClientSession session;
    final UpstreamConnection upstream;
    /** The channel number the client opened. */
    final int clientChannel;
    /** The channel number the proxy chose for it on the upstream connection. */
    final int upstreamChannel;
    private final ScriptedBroker broker;
    private final RawAmqpClient client;
    private final ServerSocketChannel listener;

    private LiveProxySession(LoopContext ctx, ClientSession session, UpstreamConnection upstream, int clientChannel,
                             int upstreamChannel, ScriptedBroker broker, RawAmqpClient client,
                             ServerSocketChannel listener) {
        this.ctx = ctx;
        this.session = session;
        this.upstream = upstream;
        this.clientChannel = clientChannel;
        this.upstreamChannel = upstreamChannel;
        this.broker = broker;
        this.client = client;
        this.listener = listener;
    }

    /**
     * Connects a client through a new proxy loop, completes the handshake, opens {@code clientChannel} and
     * publishes one message on it: the proxy tells the broker of a channel only with its first frame, and the
     * benchmarks measure a channel in use.
     */
    static LiveProxySession open(int clientChannel) throws IOException {
        ScriptedBroker broker = ScriptedBroker.start(0);
        ProxyConfig config = AmqProxy.builder().upstream(broker.uri()).build();
        EventLoop loop = new EventLoop("jmh-proxy-loop", config.limits().frameMax());
        LoopContext ctx = new LoopContext(loop, config, ProxyListener.NOOP, new AtomicInteger(), new AtomicLong(),
                new Fixture(config), Runnable::run);
        UpstreamPool pool = new UpstreamPool(ctx);
        ServerSocketChannel listener = ServerSocketChannel.open()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        RawAmqpClient client = RawAmqpClient.connect(listener.socket().getLocalPort());
        SocketChannel accepted = listener.accept();
        accepted.configureBlocking(false);
        accepted.setOption(StandardSocketOptions.TCP_NODELAY, true);
        ClientSession session = new ClientSession(ctx, pool, accepted, PlainTransport.INSTANCE);
        session.start();

        // The client blocks on each answer of the proxy, and the proxy answers only while this thread turns
        // its loop, so the client's half of the handshake runs on a thread of its own.
        ExecutorService clientThread = Executors.newSingleThreadExecutor();
        try {
            CompletableFuture<Void> handshake = CompletableFuture.runAsync(() -> {
                try {
                    client.handshake(0, 0);
                    client.openChannel(clientChannel);
                    client.send(RawAmqpClient.publishFrames(clientChannel, "jmh-setup", new byte[1], 4096));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }, clientThread);
            long deadline = System.nanoTime() + SETUP_LIMIT_NANOS;
            int upstreamChannel = -1;
            while (upstreamChannel < 0) {
                if (handshake.isDone()) {
                    handshake.join(); // throws what went wrong on the client's side
                    upstreamChannel = channelOpenedAtBroker(broker);
                }
                if (System.nanoTime() - deadline > 0) {
                    throw new IllegalStateException("the proxy did not open the client's channel at the broker "
                            + "within 20 s");
                }
                EventLoopAccess.runOnce(loop);
            }
            List<UpstreamConnection> upstreams = pool.all();
            if (upstreams.size() != 1 || !upstreams.get(0).isOpen()) {
                throw new IllegalStateException("expected one open upstream connection, found " + upstreams);
            }
            return new LiveProxySession(ctx, session, upstreams.get(0), clientChannel, upstreamChannel, broker,
                    client, listener);
        } finally {
            clientThread.shutdownNow();
        }
    }

    /** The channel of the Channel.Open the broker received, or -1 before it arrived. */
    private static int channelOpenedAtBroker(ScriptedBroker broker) {
        for (ScriptedBroker.Received r : broker.received()) {
            if (r.frame().isMethod(Frames.CHANNEL, 10)) {
                return r.frame().channel();
            }
        }
        return -1;
    }

    @Override
    public void close() throws IOException {
        client.close();
        broker.close();
        listener.close();
        for (SelectionKey key : ctx.loop.selector().keys()) {
            key.channel().close();
        }
        ctx.loop.selector().close();
    }
}
