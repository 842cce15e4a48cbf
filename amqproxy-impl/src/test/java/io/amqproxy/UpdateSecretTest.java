package io.amqproxy;

import com.rabbitmq.client.AuthenticationFailureException;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import io.amqproxy.testsupport.Bystanders;
import io.amqproxy.testsupport.ProxyFixture;
import io.amqproxy.testsupport.SecretUpdates;
import io.amqproxy.testsupport.TestBroker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Issue 14, part 2, with RabbitMQ's internal user database, as pika's and amqplib's own tests exercise
 * Connection.UpdateSecret: the database takes any update without checking it, so the client is answered
 * UpdateSecretOk as it would be directly, and keeps working; a new secret that no login checked never lets anyone in.
 * (The OAuth 2 cases run on a private node: {@code PluginNodeIsolationTest}.)
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UpdateSecretTest {

    @RegisterExtension
    final ProxyFixture fx = new ProxyFixture(b -> b.separateConsumers(false));

    @Test
    void updateWithTheSamePasswordIsAnsweredAndTheClientKeepsWorking() throws Exception {
        String queue = fx.newQueue("secret");
        try (Bystanders bystanders = Bystanders.start(TestBroker.viaProxy(fx.proxy().port()), fx.newQueue("pub"),
                fx.newQueue("con"), TestBroker.direct())) {
            Connection c = fx.viaProxy("refreshing client");
            Channel ch = c.createChannel();
            SecretUpdates.send(c, "guest", "pika and amqplib test this way");

            assertThat(c.isOpen()).isTrue();
            ch.basicPublish("", queue, null, new byte[] {7});
            GetResponse got = awaitGet(c.createChannel(), queue);
            assertThat(got.getBody()).containsExactly(7);
            bystanders.assertUndisturbed();
            assertThat(fx.listener().upstreamCloseReasons()).as("only trial connections closed")
                    .allMatch(r -> r.startsWith("200 trial over"));
        }
    }

    @Test
    void aWrongPasswordTakenByTheInternalDatabaseIsAnsweredButNeverAdmitsAnyone() throws Exception {
        Connection c = fx.viaProxy("refreshing client");
        SecretUpdates.send(c, "not-the-password", "the broker takes this without a check");
        assertThat(c.isOpen()).as("answered UpdateSecretOk, as directly").isTrue();
        String queue = fx.newQueue("after-update");
        Channel ch = c.createChannel(); // a new channel still goes where the checked password leads
        ch.basicPublish("", queue, null, new byte[] {1});
        assertThat(awaitGet(ch, queue).getBody()).containsExactly(1);

        ConnectionFactory wrong = TestBroker.viaProxy(fx.proxy().port());
        wrong.setPassword("not-the-password");
        assertThatThrownBy(() -> fx.connect(wrong, "wrong password")).isInstanceOf(AuthenticationFailureException.class);
    }

    private static GetResponse awaitGet(Channel ch, String queue) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            GetResponse r = ch.basicGet(queue, true);
            if (r != null) {
                return r;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("nothing in " + queue + " within 10 s");
    }
}
