package io.amqproxy.testsupport;

import com.rabbitmq.client.ConnectionFactory;

import java.util.List;
import java.util.UUID;

/**
 * A throw-away broker user with full permissions on vhost "/", made and deleted with rabbitmqctl. Other test JVMs
 * use the same broker, and the broker lists every connection with its user, so a test that logs its clients in as
 * such a user can pick out its own proxy's upstream connections there: count them, count their channels, or close
 * one.
 */
public final class ScratchBrokerUser implements AutoCloseable {

    /** How the proxy names its upstream connections in their client properties. */
    private static final String UPSTREAM_NAME = "amqproxy upstream";

    private final String name;
    private final String password;

    private ScratchBrokerUser(String name, String password) {
        this.name = name;
        this.password = password;
    }

    /** Creates {@code amqproxy-it-<what>-<random>} with a random password and permissions on "/". */
    public static ScratchBrokerUser create(String what) {
        ScratchBrokerUser u = named(what);
        TestBroker.rabbitmqctl(u.addCommand());
        try {
            TestBroker.rabbitmqctl(u.permitAllOnRootCommand());
        } catch (RuntimeException e) {
            u.close(); // a user without permissions would only confuse the next test to find it
            throw e;
        }
        return u;
    }

    /**
     * A user name and password that do not exist at the broker yet; run {@link #addCommand()} and
     * {@link #permitAllOnRootCommand()} (for instance with {@link RabbitmqctlBatch}) to create it.
     */
    public static ScratchBrokerUser named(String what) {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        return new ScratchBrokerUser("amqproxy-it-" + what + "-" + suffix, "pw-" + UUID.randomUUID());
    }

    /** rabbitmqctl arguments that create this user. */
    public String[] addCommand() {
        return new String[] {"add_user", name, password};
    }

    /** rabbitmqctl arguments that give this user every permission on vhost "/". */
    public String[] permitAllOnRootCommand() {
        return new String[] {"set_permissions", "-p", "/", name, ".*", ".*", ".*"};
    }

    /** rabbitmqctl arguments that delete this user. */
    public String[] deleteCommand() {
        return new String[] {"delete_user", name};
    }

    public String name() {
        return name;
    }

    public String password() {
        return password;
    }

    /** A connection factory to the proxy at {@code proxyPort} with this user's credentials, vhost "/". */
    public ConnectionFactory viaProxy(int proxyPort) {
        ConnectionFactory f = TestBroker.viaProxy(proxyPort);
        f.setUsername(name);
        f.setPassword(password);
        return f;
    }

    /** How many connections this user has at the broker now (rabbitmqctl, about a second). */
    public long brokerConnections() {
        return TestBroker.rabbitmqctl("list_connections", "user").lines()
                .filter(l -> l.trim().equals(name)).count();
    }

    /**
     * The channel counts of this user's broker connections, sorted descending (rabbitmqctl, about a second).
     */
    public long[] brokerChannelsPerConnection() {
        return TestBroker.rabbitmqctl("list_connections", "user", "channels").lines()
                .map(l -> l.split("\t"))
                .filter(cols -> cols.length == 2 && cols[0].trim().equals(name))
                .mapToLong(cols -> Long.parseLong(cols[1].trim()))
                .boxed().sorted((a, b) -> Long.compare(b, a)).mapToLong(Long::longValue).toArray();
    }

    /**
     * The broker-side pids of this user's connections that are proxy upstreams, for
     * {@code rabbitmqctl close_connection} (rabbitmqctl, about a second).
     */
    public List<String> upstreamPids() {
        return TestBroker.rabbitmqctl("list_connections", "pid", "user", "client_properties").lines()
                .map(l -> l.split("\t", 3))
                .filter(cols -> cols.length == 3 && cols[1].equals(name) && cols[2].contains(UPSTREAM_NAME))
                .map(cols -> cols[0])
                .toList();
    }

    /**
     * Deletes the user; the broker closes its connections. A failure is only reported: it must not hide the
     * outcome of the test that cleans up.
     */
    @Override
    public void close() {
        try {
            TestBroker.rabbitmqctl(deleteCommand());
        } catch (RuntimeException e) {
            System.err.println("could not delete broker user " + name + ": " + e.getMessage());
        }
    }
}
