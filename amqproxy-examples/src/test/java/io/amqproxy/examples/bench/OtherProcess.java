package io.amqproxy.examples.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What Linux's /proc tells about the other proxy's process ({@code --compare-pid}): its CPU time and its
 * resident memory. Only for a process on this machine; -1 or NaN when /proc cannot tell.
 */
final class OtherProcess {

    private OtherProcess() {
    }

    /**
     * CPU nanoseconds used so far by the live threads of the process. Summed from each thread's
     * {@code schedstat} (nanoseconds on CPU) rather than taken from {@code stat}, whose 10 ms ticks are too
     * coarse for runs of a second; threads that ended meanwhile drop out, which a proxy with long-lived
     * threads does not notice. -1 when unreadable.
     */
    static long cpuNanos(long pid) {
        long sum = 0;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : tasks) {
                try {
                    String line = Files.readString(task.resolve("schedstat")).strip();
                    sum += Long.parseLong(line.substring(0, line.indexOf(' ')));
                } catch (IOException e) {
                    // the thread ended while we looked
                }
            }
            return sum;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** The resident set size in MiB ({@code VmRSS} of {@code /proc/PID/status}); NaN when unreadable. */
    static double residentMiB(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) { // "VmRSS:     12345 kB"
                    return Long.parseLong(line.substring(6).replace("kB", "").strip()) / 1024.0;
                }
            }
        } catch (IOException | RuntimeException e) {
            // reported as unknown
        }
        return Double.NaN;
    }

    /** Whether /proc shows the process, so that a wrong pid is caught before the first run. */
    static boolean exists(long pid) {
        return Files.isDirectory(Path.of("/proc", Long.toString(pid), "task"));
    }
}
