package io.amqproxy.impl.upstream;

import io.amqproxy.ProxyHealth;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One node as one event loop knows it, for the health check; {@link #merge} makes one view of all loops. Immutable:
 * taken on a loop thread, read on the caller's.
 *
 * @param changedAt when the node last succeeded or failed on that loop (loop clock, {@code System.nanoTime}), 0 if
 *                  never
 */
public record NodeState(String upstreamSet, String node, boolean answering, long connections, String lastError,
                        long changedAt) {

    /**
     * The nodes of all loops as one list in the order first seen: a node is up when any loop holds a connection to
     * it, otherwise as the loop that heard from it last found it (never tried counts as up).
     */
    public static List<ProxyHealth.Node> merge(List<NodeState> all) {
        Map<String, NodeState> latest = new LinkedHashMap<>();
        Map<String, Long> connections = new LinkedHashMap<>();
        for (NodeState s : all) {
            String key = s.upstreamSet + "\u0000" + s.node;
            connections.merge(key, s.connections, Long::sum);
            latest.merge(key, s, (a, b) -> b.changedAt - a.changedAt > 0 ? b : a);
        }
        List<ProxyHealth.Node> nodes = new ArrayList<>(latest.size());
        latest.forEach((key, s) -> {
            long open = connections.get(key);
            boolean up = open > 0 || s.answering;
            nodes.add(new ProxyHealth.Node(s.upstreamSet, s.node, up, open, up ? null : s.lastError));
        });
        return nodes;
    }
}
