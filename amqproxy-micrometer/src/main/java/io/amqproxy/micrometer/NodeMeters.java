package io.amqproxy.micrometer;

import io.amqproxy.AmqProxy;
import io.amqproxy.ProxyStats;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;

/**
 * The per-node meters of one registry: {@code amqproxy.upstream.node.connections} and
 * {@code amqproxy.upstream.node.connect.failures}, tagged with the node, registered the first time a snapshot names
 * the node. Nodes are learnt as the proxy resolves its upstreams' names, so the set can grow after the binder was
 * bound. Like {@link SharedSnapshot}, it holds no reference to the proxy: the meters hold it weakly, as Micrometer
 * does. Thread-safe: snapshots may come from any scraping thread.
 */
final class NodeMeters implements BiConsumer<AmqProxy, ProxyStats> {

    private final MeterRegistry registry;
    private final Iterable<Tag> tags;
    private final SharedSnapshot snapshot;
    private final Set<String> registered = ConcurrentHashMap.newKeySet();

    NodeMeters(MeterRegistry registry, Iterable<Tag> tags, SharedSnapshot snapshot) {
        this.registry = registry;
        this.tags = tags;
        this.snapshot = snapshot;
    }

    @Override
    public void accept(AmqProxy proxy, ProxyStats stats) {
        for (String node : stats.upstreamConnectionsByNode().keySet()) {
            register(proxy, node);
        }
        for (String node : stats.upstreamConnectFailuresByNode().keySet()) {
            register(proxy, node);
        }
    }

    private void register(AmqProxy proxy, String node) {
        if (!registered.add(node)) {
            return;
        }
        Tags withNode = Tags.of(tags).and("node", node);
        // each read takes the latest snapshot the binder's other meters share (see SharedSnapshot)
        Gauge.builder("amqproxy.upstream.node.connections", proxy,
                        p -> latest(p).upstreamConnectionsByNode().getOrDefault(node, 0L))
                .description("Connections open to the broker, by node.")
                .tags(withNode)
                .register(registry);
        FunctionCounter.builder("amqproxy.upstream.node.connect.failures", proxy,
                        p -> latest(p).upstreamConnectFailuresByNode().getOrDefault(node, 0L))
                .description("Failed attempts to open a connection to the broker, by node.")
                .tags(withNode)
                .register(registry);
    }

    private ProxyStats latest(AmqProxy proxy) {
        return snapshot.of(proxy);
    }
}
