package io.amqproxy.testsupport;

import com.rabbitmq.client.ConnectionFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.rabbitmq.RabbitMQContainer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The real RabbitMQ the tests run against, found in this order: the {@code AMQPROXY_TEST_BROKER} environment
 * variable (an amqp:// URI), a broker answering on 127.0.0.1:5672, a Testcontainers RabbitMQ where Docker is
 * available. Otherwise tests fail with a message that says how to provide one.
 */
public final class TestBroker {

    private static volatile URI uri;

    private TestBroker() {
    }

    /** The broker's amqp:// URI (host and port only). */
    public static synchronized URI uri() {
        if (uri == null) {
            uri = locate();
        }
        return uri;
    }

    public static String host() {
        return uri().getHost();
    }

    public static int port() {
        return uri().getPort() == -1 ? 5672 : uri().getPort();
    }

    /** "amqp://host:port", what {@code AmqProxy.builder().upstream(...)} takes. */
    public static String upstreamUri() {
        return "amqp://" + host() + ":" + port();
    }

    /** A connection factory straight to the broker, guest/guest, vhost "/". */
    public static ConnectionFactory direct() {
        ConnectionFactory f = new ConnectionFactory();
        f.setHost(host());
        f.setPort(port());
        f.setUsername("guest");
        f.setPassword("guest");
        f.setAutomaticRecoveryEnabled(false);
        f.setConnectionTimeout(10_000);
        return f;
    }

    /** A connection factory to a proxy listening on 127.0.0.1 at the given port, guest/guest, vhost "/". */
    public static ConnectionFactory viaProxy(int proxyPort) {
        ConnectionFactory f = direct();
        f.setHost("127.0.0.1");
        f.setPort(proxyPort);
        return f;
    }

    /** Whether rabbitmqctl can be used on this machine, for checks on the broker side. */
    public static boolean hasRabbitmqctl() {
        try {
            return run(20, "rabbitmqctl", "-q", "status").exitCode == 0;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Runs {@code rabbitmqctl -q ARGS}, bounded to 60 s, and returns its standard output; fails on a non-zero exit. */
    public static String rabbitmqctl(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add("rabbitmqctl");
        cmd.add("-q");
        cmd.addAll(List.of(args));
        Result r = run(60, cmd.toArray(String[]::new));
        if (r.exitCode != 0) {
            throw new IllegalStateException("rabbitmqctl " + String.join(" ", args) + " exited " + r.exitCode + ": " + r.output);
        }
        return r.output;
    }

    /**
     * The broker connections whose client properties carry the given connection name prefix, as
     * {@code rabbitmqctl list_connections client_properties} reports them. The proxy names its upstream
     * connections "amqproxy upstream #N".
     */
    public static long brokerConnectionsNamed(String prefix) {
        String out = rabbitmqctl("list_connections", "client_properties");
        return out.lines().filter(l -> l.contains(prefix)).count();
    }

    private record Result(int exitCode, String output) {
    }

    private static Result run(int timeoutSeconds, String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", cmd) + " did not finish in " + timeoutSeconds + " s");
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + cmd[0] + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static URI locate() {
        String env = System.getenv("AMQPROXY_TEST_BROKER");
        if (env != null && !env.isBlank()) {
            return URI.create(env.trim());
        }
        if (answers("127.0.0.1", 5672)) {
            return URI.create("amqp://127.0.0.1:5672");
        }
        if (dockerAvailable()) {
            RabbitMQContainer container = new RabbitMQContainer("rabbitmq:3.13-management");
            container.start();
            Runtime.getRuntime().addShutdownHook(new Thread(container::stop));
            return URI.create("amqp://" + container.getHost() + ":" + container.getAmqpPort());
        }
        throw new IllegalStateException("No RabbitMQ for the tests: start one on 127.0.0.1:5672 "
                + "(rabbitmq-server -detached), set AMQPROXY_TEST_BROKER=amqp://host:port, or make Docker available "
                + "for Testcontainers. .ci/run does the first for you.");
    }

    private static boolean answers(String host, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 2000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (Throwable t) {
            return false;
        }
    }
}
