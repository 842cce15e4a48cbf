package io.amqproxy;

import com.rabbitmq.client.AuthenticationFailureException;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultSaslConfig;
import com.rabbitmq.client.LongString;
import com.rabbitmq.client.MetricsCollector;
import com.rabbitmq.client.SaslConfig;
import com.rabbitmq.client.SaslMechanism;
import com.rabbitmq.client.impl.AMQConnection;
import com.rabbitmq.client.impl.ConnectionParams;
import com.rabbitmq.client.impl.FrameHandler;
import com.rabbitmq.client.observation.ObservationCollector;
import io.amqproxy.testsupport.AmqPlainSaslConfig;
import io.amqproxy.testsupport.AmqpErrors;
import io.amqproxy.testsupport.Await;
import io.amqproxy.testsupport.CountingProxyListener;
import io.amqproxy.testsupport.RandomTries;
import io.amqproxy.testsupport.ScratchBrokerUser;
import io.amqproxy.testsupport.TestBroker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Behaviour 3 under contention: a wrong password never gets in, not even when it reaches the proxy while the right
 * login's very first upstream connection is still being opened and logged in. {@link CredentialsTest} covers a
 * wrong password against an upstream that is already pooled; this covers the window before that, when the right
 * and the wrong logins both find no open upstream and wait on pool entries that differ only in the password.
 *
 * <p>Each round starts a fresh proxy, so no upstream exists for the user yet, with a single event loop, because
 * every loop has its own pool and clients spread over several loops would not compete for the same entry. Then
 * {@value #RIGHT} clients with the right password and {@value #WRONG} with wrong ones connect, and every one is
 * held just before it sends Connection.StartOk (see {@link HeldClient}) until all of them are there. Then the test
 * lets the logins go in one of these {@link Order orders}: together; the wrong ones a hair (tens of microseconds)
 * ahead; the right ones first, with each wrong one trailing by its own delay of up to a few times a whole first
 * connect; or the wrong ones exactly while the right ones' upstream has logged in and waits for their vhost,
 * which the test arranges by holding the right clients after Connection.Tune. Every client adds a small delay of
 * its own, and the clients start in a shuffled order, all drawn from a seeded random: the seed is printed, is in
 * every failure, and {@code -Dfuzz.seed=<seed>} replays the draws (not the thread timing itself, of course).
 *
 * <p>Every wrong client must be refused the way RabbitMQ refuses it, with a 403 in answer to StartOk
 * (AuthenticationFailureException), never with Connection.Tune: a Tune would mean the proxy vouched for a login
 * before the broker had judged it. Every right client must open, publish and consume. And the proxy must count
 * exactly the right clients and their channels as connected, and exactly the wrong ones as refused.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CredentialsRaceTest {

    private static final int RIGHT = 3;
    private static final int WRONG = 3;
    /** Per mechanism and order: 2 x 4 x 5 = 40 rounds in all, each with its own proxy, 100 to 300 ms apiece. */
    private static final int ROUNDS = 5;
    /** How long a client waits at a gate or for a broker round trip: a hang is a failure, not a stuck build. */
    private static final Duration BOUND = Duration.ofSeconds(5);
    /** Every client's own random delay after its gate opens, at most this: a few scheduling quanta. */
    private static final long JITTER_MICROS = 50;
    /** Well beyond a first connect and login to a local broker (a few milliseconds), so some land after it. */
    private static final long MAX_TRAIL_MICROS = 30_000;

    enum Mechanism {
        PLAIN(DefaultSaslConfig.PLAIN), AMQPLAIN(AmqPlainSaslConfig.AMQPLAIN);

        final SaslConfig sasl;

        Mechanism(SaslConfig sasl) {
            this.sasl = sasl;
        }
    }

    /** When the wrong logins reach the proxy, relative to the right ones. */
    enum Order {
        /** Both groups let go at the same instant. */
        TOGETHER,
        /** The wrong logins 10 to 100 microseconds ahead: theirs is the first upstream. */
        WRONG_FIRST,
        /**
         * Each wrong login trailing the right ones by its own delay, log-uniform up to
         * {@link CredentialsRaceTest#MAX_TRAIL_MICROS}.
         */
        RIGHT_FIRST,
        /** The wrong logins while the right ones' upstream has logged in and waits for the vhost. */
        WHILE_RIGHT_AWAITS_VHOST
    }

    private static ScratchBrokerUser user;
    private ExecutorService clientThreads;

    @BeforeAll
    static void createUser() {
        user = ScratchBrokerUser.create("race");
    }

    @AfterAll
    static void deleteUser() {
        if (user != null) {
            user.close();
        }
    }

    @BeforeEach
    void startClientThreads() {
        AtomicInteger n = new AtomicInteger();
        clientThreads = Executors.newFixedThreadPool(RIGHT + WRONG, r -> {
            Thread t = new Thread(r, "race-client-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    @AfterEach
    void stopClientThreads() throws InterruptedException {
        clientThreads.shutdownNow();
        clientThreads.awaitTermination(BOUND.toMillis(), TimeUnit.MILLISECONDS);
    }

    static Stream<Arguments> variants() {
        List<Arguments> all = new ArrayList<>();
        for (Mechanism m : Mechanism.values()) {
            for (Order o : Order.values()) {
                all.add(Arguments.of(m, o));
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("variants")
    void wrongPasswordNeverRidesOnTheFirstConnect(Mechanism m, Order order) {
        long seed = RandomTries.seed();
        System.out.println("CredentialsRaceTest " + m + " " + order + ": " + RandomTries.replay(seed));
        RandomTries.run(seed, ROUNDS, (random, sample) -> round(m, order, random, sample));
    }

    private void round(Mechanism m, Order order, SplittableRandom random, RandomTries.Sample sample) throws Exception {
        long wrongLeadMicros = sample.add("wrongLeadMicros",
                order == Order.WRONG_FIRST ? 10 + random.nextLong(90) : 0L);
        List<Long> rightDelays = new ArrayList<>();
        for (int i = 0; i < RIGHT; i++) {
            rightDelays.add(random.nextLong(JITTER_MICROS));
        }
        List<Long> wrongDelays = new ArrayList<>();
        for (int i = 0; i < WRONG; i++) {
            // log-uniform, so the short early phases of the first connect get as many samples as the long ones
            wrongDelays.add(order == Order.RIGHT_FIRST
                    ? (long) Math.exp(random.nextDouble() * Math.log(MAX_TRAIL_MICROS))
                    : random.nextLong(JITTER_MICROS));
        }
        sample.add("rightDelaysMicros", rightDelays);
        sample.add("wrongDelaysMicros", wrongDelays);
        List<String> wrongPasswords = sample.add("wrongPasswords", drawWrongPasswords(random));
        List<Integer> startOrder = new ArrayList<>();
        for (int i = 0; i < RIGHT + WRONG; i++) {
            startOrder.add(i);
        }
        Collections.shuffle(startOrder, new Random(random.nextLong()));
        sample.add("startOrder (below " + RIGHT + ": right)", startOrder);

        Gate rightLogin = new Gate(RIGHT);
        Gate wrongLogin = new Gate(WRONG);
        Gate rightTuned = new Gate(RIGHT);
        if (order != Order.WHILE_RIGHT_AWAITS_VHOST) {
            rightTuned.open();
        }
        CountingProxyListener listener = new CountingProxyListener();
        List<CompletableFuture<Connection>> rights = new ArrayList<>();
        List<CompletableFuture<WrongOutcome>> wrongs = new ArrayList<>();
        try (AmqProxy proxy = AmqProxy.builder()
                .upstream(TestBroker.upstreamUri())
                .listen("127.0.0.1", 0)
                .eventLoops(1)
                // a round that fails half-way may leave clients for the close to wait for; not for long
                .shutdownTimeout(Duration.ofMillis(300))
                .listener(listener)
                .start()) {
            List<Runnable> starts = new ArrayList<>();
            for (int i = 0; i < RIGHT; i++) {
                HeldClient f = new HeldClient(proxy, m, user.password(), rightLogin, rightDelays.get(i), rightTuned);
                String name = "race right " + i;
                CompletableFuture<Connection> r = new CompletableFuture<>();
                rights.add(r);
                starts.add(() -> clientThreads.execute(() -> completeWith(r, () -> rightClient(f, name))));
            }
            for (int i = 0; i < WRONG; i++) {
                String wrong = wrongPasswords.get(i);
                HeldClient f = new HeldClient(proxy, m, wrong, wrongLogin, wrongDelays.get(i), Gate.OPEN);
                CompletableFuture<WrongOutcome> w = new CompletableFuture<>();
                wrongs.add(w);
                starts.add(() -> clientThreads.execute(() -> completeWith(w, () -> wrongClient(f, wrong))));
            }
            for (int i : startOrder) {
                starts.get(i).run();
            }

            rightLogin.awaitArrivals("right clients at Connection.StartOk", rights);
            wrongLogin.awaitArrivals("wrong clients at Connection.StartOk", wrongs);
            switch (order) {
                case TOGETHER, RIGHT_FIRST -> {
                    rightLogin.open();
                    wrongLogin.open();
                }
                case WRONG_FIRST -> {
                    wrongLogin.open();
                    pause(wrongLeadMicros);
                    rightLogin.open();
                }
                case WHILE_RIGHT_AWAITS_VHOST -> {
                    rightLogin.open();
                    // Tune reached every right client, and none has sent its Open: their upstream sits logged in
                    // without a vhost while the wrong logins come and go
                    rightTuned.awaitArrivals("right clients at Connection.Tune", rights);
                    wrongLogin.open();
                    for (CompletableFuture<WrongOutcome> w : wrongs) {
                        w.get(2 * BOUND.toMillis(), TimeUnit.MILLISECONDS);
                    }
                    rightTuned.open();
                }
            }

            for (CompletableFuture<WrongOutcome> w : wrongs) {
                WrongOutcome o = w.get(2 * BOUND.toMillis(), TimeUnit.MILLISECONDS);
                assertThat(o.admitted).as("wrong password '%s' was admitted%s", o.password,
                        o.gotChannel ? " and even opened a channel" : "").isFalse();
                assertThat(o.refusal)
                        .as("wrong password '%s' must be refused at login (403 instead of Connection.Tune), got %s",
                                o.password, AmqpErrors.describe(o.refusal))
                        .isInstanceOf(AuthenticationFailureException.class);
                assertThat(o.refusal.getMessage()).startsWith("ACCESS_REFUSED - Login was refused")
                        .doesNotContain(user.password());
            }
            for (CompletableFuture<Connection> r : rights) {
                try {
                    r.get(2 * BOUND.toMillis(), TimeUnit.MILLISECONDS);
                } catch (ExecutionException e) {
                    throw new AssertionError("a right login failed: " + AmqpErrors.describe(e.getCause()),
                            e.getCause());
                }
            }

            // the proxy's own account, while the right clients are still connected with one channel each
            ProxyStats stats = proxy.stats();
            assertThat(stats.clientConnections()).as("clients in: the right ones only (%s)", stats).isEqualTo(RIGHT);
            assertThat(stats.clientChannels()).as("client channels: the right ones' only (%s)", stats).isEqualTo(RIGHT);
            assertThat(stats.refusedLogins()).as("refused logins (%s)", stats).isEqualTo(WRONG);
            List<String> refusals = Await.value(BOUND, listener::refusals, l -> l.size() >= WRONG);
            assertThat(refusals).hasSize(WRONG).allSatisfy(text -> assertThat(text).contains(": 403 ")
                    .doesNotContain(user.password()));
            assertThat(Await.value(BOUND, listener::clientsConnected, n -> n >= RIGHT)).isEqualTo(RIGHT);

            // the right login is pooled now, and a late wrong one is still turned away
            String late = wrongPasswords.get(0);
            WrongOutcome o = wrongClient(new HeldClient(proxy, m, late, Gate.OPEN, 0, Gate.OPEN), late);
            assertThat(o.admitted).as("wrong password '%s' after the race was admitted", late).isFalse();
            assertThat(o.refusal).isInstanceOf(AuthenticationFailureException.class);
            abortAll(rights);
        } finally {
            // let held clients go, so that none outlives its round
            rightLogin.open();
            wrongLogin.open();
            rightTuned.open();
            abortAll(rights);
        }
    }

    private static void abortAll(List<CompletableFuture<Connection>> clients) {
        for (CompletableFuture<Connection> c : clients) {
            if (c.isDone() && !c.isCompletedExceptionally()) {
                c.join().abort(1000);
            }
        }
    }

    private static List<String> drawWrongPasswords(SplittableRandom random) {
        String right = user.password();
        List<String> wrong = new ArrayList<>();
        for (int i = 0; i < WRONG; i++) {
            wrong.add(switch (random.nextInt(6)) {
                case 0 -> right + "x";
                case 1 -> right.substring(0, right.length() - 1);
                case 2 -> right.toUpperCase(java.util.Locale.ROOT);
                case 3 -> "";
                case 4 -> "wrong";
                default -> {
                    // one character off, anywhere: the constant-time compare must look at all of them
                    char[] c = right.toCharArray();
                    int at = random.nextInt(c.length);
                    c[at] = c[at] == 'z' ? 'y' : 'z';
                    yield new String(c);
                }
            });
        }
        return wrong;
    }

    /** Connects, then publishes to and consumes from a queue of its own; returns the open connection. */
    private static Connection rightClient(ConnectionFactory f, String name) throws Exception {
        Connection c = f.newConnection(name);
        try {
            Channel ch = c.createChannel();
            String queue = ch.queueDeclare().getQueue(); // server-named and exclusive: gone with the connection
            byte[] body = (name + " " + queue).getBytes(StandardCharsets.UTF_8);
            CompletableFuture<byte[]> delivered = new CompletableFuture<>();
            ch.basicConsume(queue, true, (tag, d) -> delivered.complete(d.getBody()), tag -> { });
            ch.basicPublish("", queue, null, body);
            assertThat(delivered.get(BOUND.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(body);
            return c;
        } catch (Exception | AssertionError e) {
            c.abort(1000);
            throw e;
        }
    }

    /** What became of a client with a wrong password. */
    private record WrongOutcome(String password, Throwable refusal, boolean admitted, boolean gotChannel) {
    }

    private static WrongOutcome wrongClient(ConnectionFactory f, String password) {
        try (Connection c = f.newConnection("race wrong")) {
            boolean channel;
            try {
                c.createChannel().queueDeclare();
                channel = true;
            } catch (Exception e) {
                channel = false;
            }
            return new WrongOutcome(password, null, true, channel);
        } catch (Exception e) {
            return new WrongOutcome(password, e, false, false);
        }
    }

    @FunctionalInterface
    private interface Body<T> {
        T run() throws Exception;
    }

    private static <T> void completeWith(CompletableFuture<T> f, Body<T> body) {
        try {
            f.complete(body.run());
        } catch (Throwable t) {
            f.completeExceptionally(t);
        }
    }

    /**
     * Waits {@code micros}: busy for the last millisecond or so, because a sleep is neither as short nor as precise
     * as the leads and delays here need, and asleep before that, so long delays do not burn a core each.
     */
    private static void pause(long micros) {
        long end = System.nanoTime() + TimeUnit.MICROSECONDS.toNanos(micros);
        if (micros > 2000) {
            try {
                Thread.sleep(micros / 1000 - 1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        while (System.nanoTime() - end < 0) {
            Thread.onSpinWait();
        }
    }

    /** A point where a group of clients stops: each reports its arrival, then waits until the test opens it. */
    private static final class Gate {
        /** A gate that is open from the start, for steps the test does not hold. */
        static final Gate OPEN = new Gate(0);

        private final CountDownLatch arrivals;
        private final CountDownLatch opened = new CountDownLatch(1);

        Gate(int parties) {
            this.arrivals = new CountDownLatch(parties);
            if (parties == 0) {
                open();
            }
        }

        void open() {
            opened.countDown();
        }

        /** Called by a client thread; a client that is never let through fails instead of hanging. */
        void pass() {
            arrivals.countDown();
            try {
                if (!opened.await(BOUND.toMillis(), TimeUnit.MILLISECONDS)) {
                    throw new IllegalStateException("the test never opened the gate");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted at the gate", e);
            }
        }

        /** Waits until every party has arrived; if one fails on the way instead, says how. */
        void awaitArrivals(String who, List<? extends CompletableFuture<?>> clients) throws InterruptedException {
            if (arrivals.await(BOUND.toMillis(), TimeUnit.MILLISECONDS)) {
                return;
            }
            List<String> failures = new ArrayList<>();
            for (CompletableFuture<?> c : clients) {
                if (c.isCompletedExceptionally()) {
                    try {
                        c.getNow(null);
                    } catch (Exception e) {
                        failures.add(AmqpErrors.describe(e.getCause() != null ? e.getCause() : e));
                    }
                }
            }
            throw new AssertionError(arrivals.getCount() + " " + who + " never arrived; failed on the way: "
                    + failures);
        }
    }

    /**
     * A client whose handshake stops at two gates, so that the test decides when the proxy sees each step.
     * Before Connection.StartOk: the Java client asks its SASL mechanism for the response right after
     * Connection.Start and sends StartOk at once, so the mechanism waits there. After Connection.Tune: the client
     * calls {@code negotiateChannelMax} on receiving Tune, before it sends TuneOk and Open, so a connection
     * subclass waits there, and the proxy's upstream for this login stays logged in without a vhost.
     */
    private static final class HeldClient extends ConnectionFactory {
        private final Gate beforeTuneOk;

        HeldClient(AmqProxy proxy, Mechanism m, String password, Gate beforeStartOk, long delayMicros,
                   Gate beforeTuneOk) {
            this.beforeTuneOk = beforeTuneOk;
            setHost("127.0.0.1");
            setPort(proxy.port());
            setUsername(user.name());
            setPassword(password);
            setAutomaticRecoveryEnabled(false);
            setConnectionTimeout((int) BOUND.toMillis());
            setHandshakeTimeout((int) (2 * BOUND.toMillis()));
            setChannelRpcTimeout((int) BOUND.toMillis());
            setSaslConfig(serverMechanisms -> {
                SaslMechanism real = m.sasl.getSaslMechanism(serverMechanisms);
                return real == null ? null : new SaslMechanism() {
                    @Override
                    public String getName() {
                        return real.getName();
                    }

                    @Override
                    public LongString handleChallenge(LongString challenge, String username, String pw) {
                        beforeStartOk.pass();
                        pause(delayMicros);
                        return real.handleChallenge(challenge, username, pw);
                    }
                };
            });
        }

        @Override
        protected AMQConnection createConnection(ConnectionParams params, FrameHandler frameHandler,
                                                 MetricsCollector metricsCollector) {
            return new AMQConnection(params, frameHandler, metricsCollector, ObservationCollector.NO_OP) {
                @Override
                protected int negotiateChannelMax(int requestedChannelMax, int serverMax) {
                    beforeTuneOk.pass();
                    return super.negotiateChannelMax(requestedChannelMax, serverMax);
                }
            };
        }
    }
}
