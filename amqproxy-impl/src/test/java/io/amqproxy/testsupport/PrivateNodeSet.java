package io.amqproxy.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Private RabbitMQ nodes that share one directory and one Erlang cookie, started by {@code .ci/private-rabbit}
 * ({@link PrivateCluster}, {@link PrivateRabbit}), and what tests do to them: stop and start the broker application,
 * stall the node's process, ask where connections landed, run {@code rabbitmqctl}.
 *
 * <p>{@link #close()} stops every node and removes the directory; it is idempotent, and a JVM shutdown hook calls it
 * for sets a test forgot. If the JVM dies without running hooks, the script's watchdog stops the nodes.
 * Methods may be called from any thread; each one is one bounded run of the script.
 */
public abstract class PrivateNodeSet implements AutoCloseable {

    /** Where each set gets its directory: under the temporary directory, named for this JVM so runs never meet. */
    private static final Path BASE = Paths.get(System.getProperty("java.io.tmpdir"), "amqproxy-private-rabbit");
    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    static final Duration CTL_TIMEOUT = Duration.ofSeconds(90);
    static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);

    protected final PrivateRabbitScript script;
    protected final Path dir;
    private final List<PrivateNode> nodes = new ArrayList<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread shutdownHook;

    protected PrivateNodeSet(PrivateRabbitScript script, String label) {
        this.script = script;
        this.dir = BASE.resolve(label + "-" + ProcessHandle.current().pid() + "-" + SEQUENCE.incrementAndGet());
        try {
            Files.createDirectories(BASE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.shutdownHook = new Thread(this::close, "private-rabbit-cleanup-" + dir.getFileName());
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** Records the nodes a start command printed; on a failed start, cleans up and rethrows. */
    protected final void started(String scriptOutput) {
        scriptOutput.lines().filter(l -> !l.isBlank()).map(PrivateNode::parse).forEach(nodes::add);
        if (nodes.isEmpty()) {
            close();
            throw new IllegalStateException("the script started no nodes in " + dir);
        }
    }

    /** Every node of this set, in the script's order. */
    public List<PrivateNode> nodes() {
        return List.copyOf(nodes);
    }

    /** {@code rabbitmqctl stop_app}: the broker stops (clients are disconnected, the port closes), the VM stays. */
    public void stopApp(PrivateNode node) {
        script.run(CTL_TIMEOUT, "stop-app", dir.toString(), node.name());
    }

    /** {@code rabbitmqctl start_app}; returns once the broker runs again and accepts connections. */
    public void startApp(PrivateNode node) {
        script.run(CTL_TIMEOUT, "start-app", dir.toString(), node.name());
    }

    /** The OS pid of the node's Erlang VM. */
    public long osPid(PrivateNode node) {
        return Long.parseLong(script.run(CTL_TIMEOUT, "pid", dir.toString(), node.name()).trim());
    }

    /**
     * SIGSTOP to the node's VM: it keeps its sockets open but answers nothing, as a stalled broker does. Always
     * {@link #resume} it in a {@code finally}; {@link #close()} also ends a suspended node.
     */
    public void suspend(PrivateNode node) {
        script.run(CTL_TIMEOUT, "suspend", dir.toString(), node.name());
    }

    /** SIGCONT to the node's VM. */
    public void resume(PrivateNode node) {
        script.run(CTL_TIMEOUT, "resume", dir.toString(), node.name());
    }

    /** An AMQP connection as the node that accepted it lists it. */
    public record NodeConnection(int peerPort, String user, String vhost) {
    }

    /** The AMQP connections this node accepted (not those of the other nodes of a cluster). */
    public List<NodeConnection> connections(PrivateNode node) {
        List<NodeConnection> result = new ArrayList<>();
        for (String line : script.run(CTL_TIMEOUT, "connections", dir.toString(), node.name()).split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.split("\t", -1);
            result.add(new NodeConnection(Integer.parseInt(f[0].trim()), f[1], f[2]));
        }
        return result;
    }

    /** Runs {@code rabbitmqctl -q -n NODE ARGS} against the node and returns its output. */
    public String rabbitmqctl(PrivateNode node, String... args) {
        List<String> command = new ArrayList<>(List.of("ctl", dir.toString(), node.name()));
        command.addAll(List.of(args));
        return script.run(CTL_TIMEOUT, command.toArray(String[]::new));
    }

    /** Stops every node and removes the directory. Repeated calls do nothing. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // called from the hook itself
        }
        script.run(STOP_TIMEOUT, "cluster", "stop", dir.toString());
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + nodes;
    }
}
