package io.amqproxy.examples.bench;

import io.amqproxy.AmqProxy;

import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * farbroker: connpub with one worker against a broker made distant by a {@link DelayRelay}. Direct clients
 * connect to the relay; the proxy's upstream is the relay, so only the proxy pays the distance, and only for
 * what it cannot answer itself. The relay and that second proxy start on the first run and stop on close.
 *
 * <p>The other proxy, started outside this JVM before the run, cannot follow the relay to an ephemeral port:
 * it takes a second instance of it whose upstream is a relay at a fixed port ({@code --compare-far} with
 * {@code --far-relay-port}). Without that this workload has no "other" side.
 */
final class FarBrokerWorkload implements Workload {

    private final boolean safeReuse;

    private final Target broker;
    private final Duration oneWayDelay;
    private final int ops;
    private final Duration limit;
    private final int relayPort;
    private final InetSocketAddress otherFar;
    private DelayRelay relay;
    private AmqProxy farProxy;
    private Endpoints endpoints;

    /**
     * @param broker    where the relay forwards to; its login is used by the clients
     * @param relayPort the relay's port, 0 for any free one
     * @param otherFar  the other proxy's instance whose upstream is that relay port, or null
     */
    FarBrokerWorkload(Target broker, Duration oneWayDelay, int ops, Duration limit, boolean safeReuse,
            int relayPort, InetSocketAddress otherFar) {
        this.safeReuse = safeReuse;
        this.broker = broker;
        this.oneWayDelay = oneWayDelay;
        this.ops = ops;
        this.limit = limit;
        this.relayPort = relayPort;
        this.otherFar = otherFar;
    }

    @Override
    public boolean covers(Side side) {
        return side != Side.OTHER || otherFar != null;
    }

    @Override
    public String label() {
        return "farbroker " + (2 * oneWayDelay.toMillis()) + "ms RTT";
    }

    @Override
    public RunResult run(Side side, boolean warmup) throws Exception {
        if (endpoints == null) {
            open();
        }
        int count = warmup ? Math.max(2, ops / 10) : ops;
        ConnPubLoop.Result r = ConnPubLoop.run(endpoints.target(side).factory(), count, 1, limit);
        RunResult result = new RunResult(label())
                .add("connpub ops/s", r.completed() == 0 ? Double.NaN : r.opsPerSecond())
                .add("connpub p50 ms", r.percentileMillis(0.50))
                .add("connpub p99 ms", r.percentileMillis(0.99));
        if (r.errors() > 0) {
            result.warn(r.errors() + " of " + count + " operations failed, first: " + r.firstError());
        }
        if (r.completed() + r.errors() < count) {
            result.warn("stopped at the time limit after " + r.completed() + " of " + count + " operations");
        }
        return result;
    }

    private void open() throws Exception {
        relay = DelayRelay.start(relayPort, broker.host(), broker.port(), oneWayDelay);
        farProxy = AmqProxy.builder()
                .upstream("amqp://127.0.0.1:" + relay.port())
                .listen("127.0.0.1", 0)
                .safeChannelReuse(safeReuse)
                .start();
        Target other = otherFar == null ? null
                : new Target(Side.OTHER, otherFar.getHostString(), otherFar.getPort(), broker.login());
        endpoints = new Endpoints(
                new Target(Side.DIRECT, "127.0.0.1", relay.port(), broker.login()),
                new Target(Side.PROXY, "127.0.0.1", farProxy.port(), broker.login()),
                other, 0);
    }

    @Override
    public void close() {
        if (farProxy != null) {
            farProxy.close();
        }
        if (relay != null) {
            relay.close();
        }
    }
}
