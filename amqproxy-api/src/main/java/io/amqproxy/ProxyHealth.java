package io.amqproxy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a health check needs to know.
 *
 * @param accepting     the proxy accepts new clients (not stopping or stopped)
 * @param upstreamError why a broker could not be reached the last time the proxy tried, or {@code null} when the
 *                      last attempt (or an open connection) shows it reachable
 * @param nodes         every broker node the proxy knows of, per upstream set, as the proxy last found it; empty
 *                      before the first client arrived (names are resolved when first needed)
 */
public record ProxyHealth(boolean accepting, String upstreamError, List<Node> nodes) {

    /** The name of the upstream set of vhosts without upstreams of their own. */
    public static final String DEFAULT_SET = "default";

    /**
     * One broker address as the proxy knows it.
     *
     * @param upstreamSet {@link #DEFAULT_SET}, or {@code vhost:NAME} for a vhost with upstreams of its own
     * @param node        {@code host:port}, with the address in brackets when the host name has several
     * @param up          whether the node answers: it holds open connections, or its last attempt succeeded, or it
     *                    was never tried; {@code false} when the last attempt failed or the last connection was lost
     * @param connections open upstream connections to it
     * @param lastError   why its last attempt failed, or {@code null}
     */
    public record Node(String upstreamSet, String node, boolean up, long connections, String lastError) {
    }

    /**
     * Copies {@code nodes}, so that the record stays immutable.
     *
     * @param accepting     the proxy accepts new clients (not stopping or stopped)
     * @param upstreamError why a broker could not be reached the last time the proxy tried, or {@code null}
     * @param nodes         every broker node the proxy knows of, per upstream set; not {@code null}, nor any of
     *                      its elements
     * @throws NullPointerException if {@code nodes} or one of its elements is {@code null}
     */
    public ProxyHealth {
        nodes = List.copyOf(nodes);
    }

    /**
     * Health without node details.
     *
     * @param accepting     the proxy accepts new clients
     * @param upstreamError why the broker could not be reached the last time, or {@code null}
     */
    public ProxyHealth(boolean accepting, String upstreamError) {
        this(accepting, upstreamError, List.of());
    }

    /**
     * Accepting clients, and every upstream set has a node that is up. Before any node is known, "no known problem
     * reaching the broker" ({@link #upstreamError} is {@code null}).
     *
     * @return whether a health check should pass
     */
    public boolean healthy() {
        if (!accepting) {
            return false;
        }
        if (nodes.isEmpty()) {
            return upstreamError == null;
        }
        return setsUp().values().stream().allMatch(Boolean::booleanValue);
    }

    /**
     * Whether each upstream set that has nodes has one that is up.
     *
     * @return by set name, in the order the nodes are listed
     */
    public Map<String, Boolean> setsUp() {
        Map<String, Boolean> sets = new LinkedHashMap<>();
        for (Node n : nodes) {
            sets.merge(n.upstreamSet(), n.up(), Boolean::logicalOr);
        }
        return sets;
    }
}
