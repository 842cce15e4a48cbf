package io.amqproxy.examples.bench;

/**
 * The ways to reach one broker that a workload compares: directly, through a plain relay when one was given,
 * through the other proxy when one was given ({@code relay} and {@code other} are null otherwise), and through
 * the embedded proxy.
 *
 * @param relayPid  the relay's process id, for its CPU time; 0 when unknown
 * @param otherPid  the other proxy's process id, for its CPU time; 0 when unknown
 * @param brokerPid the broker's process id on this machine, for its CPU time; 0 when unknown
 */
record Endpoints(Target direct, Target relay, Target other, Target proxy, long relayPid, long otherPid,
                 long brokerPid) {

    Endpoints(Target direct, Target proxy) {
        this(direct, null, null, proxy, 0, 0, 0);
    }

    /** The target of one side; null for the relay or other side when there is none. */
    Target target(Side side) {
        return switch (side) {
            case DIRECT -> direct;
            case RELAY -> relay;
            case OTHER -> other;
            case PROXY -> proxy;
        };
    }

    /**
     * CPU nanoseconds used so far by the proxy that serves a side, -1 when there is none or it cannot be
     * read. Read before and after a run; see {@link ProxyCpu#microsPer}.
     */
    long proxyCpuNanos(Side side) {
        return switch (side) {
            case DIRECT -> -1;
            case RELAY -> relayPid > 0 ? OtherProcess.cpuNanos(relayPid) : -1;
            case OTHER -> otherPid > 0 ? OtherProcess.cpuNanos(otherPid) : -1;
            case PROXY -> ProxyCpu.supported() ? ProxyCpu.loopThreadsNanos() : -1;
        };
    }

    /**
     * CPU nanoseconds used so far by the broker's whole process (all its threads), -1 when unknown. The broker is
     * shared: whatever else uses it during a run is counted too, so this is only meaningful on a quiet broker.
     */
    long brokerCpuNanos() {
        return brokerPid > 0 ? OtherProcess.cpuNanos(brokerPid) : -1;
    }
}
