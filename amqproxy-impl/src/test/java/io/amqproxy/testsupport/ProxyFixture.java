package io.amqproxy.testsupport;

import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import io.amqproxy.AmqProxy;
import io.amqproxy.ProxyConfig;
import io.amqproxy.testsupport.relay.FaultRelay;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;
import java.util.function.UnaryOperator;

/**
 * One test's proxy and what comes with it: a {@link CountingProxyListener}, a {@link BrokerSide}, the client
 * connections the test opens, the queues it declares, {@link FaultRelay fault relays} in front of the proxy or the
 * broker, and further proxies where a test compares two. Each is made when the test first asks for it and released
 * after the test, whatever its outcome, in this order: connections aborted; relays in front of the proxy closed;
 * relays to the broker healed, so that no goodbye of a proxy is stuck behind a pause; the proxies closed; relays to
 * the broker closed; queues deleted; the broker side closed.
 *
 * <p>A JUnit 5 extension for an instance field, so that every test gets a fresh one:
 * <pre>{@code
 * @RegisterExtension
 * final ProxyFixture fx = new ProxyFixture(b -> b.idleUpstreamTimeout(Duration.ofSeconds(30)));
 * }</pre>
 * The proxy listens on 127.0.0.1 at an ephemeral port, goes to the shared test broker and reports to
 * {@link #listener()}, with the class's settings on top. A test that breaks its broker on purpose (stops it, raises an
 * alarm) points the fixture at a private node instead, and everything here (proxies, relays, the broker side,
 * queues) goes there:
 * <pre>{@code
 * @BeforeAll
 * static void node() { assumeTrue(PrivateRabbitScript.locate().rabbitmqInstalled(), "..."); PrivateRabbit.shared(); }
 * @RegisterExtension
 * final ProxyFixture fx = ProxyFixture.on(PrivateRabbit.shared().node());
 * }</pre>
 * Not thread-safe, except {@link #connect} and {@link #viaProxy}, which a test
 * may call from several threads once the proxy is running.
 */
public final class ProxyFixture implements AfterEachCallback {

    /** Where the proxies and the broker side go; null for the shared test broker, located on first use. */
    private final PrivateNode node;
    private final UnaryOperator<ProxyConfig.Builder> settings;
    private final CountingProxyListener listener = new CountingProxyListener();
    private final List<Connection> connections = new CopyOnWriteArrayList<>();
    private final List<String> queues = new ArrayList<>();
    private final List<AmqProxy> otherProxies = new ArrayList<>();
    private final List<FaultRelay> relaysToProxy = new ArrayList<>();
    private final List<FaultRelay> relaysToBroker = new ArrayList<>();
    private AmqProxy proxy;
    private BrokerSide broker;

    /** A proxy with the defaults. */
    public ProxyFixture() {
        this(UnaryOperator.identity());
    }

    /** A proxy with {@code settings} applied to the builder, for every test of the class. */
    public ProxyFixture(UnaryOperator<ProxyConfig.Builder> settings) {
        this(null, settings);
    }

    private ProxyFixture(PrivateNode node, UnaryOperator<ProxyConfig.Builder> settings) {
        this.node = node;
        this.settings = settings;
    }

    /**
     * A fixture whose proxies, relays to the broker and broker side go to the private {@code node} rather than to the
     * shared test broker, with {@code settings} applied to the builder for every test of the class.
     */
    public static ProxyFixture on(PrivateNode node, UnaryOperator<ProxyConfig.Builder> settings) {
        return new ProxyFixture(Objects.requireNonNull(node, "node"), settings);
    }

    /** A fixture with the defaults whose proxies, relays and broker side go to the private {@code node}. */
    public static ProxyFixture on(PrivateNode node) {
        return on(node, UnaryOperator.identity());
    }

    /** The host of the broker this fixture's proxies go to. */
    public String brokerHost() {
        return node == null ? TestBroker.host() : "127.0.0.1";
    }

    /** The AMQP port of the broker this fixture's proxies go to. */
    public int brokerPort() {
        return node == null ? TestBroker.port() : node.amqpPort();
    }

    private String upstreamUri() {
        return node == null ? TestBroker.upstreamUri() : node.upstreamUri();
    }

    /** The test's proxy, started on the first call. */
    public AmqProxy proxy() {
        return proxy != null ? proxy : startProxy(UnaryOperator.identity());
    }

    /**
     * Starts the test's proxy with {@code more} settings on top of the class's, for a test that needs its own;
     * call it before anything that uses the proxy.
     */
    public AmqProxy startProxy(UnaryOperator<ProxyConfig.Builder> more) {
        if (proxy != null) {
            throw new IllegalStateException("this test's proxy is already running");
        }
        ProxyConfig.Builder b = AmqProxy.builder().upstream(upstreamUri()).listen("127.0.0.1", 0)
                .listener(listener);
        proxy = more.apply(settings.apply(b)).start();
        return proxy;
    }

    /**
     * Starts a further proxy for a test that needs two at once: to the fixture's broker, on 127.0.0.1 at an ephemeral
     * port, with the class's settings and then {@code more}; it reports to nobody unless {@code more} sets a listener.
     * Closed after the test with the test's proxy; closing it earlier is harmless.
     */
    public AmqProxy anotherProxy(UnaryOperator<ProxyConfig.Builder> more) {
        ProxyConfig.Builder b = AmqProxy.builder().upstream(upstreamUri()).listen("127.0.0.1", 0);
        AmqProxy another = more.apply(settings.apply(b)).start();
        otherProxies.add(another);
        return another;
    }

    /**
     * A new relay between clients and the test's proxy (started if need be): connect through {@code relay.port()}
     * to cut, pause or reset a client's path. Healed and closed after the test, before the proxy.
     */
    public FaultRelay relayToProxy() {
        FaultRelay relay = FaultRelay.to(proxy().port());
        relaysToProxy.add(relay);
        return relay;
    }

    /**
     * A new relay in front of the fixture's broker: start a proxy with {@code b.upstream(relay.uri())} to put faults on
     * its broker path. Healed after the test before any proxy closes, and closed after them.
     */
    public FaultRelay relayToBroker() {
        FaultRelay relay = FaultRelay.builder(brokerHost(), brokerPort()).start();
        relaysToBroker.add(relay);
        return relay;
    }

    /** Counts what the test's proxy reports. */
    public CountingProxyListener listener() {
        return listener;
    }

    /** A direct connection to the broker, opened on the first call. */
    public BrokerSide broker() {
        if (broker == null) {
            broker = node == null ? BrokerSide.open() : BrokerSide.open(node.factory());
        }
        return broker;
    }

    /** Declares {@code amqproxy-it-<what>-<random>} at the broker; it is deleted after the test. */
    public String newQueue(String what) {
        String q = BrokerSide.uniqueName(what);
        broker().declareQueue(q);
        queues.add(q);
        return q;
    }

    /** Deletes {@code queue} after the test, for one the test declared some other way. */
    public void deleteAfter(String queue) {
        queues.add(queue);
    }

    /** Opens a connection that is aborted after the test. */
    public Connection connect(ConnectionFactory f, String name) throws IOException, TimeoutException {
        Connection c = f.newConnection(name);
        connections.add(c);
        return c;
    }

    /** Opens a connection to the test's proxy as guest, aborted after the test. */
    public Connection viaProxy(String name) throws IOException, TimeoutException {
        return connect(TestBroker.viaProxy(proxy().port()), name);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        // every step runs even if one before it failed, so one broken step leaves nothing else behind
        List<RuntimeException> failures = new ArrayList<>();
        for (Connection c : connections) {
            run(failures, () -> c.abort(2_000));
        }
        for (FaultRelay r : relaysToProxy) {
            run(failures, r::close);
        }
        for (FaultRelay r : relaysToBroker) {
            run(failures, r::heal);
        }
        if (proxy != null) {
            run(failures, proxy::close);
        }
        for (AmqProxy p : otherProxies) {
            run(failures, p::close);
        }
        for (FaultRelay r : relaysToBroker) {
            run(failures, r::close);
        }
        if (!queues.isEmpty()) {
            for (String q : queues) {
                run(failures, () -> broker().deleteQueue(q));
            }
        }
        if (broker != null) {
            run(failures, broker::close);
        }
        if (!failures.isEmpty()) {
            RuntimeException first = failures.get(0);
            failures.subList(1, failures.size()).forEach(first::addSuppressed);
            throw first;
        }
    }

    private static void run(List<RuntimeException> failures, Runnable step) {
        try {
            step.run();
        } catch (RuntimeException e) {
            failures.add(e);
        }
    }
}
