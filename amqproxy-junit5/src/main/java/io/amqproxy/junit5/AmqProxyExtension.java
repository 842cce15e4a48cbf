package io.amqproxy.junit5;

import io.amqproxy.AmqProxy;
import io.amqproxy.ProxyConfig;
import io.amqproxy.ProxyStats;
import io.amqproxy.fixture.Conditions;
import io.amqproxy.fixture.Faults;
import io.amqproxy.fixture.Traffic;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Runs an amqproxy on 127.0.0.1, on a free port, in front of a real broker, for JUnit Jupiter tests: the code under
 * test connects to {@link #uri()} and the test sees, shapes and breaks its AMQP traffic.
 *
 * <pre>{@code
 * class OrderServiceTest {
 *     @RegisterExtension
 *     static AmqProxyExtension rabbit = AmqProxyExtension.upstream("amqp://127.0.0.1:5672");
 *
 *     @Test
 *     void publishesOneConfirmedOrder() {
 *         new OrderService(rabbit.uri()).placeOrder("42");
 *         assertThat(rabbit.traffic().awaitPublishes(1, Duration.ofSeconds(5)))
 *                 .singleElement().extracting(PublishRecord::outcome).isEqualTo(PublishOutcome.CONFIRMED);
 *     }
 * }
 * }</pre>
 *
 * <p><b>Lifecycle.</b> In a {@code static} field there is one proxy for the test class: started before its
 * {@code @BeforeAll} methods, closed after its {@code @AfterAll} methods (and shared with its {@code @Nested}
 * classes). In an instance field every test gets a proxy of its own, started before its {@code @BeforeEach} methods
 * and closed after its {@code @AfterEach} methods; in a {@code @TestInstance(PER_CLASS)} class, whose one instance
 * serves every test, an instance field behaves as a static one. Either way the proxy is closed whatever the tests'
 * outcome.
 *
 * <p><b>Between tests.</b> Traffic is recorded (unless {@link #configure configured} otherwise). With a static
 * field, before each test the fault rules are removed, the conditions reset, the recording cleared and a stats
 * baseline taken, so each test sees its own traffic, its own {@link #stats()} and none of its predecessors' faults;
 * what a {@code @BeforeAll} method set up is therefore gone before the first test: add class-wide faults in a
 * {@code @BeforeEach} method. An instance field needs none of this: each test's proxy is new.
 *
 * <p><b>Parallel tests.</b> A static field's proxy is shared by every test of the class, also by tests JUnit runs
 * at the same time: their recordings, stats and fault rules mix, and the reset above waits until no test of the
 * class is in progress (it never removes a rule or a record under a running test). Tests that run concurrently and
 * look at traffic or faults should use an instance field: one proxy per test, nothing shared.
 *
 * <p><b>Parameters.</b> Test methods, lifecycle methods (and, with a static field, test constructors) may declare
 * parameters of type {@link AmqProxy}, {@link Traffic}, {@link Faults} and {@link Conditions}; they get this
 * extension's proxy and its parts. A class with two extensions must use their fields instead: JUnit refuses a
 * parameter that two extensions offer.
 *
 * <p>Thread-safe: the accessors may be called from any thread while a test runs, e.g. from a consumer's callback
 * or a polling thread.
 */
public final class AmqProxyExtension implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback,
        AfterEachCallback, ParameterResolver {

    private final Supplier<String> upstream;
    private final Object lock = new Object();
    private Consumer<ProxyConfig.Builder> settings = b -> { }; // guarded by lock
    private boolean everStarted; // guarded by lock
    /** Test classes in progress that share this extension's proxy (a static field; a @Nested class counts too). */
    private int classScopes; // guarded by lock
    private volatile RunningProxy running; // written under lock

    private AmqProxyExtension(Supplier<String> upstream) {
        this.upstream = upstream;
    }

    /**
     * An extension whose proxy forwards to the broker at {@code uri}, e.g. {@code "amqp://127.0.0.1:5672"} or a
     * Testcontainers {@code RabbitMQContainer}'s {@code getAmqpUrl()}. Credentials in it are ignored: each client
     * logs in with its own.
     */
    public static AmqProxyExtension upstream(String uri) {
        Objects.requireNonNull(uri, "upstream uri");
        return new AmqProxyExtension(() -> uri);
    }

    /**
     * An extension whose broker is known only when the proxy starts, e.g.
     * {@code upstream(rabbitContainer::getAmqpUrl)} with a container that another extension starts first; the
     * supplier is called at each start.
     */
    public static AmqProxyExtension upstream(Supplier<String> uri) {
        return new AmqProxyExtension(Objects.requireNonNull(uri, "upstream uri supplier"));
    }

    /**
     * Adds settings, applied to the proxy's builder at each start after the extension's own (upstream, listen on
     * 127.0.0.1 port 0, traffic recorded), so they may override those; e.g.
     * {@code .configure(b -> b.faithful(true))}. Call it where the field is declared.
     *
     * @return this extension
     * @throws IllegalStateException once a proxy was started
     */
    public AmqProxyExtension configure(Consumer<ProxyConfig.Builder> more) {
        Objects.requireNonNull(more, "settings");
        synchronized (lock) {
            if (everStarted) {
                throw new IllegalStateException("configure the AmqProxyExtension where it is declared: its proxy "
                        + "has already been started");
            }
            settings = settings.andThen(more);
        }
        return this;
    }

    /**
     * The running proxy.
     *
     * @throws IllegalStateException when none runs: outside the tests of the class that registered the extension
     */
    public AmqProxy proxy() {
        return current().proxy();
    }

    /** The port clients connect to, on 127.0.0.1. */
    public int port() {
        return proxy().port();
    }

    /** {@code amqp://127.0.0.1:PORT}: where clients connect, e.g. {@code ConnectionFactory.setUri(rabbit.uri())}. */
    public String uri() {
        AmqProxy proxy = proxy();
        InetAddress address = proxy.localAddress().getAddress();
        String host;
        if (address == null || address.isAnyLocalAddress()) {
            host = "127.0.0.1"; // listening everywhere: loopback is the one address sure to reach it
        } else if (address instanceof Inet6Address) {
            host = "[" + address.getHostAddress() + "]";
        } else {
            host = address.getHostAddress();
        }
        return "amqp://" + host + ":" + proxy.port();
    }

    /** What the proxy recorded since the current test started (see the class comment for shared proxies). */
    public Traffic traffic() {
        return proxy().traffic();
    }

    /** The fault rules in force; none when a test starts. */
    public Faults faults() {
        return proxy().faults();
    }

    /** The simulated network and broker conditions; none when a test starts. */
    public Conditions conditions() {
        return proxy().conditions();
    }

    /**
     * The proxy's stats since the current test started: counters count this test's traffic (with a static field
     * and concurrent tests, theirs too), gauges are as they are now.
     */
    public ProxyStats stats() {
        return current().stats();
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        // Called for a static field, for the class that declares it and again for each @Nested class inside (they
        // all share one proxy), and for an instance field of a @TestInstance(PER_CLASS) class, whose one test
        // instance serves all its tests. JUnit does not call it for an instance field of a class with a test
        // instance per test: then beforeEach starts a proxy per test.
        synchronized (lock) {
            if (classScopes == 0) {
                running = start();
            }
            classScopes++;
        }
        store(context).put(ClassScope.KEY, new ClassScope());
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (store(context).remove(ClassScope.KEY, ClassScope.class) == null) {
            return; // our beforeAll did not get that far
        }
        RunningProxy last = null;
        synchronized (lock) {
            if (--classScopes == 0) {
                last = running;
                running = null;
            }
        }
        if (last != null) {
            last.close();
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        RunningProxy shared;
        synchronized (lock) {
            shared = classScopes > 0 ? running : null;
            if (shared == null && running != null) {
                throw new IllegalStateException("this AmqProxyExtension's proxy is in use by another test: an "
                        + "instance field gives each test a proxy of its own only when each test has a test instance "
                        + "of its own; with @TestInstance(PER_CLASS) and concurrent tests, make the field static");
            }
            if (shared == null) {
                running = start();
            }
        }
        if (shared != null) {
            shared.testStarted();
            store(context).put(TestScope.KEY, new TestScope(shared, false));
        } else {
            store(context).put(TestScope.KEY, new TestScope(running, true));
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        TestScope test = store(context).remove(TestScope.KEY, TestScope.class);
        if (test == null) {
            return; // our beforeEach did not get that far
        }
        if (!test.ownsProxy) {
            test.proxy.testFinished();
            return;
        }
        synchronized (lock) {
            running = null;
        }
        test.proxy.close();
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        return type == AmqProxy.class || type == Traffic.class || type == Faults.class || type == Conditions.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        RunningProxy now = running;
        if (now == null) {
            throw new ParameterResolutionException("no proxy runs for " + parameter.getDeclaringExecutable()
                    + ": an AmqProxyExtension in an instance field starts its proxy before each test, so it cannot "
                    + "serve a constructor or a @BeforeAll method; make the field static");
        }
        AmqProxy proxy = now.proxy();
        Class<?> type = parameter.getParameter().getType();
        if (type == Traffic.class) {
            return proxy.traffic();
        }
        if (type == Faults.class) {
            return proxy.faults();
        }
        if (type == Conditions.class) {
            return proxy.conditions();
        }
        return proxy;
    }

    private RunningProxy start() {
        ProxyConfig.Builder builder = AmqProxy.builder()
                .upstream(upstream.get())
                .listen("127.0.0.1", 0)
                .recordTraffic(true);
        settings.accept(builder);
        everStarted = true;
        return new RunningProxy(builder.start());
    }

    private RunningProxy current() {
        RunningProxy now = running;
        if (now == null) {
            throw new IllegalStateException("no proxy is running: an AmqProxyExtension starts its proxy for the tests "
                    + "of the class that registers it with @RegisterExtension (a static field: once for the class; an "
                    + "instance field: for each test) and closes it after them");
        }
        return now;
    }

    private ExtensionContext.Store store(ExtensionContext context) {
        // keyed by this extension too, so that two extensions in one class keep apart
        return context.getStore(ExtensionContext.Namespace.create(AmqProxyExtension.class, this));
    }

    /** Marks a class context whose beforeAll counted itself in {@link #classScopes}. */
    private static final class ClassScope {
        static final String KEY = "class scope";
    }

    /** One test's hold on a proxy: its own (an instance field), or a share of the class's. Kept in the test's store. */
    private record TestScope(RunningProxy proxy, boolean ownsProxy) {
        static final String KEY = "test scope";
    }
}
