package io.amqproxy.examples;

import io.amqproxy.AmqProxy;
import io.amqproxy.ProxyListener;
import io.amqproxy.ProxyStats;

import java.net.SocketAddress;
import java.time.Duration;
import java.util.concurrent.atomic.LongAdder;

/**
 * Embedding the proxy in an application: start it on a free port, count its events with a
 * {@link ProxyListener}, and print {@link AmqProxy#stats()} now and then.
 *
 * <pre>
 * java -cp amqproxy-examples/target/amqproxy.jar io.amqproxy.examples.EmbeddedExample [AMQP_URL] [SECONDS]
 * </pre>
 *
 * Point any AMQP 0-9-1 client at the port it prints (user guest, password guest, vhost /) and watch the
 * counters move. It stops after SECONDS (default 60).
 */
public final class EmbeddedExample {

    private EmbeddedExample() {
    }

    /**
     * Counts events. Callbacks run on the proxy's I/O thread, so they only bump counters: {@link LongAdder}
     * is cheap to increment from a hot thread and safe to read from another.
     */
    static final class CountingListener implements ProxyListener {
        final LongAdder clientsConnected = new LongAdder();
        final LongAdder clientsDisconnected = new LongAdder();
        final LongAdder clientsRefused = new LongAdder();
        final LongAdder upstreamsOpened = new LongAdder();
        final LongAdder upstreamsClosed = new LongAdder();

        @Override
        public void clientConnected(ClientInfo client) {
            clientsConnected.increment();
        }

        @Override
        public void clientDisconnected(ClientInfo client, String reason) {
            clientsDisconnected.increment();
        }

        @Override
        public void clientRefused(SocketAddress remote, String user, String vhost, int replyCode, String replyText) {
            clientsRefused.increment();
        }

        @Override
        public void upstreamOpened(UpstreamInfo upstream) {
            upstreamsOpened.increment();
        }

        @Override
        public void upstreamClosed(UpstreamInfo upstream, int replyCode, String replyText) {
            upstreamsClosed.increment();
        }

        @Override
        public String toString() {
            return "clients connected " + clientsConnected.sum()
                    + ", disconnected " + clientsDisconnected.sum()
                    + ", refused " + clientsRefused.sum()
                    + "; upstreams opened " + upstreamsOpened.sum()
                    + ", closed " + upstreamsClosed.sum();
        }
    }

    /** Runs the example; arguments: optional upstream URL, optional run time in seconds. */
    public static void main(String[] args) throws InterruptedException {
        String upstream = args.length > 0 ? args[0] : "amqp://127.0.0.1:5672";
        long seconds = args.length > 1 ? Long.parseLong(args[1]) : 60;

        CountingListener events = new CountingListener();
        try (AmqProxy proxy = AmqProxy.builder()
                .upstream(upstream)
                .listen(0)                                  // any free port on localhost
                .idleUpstreamTimeout(Duration.ofSeconds(30))
                .listener(events)
                .start()) {
            System.out.printf("proxy for %s on localhost:%d for %d s%n", proxy.config().upstream(), proxy.port(), seconds);

            long deadline = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
            while (System.nanoTime() < deadline) {
                Thread.sleep(Math.min(5_000, Math.max(1, (deadline - System.nanoTime()) / 1_000_000)));
                print(proxy.stats(), events);
            }
        }
        // close() has sent the remaining clients Connection.Close 320 and closed the upstreams.
        System.out.println("closed; " + events);
    }

    private static void print(ProxyStats s, CountingListener events) {
        System.out.printf("clients %d (channels %d), upstreams %d (channels %d), published %d, delivered %d, "
                        + "bytes from/to clients %d/%d; %s%n",
                s.clientConnections(), s.clientChannels(), s.upstreamConnections(), s.upstreamChannels(),
                s.messagesPublished(), s.messagesDelivered(), s.bytesFromClients(), s.bytesToClients(), events);
    }
}
