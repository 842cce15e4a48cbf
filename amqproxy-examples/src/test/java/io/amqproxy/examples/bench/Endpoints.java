package io.amqproxy.examples.bench;

/**
 * The ways to reach one broker that a workload compares: directly, through the embedded proxy, and through
 * the other proxy when one was given ({@code other} is null otherwise).
 *
 * @param otherPid the other proxy's process id, for its CPU time; 0 when unknown
 */
record Endpoints(Target direct, Target proxy, Target other, long otherPid) {

    Endpoints(Target direct, Target proxy) {
        this(direct, proxy, null, 0);
    }

    /** The target of one side; null for the other side when there is none. */
    Target target(Side side) {
        return switch (side) {
            case DIRECT -> direct;
            case PROXY -> proxy;
            case OTHER -> other;
        };
    }

    /**
     * CPU nanoseconds used so far by the proxy that serves a side, -1 when there is none or it cannot be
     * read. Read before and after a run; see {@link ProxyCpu#microsPer}.
     */
    long proxyCpuNanos(Side side) {
        return switch (side) {
            case DIRECT -> -1;
            case PROXY -> ProxyCpu.supported() ? ProxyCpu.loopThreadsNanos() : -1;
            case OTHER -> otherPid > 0 ? OtherProcess.cpuNanos(otherPid) : -1;
        };
    }
}
