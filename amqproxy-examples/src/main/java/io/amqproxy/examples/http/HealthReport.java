package io.amqproxy.examples.http;

import io.amqproxy.ProxyHealth;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code /healthz} answers: 200 while the proxy accepts clients and each upstream set (the default one, and one
 * per vhost with upstreams of its own) has a node up; 503 otherwise. The text body is a summary line ({@code OK},
 * {@code draining}, or what is wrong), then one logfmt line per node:
 *
 * <pre>
 * OK
 * set=default node=10.0.0.1:5672 up=true connections=3
 * set=default node=10.0.0.2:5672 up=false connections=0 error="broker amqp://10.0.0.2:5672 unreachable: ..."
 * </pre>
 *
 * A proxy that knows of no node (the fake proxies of tests, or none configured) answers the summary line alone, as
 * before several upstreams existed. Immutable.
 *
 * @param status  the HTTP status, 200 or 503
 * @param summary the first line
 * @param nodes   every node, as the proxy knows it or as the probe found it
 */
record HealthReport(int status, String summary, List<ProxyHealth.Node> nodes) {

    /** The answer for a health snapshot and the probed nodes of the sets the snapshot does not cover. */
    static HealthReport of(ProxyHealth health, List<ProxyHealth.Node> probed) {
        HealthReport r = judge(health, probed);
        // the summary is one line, whatever an error text holds
        return new HealthReport(r.status, r.summary.replace('\r', ' ').replace('\n', ' '), r.nodes);
    }

    private static HealthReport judge(ProxyHealth health, List<ProxyHealth.Node> probed) {
        List<ProxyHealth.Node> nodes = new ArrayList<>(health.nodes());
        nodes.addAll(probed);
        if (!health.accepting()) {
            return new HealthReport(503, "draining", nodes);
        }
        if (nodes.isEmpty()) {
            // one upstream, nothing known per node: the proxy's own last word
            return health.upstreamError() != null
                    ? new HealthReport(503, health.upstreamError(), nodes)
                    : new HealthReport(200, "OK", nodes);
        }
        List<String> down = new ArrayList<>();
        new ProxyHealth(true, null, nodes).setsUp().forEach((set, up) -> {
            if (!up) {
                down.add(set);
            }
        });
        if (down.isEmpty()) {
            return new HealthReport(200, "OK", nodes);
        }
        // the proxy's last connect error says why in its own words ("broker amqp://... unreachable: ...")
        return new HealthReport(503, "no node up in upstream set" + (down.size() > 1 ? "s " : " ")
                + String.join(", ", down) + (health.upstreamError() == null ? ""
                : " (last error: " + health.upstreamError() + ")"), nodes);
    }

    /** The plain-text body: the summary, then a logfmt line per node. */
    String text() {
        if (nodes.isEmpty()) {
            return summary;
        }
        StringBuilder sb = new StringBuilder(summary).append('\n');
        for (ProxyHealth.Node n : nodes) {
            sb.append("set=").append(logfmt(n.upstreamSet()))
                    .append(" node=").append(logfmt(n.node()))
                    .append(" up=").append(n.up())
                    .append(" connections=").append(n.connections());
            if (n.lastError() != null) {
                sb.append(" error=").append(logfmt(n.lastError()));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /** The JSON body: {@code {"status": "ok", "summary": ..., "sets": {"default": true}, "nodes": [...]}}. */
    Map<String, Object> json() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("status", status == 200 ? "ok" : "unavailable");
        m.put("summary", summary);
        m.put("sets", new ProxyHealth(true, null, nodes).setsUp());
        List<Object> list = new ArrayList<>();
        for (ProxyHealth.Node n : nodes) {
            Map<String, Object> node = new LinkedHashMap<>();
            node.put("set", n.upstreamSet());
            node.put("node", n.node());
            node.put("up", n.up());
            node.put("connections", n.connections());
            node.put("error", n.lastError());
            list.add(node);
        }
        m.put("nodes", list);
        return m;
    }

    /** A logfmt value: bare when it can be, else quoted with {@code "} and {@code \} escaped and lines joined. */
    static String logfmt(String value) {
        boolean bare = !value.isEmpty();
        for (int i = 0; i < value.length() && bare; i++) {
            char c = value.charAt(i);
            bare = c > ' ' && c != '"' && c != '=' && c != '\\' && c != 0x7f;
        }
        if (bare) {
            return value;
        }
        return '"' + value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\r", "\\r").replace("\n", "\\n")
                + '"';
    }
}
