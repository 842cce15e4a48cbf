package io.amqproxy.examples;

import com.rabbitmq.client.ConnectionFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;

/**
 * The RabbitMQ the process tests run against: {@code AMQPROXY_TEST_BROKER} (an amqp:// URI) when set, otherwise
 * 127.0.0.1:5672 (guest/guest), which {@code .ci/run} starts. When neither answers, the tests fail and say so.
 */
final class LocalBroker {

    private static volatile URI uri;

    private LocalBroker() {
    }

    /** {@code amqp://host:port}, what the proxy takes as its upstream. */
    static String upstream() {
        URI u = uri();
        return "amqp://" + u.getHost() + ":" + (u.getPort() == -1 ? 5672 : u.getPort());
    }

    /** A client of a proxy on 127.0.0.1 at this port: guest/guest, vhost "/", no automatic recovery. */
    static ConnectionFactory viaProxy(int proxyPort) {
        ConnectionFactory f = new ConnectionFactory();
        f.setHost("127.0.0.1");
        f.setPort(proxyPort);
        f.setUsername("guest");
        f.setPassword("guest");
        f.setAutomaticRecoveryEnabled(false);
        f.setConnectionTimeout(10_000);
        return f;
    }

    private static synchronized URI uri() {
        if (uri == null) {
            String env = System.getenv("AMQPROXY_TEST_BROKER");
            URI candidate = URI.create(env != null && !env.isBlank() ? env.strip() : "amqp://127.0.0.1:5672");
            int port = candidate.getPort() == -1 ? 5672 : candidate.getPort();
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(candidate.getHost(), port), 2000);
            } catch (IOException e) {
                throw new IllegalStateException("No RabbitMQ at " + candidate.getHost() + ":" + port + " for the "
                        + "process tests: start one (rabbitmq-server -detached, or bash .ci/run --setup-only) or set "
                        + "AMQPROXY_TEST_BROKER=amqp://host:port", e);
            }
            uri = candidate;
        }
        return uri;
    }
}
