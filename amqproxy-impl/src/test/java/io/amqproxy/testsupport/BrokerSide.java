package io.amqproxy.testsupport;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;

import java.io.IOException;
import java.util.UUID;
import java.util.concurrent.TimeoutException;

/**
 * A direct connection to the test broker or a private node (guest, vhost "/"), bypassing the proxy, for setting up
 * queues and for checking effects where they count: at the broker. Every check runs on a fresh channel, so a 404 from
 * a passive declare costs nothing. Not thread-safe; one per test.
 */
public final class BrokerSide implements AutoCloseable {

    private final Connection connection;

    private BrokerSide(Connection connection) {
        this.connection = connection;
    }

    /** Opens a direct connection to the shared test broker. */
    public static BrokerSide open() {
        return open(TestBroker.direct());
    }

    /** Opens a direct connection made by {@code direct}, e.g. to a private node ({@link PrivateNode#factory()}). */
    public static BrokerSide open(ConnectionFactory direct) {
        try {
            return new BrokerSide(direct.newConnection("amqproxy-it broker-side check"));
        } catch (IOException | TimeoutException e) {
            throw new IllegalStateException("cannot connect to the broker directly: " + e, e);
        }
    }

    /** A queue name nobody else uses: {@code amqproxy-it-<what>-<random>}. */
    public static String uniqueName(String what) {
        return "amqproxy-it-" + what + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** The direct connection itself. */
    public Connection connection() {
        return connection;
    }

    /** Declares a non-durable, non-exclusive queue that the test deletes later. */
    public void declareQueue(String queue) {
        run(ch -> ch.queueDeclare(queue, false, false, false, null));
    }

    /** Deletes a queue if it exists. */
    public void deleteQueue(String queue) {
        run(ch -> ch.queueDelete(queue));
    }

    /** Publishes a transient message to a queue through the default exchange. */
    public void publish(String queue, byte[] body) {
        run(ch -> ch.basicPublish("", queue, null, body));
    }

    /** Publishes {@code count} messages, waiting for broker confirms. */
    public void publishConfirmed(String queue, int count) {
        run(ch -> {
            ch.confirmSelect();
            for (int i = 0; i < count; i++) {
                ch.basicPublish("", queue, null, ("m" + i).getBytes());
            }
            ch.waitForConfirmsOrDie(10_000);
        });
    }

    /** The queue's ready (not unacknowledged) message count, as queue.declare-ok reports it. */
    public int readyCount(String queue) {
        return declareOk(queue).getMessageCount();
    }

    /** The queue's consumer count. */
    public int consumerCount(String queue) {
        return declareOk(queue).getConsumerCount();
    }

    /**
     * Whether the queue exists, by a passive declare on a throwaway channel. An exclusive queue of another
     * connection answers 405 RESOURCE_LOCKED, which also means it exists.
     */
    public boolean queueExists(String queue) {
        try (Channel ch = connection.createChannel()) {
            ch.queueDeclarePassive(queue);
            return true;
        } catch (IOException e) {
            if (AmqpErrors.replyCode(e) == AMQP.NOT_FOUND) {
                return false;
            }
            if (AmqpErrors.replyCode(e) == AMQP.RESOURCE_LOCKED) {
                return true;
            }
            throw new IllegalStateException("passive declare of " + queue + " failed: " + AmqpErrors.describe(e), e);
        } catch (TimeoutException e) {
            throw new IllegalStateException(e);
        } catch (com.rabbitmq.client.AlreadyClosedException e) {
            // the channel was closed by the 404 before our close()
            if (AmqpErrors.replyCode(e) == AMQP.NOT_FOUND) {
                return false;
            }
            throw e;
        }
    }

    /** Takes one message off the queue (auto-ack), or {@code null} if it is empty. */
    public GetResponse get(String queue) {
        GetResponse[] out = new GetResponse[1];
        run(ch -> out[0] = ch.basicGet(queue, true));
        return out[0];
    }

    private AMQP.Queue.DeclareOk declareOk(String queue) {
        AMQP.Queue.DeclareOk[] out = new AMQP.Queue.DeclareOk[1];
        run(ch -> out[0] = ch.queueDeclarePassive(queue));
        return out[0];
    }

    /** Runs {@code body} on a fresh channel of the direct connection. */
    public void run(ChannelBody body) {
        Channel ch = null;
        try {
            ch = connection.createChannel();
            body.accept(ch);
        } catch (IOException | TimeoutException | InterruptedException e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("broker-side operation failed: " + AmqpErrors.describe(e), e);
        } finally {
            if (ch != null && ch.isOpen()) {
                try {
                    ch.close();
                } catch (IOException | TimeoutException | RuntimeException ignored) {
                    // best effort
                }
            }
        }
    }

    /** Work on a channel that may throw what channel methods throw. */
    @FunctionalInterface
    public interface ChannelBody {
        void accept(Channel ch) throws IOException, TimeoutException, InterruptedException;
    }

    @Override
    public void close() {
        try {
            if (connection.isOpen()) {
                connection.close(5_000);
            }
        } catch (IOException | RuntimeException ignored) {
            // best effort
        }
    }
}
