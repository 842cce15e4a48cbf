package io.amqproxy.junit5;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeoutException;

/** What the example tests' code under test does: real amqp-client connections through the extension's proxy. */
final class Clients {

    /** Routing keys no queue is bound to: the broker confirms such publishes and drops them. */
    static final String NOWHERE = "amqproxy-junit5.nowhere.";

    private Clients() {
    }

    /**
     * Opens a connection named {@code connectionName} to {@code uri}, publishes {@code bodies} to the default exchange
     * with routing key {@link #NOWHERE}{@code + connectionName} on a confirm channel, waits (at most 10 s) until the
     * broker confirmed them all, and closes the connection.
     */
    static void publishConfirmed(String uri, String connectionName, String... bodies)
            throws IOException, TimeoutException, InterruptedException {
        try (Connection connection = Broker.client(uri).newConnection(connectionName);
             Channel channel = connection.createChannel()) {
            channel.confirmSelect();
            for (String body : bodies) {
                channel.basicPublish("", NOWHERE + connectionName, new AMQP.BasicProperties(),
                        body.getBytes(StandardCharsets.UTF_8));
            }
            channel.waitForConfirmsOrDie(10_000);
        }
    }
}
