package io.amqproxy.examples.http;

import io.amqproxy.Upstream;
import io.amqproxy.AmqProxy;
import io.amqproxy.ProxyConfig;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.TimeUnit;

/**
 * Answers "can the broker be reached?" for {@code /healthz} when the proxy itself cannot tell: it has no open
 * upstream connection and no failed attempt to report (a fresh proxy, or one whose clients all left). A TCP
 * connect with a short timeout, its answer kept for a few seconds so probes do not hammer the broker.
 */
final class BrokerProbe {

    private static final int CONNECT_TIMEOUT_MS = 1000;
    private static final long CACHE_NANOS = TimeUnit.SECONDS.toNanos(5);

    private long checkedAt;
    private String lastError;
    private boolean checked;

    /** {@code null} if the broker looks reachable, else why not. */
    synchronized String check(AmqProxy proxy) {
        Upstream upstream;
        try {
            if (proxy.stats().upstreamConnections() > 0) {
                return null; // an open connection is the best proof there is
            }
            upstream = proxy.config().upstream();
        } catch (RuntimeException e) {
            return null; // the proxy cannot say; do not invent a problem
        }
        long now = System.nanoTime();
        if (checked && now - checkedAt < CACHE_NANOS) {
            return lastError;
        }
        lastError = probe(upstream);
        checkedAt = now;
        checked = true;
        return lastError;
    }

    private static String probe(Upstream upstream) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(upstream.host(), upstream.port()), CONNECT_TIMEOUT_MS);
            return null;
        } catch (IOException e) {
            return "broker " + upstream + " unreachable: " + e.getMessage();
        }
    }
}
