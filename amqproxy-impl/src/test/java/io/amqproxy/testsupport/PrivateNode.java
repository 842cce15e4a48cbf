package io.amqproxy.testsupport;

import com.rabbitmq.client.ConnectionFactory;

/**
 * One private RabbitMQ node started by {@code .ci/private-rabbit}: its short name in the script ({@code n1},
 * {@code oauth}), its Erlang node name (for {@code rabbitmqctl -n}) and the loopback ports it listens on.
 * The default user guest/guest exists on every private node.
 */
public record PrivateNode(String name, String erlangNode, int amqpPort, int distributionPort) {

    /** Parses one line of the script's node table: "NAME NODE AMQP_PORT DIST_PORT". */
    static PrivateNode parse(String line) {
        String[] f = line.trim().split("\\s+");
        if (f.length != 4) {
            throw new IllegalArgumentException("not a node line: " + line);
        }
        return new PrivateNode(f[0], f[1], Integer.parseInt(f[2]), Integer.parseInt(f[3]));
    }

    /** "amqp://127.0.0.1:PORT", what {@code AmqProxy.builder().upstream(...)} takes. */
    public String upstreamUri() {
        return "amqp://127.0.0.1:" + amqpPort;
    }

    /** A connection factory straight to this node: guest/guest, vhost "/", no automatic recovery. */
    public ConnectionFactory factory() {
        ConnectionFactory f = new ConnectionFactory();
        f.setHost("127.0.0.1");
        f.setPort(amqpPort);
        f.setUsername("guest");
        f.setPassword("guest");
        f.setAutomaticRecoveryEnabled(false);
        f.setConnectionTimeout(10_000);
        return f;
    }
}
