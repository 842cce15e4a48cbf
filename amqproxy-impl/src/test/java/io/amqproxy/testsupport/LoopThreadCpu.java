package io.amqproxy.testsupport;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The CPU time of one proxy's event loop threads, for telling an idle proxy from one that spins. The threads
 * are told apart from those of other proxies in the same JVM by taking the loop threads that did not exist
 * before the proxy started: call {@link #around} with the code that starts it.
 */
public final class LoopThreadCpu {

    private static final String LOOP_THREAD_PREFIX = "amqproxy-loop-";

    private final List<Long> threadIds;
    private final ThreadMXBean mx = ManagementFactory.getThreadMXBean();

    private LoopThreadCpu(List<Long> threadIds) {
        this.threadIds = threadIds;
    }

    /** Runs {@code start} and returns its result with a meter on the loop threads it created. */
    public static <T> Started<T> around(Supplier<T> start) {
        Set<Long> before = loopThreadIds();
        T started = start.get();
        List<Long> created = loopThreadIds().stream().filter(id -> !before.contains(id)).toList();
        if (created.isEmpty()) {
            throw new IllegalStateException("no new " + LOOP_THREAD_PREFIX + "* thread appeared");
        }
        return new Started<>(started, new LoopThreadCpu(created));
    }

    /** What {@link #around} started, and the meter on its loop threads. */
    public record Started<T>(T value, LoopThreadCpu cpu) {
    }

    /** How many loop threads are metered. */
    public int threads() {
        return threadIds.size();
    }

    /** Total CPU nanoseconds the metered threads have used so far (threads that ended count zero). */
    public long cpuNanos() {
        if (!mx.isThreadCpuTimeSupported()) {
            throw new IllegalStateException("this JVM cannot measure thread CPU time");
        }
        if (!mx.isThreadCpuTimeEnabled()) {
            mx.setThreadCpuTimeEnabled(true);
        }
        long sum = 0;
        for (long id : threadIds) {
            long t = mx.getThreadCpuTime(id);
            if (t > 0) {
                sum += t;
            }
        }
        return sum;
    }

    /**
     * The share of wall time the loop threads spent on a CPU while {@code window} ran (the sum over all loop
     * threads, so it can exceed 1 with several loops).
     */
    public double shareDuring(Runnable window) {
        long cpu0 = cpuNanos();
        long wall0 = System.nanoTime();
        window.run();
        long wall = System.nanoTime() - wall0;
        return (double) (cpuNanos() - cpu0) / wall;
    }

    private static Set<Long> loopThreadIds() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith(LOOP_THREAD_PREFIX))
                .map(Thread::getId)
                .collect(Collectors.toSet());
    }
}
