package io.amqproxy;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultSaslConfig;
import com.rabbitmq.client.GetResponse;
import com.rabbitmq.client.SaslConfig;
import com.rabbitmq.client.ShutdownSignalException;
import io.amqproxy.testsupport.AmqPlainSaslConfig;
import io.amqproxy.testsupport.Frames;
import io.amqproxy.testsupport.LogCapture;
import io.amqproxy.testsupport.RabbitmqctlBatch;
import io.amqproxy.testsupport.RawAmqpClient;
import io.amqproxy.testsupport.TestBroker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static io.amqproxy.testsupport.RabbitmqctlBatch.cmd;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.fail;

/**
 * Issue 5, security: no password in any log line, exception message, {@code toString()} or listener event. One
 * proxy serves right and wrong logins (PLAIN and AMQPLAIN, a wrong password while the right one is pooled, an
 * unknown user, a missing vhost, a password with odd characters, one with a NUL, malformed login responses, a
 * connection.update-secret) while every SLF4J event of every level is recorded by the test provider
 * {@link io.amqproxy.testsupport.CapturingSlf4jProvider}; then every password is searched for in all of it.
 *
 * <p>Each password starts with a random marker, and the marker is what is searched for, so a password that was
 * escaped, truncated at an odd character or split at a NUL is still found.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NoPasswordLeaksTest {

    /** Characters that break naive formatting or quoting; none that rabbitmqctl's shell wrapper mangles. */
    private static final String ODD = "-{}%s{0}\"'é€😀 <&|;>*?~#\t!";

    private static String user;
    private static String goodPassword;
    private static String missingVhost;
    /** Marker (searched for) to a description (for the failure message). */
    private static final Map<String, String> MARKERS = new LinkedHashMap<>();

    private final List<String> clientVisible = new CopyOnWriteArrayList<>();
    private final List<String> listenerEvents = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void createUser() {
        String id = UUID.randomUUID().toString().substring(0, 8);
        user = "amqproxy-it-leaks-" + id;
        missingVhost = "amqproxy-it-leaks-missing-" + id;
        goodPassword = marker("the right password") + ODD;
        RabbitmqctlBatch.runAll(cmd("add_user", user, goodPassword));
        RabbitmqctlBatch.runAll(cmd("set_permissions", "-p", "/", user, ".*", ".*", ".*"));
    }

    @AfterAll
    static void deleteUser() {
        if (user != null) {
            RabbitmqctlBatch.runAllQuietly(cmd("delete_user", user));
        }
    }

    /** A fresh random marker, remembered for the search. */
    private static String marker(String what) {
        String m = "pwmark" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        MARKERS.put(m, what);
        return m;
    }

    private final class RecordingListener implements ProxyListener {
        @Override
        public void clientConnected(ClientInfo client) {
            listenerEvents.add("clientConnected " + client + " " + client.remoteAddress() + " " + client.user()
                    + " " + client.vhost());
        }

        @Override
        public void clientDisconnected(ClientInfo client, String reason) {
            listenerEvents.add("clientDisconnected " + client + " " + reason);
        }

        @Override
        public void clientRefused(SocketAddress remote, String u, String vhost, int replyCode, String replyText) {
            listenerEvents.add("clientRefused " + remote + " " + u + " " + vhost + " " + replyCode + " " + replyText);
        }

        @Override
        public void upstreamOpened(UpstreamInfo upstream) {
            listenerEvents.add("upstreamOpened " + upstream + " " + upstream.id() + " " + upstream.host() + " "
                    + upstream.port() + " " + upstream.user() + " " + upstream.vhost());
        }

        @Override
        public void upstreamClosed(UpstreamInfo upstream, int replyCode, String replyText) {
            listenerEvents.add("upstreamClosed " + upstream + " " + replyCode + " " + replyText);
        }
    }

    @Test
    void noPasswordAppearsInLogsExceptionsListenerEventsOrToString() throws Exception {
        String uriPassword = marker("the password in the upstream URI");
        String wrongPlain = marker("a wrong PLAIN password") + ODD + "\\$`\n\r%n";
        String wrongAmqplain = marker("a wrong AMQPLAIN password") + ODD;
        String unknownUserPassword = marker("an unknown user's password") + ODD;
        String nulPlain = marker("a wrong PLAIN password, before its NUL") + "\0" + marker("after the NUL (PLAIN)");
        String nulAmqplain = marker("a wrong AMQPLAIN password, before its NUL") + "\0"
                + marker("after the NUL (AMQPLAIN)");
        String noLogin = marker("the PASSWORD of an AMQPLAIN response without LOGIN");
        String oneNul = marker("a PLAIN response with one NUL only");
        String secret = marker("the secret of connection.update-secret");

        String queue = "amqproxy-it-leaks-" + UUID.randomUUID();
        List<LogCapture.Event> events;
        String stats;
        String proxyText;
        String configText;
        String healthText;
        LogCapture.start();
        try {
            assertThat(LogCapture.installed())
                    .as("SLF4J must use the capturing test provider (io.amqproxy.testsupport.CapturingSlf4jProvider); "
                            + "another SLF4J provider on the test class path took precedence, so this test could not "
                            + "see the proxy's log output")
                    .isTrue();
            try (AmqProxy proxy = AmqProxy.builder()
                    .upstream("amqp://leakuser:" + uriPassword + "@" + TestBroker.host() + ":" + TestBroker.port() + "/")
                    .listen("127.0.0.1", 0)
                    .shutdownTimeout(Duration.ofMillis(500))
                    .listener(new RecordingListener())
                    .start()) {
                int port = proxy.port();

                // right logins, PLAIN then AMQPLAIN, with traffic
                try (Connection c = connect(port, DefaultSaslConfig.PLAIN, user, goodPassword, "/")) {
                    Channel ch = c.createChannel();
                    ch.queueDeclare(queue, false, false, false, null);
                    ch.basicPublish("", queue, null, "hello".getBytes(StandardCharsets.UTF_8));
                    GetResponse r = awaitGet(ch, queue);
                    assertThat(new String(r.getBody(), StandardCharsets.UTF_8)).isEqualTo("hello");

                    // while that login is pooled: wrong passwords, both mechanisms, and the missing vhost
                    expectRefusal(port, DefaultSaslConfig.PLAIN, user, wrongPlain, "/");
                    expectRefusal(port, AmqPlainSaslConfig.AMQPLAIN, user, wrongAmqplain, "/");
                    expectRefusal(port, DefaultSaslConfig.PLAIN, user, nulPlain, "/");
                    expectRefusal(port, AmqPlainSaslConfig.AMQPLAIN, user, nulAmqplain, "/");
                    expectRefusal(port, DefaultSaslConfig.PLAIN, user, goodPassword, missingVhost);
                    expectRefusal(port, AmqPlainSaslConfig.AMQPLAIN, user, goodPassword, missingVhost);

                    // a channel error and a connection error with a logged-in client
                    Channel bad = c.createChannel();
                    seen(catchThrowable(() -> bad.queueDeclarePassive("amqproxy-it-leaks-no-such-queue")));
                    Connection c2 = connect(port, AmqPlainSaslConfig.AMQPLAIN, user, goodPassword, "/");
                    try {
                        c2.createChannel().basicPublish("", queue, null, new byte[0]);
                    } finally {
                        c2.abort();
                    }
                    ch.queueDelete(queue);
                }
                expectRefusal(port, DefaultSaslConfig.PLAIN, "amqproxy-it-leaks-nobody", unknownUserPassword, "/");
                expectRefusal(port, AmqPlainSaslConfig.AMQPLAIN, "amqproxy-it-leaks-nobody", unknownUserPassword, "/");

                // malformed login responses, byte-exact
                rawStartOk(port, "AMQPLAIN", amqplainTable(Map.of("PASSWORD", noLogin)));
                rawStartOk(port, "PLAIN", ("\0" + oneNul).getBytes(StandardCharsets.UTF_8));
                rawStartOk(port, "NOSUCHMECH", ("\0" + user + "\0" + goodPassword).getBytes(StandardCharsets.UTF_8));

                // a logged-in raw client that breaks the framing: closed by the proxy with its credentials logged
                try (RawAmqpClient raw = RawAmqpClient.connect(port)) {
                    raw.handshake(user, goodPassword, "/", 0, 0, true);
                    raw.send(Frames.frame(Frames.METHOD, 0, Frames.methodPayload(10, 50, new byte[0]), 0));
                    RawAmqpClient.Close close = raw.expectConnectionClose(Duration.ofSeconds(5));
                    clientVisible.add(close.toString());
                    assertThat(close.replyCode()).isEqualTo(501);
                }

                // connection.update-secret: tried on connections of their own (one logs in with the new secret and
                // is refused), answered as the internal user database answers it; the secret unseen all along
                try (RawAmqpClient raw = RawAmqpClient.connect(port)) {
                    raw.handshake(user, goodPassword, "/", 0, 0, true);
                    raw.sendMethod(0, Frames.CONNECTION, 70, Frames.args().longstr(secret).shortstr("rotate " + secret));
                    RawAmqpClient.Frame ok = raw.expectMethod(0, Frames.CONNECTION, 71, Duration.ofSeconds(10));
                    clientVisible.add(ok.toString());
                }

                stats = proxy.stats().toString();
                proxyText = proxy.toString();
                configText = proxy.config().toString() + " " + proxy.config().upstream() + " "
                        + proxy.config().limits() + " " + proxy.config().timeouts();
                healthText = proxy.health().toString();
            }
        } finally {
            LogCapture.stop();
            events = LogCapture.events();
        }

        // the capture saw the proxy's own lines, so an empty search result means something
        String log = String.join("\n", events.stream().map(LogCapture.Event::text).toList());
        assertThat(log).as("captured log (must hold the proxy's start line)").contains("amqproxy listening on");
        assertThat(log).as("captured log (must hold the proxy's stop line)").contains("stopped");
        assertThat(events).as("DEBUG events captured").anyMatch(e -> e.level().equals("DEBUG"));
        assertThat(log).as("captured log names the logged-in user, so lines about logins were seen").contains(user);
        assertThat(clientVisible).as("client-visible errors collected").hasSizeGreaterThanOrEqualTo(10);
        assertThat(listenerEvents).as("listener events").anyMatch(e -> e.startsWith("clientRefused"))
                .anyMatch(e -> e.startsWith("clientConnected")).anyMatch(e -> e.startsWith("upstreamOpened"));

        Map<String, String> places = new LinkedHashMap<>();
        places.put("the log", log);
        places.put("what clients were told", String.join("\n", clientVisible));
        places.put("ProxyListener events", String.join("\n", listenerEvents));
        places.put("proxy.stats()", stats);
        places.put("proxy.toString()", proxyText);
        places.put("proxy.config()", configText);
        places.put("proxy.health()", healthText);
        List<String> leaks = new ArrayList<>();
        for (Map.Entry<String, String> place : places.entrySet()) {
            for (Map.Entry<String, String> m : MARKERS.entrySet()) {
                int at = place.getValue().indexOf(m.getKey());
                if (at >= 0) {
                    leaks.add(m.getValue() + " appears in " + place.getKey() + ": ..."
                            + excerpt(place.getValue(), at) + "...");
                }
            }
        }
        assertThat(leaks).as("password leaks").isEmpty();
    }

    @Test
    void anUpstreamUriThatDoesNotParseIsNotEchoedWithItsPassword() {
        String pw = marker("the password in a broken upstream URI");
        Throwable t = catchThrowable(() -> AmqProxy.builder().upstream("amqp://u:" + pw + " x@127.0.0.1:5672")
                .listen("127.0.0.1", 0).build());
        assertThat(t).isInstanceOf(IllegalArgumentException.class);
        assertThat(stackTraceText(t)).doesNotContain(pw);
    }

    // ---- helpers

    private static Connection connect(int port, SaslConfig sasl, String u, String pw, String vhost) throws Exception {
        return factory(port, sasl, u, pw, vhost).newConnection("amqproxy leak test");
    }

    private static ConnectionFactory factory(int port, SaslConfig sasl, String u, String pw, String vhost) {
        ConnectionFactory f = TestBroker.viaProxy(port);
        f.setSaslConfig(sasl);
        f.setUsername(u);
        f.setPassword(pw);
        f.setVirtualHost(vhost);
        return f;
    }

    private void expectRefusal(int port, SaslConfig sasl, String u, String pw, String vhost) {
        Throwable t = catchThrowable(() -> {
            try (Connection c = connect(port, sasl, u, pw, vhost)) {
                fail("login as " + u + " to " + vhost + " was accepted");
            }
        });
        assertThat(t).as("refusal of %s at %s", u, vhost).isNotNull().isNotInstanceOf(AssertionError.class);
        seen(t);
    }

    /** Keeps everything a client application could print of this throwable. */
    private void seen(Throwable t) {
        if (t == null) {
            return;
        }
        clientVisible.add(stackTraceText(t));
        for (Throwable c = t; c != null && c.getCause() != c; c = c.getCause()) {
            clientVisible.add(String.valueOf(c.getMessage()));
            clientVisible.add(String.valueOf(c.getLocalizedMessage()));
            if (c instanceof ShutdownSignalException sse) {
                clientVisible.add(String.valueOf(sse.getReason()));
            }
        }
    }

    private static String stackTraceText(Throwable t) {
        java.io.StringWriter w = new java.io.StringWriter();
        t.printStackTrace(new java.io.PrintWriter(w));
        return w.toString();
    }

    private static GetResponse awaitGet(Channel ch, String queue) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline) {
            GetResponse r = ch.basicGet(queue, true);
            if (r != null) {
                return r;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no message in " + queue + " within 5 s");
    }

    /** Header, Start, then a StartOk with the given mechanism and response; the proxy must refuse it. */
    private void rawStartOk(int port, String mechanism, byte[] response) throws Exception {
        try (RawAmqpClient raw = RawAmqpClient.connect(port)) {
            raw.sendProtocolHeader();
            raw.expectMethod(0, Frames.CONNECTION, 10, Duration.ofSeconds(5));
            raw.sendMethod(0, Frames.CONNECTION, 11, Frames.args().table(Map.of("product", "leak test"))
                    .shortstr(mechanism).longstr(response).shortstr("en_US"));
            RawAmqpClient.Close close = raw.expectConnectionClose(Duration.ofSeconds(5));
            clientVisible.add(close.toString());
            assertThat(close.replyCode()).as("refusal of a malformed %s login: %s", mechanism, close).isEqualTo(403);
        }
    }

    /** An AMQPLAIN response: a field table of long strings without its length prefix. */
    private static byte[] amqplainTable(Map<String, String> entries) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Map.Entry<String, String> e : entries.entrySet()) {
            byte[] k = e.getKey().getBytes(StandardCharsets.UTF_8);
            byte[] v = e.getValue().getBytes(StandardCharsets.UTF_8);
            out.write(k.length);
            out.writeBytes(k);
            out.write('S');
            out.writeBytes(java.nio.ByteBuffer.allocate(4).putInt(v.length).array());
            out.writeBytes(v);
        }
        return out.toByteArray();
    }

    private static String excerpt(String text, int at) {
        return text.substring(Math.max(0, at - 120), Math.min(text.length(), at + 60)).replace("\n", "\\n");
    }
}
