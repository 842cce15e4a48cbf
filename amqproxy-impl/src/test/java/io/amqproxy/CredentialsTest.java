package io.amqproxy;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.AuthenticationFailureException;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultSaslConfig;
import com.rabbitmq.client.SaslConfig;
import io.amqproxy.testsupport.AmqPlainSaslConfig;
import io.amqproxy.testsupport.AmqpErrors;
import io.amqproxy.testsupport.BrokerSide;
import io.amqproxy.testsupport.CountingProxyListener;
import io.amqproxy.testsupport.ProxyFixture;
import io.amqproxy.testsupport.RabbitmqctlBatch;
import io.amqproxy.testsupport.ScratchBrokerUser;
import io.amqproxy.testsupport.TestBroker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static io.amqproxy.testsupport.RabbitmqctlBatch.cmd;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * Behaviour 3, credentials: the proxy lets a client in only after the broker accepted exactly its (user,
 * password, vhost), for PLAIN and AMQPLAIN logins, and passes the broker's refusal on with the broker's code and
 * text: 403 ACCESS_REFUSED for a wrong password or unknown user, 530 NOT_ALLOWED for a missing vhost or one without
 * permission. Each refusal is compared with what the broker says to a direct connection, and repeated while the
 * right login for the same user is pooled.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class CredentialsTest {

    /** The login mechanism a client uses. */
    enum Mechanism {
        PLAIN(DefaultSaslConfig.PLAIN), AMQPLAIN(AmqPlainSaslConfig.AMQPLAIN);

        final SaslConfig sasl;

        Mechanism(SaslConfig sasl) {
            this.sasl = sasl;
        }
    }

    @RegisterExtension
    final ProxyFixture fx = new ProxyFixture(b -> b
            // refused clients have nothing to say at shutdown; keeps the class well under a minute
            .shutdownTimeout(Duration.ofMillis(300)));

    private static ScratchBrokerUser user;
    private static String vhostWithoutPermission;
    private static String restrictedVhost;
    private static String missingVhost;

    @BeforeAll
    static void createUserAndVhosts() {
        user = ScratchBrokerUser.named("creds");
        vhostWithoutPermission = "amqproxy-it-noperm-" + UUID.randomUUID().toString().substring(0, 8);
        missingVhost = "amqproxy-it-missing-" + UUID.randomUUID().toString().substring(0, 8);
        // a vhost where guest may do anything and the scratch user only touch "amqproxy-it-allowed-*" resources
        restrictedVhost = "amqproxy-it-restricted-" + UUID.randomUUID().toString().substring(0, 8);
        RabbitmqctlBatch.runAll(user.addCommand(), cmd("add_vhost", vhostWithoutPermission),
                cmd("add_vhost", restrictedVhost));
        RabbitmqctlBatch.runAll(user.permitAllOnRootCommand(),
                cmd("set_permissions", "-p", restrictedVhost, "guest", ".*", ".*", ".*"),
                cmd("set_permissions", "-p", restrictedVhost, user.name(), "^amqproxy-it-allowed-.*", ".*", ".*"));
    }

    @AfterAll
    static void deleteUserAndVhosts() {
        if (user != null) {
            RabbitmqctlBatch.runAllQuietly(user.deleteCommand(), cmd("delete_vhost", vhostWithoutPermission),
                    cmd("delete_vhost", restrictedVhost));
        }
    }

    private static ConnectionFactory login(ConnectionFactory f, Mechanism mechanism, String username, String password,
                                           String vhost) {
        f.setSaslConfig(mechanism.sasl);
        f.setUsername(username);
        f.setPassword(password);
        f.setVirtualHost(vhost);
        return f;
    }

    private static ConnectionFactory direct(Mechanism m, String username, String password, String vhost) {
        return login(TestBroker.direct(), m, username, password, vhost);
    }

    private static ConnectionFactory proxied(AmqProxy proxy, Mechanism m, String username, String password,
                                             String vhost) {
        return login(TestBroker.viaProxy(proxy.port()), m, username, password, vhost);
    }

    /** Connects and expects a refusal; fails if the connection opens. */
    private static Throwable refusal(ConnectionFactory f) {
        Throwable t = catchThrowable(() -> {
            try (Connection c = f.newConnection()) {
                throw new AssertionError("connection as " + f.getUsername() + " to vhost " + f.getVirtualHost()
                        + " was accepted");
            }
        });
        assertThat(t).as("refusal").isNotNull().isNotInstanceOf(AssertionError.class);
        return t;
    }

    /**
     * The broker refuses a login with Connection.Close 403 in answer to StartOk, which the Java client reports as
     * {@link AuthenticationFailureException}; a proxy that checks the login later (at Connection.Open, once it
     * knows the vhost) gives the same Close, which the client reports as an IOException with that Close as its
     * shutdown reason. Both are a 403 ACCESS_REFUSED with the broker's text; see
     * {@link #wrongPasswordIsRefusedAtLoginLikeTheBrokerDoes} for the exact timing.
     */
    private static void assertAccessRefused(Throwable viaProxy, Throwable direct, Mechanism m, String password) {
        assertThat(direct).as("the broker's own answer").isInstanceOf(AuthenticationFailureException.class);
        assertThat(refusalCode(viaProxy)).as("the proxy's answer (%s)", AmqpErrors.describe(viaProxy))
                .isEqualTo(AMQP.ACCESS_REFUSED);
        if (!(viaProxy instanceof AuthenticationFailureException)) {
            assertThat(AmqpErrors.isConnectionError(viaProxy)).isTrue();
        }
        String text = refusalText(viaProxy);
        assertThat(text).startsWith("ACCESS_REFUSED - Login was refused");
        if (m == Mechanism.PLAIN) {
            assertThat(text).isEqualTo(direct.getMessage());
        }
        if (!password.isEmpty()) {
            assertThat(text).doesNotContain(password);
            assertThat(String.valueOf(viaProxy.getMessage())).doesNotContain(password);
        }
    }

    /** The reply code of a refusal; AuthenticationFailureException stands for 403 in the Java client. */
    private static int refusalCode(Throwable t) {
        return t instanceof AuthenticationFailureException ? AMQP.ACCESS_REFUSED : AmqpErrors.replyCode(t);
    }

    private static String refusalText(Throwable t) {
        return t instanceof AuthenticationFailureException ? t.getMessage() : AmqpErrors.replyText(t);
    }

    private static void assertNotAllowed(Throwable viaProxy, Throwable direct) {
        assertThat(AmqpErrors.replyCode(direct)).as("the broker's own code").isEqualTo(AMQP.NOT_ALLOWED);
        assertThat(AmqpErrors.replyCode(viaProxy)).as("the proxy's code (%s)", AmqpErrors.describe(viaProxy))
                .isEqualTo(AMQP.NOT_ALLOWED);
        assertThat(AmqpErrors.isConnectionError(viaProxy)).isTrue();
        assertThat(AmqpErrors.replyText(viaProxy)).isEqualTo(AmqpErrors.replyText(direct));
    }

    @ParameterizedTest
    @EnumSource(Mechanism.class)
    void rightLoginIsAcceptedAndUsesTheClientsOwnUser(Mechanism m) throws Exception {
        String queue = BrokerSide.uniqueName("creds-ok");
        fx.deleteAfter(queue);
        AmqProxy proxy = fx.proxy();
        try (Connection c = proxied(proxy, m, user.name(), user.password(), "/").newConnection()) {
            Channel ch = c.createChannel();
            ch.queueDeclare(queue, false, false, false, null);
            assertThat(fx.broker().queueExists(queue)).isTrue();
            assertThat(fx.listener().clientsConnected()).isEqualTo(1);
            // the upstream logged in as the client's user, not as some proxy account
            assertThat(user.brokerConnections()).isEqualTo(1);
        }
    }

    @ParameterizedTest
    @EnumSource(Mechanism.class)
    void wrongPasswordIsRefusedWithAccessRefused(Mechanism m) {
        String wrong = "not-" + user.password();
        AmqProxy proxy = fx.proxy();
        Throwable direct = refusal(direct(m, user.name(), wrong, "/"));
        Throwable viaProxy = refusal(proxied(proxy, m, user.name(), wrong, "/"));
        assertAccessRefused(viaProxy, direct, m, wrong);
        assertThat(proxy.stats().refusedLogins()).isEqualTo(1);
        assertThat(proxy.stats().clientConnections()).isZero();
        assertThat(fx.listener().refusals()).singleElement().asString().contains("403").doesNotContain(wrong);
    }

    @ParameterizedTest
    @EnumSource(Mechanism.class)
    void unknownUserIsRefusedWithAccessRefused(Mechanism m) {
        String nobody = "amqproxy-it-nobody-" + UUID.randomUUID().toString().substring(0, 8);
        AmqProxy proxy = fx.proxy();
        Throwable direct = refusal(direct(m, nobody, "whatever-pw", "/"));
        Throwable viaProxy = refusal(proxied(proxy, m, nobody, "whatever-pw", "/"));
        assertAccessRefused(viaProxy, direct, m, "whatever-pw");
    }

    @ParameterizedTest
    @EnumSource(Mechanism.class)
    void wrongPasswordIsRefusedAtLoginLikeTheBrokerDoes(Mechanism m) {
        // RabbitMQ answers a bad login with Connection.Close 403 instead of Connection.Tune, which is how clients
        // tell an authentication failure from other errors (the Java client: AuthenticationFailureException)
        AmqProxy proxy = fx.proxy();
        Throwable direct = refusal(direct(m, user.name(), "wrong", "/"));
        Throwable viaProxy = refusal(proxied(proxy, m, user.name(), "wrong", "/"));
        assertThat(direct).isInstanceOf(AuthenticationFailureException.class);
        assertThat(viaProxy).as("the proxy's answer (%s)", AmqpErrors.describe(viaProxy))
                .isInstanceOf(AuthenticationFailureException.class);
    }

    @Test
    void missingVhostIsRefusedWithNotAllowed() {
        AmqProxy proxy = fx.proxy();
        Throwable direct = refusal(direct(Mechanism.PLAIN, user.name(), user.password(), missingVhost));
        Throwable viaProxy = refusal(proxied(proxy, Mechanism.PLAIN, user.name(), user.password(), missingVhost));
        assertNotAllowed(viaProxy, direct);
        assertThat(AmqpErrors.replyText(viaProxy)).isEqualTo("NOT_ALLOWED - vhost " + missingVhost + " not found");
    }

    @ParameterizedTest
    @EnumSource(Mechanism.class)
    void vhostWithoutPermissionIsRefusedWithNotAllowed(Mechanism m) {
        AmqProxy proxy = fx.proxy();
        Throwable direct = refusal(direct(m, user.name(), user.password(), vhostWithoutPermission));
        Throwable viaProxy = refusal(proxied(proxy, m, user.name(), user.password(), vhostWithoutPermission));
        assertNotAllowed(viaProxy, direct);
        assertThat(AmqpErrors.replyText(viaProxy)).isEqualTo("NOT_ALLOWED - access to vhost '"
                + vhostWithoutPermission + "' refused for user '" + user.name() + "'");
    }

    @Test
    void everyUserAndVhostIsServedWithItsOwnRightsAndNobodyElses() throws Exception {
        String allowed = "amqproxy-it-allowed-" + UUID.randomUUID().toString().substring(0, 8);
        String forbidden = BrokerSide.uniqueName("forbidden");
        ConnectionFactory guestThere = TestBroker.direct();
        guestThere.setVirtualHost(restrictedVhost);
        AmqProxy proxy = fx.proxy();
        try (Connection guestViaProxy = proxied(proxy, Mechanism.PLAIN, "guest", "guest", restrictedVhost).newConnection();
             Connection userHome = proxied(proxy, Mechanism.PLAIN, user.name(), user.password(), "/").newConnection();
             Connection userThere = proxied(proxy, Mechanism.AMQPLAIN, user.name(), user.password(), restrictedVhost)
                     .newConnection();
             Connection guestDirect = guestThere.newConnection();
             BrokerSide home = BrokerSide.open()) {
            // guest's upstream in that vhost is pooled and busy, yet the user's requests run as the user
            Channel guestChannel = guestViaProxy.createChannel();
            guestChannel.queueDeclare(forbidden, false, false, true, null);
            guestChannel.queueDelete(forbidden);

            Channel ch = userThere.createChannel();
            ch.queueDeclare(allowed, false, false, false, null);
            Throwable refused = catchThrowable(() -> userThere.createChannel().queueDeclare(forbidden, false, false, false, null));
            Throwable refusedDirect;
            ConnectionFactory userDirect = direct(Mechanism.PLAIN, user.name(), user.password(), restrictedVhost);
            try (Connection d = userDirect.newConnection()) {
                refusedDirect = catchThrowable(() -> d.createChannel().queueDeclare(forbidden, false, false, false, null));
            }
            assertThat(AmqpErrors.replyCode(refusedDirect)).isEqualTo(AMQP.ACCESS_REFUSED);
            assertThat(AmqpErrors.replyCode(refused)).as(AmqpErrors.describe(refused)).isEqualTo(AMQP.ACCESS_REFUSED);
            assertThat(AmqpErrors.replyText(refused)).isEqualTo(AmqpErrors.replyText(refusedDirect));
            assertThat(AmqpErrors.isConnectionError(refused)).isFalse();

            // the allowed queue landed in the right vhost, not in "/"
            assertThat(guestDirect.createChannel().queueDeclarePassive(allowed).getQueue()).isEqualTo(allowed);
            assertThat(home.queueExists(allowed)).as("queue in vhost /").isFalse();
            assertChannelWorks(userHome.createChannel());

            assertThat(fx.listener().upstreamsOpened()).as("one upstream per (user, password, vhost)").isEqualTo(3);
            assertThat(proxy.stats().upstreamConnections()).isEqualTo(3);
            guestDirect.createChannel().queueDelete(allowed);
        }
    }

    @ParameterizedTest
    @EnumSource(Mechanism.class)
    void wrongLoginsAreRefusedWhileTheRightLoginIsPooled(Mechanism m) throws Exception {
        CountingProxyListener listener = fx.listener();
        String right = user.password();
        List<String> wrongPasswords = List.of("", "wrong", right.toUpperCase(), right + "x",
                right.substring(0, right.length() - 1), right + "\0");
        AmqProxy proxy = fx.proxy();
        Connection pooled = fx.connect(proxied(proxy, m, user.name(), right, "/"), "pooled");
        Channel ch = pooled.createChannel();
        assertThat(proxy.stats().upstreamConnections()).isEqualTo(1);

        // while the right login has an upstream with open channels
        for (String wrong : wrongPasswords) {
            Throwable t = refusal(proxied(proxy, m, user.name(), wrong, "/"));
            if (m == Mechanism.PLAIN && wrong.contains("\0")) {
                // a PLAIN response with a NUL in the password is malformed; RabbitMQ drops the socket after a
                // few seconds instead of answering, so the only requirement is "refused", as refusal() checks
                continue;
            }
            Throwable direct = refusal(direct(m, user.name(), wrong, "/"));
            assertThat(refusalCode(direct)).as("the broker's answer to '%s'", wrong).isEqualTo(AMQP.ACCESS_REFUSED);
            assertThat(refusalCode(t)).as("password variant '%s': proxy said %s, broker said %s",
                    wrong.replace("\0", "\\0"), AmqpErrors.describe(t), AmqpErrors.describe(direct))
                    .isEqualTo(AMQP.ACCESS_REFUSED);
        }
        // the same user and password, but a vhost the broker refuses
        assertNotAllowed(refusal(proxied(proxy, m, user.name(), right, vhostWithoutPermission)),
                refusal(direct(m, user.name(), right, vhostWithoutPermission)));
        assertNotAllowed(refusal(proxied(proxy, m, user.name(), right, missingVhost)),
                refusal(direct(m, user.name(), right, missingVhost)));
        // the pooled client never noticed
        assertThat(ch.isOpen()).isTrue();
        assertChannelWorks(ch);

        // while the right login's upstream sits idle in the pool, without channels
        pooled.close();
        assertThat(proxy.stats().upstreamConnections()).isEqualTo(1);
        Throwable t = refusal(proxied(proxy, m, user.name(), "wrong", "/"));
        assertThat(refusalCode(t)).as(AmqpErrors.describe(t)).isEqualTo(AMQP.ACCESS_REFUSED);

        // the right login still works, on the pooled upstream
        try (Connection again = proxied(proxy, m, user.name(), right, "/").newConnection()) {
            assertChannelWorks(again.createChannel());
        }
        assertThat(listener.upstreamsOpened()).as("upstreams that joined the pool").isEqualTo(1);
        assertThat(proxy.stats().refusedLogins()).isEqualTo(wrongPasswords.size() + 3);
        assertThat(listener.refusals()).hasSize(wrongPasswords.size() + 3)
                .allSatisfy(r -> assertThat(r).doesNotContain(right));
    }

    /** A round trip to the broker on {@code ch}: declare a server-named (exclusive) queue, find it, delete it. */
    private static void assertChannelWorks(Channel ch) throws java.io.IOException {
        String q = ch.queueDeclare("", false, true, false, null).getQueue();
        assertThat(ch.queueDeclarePassive(q).getQueue()).isEqualTo(q);
        ch.queueDelete(q);
    }
}
