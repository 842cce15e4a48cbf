package io.amqproxy.examples.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;

/**
 * CPU time spent by the embedded proxy: the sum over its event loop threads ({@code amqproxy-loop-N}).
 * Every proxy in this JVM names its loops alike, so only read it while a single proxy is busy.
 */
final class ProxyCpu {

    private static final String LOOP_THREAD_PREFIX = "amqproxy-loop-";
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    static {
        if (THREADS.isThreadCpuTimeSupported() && !THREADS.isThreadCpuTimeEnabled()) {
            THREADS.setThreadCpuTimeEnabled(true);
        }
    }

    private ProxyCpu() {
    }

    /** Whether this JVM can tell; when not, {@link #loopThreadsNanos()} returns 0 and callers report NaN. */
    static boolean supported() {
        return THREADS.isThreadCpuTimeSupported();
    }

    /** CPU nanoseconds used so far by the live proxy loop threads. */
    static long loopThreadsNanos() {
        long sum = 0;
        for (ThreadInfo info : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
            if (info != null && info.getThreadName().startsWith(LOOP_THREAD_PREFIX)) {
                long cpu = THREADS.getThreadCpuTime(info.getThreadId());
                if (cpu > 0) {
                    sum += cpu;
                }
            }
        }
        return sum;
    }

    /**
     * Microseconds of proxy CPU per unit of work between two readings of {@link Endpoints#proxyCpuNanos}; NaN
     * when a reading is -1 (the direct side, or a CPU time that cannot be read).
     */
    static double microsPer(long startNanos, long endNanos, long units) {
        if (startNanos < 0 || endNanos < 0 || units <= 0) {
            return Double.NaN;
        }
        return (endNanos - startNanos) / 1_000.0 / units;
    }
}
