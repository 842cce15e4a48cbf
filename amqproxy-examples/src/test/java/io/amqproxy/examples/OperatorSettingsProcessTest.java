package io.amqproxy.examples;

import com.rabbitmq.client.Connection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The operator settings of the standalone proxy, as a process against the real broker: HTTP off, the log formats,
 * the client limit, and the message for a listen address that does not resolve. Loopback only; every process is
 * killed when its test ends.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class OperatorSettingsProcessTest {

    private static final Duration START = Duration.ofSeconds(20);
    private static final Pattern LISTENING = Pattern.compile("amqproxy listening on ");

    private static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    void httpOffLeavesNoHttpListenerAndTheProxyServes() throws Exception {
        int httpPort = StandaloneProxyProcessTest.freePort();
        // the environment names a port; the command line turns HTTP off, and wins
        try (ProxyProcess p = ProxyProcess.start(Map.of("HTTP_PORT", String.valueOf(httpPort)),
                "-l", "127.0.0.1", "-p", "0", "--http-port", "off", LocalBroker.upstream())) {
            int amqp = p.amqpPort(START);
            p.awaitStderr(Pattern.compile("INFO AmqProxyMain - HTTP endpoints off$"), START);

            assertThat(accepts(httpPort)).as("something listens on the HTTP port").isFalse();
            try (Connection c = LocalBroker.viaProxy(amqp).newConnection()) {
                assertThat(c.isOpen()).isTrue();
            }
            p.sigterm();
            assertThat(p.awaitExit(Duration.ofSeconds(10))).as(p.describe()).isZero();
        }
    }

    @Test
    void jsonLogFormatWritesOneObjectPerLine() throws Exception {
        try (ProxyProcess p = ProxyProcess.start("-l", "127.0.0.1", "-p", "0", "-b", "0", "--log-format", "json", "-d",
                LocalBroker.upstream())) {
            int amqp = p.amqpPort(START);
            try (Connection c = LocalBroker.viaProxy(amqp).newConnection()) {
                c.createChannel().close();
            }
            p.sigterm();
            assertThat(p.awaitExit(Duration.ofSeconds(10))).as(p.describe()).isZero();

            List<String> lines = p.stderr();
            assertThat(lines).hasSizeGreaterThan(4).allSatisfy(line -> assertThat(line)
                    .matches("\\{\"time\":\"[^\"]+\",\"level\":\"(TRACE|DEBUG|INFO|WARN|ERROR)\",\"logger\":\"[\\w.$]+\","
                            + "\"thread\":\"[^\"]*\",\"message\":\"([^\"\\\\]|\\\\.)*\"(,\"exception\":\"([^\"\\\\]|\\\\.)*\")?}"));
            assertThat(lines).anyMatch(l -> l.contains("\"level\":\"DEBUG\",\"logger\":\"io.amqproxy.examples.AmqProxyMain\""
                    + ",\"thread\":\"main\",\"message\":\"settings: upstream "));
            assertThat(lines).anyMatch(l -> l.contains("\"logger\":\"io.amqproxy.impl.server.ProxyServer\"")
                    && l.contains("\"message\":\"amqproxy listening on 127.0.0.1:" + amqp));
        }
    }

    @Test
    void underSystemdTheLinesAreForTheJournal() throws Exception {
        try (ProxyProcess p = ProxyProcess.start(Map.of("JOURNAL_STREAM", "8:4711"), "-l", "127.0.0.1", "-p", "0",
                "-b", "0", LocalBroker.upstream())) {
            p.amqpPort(START);
            p.httpPort(START);

            assertThat(p.stderr()).allMatch(l -> l.matches("<[3467]>(DEBUG|INFO|WARN|ERROR) \\w+ - .*"), "journal lines")
                    .anyMatch(l -> l.startsWith("<6>INFO ProxyServer - amqproxy listening on 127.0.0.1:"));
        }
    }

    @Test
    void maxClientsTurnsAwayTheOneTooMany() throws Exception {
        try (ProxyProcess p = ProxyProcess.start("-l", "127.0.0.1", "-p", "0", "-b", "0", "--max-clients", "1",
                LocalBroker.upstream())) {
            int amqp = p.amqpPort(START);
            try (Connection first = LocalBroker.viaProxy(amqp).newConnection()) {
                assertThat(first.isOpen()).isTrue();
                assertThatThrownBy(() -> LocalBroker.viaProxy(amqp).newConnection().close())
                        .isInstanceOfAny(IOException.class, TimeoutException.class);
                assertThat(first.isOpen()).as("the first client stays").isTrue();
            }
            // the first client's socket is counted off on the event loop, a moment after its close
            Connection again = Poll.until("a client once the first has left", Duration.ofSeconds(10),
                    () -> LocalBroker.viaProxy(amqp).newConnection(), Connection::isOpen);
            again.close();
        }
    }

    @Test
    void listenAddressThatDoesNotResolveSaysSo() throws Exception {
        try (ProxyProcess p = ProxyProcess.start("-l", "no-such-host.invalid", "-p", "5999", "-b", "0",
                LocalBroker.upstream())) {
            assertThat(p.awaitExit(Duration.ofSeconds(20))).as(p.describe()).isEqualTo(1);
            assertThat(p.stderr()).containsExactly(
                    "amqproxy: cannot listen on no-such-host.invalid:5999: the address does not resolve");
        }
    }
}
