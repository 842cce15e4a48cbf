package io.amqproxy.testsupport;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import com.rabbitmq.client.impl.NetworkConnection;
import com.rabbitmq.client.MessageProperties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The private three-node cluster that tests of several upstreams stand on (issue 12): a quorum queue replicated
 * over all nodes, still serving when a node's broker stops, and helpers that reach the node they name. Real
 * brokers, the real Java client, no proxy.
 *
 * <p>Tagged {@code private-rabbit}: these start their own RabbitMQ nodes (20 to 45 s for the cluster on a busy
 * 2-core machine); {@code -DexcludedGroups=private-rabbit} leaves them out.
 */
@Tag("private-rabbit")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PrivateClusterTest {

    private static final Duration CONFIRMS = Duration.ofSeconds(30);
    private static PrivateCluster cluster;

    private final List<Connection> connections = new ArrayList<>();

    @BeforeAll
    @Timeout(value = 320, unit = TimeUnit.SECONDS)
    static void startCluster() {
        assumeTrue(PrivateRabbitScript.locate().rabbitmqInstalled(), "needs RabbitMQ installed to start private nodes");
        cluster = PrivateCluster.shared();
    }

    @AfterEach
    void closeClients() {
        for (Connection c : connections) {
            c.abort(2_000);
        }
    }

    @Test
    void quorumQueueDeclaredOnOneNodeTakesAPublishOnASecondAndDeliversOnAThird() throws Exception {
        String queue = "qq-" + UUID.randomUUID();
        Channel onN1 = open(cluster.node(1)).createChannel();
        onN1.queueDeclare(queue, true, false, false, Map.of("x-queue-type", "quorum"));

        Channel onN2 = open(cluster.node(2)).createChannel();
        onN2.confirmSelect();
        onN2.basicPublish("", queue, MessageProperties.PERSISTENT_TEXT_PLAIN, "via n2".getBytes(StandardCharsets.UTF_8));
        onN2.waitForConfirmsOrDie(CONFIRMS.toMillis());

        Channel onN3 = open(cluster.node(3)).createChannel();
        GetResponse got = Await.valueOrFail(Duration.ofSeconds(10), "the message through n3",
                () -> get(onN3, queue), Objects::nonNull);
        assertThat(new String(got.getBody(), StandardCharsets.UTF_8)).isEqualTo("via n2");

        // one queue, replicated: every node of the cluster is a member
        String listed = cluster.rabbitmqctl(cluster.node(3), "list_queues", "--no-table-headers", "name", "type",
                "members");
        assertThat(listed.lines().filter(l -> l.startsWith(queue + "\t")).findFirst())
                .hasValueSatisfying(line -> assertThat(line)
                        .contains("\tquorum\t")
                        .contains(cluster.node(1).erlangNode(), cluster.node(2).erlangNode(),
                                cluster.node(3).erlangNode()));
        onN1.queueDelete(queue);
    }

    @Test
    void quorumQueueKeepsItsMessagesAndServesWhenTheLeadersBrokerStops() throws Exception {
        String queue = "qq-" + UUID.randomUUID();
        PrivateNode leader = cluster.node(1); // a quorum queue's first leader is the node that declared it
        Connection toLeader = open(leader);
        Channel onLeader = toLeader.createChannel();
        onLeader.queueDeclare(queue, true, false, false, Map.of("x-queue-type", "quorum"));
        publishConfirmed(onLeader, queue, "before", 10);

        cluster.stopApp(leader);
        try {
            Await.until(Duration.ofSeconds(10), "n1's clients to be disconnected by stop_app", () -> !toLeader.isOpen());
            Channel onN2 = open(cluster.node(2)).createChannel();
            publishConfirmed(onN2, queue, "after", 10); // confirmed once n2 and n3 elected a new leader

            Channel onN3 = open(cluster.node(3)).createChannel();
            List<String> bodies = new ArrayList<>();
            while (bodies.size() < 20) {
                GetResponse r = Await.valueOrFail(Duration.ofSeconds(10), "message " + bodies.size() + " on n3",
                        () -> get(onN3, queue), Objects::nonNull);
                bodies.add(new String(r.getBody(), StandardCharsets.UTF_8));
            }
            assertThat(bodies).filteredOn(b -> b.startsWith("before")).hasSize(10);
            assertThat(bodies).filteredOn(b -> b.startsWith("after")).hasSize(10);
            assertThat(get(onN3, queue)).as("nothing beyond the 20 published").isNull();
        } finally {
            cluster.startApp(leader);
        }
        Channel backOnN1 = open(leader).createChannel();
        assertThat(backOnN1.queueDeclarePassive(queue).getMessageCount()).isZero();
        backOnN1.queueDelete(queue);
    }

    @Test
    void helpersReachTheNodeTheyName() throws Exception {
        Connection toN2 = open(cluster.node(2));
        int clientPort = ((NetworkConnection) toN2).getLocalPort();
        assertThat(cluster.connections(cluster.node(2))).extracting(PrivateNodeSet.NodeConnection::peerPort)
                .contains(clientPort);
        assertThat(cluster.connections(cluster.node(1))).extracting(PrivateNodeSet.NodeConnection::peerPort)
                .doesNotContain(clientPort);

        PrivateNode n3 = cluster.node(3);
        long pid = cluster.osPid(n3);
        assertThat(ProcessHandle.of(pid).flatMap(h -> h.info().command())).hasValueSatisfying(
                command -> assertThat(command).endsWith("beam.smp"));

        cluster.suspend(n3);
        try {
            ConnectionFactory f = n3.factory();
            f.setConnectionTimeout(2_000);
            f.setHandshakeTimeout(2_000);
            // the kernel still accepts the TCP connection; the stalled broker never answers the AMQP header
            assertThatThrownBy(() -> connections.add(f.newConnection())).isInstanceOf(Exception.class);
        } finally {
            cluster.resume(n3);
        }
        Connection after = Await.valueOrFail(Duration.ofSeconds(15), "a connection to n3 once resumed",
                () -> tryOpen(n3), Objects::nonNull);
        assertThat(after.isOpen()).isTrue();
    }

    private Connection open(PrivateNode node) throws Exception {
        Connection c = node.factory().newConnection("private-cluster-test");
        connections.add(c);
        return c;
    }

    private Connection tryOpen(PrivateNode node) {
        try {
            return open(node);
        } catch (Exception e) {
            return null;
        }
    }

    private static GetResponse get(Channel ch, String queue) {
        try {
            return ch.basicGet(queue, true);
        } catch (Exception e) {
            throw new AssertionError("basic.get on " + queue + " failed", e);
        }
    }

    private static void publishConfirmed(Channel ch, String queue, String prefix, int count) throws Exception {
        ch.confirmSelect();
        for (int i = 0; i < count; i++) {
            ch.basicPublish("", queue, new AMQP.BasicProperties.Builder().deliveryMode(2).build(),
                    (prefix + " " + i).getBytes(StandardCharsets.UTF_8));
        }
        ch.waitForConfirmsOrDie(CONFIRMS.toMillis());
    }
}
