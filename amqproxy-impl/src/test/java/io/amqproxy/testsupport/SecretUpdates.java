package io.amqproxy.testsupport;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.impl.AMQChannel;
import com.rabbitmq.client.impl.AMQCommand;
import com.rabbitmq.client.impl.AMQConnection;
import com.rabbitmq.client.impl.LongStringHelper;

import java.lang.reflect.Field;

/**
 * Sends Connection.UpdateSecret on a Java client connection, as an OAuth 2 client refreshing its token does (the
 * Java client does it through its credentials refresh service; pika's and amqplib's {@code update_secret} send the
 * same method). Stateless.
 */
public final class SecretUpdates {

    private SecretUpdates() {
    }

    /**
     * Sends the update and waits up to 10 s for UpdateSecretOk.
     *
     * @throws Exception what the client throws when the broker (or proxy) closes the connection instead
     */
    public static void send(Connection connection, String newSecret, String reason) throws Exception {
        Field f = AMQConnection.class.getDeclaredField("_channel0");
        f.setAccessible(true);
        AMQChannel channel0 = (AMQChannel) f.get(connection);
        AMQCommand reply = channel0.rpc(new AMQP.Connection.UpdateSecret.Builder()
                .newSecret(LongStringHelper.asLongString(newSecret)).reason(reason).build(), 10_000);
        if (!(reply.getMethod() instanceof AMQP.Connection.UpdateSecretOk)) {
            throw new IllegalStateException("expected connection.update-secret-ok, got " + reply.getMethod());
        }
    }
}
