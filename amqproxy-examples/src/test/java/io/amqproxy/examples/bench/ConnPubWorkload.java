package io.amqproxy.examples.bench;

import java.time.Duration;

/** connpub: a connection per message, with a given number of concurrent workers. */
final class ConnPubWorkload implements Workload {

    private final Endpoints endpoints;
    private final int workers;
    private final int ops;
    private final Duration limit;

    ConnPubWorkload(Endpoints endpoints, int workers, int ops, Duration limit) {
        this.endpoints = endpoints;
        this.workers = workers;
        this.ops = ops;
        this.limit = limit;
    }

    /**
     * The handshake code runs once per operation, and HotSpot compiles it fully only after a few thousand
     * calls; a proxy that runs for days is past that, so the timed runs should be too. A few seconds.
     */
    private static final int WARMUP_OPS = 2_000;

    @Override
    public String label() {
        return "connpub x" + workers;
    }

    @Override
    public RunResult run(Side side, boolean warmup) throws InterruptedException {
        int count = warmup ? Math.max(WARMUP_OPS, ops / 2) : ops;
        long cpuStart = endpoints.proxyCpuNanos(side);
        long brokerStart = endpoints.brokerCpuNanos();
        ConnPubLoop.Result r = ConnPubLoop.run(endpoints.target(side).factory(), count, workers, limit);
        long cpuEnd = endpoints.proxyCpuNanos(side);
        long brokerEnd = endpoints.brokerCpuNanos();

        RunResult result = new RunResult(label())
                .add("ops/s", r.completed() == 0 ? Double.NaN : r.opsPerSecond())
                .add("p50 ms", r.percentileMillis(0.50))
                .add("p99 ms", r.percentileMillis(0.99))
                .add("proxy CPU us/op", ProxyCpu.microsPer(cpuStart, cpuEnd, r.completed()))
                .add("broker CPU us/op", ProxyCpu.microsPer(brokerStart, brokerEnd, r.completed()));
        if (r.errors() > 0) {
            result.warn(r.errors() + " of " + count + " operations failed, first: " + r.firstError());
        }
        if (r.completed() + r.errors() < count) {
            result.warn("stopped at the time limit after " + r.completed() + " of " + count + " operations");
        }
        return result;
    }
}
