package io.amqproxy.examples.http;

import io.amqproxy.ProxyStats;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The /metrics text for a fixed snapshot. */
class PrometheusTextTest {

    /** Every field a different value, so a metric wired to the wrong field shows. */
    private static final ProxyStats STATS = ProxyStats.builder()
            .clientConnections(3).upstreamConnections(2)
            .clientChannels(7).upstreamChannels(9)
            .bytesFromClients(1001).bytesToClients(1002)
            .bytesFromUpstream(1003).bytesToUpstream(1004)
            .framesFromClients(11).framesToClients(12)
            .framesFromUpstream(13).framesToUpstream(14)
            .messagesPublished(21).messagesDelivered(22)
            .refusedLogins(5).upstreamConnectFailures(4)
            .upstreamConnects(6).upstreamConnectNanos(1_234_567_890L)
            .failovers(31)
            .upstreamConnectionsByNode(Map.of("10.0.0.1:5672", 2L, "10.0.0.2:5672", 0L))
            .upstreamConnectFailuresByNode(Map.of("10.0.0.2:5672", 4L))
            .build();

    @Test
    void exactExposition() {
        String expected = """
                # HELP amqproxy_identity_info The proxy's version and host name; the value is always 1.
                # TYPE amqproxy_identity_info gauge
                amqproxy_identity_info{amqproxy_version="1.2.3",amqproxy_hostname="proxy-7d9f"} 1
                # HELP amqproxy_client_connections Client connections that finished the AMQP handshake.
                # TYPE amqproxy_client_connections gauge
                amqproxy_client_connections 3
                # HELP amqproxy_upstream_connections Connections open to the broker.
                # TYPE amqproxy_upstream_connections gauge
                amqproxy_upstream_connections 2
                # HELP amqproxy_client_channels Channels clients have open.
                # TYPE amqproxy_client_channels gauge
                amqproxy_client_channels 7
                # HELP amqproxy_upstream_channels Channel numbers taken on broker connections: open, closing, or awaiting their first frame.
                # TYPE amqproxy_upstream_channels gauge
                amqproxy_upstream_channels 9
                # HELP amqproxy_client_received_bytes_total Bytes read from clients.
                # TYPE amqproxy_client_received_bytes_total counter
                amqproxy_client_received_bytes_total 1001
                # HELP amqproxy_client_sent_bytes_total Bytes written to clients.
                # TYPE amqproxy_client_sent_bytes_total counter
                amqproxy_client_sent_bytes_total 1002
                # HELP amqproxy_upstream_received_bytes_total Bytes read from the broker.
                # TYPE amqproxy_upstream_received_bytes_total counter
                amqproxy_upstream_received_bytes_total 1003
                # HELP amqproxy_upstream_sent_bytes_total Bytes written to the broker.
                # TYPE amqproxy_upstream_sent_bytes_total counter
                amqproxy_upstream_sent_bytes_total 1004
                # HELP amqproxy_client_received_frames_total AMQP frames read from clients, heartbeats included.
                # TYPE amqproxy_client_received_frames_total counter
                amqproxy_client_received_frames_total 11
                # HELP amqproxy_client_sent_frames_total AMQP frames written to clients, heartbeats included.
                # TYPE amqproxy_client_sent_frames_total counter
                amqproxy_client_sent_frames_total 12
                # HELP amqproxy_upstream_received_frames_total AMQP frames read from the broker, heartbeats included.
                # TYPE amqproxy_upstream_received_frames_total counter
                amqproxy_upstream_received_frames_total 13
                # HELP amqproxy_upstream_sent_frames_total AMQP frames written to the broker, heartbeats included.
                # TYPE amqproxy_upstream_sent_frames_total counter
                amqproxy_upstream_sent_frames_total 14
                # HELP amqproxy_messages_published_total Messages forwarded from clients to the broker.
                # TYPE amqproxy_messages_published_total counter
                amqproxy_messages_published_total 21
                # HELP amqproxy_messages_delivered_total Messages forwarded to clients (basic.deliver and basic.get-ok).
                # TYPE amqproxy_messages_delivered_total counter
                amqproxy_messages_delivered_total 22
                # HELP amqproxy_refused_logins_total Clients refused during the AMQP handshake.
                # TYPE amqproxy_refused_logins_total counter
                amqproxy_refused_logins_total 5
                # HELP amqproxy_upstream_connect_failures_total Broker connections that failed before they were open.
                # TYPE amqproxy_upstream_connect_failures_total counter
                amqproxy_upstream_connect_failures_total 4
                # HELP amqproxy_upstream_failovers_total Clients whose broker connection found its node down while opening and went on with another node.
                # TYPE amqproxy_upstream_failovers_total counter
                amqproxy_upstream_failovers_total 31
                # HELP amqproxy_upstream_node_connections Connections open to the broker, by node.
                # TYPE amqproxy_upstream_node_connections gauge
                amqproxy_upstream_node_connections{node="10.0.0.1:5672"} 2
                amqproxy_upstream_node_connections{node="10.0.0.2:5672"} 0
                # HELP amqproxy_upstream_node_connect_failures_total Broker connections that failed before they were open, by node.
                # TYPE amqproxy_upstream_node_connect_failures_total counter
                amqproxy_upstream_node_connect_failures_total{node="10.0.0.2:5672"} 4
                # HELP amqproxy_upstream_connect_seconds Time taken to open broker connections, TCP and AMQP handshake.
                # TYPE amqproxy_upstream_connect_seconds summary
                amqproxy_upstream_connect_seconds_sum 1.23456789
                amqproxy_upstream_connect_seconds_count 6
                """;

        assertThat(PrometheusText.format(STATS, "1.2.3", "proxy-7d9f")).isEqualTo(expected);
    }

    @Test
    void everySampleHasHelpAndTypeAndCountersEndInTotal() {
        Set<String> help = new HashSet<>();
        Set<String> counters = new HashSet<>();
        Set<String> declared = new HashSet<>();
        for (String line : PrometheusText.format(STATS, "v", "h").split("\n")) {
            String[] parts = line.split(" ");
            if (line.startsWith("# HELP ")) {
                help.add(parts[2]);
            } else if (line.startsWith("# TYPE ")) {
                declared.add(parts[2]);
                if (parts[3].equals("counter")) {
                    counters.add(parts[2]);
                }
            } else {
                String sample = parts[0].replaceAll("\\{.*", "");
                String family = sample.replaceAll("_(sum|count)$", "");
                assertThat(declared).as("TYPE before " + sample).contains(declared.contains(sample) ? sample : family);
                assertThat(help).as("HELP for " + sample).contains(declared.contains(sample) ? sample : family);
            }
        }
        assertThat(counters).isNotEmpty().allMatch(name -> name.endsWith("_total"));
        assertThat(help).isEqualTo(declared);
    }

    @Test
    void zeroConnectTimeIsPlainZero() {
        ProxyStats none = ProxyStats.builder().build(); // every figure zero
        assertThat(PrometheusText.format(none, "v", "h"))
                .contains("\namqproxy_upstream_connect_seconds_sum 0\n")
                .contains("\namqproxy_upstream_connect_seconds_count 0\n");
    }

    @Test
    void beforeAnyNodeIsKnownTheNodeFamiliesHaveNoSample() {
        String text = PrometheusText.format(ProxyStats.builder().build(), "v", "h");

        assertThat(text).contains("# TYPE amqproxy_upstream_node_connections gauge\n# HELP ")
                .contains("# TYPE amqproxy_upstream_node_connect_failures_total counter\n# HELP ")
                .contains("\namqproxy_upstream_failovers_total 0\n")
                .doesNotContain("{node=");
    }

    @Test
    void labelValuesAreEscaped() {
        assertThat(PrometheusText.format(STATS, "1.0 \"beta\"", "a\\b\nc"))
                .contains("amqproxy_identity_info{amqproxy_version=\"1.0 \\\"beta\\\"\",amqproxy_hostname=\"a\\\\b\\nc\"} 1\n");
    }
}
