package io.amqproxy.testsupport;

import io.amqproxy.ProxyListener;

import java.net.SocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link ProxyListener} that counts events and keeps the texts it is given, so tests can tell "one upstream
 * connection served everything" from "a fresh upstream each time, closed again". Cheap and non-blocking, as the
 * listener rules demand.
 */
public final class CountingProxyListener implements ProxyListener {

    private final AtomicInteger upstreamsOpened = new AtomicInteger();
    private final AtomicInteger upstreamsClosed = new AtomicInteger();
    private final AtomicInteger clientsConnected = new AtomicInteger();
    private final AtomicInteger clientsDisconnected = new AtomicInteger();
    private final List<String> refusals = new CopyOnWriteArrayList<>();
    private final List<String> upstreamCloseReasons = new CopyOnWriteArrayList<>();
    private final List<String> connectedNames = new CopyOnWriteArrayList<>();

    @Override
    public void upstreamOpened(UpstreamInfo upstream) {
        upstreamsOpened.incrementAndGet();
    }

    @Override
    public void upstreamClosed(UpstreamInfo upstream, int replyCode, String replyText) {
        upstreamsClosed.incrementAndGet();
        upstreamCloseReasons.add(replyCode + " " + replyText);
    }

    @Override
    public void clientConnected(ClientInfo client) {
        clientsConnected.incrementAndGet();
        connectedNames.add(String.valueOf(client.connectionName()));
    }

    /** The {@code connection_name} of every client that connected, in order ("null" for none). */
    public List<String> connectedNames() {
        return connectedNames;
    }

    @Override
    public void clientDisconnected(ClientInfo client, String reason) {
        clientsDisconnected.incrementAndGet();
    }

    @Override
    public void clientRefused(SocketAddress remote, String user, String vhost, int replyCode, String replyText) {
        refusals.add(user + "@" + vhost + ": " + replyCode + " " + replyText);
    }

    /** Upstream connections that completed their handshake so far. */
    public int upstreamsOpened() {
        return upstreamsOpened.get();
    }

    /** Upstream connections that left the pool so far. */
    public int upstreamsClosed() {
        return upstreamsClosed.get();
    }

    /** The code and text of every upstream close, in order. */
    public List<String> upstreamCloseReasons() {
        return List.copyOf(upstreamCloseReasons);
    }

    public int clientsConnected() {
        return clientsConnected.get();
    }

    public int clientsDisconnected() {
        return clientsDisconnected.get();
    }

    /** "user@vhost: code text" for every refused client, in order. */
    public List<String> refusals() {
        return List.copyOf(refusals);
    }
}
