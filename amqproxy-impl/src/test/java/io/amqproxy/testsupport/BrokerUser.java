package io.amqproxy.testsupport;

import com.rabbitmq.client.ConnectionFactory;

import java.util.List;
import java.util.UUID;

/**
 * A throw-away broker user with full permissions on vhost "/", made with rabbitmqctl. Tests that must pick out
 * their own proxy's upstream connections at the broker (to count or close them while other tests share the
 * broker) log in as such a user: the broker lists each connection with its user.
 */
public final class BrokerUser implements AutoCloseable {

    private final String name;
    private final String password;

    private BrokerUser(String name, String password) {
        this.name = name;
        this.password = password;
    }

    /** Creates the user; delete it with {@link #close()}. */
    public static BrokerUser create(String prefix) {
        String name = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
        String password = UUID.randomUUID().toString();
        TestBroker.rabbitmqctl("add_user", name, password);
        try {
            TestBroker.rabbitmqctl("set_permissions", "-p", "/", name, ".*", ".*", ".*");
        } catch (RuntimeException e) {
            TestBroker.rabbitmqctl("delete_user", name);
            throw e;
        }
        return new BrokerUser(name, password);
    }

    public String name() {
        return name;
    }

    /** A connection factory for this user through the proxy at the given port. */
    public ConnectionFactory viaProxy(int proxyPort) {
        ConnectionFactory f = TestBroker.viaProxy(proxyPort);
        f.setUsername(name);
        f.setPassword(password);
        return f;
    }

    /** A connection factory for this user straight to the broker. */
    public ConnectionFactory direct() {
        ConnectionFactory f = TestBroker.direct();
        f.setUsername(name);
        f.setPassword(password);
        return f;
    }

    /** The broker-side pids of this user's connections whose client properties carry the given name prefix. */
    public List<String> brokerConnectionPids(String namePrefix) {
        String out = TestBroker.rabbitmqctl("list_connections", "pid", "user", "client_properties");
        return out.lines()
                .map(l -> l.split("\t", 3))
                .filter(cols -> cols.length == 3 && cols[1].equals(name) && cols[2].contains(namePrefix))
                .map(cols -> cols[0])
                .toList();
    }

    /** This user's broker connections that are proxy upstreams. */
    public List<String> upstreamPids() {
        return brokerConnectionPids("amqproxy upstream");
    }

    /** Deletes the user; the broker closes its remaining connections. */
    @Override
    public void close() {
        TestBroker.rabbitmqctl("delete_user", name);
    }
}
