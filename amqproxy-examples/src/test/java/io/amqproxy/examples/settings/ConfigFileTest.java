package io.amqproxy.examples.settings;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The INI config file of {@code -c FILE}. */
class ConfigFileTest {

    private static Map<Setting, RawValue> parse(String... lines) throws UsageException {
        return ConfigFile.parse("amqproxy.ini", List.of(lines));
    }

    @Test
    void everyKeyOfCloudamqpsExample() throws UsageException {
        Map<Setting, RawValue> v = parse(
                "[main]",
                "log_level = info",
                "idle_connection_timeout = 5",
                "max_upstream_channels = 65535",
                "term_timeout = 30",
                "term_client_close_timeout = 10",
                "upstream = amqp://localhost:5672",
                "",
                "[listen]",
                "address = 127.0.0.1",
                "port = 5673");

        assertThat(v.get(Setting.LOG_LEVEL).text()).isEqualTo("info");
        assertThat(v.get(Setting.IDLE_CONNECTION_TIMEOUT).text()).isEqualTo("5");
        assertThat(v.get(Setting.MAX_UPSTREAM_CHANNELS).text()).isEqualTo("65535");
        assertThat(v.get(Setting.TERM_TIMEOUT).text()).isEqualTo("30");
        assertThat(v.get(Setting.TERM_CLIENT_CLOSE_TIMEOUT).text()).isEqualTo("10");
        assertThat(v.get(Setting.UPSTREAM).text()).isEqualTo("amqp://localhost:5672");
        assertThat(v.get(Setting.LISTEN_ADDRESS).text()).isEqualTo("127.0.0.1");
        assertThat(v.get(Setting.LISTEN_PORT).text()).isEqualTo("5673");
    }

    @Test
    void originNamesFileLineSectionAndKey() throws UsageException {
        Map<Setting, RawValue> v = parse("[listen]", "", "port=5673");

        assertThat(v.get(Setting.LISTEN_PORT).origin()).isEqualTo("amqproxy.ini:3 [listen] port");
    }

    @Test
    void commentsBlankLinesAndWhitespaceAreIgnored() throws UsageException {
        Map<Setting, RawValue> v = parse(
                "; a comment",
                "# another",
                "   ",
                "  [ listen ]  ",
                "\tbind   =   0.0.0.0  ");

        assertThat(v).containsOnlyKeys(Setting.LISTEN_ADDRESS);
        assertThat(v.get(Setting.LISTEN_ADDRESS).text()).isEqualTo("0.0.0.0");
    }

    @Test
    void keysBeforeAnySectionBelongToMain() throws UsageException {
        assertThat(parse("upstream = amqp://h", "[listen]", "port = 1").get(Setting.UPSTREAM).origin())
                .isEqualTo("amqproxy.ini:1 [main] upstream");
    }

    @Test
    void laterKeyWinsAcrossSections() throws UsageException {
        Map<Setting, RawValue> v = parse("[main]", "log_level = debug", "[listen]", "log_level = warn");

        assertThat(v.get(Setting.LOG_LEVEL).text()).isEqualTo("warn");
        assertThat(v.get(Setting.LOG_LEVEL).origin()).isEqualTo("amqproxy.ini:4 [listen] log_level");
    }

    @Test
    void valueMayContainEqualsSigns() throws UsageException {
        assertThat(parse("upstream = amqp://h:5672/?x=1").get(Setting.UPSTREAM).text()).isEqualTo("amqp://h:5672/?x=1");
    }

    @Test
    void unknownSectionNamesLineAndKnownSections() {
        assertThatThrownBy(() -> parse("[main]", "upstream = amqp://h", "[tls]"))
                .isInstanceOf(UsageException.class)
                .hasMessage("amqproxy.ini:3: unknown section [tls]; known sections: [listen], [main], [vhost_upstreams]");
    }

    @Test
    void unknownKeyNamesLineSectionAndKnownKeys() {
        assertThatThrownBy(() -> parse("[listen]", "address = x", "prot = 5673"))
                .isInstanceOf(UsageException.class)
                .hasMessage("amqproxy.ini:3: unknown key 'prot' in [listen]; known keys: address, bind, port, http_port, "
                        + "log_level, tls_port, tls_cert, tls_key, tls_keystore, tls_keystore_password");
    }

    @Test
    void keyOfTheOtherSectionIsUnknown() {
        assertThatThrownBy(() -> parse("[main]", "port = 5673"))
                .hasMessageStartingWith("amqproxy.ini:2: unknown key 'port' in [main]");
    }

    @Test
    void malformedLineIsNotEchoedBecauseItMayHoldAPassword() {
        assertThatThrownBy(() -> parse("[main]", "amqp://user:s3cret@host"))
                .isInstanceOf(UsageException.class)
                .hasMessage("amqproxy.ini:2: expected 'key = value', '[section]' or a comment");
        assertThatThrownBy(() -> parse("[main"))
                .hasMessage("amqproxy.ini:1: a section header must end with ']'");
    }

    @Test
    void readsUtf8FileWithByteOrderMark(@TempDir Path dir) throws IOException, UsageException {
        Path file = dir.resolve("amqproxy.ini");
        Files.writeString(file, "\uFEFF[listen]\nport = 1234\n", StandardCharsets.UTF_8);

        RawValue port = ConfigFile.read(file).get(Setting.LISTEN_PORT);

        assertThat(port.text()).isEqualTo("1234");
        assertThat(port.origin()).isEqualTo(file + ":2 [listen] port");
    }

    @Test
    void exampleInExtrasGivesEverySettingItCan() throws Exception {
        Path example = Path.of("..", "extras", "amqproxy.ini");
        Map<Setting, RawValue> v = ConfigFile.read(example);
        String text = java.nio.file.Files.readString(example);

        for (Setting s : Setting.values()) {
            // the TLS settings name files, so the example shows them commented out
            boolean shown = v.containsKey(s) || s.configKeys.stream()
                    .anyMatch(k -> text.contains("\n;" + k.substring(k.indexOf('.') + 1) + " = "));
            assertThat(shown).as(s + " in extras/amqproxy.ini").isEqualTo(!s.configKeys.isEmpty());
        }
    }

    @Test
    void vhostUpstreamsSectionTakesAnyVhostAsKeyAndMakesOneValue() throws UsageException {
        Map<Setting, RawValue> v = parse(
                "[main]",
                "upstream = amqp://a:5672, amqp://b:5672",
                "upstream_connection_name = proxy on web-1",
                "upstream_heartbeat = 3",
                "test_api = true",
                "[vhost_upstreams]",
                "Billing = amqp://c:5672, amqp://d:5672",
                "/ = amqp://e:5672",
                "Billing = amqp://f:5672");

        assertThat(v.get(Setting.UPSTREAM).text()).isEqualTo("amqp://a:5672, amqp://b:5672");
        assertThat(v.get(Setting.UPSTREAM_CONNECTION_NAME).text()).isEqualTo("proxy on web-1");
        assertThat(v.get(Setting.UPSTREAM_HEARTBEAT).text()).isEqualTo("3");
        assertThat(v.get(Setting.TEST_API).text()).isEqualTo("true");
        // the later line for a vhost wins, as for any key; the case of a vhost is kept
        assertThat(v.get(Setting.VHOST_UPSTREAMS))
                .isEqualTo(new RawValue("/=amqp://e:5672;Billing=amqp://f:5672", "amqproxy.ini:6 [vhost_upstreams]"));
    }

    @Test
    void aVhostUpstreamLineNeedsAVhost() {
        assertThatThrownBy(() -> parse("[vhost_upstreams]", "= amqp://c:5672"))
                .isInstanceOf(UsageException.class)
                .hasMessage("amqproxy.ini:2: expected 'vhost = url[, url...]' in [vhost_upstreams]");
    }

    @Test
    void missingFile(@TempDir Path dir) {
        Path missing = dir.resolve("nope.ini");
        assertThatThrownBy(() -> ConfigFile.read(missing))
                .isInstanceOf(UsageException.class)
                .hasMessage("config file " + missing + ": no such file");
    }
}
