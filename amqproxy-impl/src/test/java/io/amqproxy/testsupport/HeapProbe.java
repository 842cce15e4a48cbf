package io.amqproxy.testsupport;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;

/**
 * Heap in use after full collections, for tests that bound what the proxy keeps. One {@code System.gc()} may
 * leave garbage behind (reference processing, finalizers), so it collects until the figure settles.
 */
public final class HeapProbe {

    private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();

    private HeapProbe() {
    }

    /** Bytes of heap in use after collecting until two rounds agree within 256 KiB (at most five rounds). */
    public static long usedAfterGc() {
        long previous = Long.MAX_VALUE;
        long used = 0;
        for (int i = 0; i < 5; i++) {
            System.gc();
            used = MEMORY.getHeapMemoryUsage().getUsed();
            if (Math.abs(previous - used) < 256 * 1024) {
                break;
            }
            previous = used;
        }
        return used;
    }

    /** "12.3 MiB". */
    public static String mib(long bytes) {
        return String.format("%.1f MiB", bytes / (1024.0 * 1024.0));
    }
}
