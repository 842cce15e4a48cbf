package io.amqproxy.impl;

import io.amqproxy.ProxyConfig;
import io.amqproxy.ProxyListener;
import io.amqproxy.impl.loop.EventLoop;
import io.amqproxy.impl.metrics.LoopMetrics;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** What every connection on one event loop shares: the loop, the configuration, metrics and the listener. */
public final class LoopContext {

    public final EventLoop loop;
    public final ProxyConfig config;
    public final LoopMetrics metrics = new LoopMetrics();
    public final ProxyListener listener;
    /** Client sockets open now, across all loops: what {@code maxClients} limits. */
    public final AtomicInteger clientSockets;
    /** Output queued for slow clients, across all loops: what {@code maxTotalClientOutputBytes} limits. */
    public final AtomicLong clientOutputQueued;

    public LoopContext(EventLoop loop, ProxyConfig config, ProxyListener listener, AtomicInteger clientSockets,
                       AtomicLong clientOutputQueued) {
        this.loop = loop;
        this.config = config;
        this.listener = listener;
        this.clientSockets = clientSockets;
        this.clientOutputQueued = clientOutputQueued;
    }
}
