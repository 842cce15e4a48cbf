package io.amqproxy.examples.http;

import io.amqproxy.ProxyStats;

import java.math.BigDecimal;

/**
 * Writes a {@link ProxyStats} snapshot in the Prometheus text exposition format 0.0.4: every metric with its
 * HELP and TYPE lines, counters named {@code _total}, and the names of cloudamqp/amqproxy where it has one
 * ({@code amqproxy_client_connections}, {@code amqproxy_upstream_connections}, {@code amqproxy_identity_info}).
 *
 * <p>"Received" is what the proxy read from that side, "sent" what it wrote to it. Stateless and thread-safe.
 */
public final class PrometheusText {

    /** The Content-Type of the format. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final StringBuilder out = new StringBuilder(4096);

    private PrometheusText() {
    }

    /**
     * The exposition of one snapshot.
     *
     * @param version  the proxy's version, a label of {@code amqproxy_identity_info}
     * @param hostname the host's name, a label of {@code amqproxy_identity_info}
     */
    public static String format(ProxyStats s, String version, String hostname) {
        PrometheusText t = new PrometheusText();
        t.header("amqproxy_identity_info", "gauge", "The proxy's version and host name; the value is always 1.");
        // the label names of cloudamqp/amqproxy, so that its dashboards select the same series
        t.out.append("amqproxy_identity_info{amqproxy_version=\"").append(labelValue(version))
                .append("\",amqproxy_hostname=\"").append(labelValue(hostname)).append("\"} 1\n");

        t.gauge("amqproxy_client_connections", "Client connections that finished the AMQP handshake.",
                s.clientConnections());
        t.gauge("amqproxy_upstream_connections", "Connections open to the broker.", s.upstreamConnections());
        t.gauge("amqproxy_client_channels", "Channels clients have open.", s.clientChannels());
        t.gauge("amqproxy_upstream_channels",
                "Channel numbers taken on broker connections: open, closing, or awaiting their first frame.",
                s.upstreamChannels());

        t.counter("amqproxy_client_received_bytes_total", "Bytes read from clients.", s.bytesFromClients());
        t.counter("amqproxy_client_sent_bytes_total", "Bytes written to clients.", s.bytesToClients());
        t.counter("amqproxy_upstream_received_bytes_total", "Bytes read from the broker.", s.bytesFromUpstream());
        t.counter("amqproxy_upstream_sent_bytes_total", "Bytes written to the broker.", s.bytesToUpstream());
        t.counter("amqproxy_client_received_frames_total", "AMQP frames read from clients, heartbeats included.",
                s.framesFromClients());
        t.counter("amqproxy_client_sent_frames_total", "AMQP frames written to clients, heartbeats included.",
                s.framesToClients());
        t.counter("amqproxy_upstream_received_frames_total", "AMQP frames read from the broker, heartbeats included.",
                s.framesFromUpstream());
        t.counter("amqproxy_upstream_sent_frames_total", "AMQP frames written to the broker, heartbeats included.",
                s.framesToUpstream());

        t.counter("amqproxy_messages_published_total", "Messages forwarded from clients to the broker.",
                s.messagesPublished());
        t.counter("amqproxy_messages_delivered_total", "Messages forwarded to clients (basic.deliver and basic.get-ok).",
                s.messagesDelivered());
        t.counter("amqproxy_refused_logins_total", "Clients refused during the AMQP handshake.", s.refusedLogins());
        t.counter("amqproxy_upstream_connect_failures_total", "Broker connections that failed before they were open.",
                s.upstreamConnectFailures());

        t.counter("amqproxy_upstream_failovers_total",
                "Clients whose broker connection found its node down while opening and went on with another node.",
                s.failovers());
        t.byNode("amqproxy_upstream_node_connections", "gauge", "Connections open to the broker, by node.",
                s.upstreamConnectionsByNode());
        t.byNode("amqproxy_upstream_node_connect_failures_total", "counter",
                "Broker connections that failed before they were open, by node.", s.upstreamConnectFailuresByNode());

        t.header("amqproxy_upstream_connect_seconds", "summary",
                "Time taken to open broker connections, TCP and AMQP handshake.");
        t.out.append("amqproxy_upstream_connect_seconds_sum ").append(seconds(s.upstreamConnectNanos())).append('\n');
        t.out.append("amqproxy_upstream_connect_seconds_count ").append(s.upstreamConnects()).append('\n');
        return t.out.toString();
    }

    private void gauge(String name, String help, long value) {
        header(name, "gauge", help);
        out.append(name).append(' ').append(value).append('\n');
    }

    private void counter(String name, String help, long value) {
        header(name, "counter", help);
        out.append(name).append(' ').append(value).append('\n');
    }

    /** One sample per node, labelled {@code node="host:port"}; only the HELP and TYPE lines before any node is known. */
    private void byNode(String name, String type, String help, java.util.Map<String, Long> byNode) {
        header(name, type, help);
        byNode.forEach((node, value) -> out.append(name).append("{node=\"").append(labelValue(node)).append("\"} ")
                .append(value).append('\n'));
    }

    private void header(String name, String type, String help) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    /** Exact decimal seconds, without a trailing ".0" or exponent: 1500000 ns is {@code 0.0015}. */
    private static String seconds(long nanos) {
        return BigDecimal.valueOf(nanos, 9).stripTrailingZeros().toPlainString();
    }

    /** A label value may hold anything but must escape backslash, double quote and line feed. */
    static String labelValue(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
