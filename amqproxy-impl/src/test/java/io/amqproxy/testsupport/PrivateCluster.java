package io.amqproxy.testsupport;

import java.time.Duration;

/**
 * A private RabbitMQ cluster on this machine, for tests that stop, stall or spread over broker nodes: N nodes
 * ({@code n1}..{@code nN}) with their own names, loopback ports and data under a temporary directory, clustered by
 * {@code .ci/private-rabbit cluster start} and ready for quorum queues. The shared broker on 5672 is not involved.
 *
 * <pre>{@code
 * try (PrivateCluster cluster = PrivateCluster.start(3)) {
 *     PrivateNode n2 = cluster.node(2);
 *     cluster.stopApp(n2);
 *     ...
 * }
 * }</pre>
 *
 * <p>Starting three nodes takes 20 to 45 s on a busy 2-core machine (README, "Private test brokers"), so start one
 * cluster per test class and leave every node running when a test ends.
 */
public final class PrivateCluster extends PrivateNodeSet {

    /** Per boot the script waits up to 120 s; a cluster boots in two rounds, then is checked. */
    private static final Duration START_TIMEOUT = Duration.ofSeconds(300);

    private PrivateCluster(PrivateRabbitScript script) {
        super(script, "cluster");
    }

    /** Starts {@code size} clustered nodes and returns once all of them run and accept AMQP connections. */
    public static PrivateCluster start(int size) {
        PrivateCluster cluster = new PrivateCluster(PrivateRabbitScript.locate());
        try {
            cluster.started(cluster.script.run(START_TIMEOUT, "cluster", "start", cluster.dir.toString(),
                    Integer.toString(size)));
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    private static PrivateCluster shared;

    /**
     * The three-node cluster every test class of this JVM shares, started on the first call (the start is what
     * costs, 20 to 45 s) and stopped by the shutdown hook when the tests are over. A test that stops, stalls or
     * reconfigures a node restores it before it ends, so that the next class finds all three nodes running.
     */
    public static synchronized PrivateCluster shared() {
        if (shared == null) {
            long t0 = System.nanoTime();
            shared = start(3);
            System.out.printf("private cluster %s started in %d ms%n", shared.nodes(),
                    Duration.ofNanos(System.nanoTime() - t0).toMillis());
        }
        return shared;
    }

    /** Node {@code n<index>}, counting from 1 as the script names them. */
    public PrivateNode node(int index) {
        return nodes().get(index - 1);
    }
}
