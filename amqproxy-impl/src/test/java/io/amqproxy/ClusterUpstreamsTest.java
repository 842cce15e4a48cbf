package io.amqproxy;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import com.rabbitmq.client.ShutdownSignalException;
import io.amqproxy.testsupport.Await;
import io.amqproxy.testsupport.ConfirmingPublisher;
import io.amqproxy.testsupport.PrivateCluster;
import io.amqproxy.testsupport.PrivateNode;
import io.amqproxy.testsupport.PrivateRabbitScript;
import io.amqproxy.testsupport.TestBroker;
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
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Issue 12 on a real three-node RabbitMQ cluster of this machine ({@link PrivateCluster#shared()}): new upstream
 * connections spread over the nodes, publishers with confirms keep going while one node after another stops, a
 * client served by a node that stays up is left alone, a stalled node is reported to a client within its own
 * heartbeat timeout, and a vhost with upstreams of its own lands on them. Every node that a test stops or stalls
 * runs again when the test ends.
 */
@Tag("private-rabbit")
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ClusterUpstreamsTest {

    private static PrivateCluster cluster;

    private final List<AmqProxy> proxies = new ArrayList<>();
    private final List<Connection> clients = new CopyOnWriteArrayList<>();

    @BeforeAll
    @Timeout(value = 320, unit = TimeUnit.SECONDS)
    static void startCluster() {
        assumeTrue(PrivateRabbitScript.locate().rabbitmqInstalled(), "needs RabbitMQ installed to start private nodes");
        cluster = PrivateCluster.shared();
    }

    @AfterEach
    void closeEverything() {
        clients.forEach(c -> c.abort(2_000));
        proxies.forEach(AmqProxy::close);
    }

    private AmqProxy proxy(UnaryOperator<ProxyConfig.Builder> settings) {
        AmqProxy p = settings.apply(AmqProxy.builder().listen("127.0.0.1", 0)).start();
        proxies.add(p);
        return p;
    }

    private static String[] allNodes() {
        return cluster.nodes().stream().map(PrivateNode::upstreamUri).toArray(String[]::new);
    }

    private Connection client(AmqProxy proxy, String vhost, String name) throws Exception {
        ConnectionFactory f = TestBroker.viaProxy(proxy.port());
        f.setVirtualHost(vhost);
        f.setAutomaticRecoveryEnabled(false);
        f.setConnectionTimeout(5_000);
        Connection c = f.newConnection(name);
        clients.add(c);
        return c;
    }

    /** A vhost of its own for one test, so that what each node lists for it belongs to that test alone. */
    private static String newVhost(String what) {
        String vhost = what + "-" + UUID.randomUUID();
        cluster.rabbitmqctl(cluster.node(1), "add_vhost", vhost);
        cluster.rabbitmqctl(cluster.node(1), "set_permissions", "-p", vhost, "guest", ".*", ".*", ".*");
        return vhost;
    }

    private static long connectionsTo(PrivateNode node, String vhost) {
        return cluster.connections(node).stream().filter(c -> c.vhost().equals(vhost)).count();
    }

    @Test
    void newUpstreamConnectionsSpreadOverTheNodes() throws Exception {
        String vhost = newVhost("spread");
        // one channel per upstream connection: six clients with a channel each need six upstream connections
        AmqProxy proxy = proxy(b -> b.upstream(allNodes()).eventLoops(1).maxChannelsPerUpstream(1));
        for (int i = 0; i < 6; i++) {
            client(proxy, vhost, "spread " + i).createChannel();
        }

        // the proxy answers Channel.OpenOk before the upstream connection for it is open: wait for all six
        Await.until(Duration.ofSeconds(10), "six upstream connections open",
                () -> proxy.stats().upstreamConnections() == 6);
        Map<String, Long> byNode = proxy.stats().upstreamConnectionsByNode();
        System.out.println("upstream connections by node: " + byNode + " of " + proxy.stats().upstreamConnections()
                + "; listed at the nodes: " + cluster.nodes().stream().map(n -> connectionsTo(n, vhost)).toList());
        assertThat(byNode).hasSize(3);
        assertThat(byNode.values()).as("connections per node, least connections first").containsOnly(2L);
        for (PrivateNode node : cluster.nodes()) {
            assertThat(connectionsTo(node, vhost)).as("connections %s lists for the vhost", node.name()).isEqualTo(2);
        }
    }

    @Test
    void aVhostWithUpstreamsOfItsOwnLandsOnThem() throws Exception {
        String routed = newVhost("routed");
        String other = newVhost("other");
        PrivateNode n1 = cluster.node(1);
        PrivateNode n2 = cluster.node(2);
        AmqProxy proxy = proxy(b -> b.upstream(n1.upstreamUri()).vhostUpstream(routed, n2.upstreamUri()));
        client(proxy, routed, "routed").createChannel();
        client(proxy, other, "default").createChannel();

        assertThat(connectionsTo(n2, routed)).as("the routed vhost at its own node").isPositive();
        assertThat(connectionsTo(n1, routed)).as("the routed vhost at the default node").isZero();
        assertThat(connectionsTo(n1, other)).as("another vhost at the default node").isPositive();
        assertThat(connectionsTo(n2, other)).as("another vhost at the routed vhost's node").isZero();
    }

    @Test
    void aStalledNodeIsReportedToAClientWithinItsOwnHeartbeatTimeout() throws Exception {
        PrivateNode n3 = cluster.node(3);
        AmqProxy proxy = proxy(b -> b.upstream(n3.upstreamUri()));
        ConnectionFactory f = TestBroker.viaProxy(proxy.port());
        f.setAutomaticRecoveryEnabled(false);
        f.setRequestedHeartbeat(5);
        Connection c = f.newConnection("stall");
        clients.add(c);
        c.createChannel();
        CompletableFuture<ShutdownSignalException> closed = new CompletableFuture<>();
        c.addShutdownListener(closed::complete);

        long t0 = System.nanoTime();
        cluster.suspend(n3);
        ShutdownSignalException why;
        try {
            why = closed.get(25, TimeUnit.SECONDS);
        } finally {
            cluster.resume(n3);
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        System.out.printf("a 5 s-heartbeat client learnt of the stalled node after %d ms: %s%n", millis, why.getMessage());
        assertThat(millis).as("milliseconds until the client was told").isBetween(5_000L, 15_000L);
        assertThat(why.getReason()).isInstanceOf(AMQP.Connection.Close.class);
        AMQP.Connection.Close close = (AMQP.Connection.Close) why.getReason();
        assertThat(close.getReplyCode()).isEqualTo(AMQP.CONNECTION_FORCED);
        assertThat(close.getReplyText()).contains(Integer.toString(n3.amqpPort()));

        Connection after = Await.valueOrFail(Duration.ofSeconds(30), "a client through the proxy once n3 is resumed",
                () -> tryClient(proxy, "/", "after stall"), java.util.Objects::nonNull);
        assertThat(after.createChannel().isOpen()).isTrue();
    }

    @Test
    void publishersWithConfirmsKeepGoingWhileOneNodeAfterAnotherStops() throws Exception {
        String queue = "qq-rolling-" + UUID.randomUUID();
        try (Connection direct = cluster.node(1).factory().newConnection("rolling setup")) {
            direct.createChannel().queueDeclare(queue, true, false, false, Map.of("x-queue-type", "quorum"));
        }
        AmqProxy proxy = proxy(b -> b.upstream(allNodes()));

        // a client of its own vhost, on one node: it must stay open while the other two stop
        String bystanderVhost = newVhost("bystander");
        Connection bystander = client(proxy, bystanderVhost, "bystander");
        Channel bystanderChannel = bystander.createChannel();
        PrivateNode bystanderNode = cluster.nodes().stream().filter(n -> connectionsTo(n, bystanderVhost) > 0)
                .findFirst().orElseThrow();
        List<PrivateNode> order = new ArrayList<>(cluster.nodes());
        order.remove(bystanderNode);
        order.add(bystanderNode);

        List<ConfirmingPublisher> publishers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            publishers.add(ConfirmingPublisher.start(TestBroker.viaProxy(proxy.port()), queue, "p" + i));
        }
        try {
            Await.until(Duration.ofSeconds(20), "every publisher's first confirms",
                    () -> publishers.stream().allMatch(p -> p.confirmed().size() > 10));
            for (PrivateNode node : order) {
                cluster.stopApp(node);
                try {
                    pauseWhilePublishing(Duration.ofSeconds(3));
                    ProxyHealth health = proxy.health();
                    assertThat(health.healthy()).as("healthy with two nodes of three up: %s", health).isTrue();
                    assertThat(health.nodes()).as("the stopped node as the health check lists it")
                            .filteredOn(n -> n.node().endsWith(":" + node.amqpPort()))
                            .singleElement().satisfies(n -> assertThat(n.up()).isFalse());
                    if (!node.equals(bystanderNode)) {
                        assertThat(bystander.isOpen()).as("a client served by %s while %s is down",
                                bystanderNode.name(), node.name()).isTrue();
                        bystanderChannel.basicPublish("", "nowhere", null, new byte[0]);
                    }
                } finally {
                    cluster.startApp(node);
                }
                pauseWhilePublishing(Duration.ofSeconds(2));
            }
            long before = publishers.stream().mapToLong(p -> p.confirmed().size()).sum();
            Await.until(Duration.ofSeconds(20), "confirms after the last node is back",
                    () -> publishers.stream().mapToLong(p -> p.confirmed().size()).sum() > before + 30);
        } finally {
            publishers.forEach(ConfirmingPublisher::stop);
        }

        Set<String> inQueue = ConcurrentHashMap.newKeySet();
        try (Connection direct = cluster.node(1).factory().newConnection("rolling check")) {
            Channel ch = direct.createChannel();
            for (GetResponse r = ch.basicGet(queue, true); r != null; r = ch.basicGet(queue, true)) {
                inQueue.add(new String(r.getBody(), StandardCharsets.UTF_8));
            }
            ch.queueDelete(queue);
        }
        for (ConfirmingPublisher p : publishers) {
            System.out.printf("publisher %s: %d confirmed, %d connections, longest pause between confirms %d ms%n",
                    p.name(), p.confirmed().size(), p.connections(), p.longestGapMillis());
            assertThat(inQueue).as("messages of %s confirmed but not in the quorum queue", p.name())
                    .containsAll(p.confirmed());
            assertThat(p.longestGapMillis()).as("longest pause between confirms of %s, ms", p.name())
                    .isLessThan(8_000);
            assertThat(p.connections()).as("connections %s needed (it reconnects when closed)", p.name())
                    .isGreaterThan(1);
        }
        assertThat(proxy.stats().upstreamConnectionsByNode()).as("nodes that served upstream connections").hasSize(3);
    }

    private Connection tryClient(AmqProxy proxy, String vhost, String name) {
        try {
            return client(proxy, vhost, name);
        } catch (Exception e) {
            return null;
        }
    }

    private static void pauseWhilePublishing(Duration d) throws InterruptedException {
        Thread.sleep(d.toMillis()); // the publishers' threads work meanwhile; this is the length of a phase
    }
}
