package io.amqproxy.examples.settings;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The command line's syntax; values are checked by the resolver (see its test). */
class CliOptionsTest {

    private static final String URL = "amqp://broker.example.com:5672";

    private static Map<Setting, RawValue> given(String... args) throws UsageException {
        return CliOptions.parse(args).given();
    }

    private static String text(Map<Setting, RawValue> given, Setting s) {
        return given.get(s).text();
    }

    @Test
    void everyOptionInShortAndLongForm() throws UsageException {
        Map<Setting, RawValue> s = given("-l", "0.0.0.0", "-p", "1", "-b", "2", "-t", "3", "-d", URL);
        Map<Setting, RawValue> l = given("--listen", "0.0.0.0", "--port", "1", "--http-port", "2",
                "--idle-connection-timeout", "3", "--max-upstream-channels", "4", "--term-timeout", "5",
                "--term-client-close-timeout", "6", "--debug", URL);

        for (Map<Setting, RawValue> g : java.util.List.of(s, l)) {
            assertThat(text(g, Setting.LISTEN_ADDRESS)).isEqualTo("0.0.0.0");
            assertThat(text(g, Setting.LISTEN_PORT)).isEqualTo("1");
            assertThat(text(g, Setting.HTTP_PORT)).isEqualTo("2");
            assertThat(text(g, Setting.IDLE_CONNECTION_TIMEOUT)).isEqualTo("3");
            assertThat(text(g, Setting.LOG_LEVEL)).isEqualTo("debug");
            assertThat(text(g, Setting.UPSTREAM)).isEqualTo(URL);
        }
        assertThat(text(l, Setting.MAX_UPSTREAM_CHANNELS)).isEqualTo("4");
        assertThat(text(l, Setting.TERM_TIMEOUT)).isEqualTo("5");
        assertThat(text(l, Setting.TERM_CLIENT_CLOSE_TIMEOUT)).isEqualTo("6");
    }

    @Test
    void valuesAttachedOrAfterEqualsSign() throws UsageException {
        Map<Setting, RawValue> g = given("-p5673", "-l127.0.0.2", "--http-port=15674", "--term-timeout=-1", URL);

        assertThat(text(g, Setting.LISTEN_PORT)).isEqualTo("5673");
        assertThat(text(g, Setting.LISTEN_ADDRESS)).isEqualTo("127.0.0.2");
        assertThat(text(g, Setting.HTTP_PORT)).isEqualTo("15674");
        assertThat(text(g, Setting.TERM_TIMEOUT)).isEqualTo("-1");
    }

    @Test
    void originIsTheOptionsLongName() throws UsageException {
        assertThat(given("-p", "1", URL).get(Setting.LISTEN_PORT).origin()).isEqualTo("--port");
        assertThat(given("-d", URL).get(Setting.LOG_LEVEL).origin()).isEqualTo("--debug");
        assertThat(given(URL).get(Setting.UPSTREAM).origin()).isEqualTo("AMQP_URL argument");
    }

    @Test
    void onlyWhatIsGivenIsReported() throws UsageException {
        assertThat(given()).isEmpty();
        assertThat(given(URL)).containsOnlyKeys(Setting.UPSTREAM);
    }

    @Test
    void urlMayComeBeforeOptionsAndTheLastOccurrenceWins() throws UsageException {
        Map<Setting, RawValue> g = given(URL, "-p", "6000", "--port=6001");

        assertThat(text(g, Setting.UPSTREAM)).isEqualTo(URL);
        assertThat(text(g, Setting.LISTEN_PORT)).isEqualTo("6001");
    }

    @Test
    void doubleDashEndsOptions() throws UsageException {
        assertThat(text(given("--", "-p"), Setting.UPSTREAM)).isEqualTo("-p");
    }

    @Test
    void configFile() throws UsageException {
        assertThat(CliOptions.parse("-c", "/etc/amqproxy.ini").configFile()).contains(Path.of("/etc/amqproxy.ini"));
        assertThat(CliOptions.parse("--config=x.ini").configFile()).contains(Path.of("x.ini"));
        assertThat(CliOptions.parse(URL).configFile()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"-h", "--help"})
    void helpNeedsNoUrlAndWinsOverALaterSyntaxError(String flag) throws UsageException {
        assertThat(CliOptions.parse(flag).helpRequested()).isTrue();
        assertThat(CliOptions.parse("-p", "1", flag, "--no-such-option").helpRequested()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"-v", "--version"})
    void versionNeedsNoUrl(String flag) throws UsageException {
        CliOptions options = CliOptions.parse(flag);
        assertThat(options.versionRequested()).isTrue();
        assertThat(options.helpRequested()).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"--bogus", "-x", "--tls-certificate=x.pem", "--listen-address"})
    void unknownOptionIsAOneLineUsageError(String option) {
        assertThatThrownBy(() -> CliOptions.parse(option, URL))
                .isInstanceOf(UsageException.class)
                .hasMessageStartingWith("Unknown option: '" + option + "'")
                .hasMessageEndingWith("; see --help")
                .satisfies(e -> assertThat(((UsageException) e).exitCode()).isEqualTo(2))
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    @Test
    void aNearMissSuggestsTheRealOption() {
        assertThatThrownBy(() -> CliOptions.parse("--listen-address", URL))
                .hasMessageContaining("did you mean --listen?");
    }

    @ParameterizedTest
    @ValueSource(strings = {"-l", "--listen", "-p", "--port", "-b", "--http-port", "-t", "--idle-connection-timeout",
            "--vhost-upstream", "--upstream-connection-name", "--upstream-heartbeat", "--max-upstream-channels", "--term-timeout", "--term-client-close-timeout", "-c", "--config"})
    void optionWithoutItsValue(String option) {
        assertThatThrownBy(() -> CliOptions.parse(URL, option))
                .isInstanceOf(UsageException.class)
                .hasMessageContaining("Missing required parameter for option");
    }

    @Test
    void flagTakesNoValue() {
        assertThatThrownBy(() -> CliOptions.parse("--debug=yes", URL))
                .isInstanceOf(UsageException.class)
                .hasMessageContaining("'--debug'");
    }

    @Test
    void repeatedUrlArgumentsAreTheNodesOfOneUpstreamList() throws UsageException {
        Map<Setting, RawValue> g = given("-p", "5673", "amqp://n1:5672", "amqp://n2:5672", "--", "amqp://n3:5672");

        assertThat(g.get(Setting.UPSTREAM))
                .isEqualTo(new RawValue("amqp://n1:5672,amqp://n2:5672,amqp://n3:5672", "AMQP_URL arguments"));
    }

    @Test
    void vhostUpstreamMayBeRepeatedAndGathersItsValues() throws UsageException {
        Map<Setting, RawValue> g = given("--vhost-upstream", "a=amqp://x,amqp://y", "--vhost-upstream=b=amqp://z",
                URL);

        assertThat(g.get(Setting.VHOST_UPSTREAMS))
                .isEqualTo(new RawValue("a=amqp://x,amqp://y;b=amqp://z", "--vhost-upstream"));
    }

    @Test
    void upstreamOptionsAndTheTestApiFlag() throws UsageException {
        Map<Setting, RawValue> g = given("--upstream-connection-name", "web-1 proxy", "--upstream-heartbeat=3",
                "--test-api", URL);

        assertThat(g.get(Setting.UPSTREAM_CONNECTION_NAME))
                .isEqualTo(new RawValue("web-1 proxy", "--upstream-connection-name"));
        assertThat(g.get(Setting.UPSTREAM_HEARTBEAT)).isEqualTo(new RawValue("3", "--upstream-heartbeat"));
        assertThat(g.get(Setting.TEST_API)).isEqualTo(new RawValue("true", "--test-api"));
        assertThat(given(URL)).doesNotContainKeys(Setting.TEST_API, Setting.VHOST_UPSTREAMS);
    }

    @Test
    void usageListsEveryOptionEnvironmentVariableAndConfigKey() {
        assertThat(CliOptions.usage())
                .contains("Usage: java -jar amqproxy.jar [OPTIONS] [AMQP_URL...]")
                .contains("-l, --listen", "-p, --port", "-b, --http-port", "-t, --idle-connection-timeout",
                        "--max-upstream-channels", "--max-upstream-lifetime", "--max-clients", "--event-loops",
                        "--term-timeout", "--term-client-close-timeout", "--log-level", "--log-format", "-d, --debug",
                        "-c, --config", "-h, --help", "-v, --version", "--vhost-upstream", "--upstream-connection-name",
                        "--upstream-heartbeat", "--test-api")
                .contains("[main]", "[listen]", "[vhost_upstreams]", "/healthz", "/metrics", "/faults", "/traffic");
        for (Setting s : Setting.values()) {
            assertThat(CliOptions.usage()).as("environment variable of " + s).contains(s.environmentVariable);
            for (String key : s.configKeys) {
                assertThat(CliOptions.usage()).as("config key " + key).contains(key.substring(key.indexOf('.') + 1));
            }
        }
    }

    @Test
    void operatorOptions() throws UsageException {
        Map<Setting, RawValue> g = given("--max-clients", "100", "--max-upstream-lifetime=3600", "--event-loops", "2",
                "--log-level", "warn", "--log-format=json", "-b", "off", URL);

        assertThat(g.get(Setting.MAX_CLIENTS)).isEqualTo(new RawValue("100", "--max-clients"));
        assertThat(g.get(Setting.MAX_UPSTREAM_LIFETIME)).isEqualTo(new RawValue("3600", "--max-upstream-lifetime"));
        assertThat(g.get(Setting.EVENT_LOOPS)).isEqualTo(new RawValue("2", "--event-loops"));
        assertThat(g.get(Setting.LOG_LEVEL)).isEqualTo(new RawValue("warn", "--log-level"));
        assertThat(g.get(Setting.LOG_FORMAT)).isEqualTo(new RawValue("json", "--log-format"));
        assertThat(g.get(Setting.HTTP_PORT)).isEqualTo(new RawValue("off", "--http-port"));
    }

    @Test
    void debugAndLogLevelAreOneSettingAndTheLaterWins() throws UsageException {
        assertThat(given("-d", "--log-level", "error").get(Setting.LOG_LEVEL))
                .isEqualTo(new RawValue("error", "--log-level"));
        assertThat(given("--log-level", "error", "-d").get(Setting.LOG_LEVEL))
                .isEqualTo(new RawValue("debug", "--debug"));
    }

    @Test
    void flagsMayBeClusteredAndAShortOptionsValueFollowsThem() throws UsageException {
        CliOptions options = CliOptions.parse("-dp5674", URL);

        assertThat(options.given().get(Setting.LOG_LEVEL).text()).isEqualTo("debug");
        assertThat(options.given().get(Setting.LISTEN_PORT).text()).isEqualTo("5674");
        assertThat(CliOptions.parse("-dh").helpRequested()).isTrue();
    }

    @Test
    void aValueThatLooksLikeAnOptionIsStillTheValue() throws UsageException {
        assertThat(given("--term-timeout", "-1", URL).get(Setting.TERM_TIMEOUT).text()).isEqualTo("-1");
        assertThat(given("-l", "-p", URL).get(Setting.LISTEN_ADDRESS).text()).isEqualTo("-p");
    }

    @Test
    void everyOptionIsInTheHelpOnce() {
        String usage = CliOptions.usage();
        for (CliOption o : CliOptions.OPTIONS) {
            assertThat(usage.lines().filter(l -> l.startsWith("  " + o.synopsis() + " ") || l.equals("  " + o.synopsis())))
                    .as(o.longName()).hasSize(1);
        }
        assertThat(usage.lines()).allMatch(l -> l.length() <= 110, "lines of at most 110 characters");
    }

    @Test
    void theLauncherNamesItselfInTheSynopsis() {
        String before = System.getProperty(CliUsage.COMMAND_PROPERTY);
        System.setProperty(CliUsage.COMMAND_PROPERTY, "amqproxy");
        try {
            assertThat(CliOptions.usage()).startsWith("Usage: amqproxy [OPTIONS] [AMQP_URL...]\n");
        } finally {
            if (before == null) {
                System.clearProperty(CliUsage.COMMAND_PROPERTY);
            } else {
                System.setProperty(CliUsage.COMMAND_PROPERTY, before);
            }
        }
    }

    @Test
    void tlsOptionsAndFlags() throws UsageException {
        Map<Setting, RawValue> g = given("--upstream-ca", "ca.pem", "--upstream-truststore=t.p12",
                "--upstream-truststore-password", "pw", "--no-verify-upstream-hostname", "--tls-port", "5671",
                "--tls-cert", "c.pem", "--tls-key", "k.pem", "--tls-keystore", "s.p12", "--tls-keystore-password",
                "pw2", "--safe-channel-reuse", URL);

        assertThat(text(g, Setting.UPSTREAM_CA)).isEqualTo("ca.pem");
        assertThat(text(g, Setting.UPSTREAM_TRUSTSTORE)).isEqualTo("t.p12");
        assertThat(text(g, Setting.UPSTREAM_TRUSTSTORE_PASSWORD)).isEqualTo("pw");
        assertThat(g.get(Setting.VERIFY_UPSTREAM_HOSTNAME)).isEqualTo(new RawValue("false",
                "--no-verify-upstream-hostname"));
        assertThat(text(g, Setting.TLS_PORT)).isEqualTo("5671");
        assertThat(text(g, Setting.TLS_CERT)).isEqualTo("c.pem");
        assertThat(text(g, Setting.TLS_KEY)).isEqualTo("k.pem");
        assertThat(text(g, Setting.TLS_KEYSTORE)).isEqualTo("s.p12");
        assertThat(text(g, Setting.TLS_KEYSTORE_PASSWORD)).isEqualTo("pw2");
        assertThat(g.get(Setting.SAFE_CHANNEL_REUSE)).isEqualTo(new RawValue("true", "--safe-channel-reuse"));
        assertThat(given(URL)).doesNotContainKeys(Setting.VERIFY_UPSTREAM_HOSTNAME, Setting.SAFE_CHANNEL_REUSE);
    }
}
