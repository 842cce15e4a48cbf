package io.amqproxy.examples.http;

import io.amqproxy.AmqProxy;
import io.amqproxy.ProxyConfig;
import io.amqproxy.ProxyHealth;
import io.amqproxy.Upstream;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Answers "can the brokers be reached?" for {@code /healthz} where the proxy itself cannot tell: for each configured
 * upstream set of which the proxy knows no node yet (a fresh proxy, or a vhost no client has used), a TCP connect to
 * each of its URLs with a short timeout. Answers are kept for a few seconds per set, so probes do not hammer the
 * brokers. Thread-safe (synchronized): the HTTP threads share one probe.
 */
final class BrokerProbe {

    private static final int CONNECT_TIMEOUT_MS = 1000;
    private static final long CACHE_NANOS = TimeUnit.SECONDS.toNanos(5);

    private record Cached(long at, List<ProxyHealth.Node> nodes) {
    }

    private final Map<String, Cached> cache = new HashMap<>();

    /**
     * The probed nodes of the configured sets that {@code known} does not name, in the order configured.
     *
     * @param known the sets the proxy reported nodes for
     */
    synchronized List<ProxyHealth.Node> probeUnknownSets(AmqProxy proxy, Set<String> known) {
        Map<String, List<Upstream>> sets;
        try {
            if (known.isEmpty() && proxy.stats().upstreamConnections() > 0) {
                return List.of(); // an open connection is the best proof there is
            }
            sets = configuredSets(proxy.config());
        } catch (RuntimeException e) {
            return List.of(); // the proxy cannot say; do not invent a problem
        }
        List<ProxyHealth.Node> nodes = new ArrayList<>();
        long now = System.nanoTime();
        for (Map.Entry<String, List<Upstream>> set : sets.entrySet()) {
            if (known.contains(set.getKey())) {
                continue;
            }
            Cached c = cache.get(set.getKey());
            if (c == null || now - c.at >= CACHE_NANOS) {
                c = new Cached(now, probe(set.getKey(), set.getValue()));
                cache.put(set.getKey(), c);
            }
            nodes.addAll(c.nodes);
        }
        return nodes;
    }

    /** The default set and one per vhost with upstreams of its own, named as {@link ProxyHealth.Node} names them. */
    static Map<String, List<Upstream>> configuredSets(ProxyConfig config) {
        Map<String, List<Upstream>> sets = new LinkedHashMap<>();
        sets.put(ProxyHealth.DEFAULT_SET, config.upstreams());
        config.vhostUpstreams().forEach((vhost, list) -> sets.put("vhost:" + vhost, list));
        return sets;
    }

    private static List<ProxyHealth.Node> probe(String set, List<Upstream> upstreams) {
        List<ProxyHealth.Node> nodes = new ArrayList<>(upstreams.size());
        for (Upstream u : upstreams) {
            String error = probe(u);
            nodes.add(new ProxyHealth.Node(set, u.host() + ":" + u.port(), error == null, 0, error));
        }
        return nodes;
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
