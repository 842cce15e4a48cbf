package io.amqproxy.examples.bench;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import io.amqproxy.AmqProxy;
import io.amqproxy.testsupport.relay.FaultRelay;
import io.amqproxy.testsupport.relay.RelayEffect;

import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * farbroker: connpub with one worker against a broker made distant by a {@link FaultRelay} that delays every chunk
 * by the same time each way (a {@link RelayEffect.Delay}, so a round trip costs twice that). Direct clients
 * connect to the relay; the proxy's upstream is the relay, so only the proxy pays the distance, and only for
 * what it cannot answer itself. The relay and that second proxy start on the first run and stop on close.
 *
 * <p>The other proxy, started outside this JVM before the run, cannot follow the relay to an ephemeral port:
 * it takes a second instance of it whose upstream is a relay at a fixed port ({@code --compare-far} with
 * {@code --far-relay-port}). Without that this workload has no "other" side.
 */
final class FarBrokerWorkload implements Workload {

    private static final int ROUND_TRIPS = 7;

    private final boolean safeReuse;

    private final Target broker;
    private final Duration oneWayDelay;
    private final int ops;
    private final Duration limit;
    private final int relayPort;
    private final InetSocketAddress otherFar;
    private FaultRelay relay;
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
        return side != Side.RELAY && (side != Side.OTHER || otherFar != null);
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
        ConnectionFactory factory = endpoints.target(side).factory();
        double roundTripMs = roundTripP50Millis(factory);
        ConnPubLoop.Result r = ConnPubLoop.run(factory, count, 1, limit);
        double p50 = r.percentileMillis(0.50);
        RunResult result = new RunResult(label())
                .add("connpub ops/s", r.completed() == 0 ? Double.NaN : r.opsPerSecond())
                .add("connpub p50 ms", p50)
                .add("connpub p99 ms", r.percentileMillis(0.99))
                .add("round trip p50 ms", roundTripMs)
                .add("p50 - round trip ms", p50 - roundTripMs);
        if (r.errors() > 0) {
            result.warn(r.errors() + " of " + count + " operations failed, first: " + r.firstError());
        }
        if (r.completed() + r.errors() < count) {
            result.warn("stopped at the time limit after " + r.completed() + " of " + count + " operations");
        }
        return result;
    }

    /**
     * One broker round trip as a client on this side sees it: basic.qos on an open channel, which neither
     * proxy answers itself. Measured rather than assumed, because the relay's own scheduling adds a little to
     * the nominal delay; the target for connpub is stated in round trips.
     */
    private static double roundTripP50Millis(ConnectionFactory factory) throws Exception {
        long[] samples = new long[ROUND_TRIPS];
        Connection connection = factory.newConnection("amqproxy-bench-roundtrip");
        try {
            Channel channel = connection.createChannel();
            channel.basicQos(0); // untimed: opens the channel at the broker
            for (int i = 0; i < samples.length; i++) {
                long start = System.nanoTime();
                channel.basicQos(0);
                samples[i] = System.nanoTime() - start;
            }
        } finally {
            Target.close(connection);
        }
        return Stats.millis(Stats.percentile(samples, samples.length, 0.50));
    }

    private void open() throws Exception {
        // 256 chunks of 16 KiB in flight per direction and link: a delayed direction never starves a fast sender
        relay = FaultRelay.builder(broker.host(), broker.port()).listenPort(relayPort).backlog(128)
                .buffers(16 * 1024, 256).name("bench-relay").start();
        relay.apply(new RelayEffect.Delay(oneWayDelay));
        farProxy = AmqProxy.builder()
                .upstream("amqp://127.0.0.1:" + relay.port())
                .listen("127.0.0.1", 0)
                .safeChannelReuse(safeReuse)
                .start();
        Target other = otherFar == null ? null
                : new Target(Side.OTHER, otherFar.getHostString(), otherFar.getPort(), broker.login());
        endpoints = new Endpoints(new Target(Side.DIRECT, "127.0.0.1", relay.port(), broker.login()), null, other,
                new Target(Side.PROXY, "127.0.0.1", farProxy.port(), broker.login()), 0, 0, 0);
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
