package io.amqproxy.impl;

import io.amqproxy.ProxyConfig;
import io.amqproxy.ProxyListener;
import io.amqproxy.impl.codec.MethodReader;
import io.amqproxy.impl.codec.MethodView;
import io.amqproxy.impl.codec.MethodWriter;
import io.amqproxy.impl.fixture.Fixture;
import io.amqproxy.impl.loop.EgressShaping;
import io.amqproxy.impl.loop.EventLoop;
import io.amqproxy.impl.metrics.LoopMetrics;
import io.amqproxy.impl.policy.BrokerFacts;

import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What every connection on one event loop shares: the loop, the configuration, metrics, the listener, and the
 * codec's reusable objects. The codec objects and the metrics belong to the loop thread; the two atomic counters
 * are shared by all loops.
 */
public final class LoopContext {

    public final EventLoop loop;
    public final ProxyConfig config;
    public final LoopMetrics metrics = new LoopMetrics();
    public final ProxyListener listener;
    /** Client sockets open now, across all loops: what {@code maxClients} limits. */
    public final AtomicInteger clientSockets;
    /** Output queued for slow clients, across all loops: what {@code maxTotalClientOutputBytes} limits. */
    public final AtomicLong clientOutputQueued;
    /** Builds the methods the proxy itself sends. */
    public final MethodWriter writer = new MethodWriter();
    /** Reads the methods the handshakes must parse whole, and checks field tables. */
    public final MethodReader reader = new MethodReader();
    /** The decode of the client method being handled now. */
    public final MethodView clientView = new MethodView();
    /** The decode of the broker method being handled now; apart from the client's, so neither overwrites the other. */
    public final MethodView brokerView = new MethodView();
    /** The test fixture's rules, recording and conditions, shared by all loops of the proxy. */
    public final Fixture fixture;
    /** The test fixture's latency and rate for what this loop writes to clients; off normally. */
    public final EgressShaping shapingToClients = new EgressShaping();
    /** Likewise for what this loop writes to the broker. */
    public final EgressShaping shapingToBroker = new EgressShaping();

    /** Where work that may block (name lookups) runs, off every loop; results come back with loop.execute. */
    public final Executor blockingTasks;

    /** What the proxy learned about its brokers' exchange and queue types, shared by all loops. */
    public final BrokerFacts facts;

    /** A loop with facts of its own (a proxy of one loop, or a test). */
    public LoopContext(EventLoop loop, ProxyConfig config, ProxyListener listener, AtomicInteger clientSockets,
                       AtomicLong clientOutputQueued, Fixture fixture, Executor blockingTasks) {
        this(loop, config, listener, clientSockets, clientOutputQueued, fixture, blockingTasks, new BrokerFacts());
    }

    public LoopContext(EventLoop loop, ProxyConfig config, ProxyListener listener, AtomicInteger clientSockets,
                       AtomicLong clientOutputQueued, Fixture fixture, Executor blockingTasks, BrokerFacts facts) {
        this.facts = facts;
        this.loop = loop;
        this.blockingTasks = blockingTasks;
        this.fixture = fixture;
        this.config = config;
        this.listener = listener;
        this.clientSockets = clientSockets;
        this.clientOutputQueued = clientOutputQueued;
    }
}
