package io.amqproxy.impl.metrics;

import io.amqproxy.ProxyListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.SocketAddress;

/** Calls the user's listener and keeps its exceptions away from the event loop. */
public final class SafeListener implements ProxyListener {

    private static final Logger log = LoggerFactory.getLogger(SafeListener.class);

    private final ProxyListener delegate;

    public SafeListener(ProxyListener delegate) {
        this.delegate = delegate;
    }

    private static void failed(String event, RuntimeException e) {
        log.warn("ProxyListener.{} threw; ignored", event, e);
    }

    @Override
    public void clientConnected(ClientInfo client) {
        try {
            delegate.clientConnected(client);
        } catch (RuntimeException e) {
            failed("clientConnected", e);
        }
    }

    @Override
    public void clientDisconnected(ClientInfo client, String reason) {
        try {
            delegate.clientDisconnected(client, reason);
        } catch (RuntimeException e) {
            failed("clientDisconnected", e);
        }
    }

    @Override
    public void clientRefused(SocketAddress remote, String user, String vhost, int replyCode, String replyText) {
        try {
            delegate.clientRefused(remote, user, vhost, replyCode, replyText);
        } catch (RuntimeException e) {
            failed("clientRefused", e);
        }
    }

    @Override
    public void upstreamOpened(UpstreamInfo upstream) {
        try {
            delegate.upstreamOpened(upstream);
        } catch (RuntimeException e) {
            failed("upstreamOpened", e);
        }
    }

    @Override
    public void upstreamClosed(UpstreamInfo upstream, int replyCode, String replyText) {
        try {
            delegate.upstreamClosed(upstream, replyCode, replyText);
        } catch (RuntimeException e) {
            failed("upstreamClosed", e);
        }
    }
}
