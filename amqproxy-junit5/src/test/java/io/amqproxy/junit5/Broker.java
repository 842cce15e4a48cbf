package io.amqproxy.junit5;

import com.rabbitmq.client.ConnectionFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.URISyntaxException;
import java.security.GeneralSecurityException;

/**
 * The RabbitMQ these tests run against: {@code AMQPROXY_TEST_BROKER} (an amqp:// URI) when set, otherwise
 * 127.0.0.1:5672 (guest/guest), which {@code .ci/run} starts. When neither answers, the tests fail and say so.
 */
final class Broker {

    private static volatile String upstream;

    private Broker() {
    }

    /** {@code amqp://host:port}, the extension's upstream. */
    static String upstream() {
        if (upstream == null) {
            upstream = locate();
        }
        return upstream;
    }

    /** A client of {@code uri} (a proxy's), guest/guest, vhost "/", no automatic recovery, bounded connect. */
    static ConnectionFactory client(String uri) {
        ConnectionFactory f = new ConnectionFactory();
        try {
            f.setUri(uri);
        } catch (URISyntaxException | GeneralSecurityException e) {
            throw new IllegalArgumentException(uri, e);
        }
        f.setUsername("guest");
        f.setPassword("guest");
        f.setAutomaticRecoveryEnabled(false);
        f.setConnectionTimeout(10_000);
        f.setHandshakeTimeout(10_000);
        return f;
    }

    private static synchronized String locate() {
        String env = System.getenv("AMQPROXY_TEST_BROKER");
        URI candidate = URI.create(env != null && !env.isBlank() ? env.strip() : "amqp://127.0.0.1:5672");
        int port = candidate.getPort() == -1 ? 5672 : candidate.getPort();
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(candidate.getHost(), port), 2000);
        } catch (IOException e) {
            throw new IllegalStateException("No RabbitMQ at " + candidate.getHost() + ":" + port + " for the tests: "
                    + "start one (rabbitmq-server -detached, or bash .ci/run --setup-only) or set "
                    + "AMQPROXY_TEST_BROKER=amqp://host:port", e);
        }
        return "amqp://" + candidate.getHost() + ":" + port;
    }
}
