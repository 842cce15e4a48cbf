package io.amqproxy.impl.server;

import io.amqproxy.TlsListener;
import io.amqproxy.AmqProxy;
import io.amqproxy.AmqProxyException;
import io.amqproxy.ProxyConfig;
import io.amqproxy.ProxyHealth;
import io.amqproxy.ProxyStats;
import io.amqproxy.fixture.Conditions;
import io.amqproxy.fixture.Faults;
import io.amqproxy.fixture.Traffic;
import io.amqproxy.impl.LoopContext;
import io.amqproxy.impl.fixture.Fixture;
import io.amqproxy.impl.fixture.NoTraffic;
import io.amqproxy.impl.loop.EventLoop;
import io.amqproxy.impl.loop.IoHandler;
import io.amqproxy.impl.loop.PlainTransport;
import io.amqproxy.impl.loop.Transport;
import io.amqproxy.impl.tls.TlsTransport;
import io.amqproxy.impl.loop.Tickable;
import io.amqproxy.impl.metrics.SafeListener;
import io.amqproxy.impl.policy.BrokerFacts;
import io.amqproxy.impl.session.ClientSession;
import io.amqproxy.impl.upstream.NodeState;
import io.amqproxy.impl.upstream.UpstreamConnection;
import io.amqproxy.impl.upstream.UpstreamPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.time.Duration;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToIntFunction;

/**
 * The running proxy: a listening socket, N event loops each with its own upstream pool, and the sessions
 * they serve. Accepted clients are spread over the loops round robin.
 */
final class ProxyServer implements AmqProxy {

    private static final Logger log = LoggerFactory.getLogger(ProxyServer.class);

    private final ProxyConfig config;
    private final List<Worker> workers = new ArrayList<>();
    private final Listener plain;
    private final Listener tls;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicInteger clientSockets = new AtomicInteger();
    private final AtomicLong clientOutputQueued = new AtomicLong();
    private final Fixture fixture;
    /** Work that may block (name lookups), off the loops: one daemon thread, idle and free when nothing asks. */
    private final java.util.concurrent.ExecutorService blockingTasks;
    private final ProxyConditions conditions;
    private long lastLimitWarning;
    private int nextWorker;

    /** One event loop with its pool and the sessions it owns. */
    private static final class Worker {
        final LoopContext ctx;
        final UpstreamPool pool;

        Worker(LoopContext ctx) {
            this.ctx = ctx;
            this.pool = new UpstreamPool(ctx);
        }
    }

    ProxyServer(ProxyConfig config) {
        this.config = config;
        if (config.upstream().tls() && !config.upstreamTls().verifyHostname()) {
            log.warn("TLS host name verification toward {} is OFF: any certificate the trust store accepts will do",
                    config.upstream());
        }
        plain = bind(config.listenHost(), config.listenPort(), null);
        TlsListener tlsConfig = config.tlsListener();
        try {
            tls = tlsConfig == null ? null : bind(tlsConfig.host(), tlsConfig.port(), tlsConfig.context());
        } catch (AmqProxyException e) {
            plain.closeQuietly();
            throw e;
        }
        this.fixture = new Fixture(config);
        int port = plain.address.getPort();
        this.blockingTasks = new java.util.concurrent.ThreadPoolExecutor(0, 1, 30, TimeUnit.SECONDS,
                new java.util.concurrent.LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "amqproxy-resolver-port-" + port);
                    t.setDaemon(true);
                    return t;
                });
        this.conditions = new ProxyConditions(new ProxyConditions.Loops() {
            @Override
            public void onEach(java.util.function.BiConsumer<LoopContext, UpstreamPool> action) {
                for (Worker w : workers) {
                    onLoop(w, () -> {
                        action.accept(w.ctx, w.pool);
                        return null;
                    });
                }
            }

            @Override
            public List<ClientSession> sessions(LoopContext ctx) {
                return ProxyServer.sessions(ctx);
            }
        });
        SafeListener listener = new SafeListener(config.listener());
        BrokerFacts facts = new BrokerFacts();
        for (int i = 0; i < config.eventLoops(); i++) {
            // the port in the name tells two proxies of one JVM apart in a thread dump
            EventLoop loop = new EventLoop("amqproxy-loop-" + i + "-port-" + plain.address.getPort(),
                    config.limits().frameMax());
            workers.add(new Worker(new LoopContext(loop, config, listener, clientSockets, clientOutputQueued, fixture,
                    blockingTasks, facts)));
        }
        workers.forEach(w -> w.ctx.loop.start());
        Worker first = workers.get(0);
        CompletableFuture<Void> registered = new CompletableFuture<>();
        first.ctx.loop.execute(() -> {
            try {
                plain.channel.register(first.ctx.loop.selector(), SelectionKey.OP_ACCEPT, plain);
                if (tls != null) {
                    tls.channel.register(first.ctx.loop.selector(), SelectionKey.OP_ACCEPT, tls);
                }
                registered.complete(null);
            } catch (IOException e) {
                registered.completeExceptionally(e);
            }
        });
        try {
            registered.get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            close();
            throw new AmqProxyException("cannot start the event loop: " + e.getMessage(), e);
        }
        log.info("amqproxy listening on {}:{}{}, upstream {}", plain.address.getHostString(), plain.address.getPort(),
                tls == null ? "" : " and with TLS on " + tls.address.getHostString() + ":" + tls.address.getPort(),
                config.upstream());
    }

    private Listener bind(String host, int port, SSLContext tlsContext) {
        InetSocketAddress address = new InetSocketAddress(host, port);
        if (address.isUnresolved()) {
            // bind would throw UnresolvedAddressException, whose message is null
            throw new AmqProxyException("cannot listen on " + host + ":" + port + ": the address does not resolve");
        }
        try {
            ServerSocketChannel channel = ServerSocketChannel.open();
            try {
                channel.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                channel.bind(address, 1024);
                channel.configureBlocking(false);
                return new Listener(channel, (InetSocketAddress) channel.getLocalAddress(), tlsContext);
            } catch (IOException e) {
                channel.close();
                throw e;
            }
        } catch (IOException e) {
            throw new AmqProxyException("cannot listen on " + host + ":" + port + ": " + e.getMessage(), e);
        }
    }

    /** A listening socket, plain or TLS, that accepts every pending client and hands each to a loop. */
    private final class Listener implements IoHandler {
        final ServerSocketChannel channel;
        final InetSocketAddress address;
        final SSLContext tlsContext;

        Listener(ServerSocketChannel channel, InetSocketAddress address, SSLContext tlsContext) {
            this.channel = channel;
            this.address = address;
            this.tlsContext = tlsContext;
        }

        @Override
        public void onReady(int readyOps) {
            for (int i = 0; i < 256; i++) {
                SocketChannel socket;
                try {
                    socket = channel.accept();
                } catch (IOException e) {
                    log.warn("accept failed: {}", e.getMessage());
                    return;
                }
                if (socket == null) {
                    return;
                }
                int max = config.limits().maxClients();
                if (max > 0 && clientSockets.get() >= max) {
                    refuseOverLimit(socket, max);
                    continue;
                }
                clientSockets.incrementAndGet();
                Worker w = workers.get(nextWorker);
                nextWorker = (nextWorker + 1) % workers.size();
                w.ctx.loop.execute(() -> startSession(w, socket, transportFor(socket)));
            }
        }

        private Transport transportFor(SocketChannel socket) {
            if (tlsContext == null) {
                return PlainTransport.INSTANCE;
            }
            SSLEngine engine = tlsContext.createSSLEngine();
            engine.setUseClientMode(false);
            return new TlsTransport(engine);
        }

        void closeQuietly() {
            try {
                channel.close();
            } catch (IOException e) {
                log.debug("closing the listener on {}", address, e);
            }
        }

        @Override
        public void onFailure(Throwable t) {
            log.error("listener on {} failed", address, t);
        }
    }

    private void refuseOverLimit(SocketChannel socket, int max) {
        closeQuietly(socket);
        long now = System.nanoTime();
        if (now - lastLimitWarning > TimeUnit.MINUTES.toNanos(1) || lastLimitWarning == 0) {
            lastLimitWarning = now;
            log.warn("client refused: {} client connections are open, the limit (maxClients); further refusals "
                    + "are logged at most once a minute", max);
        }
    }

    private void startSession(Worker w, SocketChannel socket, Transport transport) {
        if (!running.get()) {
            clientSockets.decrementAndGet();
            closeQuietly(socket);
            return;
        }
        try {
            socket.configureBlocking(false);
            socket.setOption(StandardSocketOptions.TCP_NODELAY, true);
            ClientSession session = new ClientSession(w.ctx, w.pool, socket, transport);
            session.start();
        } catch (IOException e) {
            clientSockets.decrementAndGet();
            closeQuietly(socket);
        }
    }

    private static void closeQuietly(SocketChannel socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // already gone
        }
    }

    @Override
    public int port() {
        return plain.address.getPort();
    }

    @Override
    public int tlsPort() {
        return tls == null ? -1 : tls.address.getPort();
    }

    @Override
    public InetSocketAddress localAddress() {
        return plain.address;
    }

    @Override
    public ProxyConfig config() {
        return config;
    }

    @Override
    public boolean isRunning() {
        return running.get();
    }

    @Override
    public ProxyStats stats() {
        ProxyStats total = null;
        for (Worker w : workers) {
            ProxyStats s = onLoop(w, () -> w.ctx.metrics.snapshot(w.pool.connectionsByNode(),
                    w.pool.connectFailuresByNode()));
            total = total == null ? s : total.plus(s);
        }
        return total;
    }

    private static <T> T onLoop(Worker w, java.util.function.Supplier<T> action) {
        if (w.ctx.loop.inLoop() || !w.ctx.loop.isAlive()) {
            return action.get();
        }
        CompletableFuture<T> f = new CompletableFuture<>();
        w.ctx.loop.execute(() -> f.complete(action.get()));
        try {
            return f.get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return action.get();
        } catch (Exception e) {
            return action.get(); // the loop is gone or stuck: a racy read beats no answer
        }
    }

    @Override
    public ProxyHealth health() {
        String error = null;
        List<NodeState> nodes = new ArrayList<>();
        for (Worker w : workers) {
            String e = onLoop(w, () -> {
                nodes.addAll(w.pool.nodeStates());
                return w.ctx.metrics.upstreamError;
            });
            if (e != null) {
                error = e;
            }
        }
        return new ProxyHealth(running.get(), error, NodeState.merge(nodes));
    }

    @Override
    public Traffic traffic() {
        return fixture.traffic != null ? fixture.traffic : NoTraffic.INSTANCE;
    }

    @Override
    public Faults faults() {
        return fixture.faults;
    }

    @Override
    public Conditions conditions() {
        return conditions;
    }

    @Override
    public void close() {
        stop(Duration.ZERO);
    }

    @Override
    public void stop(Duration clientGrace) {
        if (!running.compareAndSet(true, false)) {
            return;
        }
        log.info("amqproxy on port {} shutting down", port());
        plain.closeQuietly();
        if (tls != null) {
            tls.closeQuietly();
        }
        awaitNone(clientGrace, w -> sessions(w).size());
        for (Worker w : workers) {
            w.ctx.loop.execute(() -> sessions(w).forEach(ClientSession::shutdown));
        }
        awaitNone(config.timeouts().shutdown(), w -> sessions(w).size());
        for (Worker w : workers) {
            w.ctx.loop.execute(() -> w.pool.all().forEach(u -> u.retire("proxy shutting down")));
        }
        // retired connections leave the pool at once but keep their socket until the broker's CloseOk
        awaitNone(Duration.ofSeconds(2),
                w -> (int) w.ctx.loop.tickables().stream().filter(UpstreamConnection.class::isInstance).count());
        for (Worker w : workers) {
            w.ctx.loop.shutdown();
        }
        blockingTasks.shutdownNow();
        for (Worker w : workers) {
            try {
                w.ctx.loop.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        log.info("amqproxy on port {} stopped", port());
    }

    /** Waits, at most {@code atMost} in all, until {@code count} is zero on every loop (counted on the loop). */
    private void awaitNone(Duration atMost, ToIntFunction<Worker> count) {
        // elapsed time compared with the limit, so a limit of decades cannot overflow a deadline
        long start = System.nanoTime();
        long limit = atMost.compareTo(ProxyConfig.MAX_DURATION) >= 0 ? Long.MAX_VALUE : atMost.toNanos();
        for (Worker w : workers) {
            while (System.nanoTime() - start < limit && onLoop(w, () -> count.applyAsInt(w)) > 0) {
                sleepBriefly();
            }
        }
    }

    private static List<ClientSession> sessions(Worker w) {
        return sessions(w.ctx);
    }

    /** The client sessions on a loop now; on the loop's thread. */
    private static List<ClientSession> sessions(LoopContext ctx) {
        List<ClientSession> sessions = new ArrayList<>();
        for (Tickable t : ctx.loop.tickables()) {
            if (t instanceof ClientSession s) {
                sessions.add(s);
            }
        }
        return sessions;
    }

    private static void sleepBriefly() {
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "AmqProxy[" + plain.address.getHostString() + ":" + port() + " -> " + config.upstream() + "]";
    }
}
