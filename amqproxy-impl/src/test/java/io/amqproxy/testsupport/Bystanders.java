package io.amqproxy.testsupport;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DeliverCallback;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two clients that must not notice what a neighbour on their upstream connection does (issue 14): a publisher with
 * confirms ({@link ConfirmingPublisher}, which would reconnect if it lost its connection) and a consumer fed from
 * the broker side. {@link #assertUndisturbed} checks both still work on their first connections. Used by one test
 * thread; the clients run on their own threads.
 */
public final class Bystanders implements AutoCloseable {

    private static final Duration WAIT = Duration.ofSeconds(15);

    private final ConfirmingPublisher publisher;
    private final Connection consumerConnection;
    private final Channel consumerChannel;
    private final ConnectionFactory feeder;
    private final String consumeQueue;
    private final AtomicInteger received = new AtomicInteger();
    private int fed;

    private Bystanders(ConnectionFactory viaProxy, String publishQueue, String consumeQueue, ConnectionFactory feeder)
            throws Exception {
        this.feeder = feeder;
        this.consumeQueue = consumeQueue;
        this.publisher = ConfirmingPublisher.start(viaProxy.clone(), publishQueue, "bystander");
        this.consumerConnection = viaProxy.newConnection("bystander consumer");
        this.consumerChannel = consumerConnection.createChannel();
        DeliverCallback onDelivery = (tag, d) -> received.incrementAndGet();
        consumerChannel.basicConsume(consumeQueue, true, onDelivery, tag -> { });
        Await.until(WAIT, "the bystander publisher's first confirms", () -> publisher.confirmed().size() >= 3);
        feedAndAwait();
    }

    /**
     * Starts the publisher (to {@code publishQueue}) and the consumer (of {@code consumeQueue}) through the proxy;
     * {@code feeder} reaches the broker directly and feeds the consumer.
     */
    public static Bystanders start(ConnectionFactory viaProxy, String publishQueue, String consumeQueue,
                                   ConnectionFactory feeder) throws Exception {
        return new Bystanders(viaProxy, publishQueue, consumeQueue, feeder);
    }

    private void feedAndAwait() throws Exception {
        try (Connection c = feeder.newConnection("bystander feeder")) {
            Channel ch = c.createChannel();
            ch.confirmSelect();
            for (int i = 0; i < 5; i++) {
                ch.basicPublish("", consumeQueue, null, new byte[] {(byte) i});
            }
            ch.waitForConfirmsOrDie(10_000);
        }
        fed += 5;
        Await.until(WAIT, "the bystander consumer to receive " + fed + " messages", () -> received.get() >= fed);
    }

    /** Both still work, on the connections they started with: more confirms come, and more deliveries. */
    public void assertUndisturbed() throws Exception {
        int confirmed = publisher.confirmed().size();
        Await.until(WAIT, "more confirms for the bystander publisher", () -> publisher.confirmed().size() >= confirmed + 5);
        feedAndAwait();
        assertThat(publisher.connections()).as("the bystander publisher never reconnected").isEqualTo(1);
        assertThat(consumerConnection.isOpen()).as("bystander consumer's connection open").isTrue();
        assertThat(consumerChannel.isOpen()).as("bystander consumer's channel open").isTrue();
        assertThat(received.get()).as("deliveries to the bystander consumer").isEqualTo(fed);
    }

    @Override
    public void close() {
        publisher.stop();
        consumerConnection.abort(2_000);
    }
}
