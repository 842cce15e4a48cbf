package io.amqproxy.testsupport;

import com.rabbitmq.client.ConnectionFactory;

import java.util.UUID;

/**
 * A broker user that exists for one test class, created and deleted with rabbitmqctl, with full permissions on
 * vhost "/". Counting this user's connections and channels at the broker isolates a test from every other
 * connection the broker has (other test JVMs run against the same broker).
 */
public final class ScratchBrokerUser implements AutoCloseable {

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
        TestBroker.rabbitmqctl(u.permitAllOnRootCommand());
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

    /** Deletes the user; the broker closes its connections. */
    @Override
    public void close() {
        try {
            TestBroker.rabbitmqctl("delete_user", name);
        } catch (RuntimeException e) {
            System.err.println("could not delete broker user " + name + ": " + e.getMessage());
        }
    }
}
