package io.amqproxy.examples.bench;

import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.impl.NetworkConnection;
import com.rabbitmq.client.impl.nio.NioParams;
import io.amqproxy.AmqProxy;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * manyconns: open many client connections with one channel each, hold them, close them. The clients use
 * the client's NIO mode and {@link ClientThreads}, so they cost this JVM few threads.
 *
 * <p>Heap and direct buffer memory are measured for the whole JVM, after a GC, with all connections open,
 * minus the same before opening: on the direct side that is the clients alone, on the proxy side the clients
 * plus the proxy, so the difference of the two is the proxy's share. The other proxy's memory is not in this
 * JVM: its side shows instead the resident set of its process with all connections open (whole process,
 * baseline included; its allocator need not give memory back between runs, so a difference would mislead).
 */
final class ManyConnsWorkload implements Workload {

    private static final double KIB = 1024.0;
    private static final int CLOSE_TIMEOUT_MS = 10_000;

    private final Endpoints endpoints;
    private final AmqProxy proxy;
    private final int connections;
    private final int workers;

    ManyConnsWorkload(Endpoints endpoints, AmqProxy proxy, int connections, int workers) {
        this.endpoints = endpoints;
        this.proxy = proxy;
        this.connections = connections;
        this.workers = workers;
    }

    @Override
    public String label() {
        return "manyconns " + connections;
    }

    /** What a parallel loop got through: items done, and the first failure, after which it stopped. */
    private record Progress(int done, long nanos, Exception firstError) {
    }

    private interface Step {
        void run(int index) throws Exception;
    }

    @Override
    public boolean covers(Side side) {
        return side != Side.RELAY; // a relay's connections are the clients' own, one for one
    }

    @Override
    public RunResult run(Side side, boolean warmup) throws Exception {
        int count = warmup ? Math.max(50, connections / 10) : connections;
        RunResult result = new RunResult(label());
        ConnectionFactory factory = endpoints.target(side).factory();
        useNio(factory);
        Connection[] open = new Connection[count];
        try {
            long heapBefore = heapUsedAfterGc();
            long directBefore = directBytes();

            Progress opened = parallel(count, i -> {
                Connection c = factory.newConnection("amqproxy-bench-manyconns");
                open[i] = c;
                c.createChannel();
            });
            boolean allOpen = opened.firstError() == null;
            if (!allOpen) {
                result.warn("opened " + countOpen(open) + " of " + count
                        + " connections, then: " + opened.firstError());
            }

            boolean inJvm = allOpen && side != Side.OTHER;
            double heapPerConn = inJvm ? (heapUsedAfterGc() - heapBefore) / KIB / count : Double.NaN;
            double directPerConn = inJvm ? (directBytes() - directBefore) / KIB / count : Double.NaN;
            double otherResident = allOpen && side == Side.OTHER && endpoints.otherPid() > 0
                    ? OtherProcess.residentMiB(endpoints.otherPid()) : Double.NaN;
            Set<Integer> brokerPorts = allOpen && !warmup ? brokerClientPorts(side, open) : null;
            double brokerSeen = BrokerConnections.fromPorts(brokerPorts);
            double upstreams = switch (side) {
                case DIRECT, RELAY -> Double.NaN;
                case PROXY -> proxy.stats().upstreamConnections();
                // its sockets to the broker, the same ports as broker conns but without asking the broker
                case OTHER -> brokerPorts == null ? Double.NaN : brokerPorts.size();
            };

            Progress closed = parallel(count, i -> {
                Connection c = open[i];
                if (c != null) {
                    c.close(CLOSE_TIMEOUT_MS);
                    open[i] = null;
                }
            });
            if (closed.firstError() != null) {
                result.warn("closing failed: " + closed.firstError());
            }
            result.add("open all s", allOpen ? opened.nanos() / 1e9 : Double.NaN)
                    .add("close all s", allOpen && closed.firstError() == null ? closed.nanos() / 1e9 : Double.NaN)
                    .add("broker conns", brokerSeen)
                    .add("proxy upstream conns", upstreams)
                    .add("JVM heap KiB/conn", heapPerConn)
                    .add("JVM direct KiB/conn", directPerConn)
                    .add("other proxy RSS MiB", otherResident);
        } finally {
            for (Connection c : open) {
                if (c != null) {
                    c.abort(1_000);
                }
            }
        }
        return result;
    }

    /**
     * Two I/O threads for all connections instead of one reader thread each. The client deprecates its NIO
     * mode in favour of Netty, but it still works and keeps this class free of Netty's API.
     */
    @SuppressWarnings("deprecation")
    private static void useNio(ConnectionFactory factory) {
        factory.useNio();
        factory.setNioParams(new NioParams().setNbIoThreads(2));
    }

    /**
     * The client ports of the connections the broker should see for this side: the clients themselves when
     * direct; through the proxy, every socket this JVM has to the broker, i.e. the proxy's upstreams; through
     * the other proxy, every socket its process has to the broker (null, unknown, without its pid).
     */
    private Set<Integer> brokerClientPorts(Side side, Connection[] clients) {
        int brokerPort = endpoints.direct().port();
        if (side == Side.PROXY) {
            return OwnSockets.localPortsConnectedTo(brokerPort);
        }
        if (side == Side.OTHER) {
            return endpoints.otherPid() > 0 ? OwnSockets.localPortsConnectedTo(endpoints.otherPid(), brokerPort) : null;
        }
        Set<Integer> ports = new HashSet<>();
        for (Connection c : clients) {
            if (c instanceof NetworkConnection network) { // every connection the client makes
                ports.add(network.getLocalPort());
            }
        }
        return ports;
    }

    private static int countOpen(Connection[] connections) {
        int n = 0;
        for (Connection c : connections) {
            if (c != null) {
                n++;
            }
        }
        return n;
    }

    /** Runs step(0..count-1) over the workers; stops taking new items after the first failure. */
    private Progress parallel(int count, Step step) throws InterruptedException {
        AtomicInteger next = new AtomicInteger();
        AtomicInteger done = new AtomicInteger();
        AtomicBoolean failed = new AtomicBoolean();
        AtomicReference<Exception> firstError = new AtomicReference<>();
        Runnable worker = () -> {
            int i;
            while (!failed.get() && (i = next.getAndIncrement()) < count) {
                try {
                    step.run(i);
                    done.incrementAndGet();
                } catch (Exception e) {
                    firstError.compareAndSet(null, e);
                    failed.set(true);
                }
            }
        };
        List<Thread> threads = new ArrayList<>();
        long start = System.nanoTime();
        for (int w = 0; w < workers; w++) {
            Thread t = new Thread(worker, "bench-manyconns-" + w);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join();  // each step is bounded by the client's connect, handshake and close timeouts
        }
        return new Progress(done.get(), System.nanoTime() - start, firstError.get());
    }

    /** Bytes of direct buffers allocated in this JVM (the proxy keeps its I/O buffers there). */
    private static long directBytes() {
        return ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(pool -> pool.getName().equals("direct"))
                .mapToLong(BufferPoolMXBean::getMemoryUsed)
                .sum();
    }

    private static long heapUsedAfterGc() {
        for (int i = 0; i < 2; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
