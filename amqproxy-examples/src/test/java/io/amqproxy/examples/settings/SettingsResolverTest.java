package io.amqproxy.examples.settings;

import io.amqproxy.Upstream;
import io.amqproxy.ProxyConfig;
import io.amqproxy.examples.logging.LogFormat;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Merging config file, environment and command line, and checking the values that win. */
class SettingsResolverTest {

    private static final String URL = "amqp://broker.example.com:5672";
    private static final Map<String, String> NO_ENV = Map.of();

    private static Settings resolve(Map<String, String> env, String... args) throws UsageException {
        return SettingsResolver.resolve(CliOptions.parse(args), env);
    }

    private static Settings resolve(String... args) throws UsageException {
        return resolve(NO_ENV, args);
    }

    private static UsageException failure(Map<String, String> env, String... args) {
        try {
            resolve(env, args);
        } catch (UsageException e) {
            assertThat(e.exitCode()).isEqualTo(2);
            assertThat(e.getMessage()).doesNotContain("\n");
            return e;
        }
        throw new AssertionError("expected a usage error for " + String.join(" ", args) + " with " + env);
    }

    private static UsageException failure(String... args) {
        return failure(NO_ENV, args);
    }

    @Test
    void urlAloneGivesCloudamqpDefaults() throws UsageException {
        Settings s = resolve(URL);

        assertThat(s.upstream()).isEqualTo(URL);
        assertThat(s.listenAddress()).isEqualTo("localhost");
        assertThat(s.listenPort()).isEqualTo(5673);
        assertThat(s.httpPort()).isEqualTo(15673);
        assertThat(s.logLevel()).isEqualTo(LogLevel.INFO);
        assertThat(s.idleConnectionTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(s.maxUpstreamChannels()).isEqualTo(65535);
        assertThat(s.termTimeout()).isEqualTo(Settings.INFINITE);
        assertThat(s.termClientCloseTimeout()).isZero();
    }

    @Test
    void everySettingFromTheCommandLine() throws UsageException {
        Settings s = resolve("-l", "0.0.0.0", "-p", "1", "-b", "2", "-t", "3", "--max-upstream-channels", "4",
                "--term-timeout", "5", "--term-client-close-timeout", "6", "-d", URL);

        assertThat(s).isEqualTo(new Settings(URL, "0.0.0.0", 1, 2, LogLevel.DEBUG, Duration.ofSeconds(3), 4,
                Duration.ofSeconds(5), Duration.ofSeconds(6)));
    }

    @Test
    void everySettingFromTheEnvironment() throws UsageException {
        Settings s = resolve(Map.of("AMQP_URL", URL, "LISTEN_ADDRESS", "0.0.0.0", "LISTEN_PORT", "1",
                "HTTP_PORT", "2", "LOG_LEVEL", "warn", "IDLE_CONNECTION_TIMEOUT", "3", "MAX_UPSTREAM_CHANNELS", "4",
                "TERM_TIMEOUT", "5", "TERM_CLIENT_CLOSE_TIMEOUT", "6"));

        assertThat(s).isEqualTo(new Settings(URL, "0.0.0.0", 1, 2, LogLevel.WARN, Duration.ofSeconds(3), 4,
                Duration.ofSeconds(5), Duration.ofSeconds(6)));
    }

    @Nested
    class Precedence {

        @TempDir
        Path dir;

        private String configFile(String... lines) throws IOException {
            Path file = dir.resolve("amqproxy.ini");
            Files.write(file, java.util.List.of(lines));
            return file.toString();
        }

        @Test
        void configFileAlone() throws Exception {
            String file = configFile("[main]", "upstream = amqp://from-file", "log_level = error",
                    "idle_connection_timeout = 7", "max_upstream_channels = 100", "term_timeout = 8",
                    "term_client_close_timeout = 9", "[listen]", "address = 127.0.0.3", "port = 1111");

            Settings s = resolve("-c", file);

            assertThat(s).isEqualTo(new Settings("amqp://from-file", "127.0.0.3", 1111, 15673, LogLevel.ERROR,
                    Duration.ofSeconds(7), 100, Duration.ofSeconds(8), Duration.ofSeconds(9)));
        }

        @Test
        void environmentOverridesConfigFile() throws Exception {
            String file = configFile("upstream = amqp://from-file", "term_timeout = 8", "[listen]", "port = 1111",
                    "log_level = error");

            Settings s = resolve(Map.of("AMQP_URL", "amqp://from-env", "LISTEN_PORT", "2222", "LOG_LEVEL", "debug"),
                    "-c", file);

            assertThat(s.upstream()).isEqualTo("amqp://from-env");
            assertThat(s.listenPort()).isEqualTo(2222);
            assertThat(s.logLevel()).isEqualTo(LogLevel.DEBUG);
            assertThat(s.termTimeout()).isEqualTo(Duration.ofSeconds(8)); // not overridden
        }

        @Test
        void commandLineOverridesEnvironmentAndConfigFile() throws Exception {
            String file = configFile("upstream = amqp://from-file", "[listen]", "port = 1111", "address = 127.0.0.3");
            Map<String, String> env = Map.of("AMQP_URL", "amqp://from-env", "LISTEN_PORT", "2222",
                    "LOG_LEVEL", "error");

            Settings s = resolve(env, "-c", file, "-p", "3333", "-d", "amqp://from-cli");

            assertThat(s.upstream()).isEqualTo("amqp://from-cli");
            assertThat(s.listenPort()).isEqualTo(3333);
            assertThat(s.logLevel()).isEqualTo(LogLevel.DEBUG);
            assertThat(s.listenAddress()).isEqualTo("127.0.0.3"); // only the file says
        }

        @Test
        void overriddenBadValuesAreNotLookedAt() throws Exception {
            String file = configFile("[listen]", "port = not-a-port");

            Settings s = resolve(Map.of("LISTEN_PORT", "also-bad", "AMQP_URL", "http://wrong"), "-c", file,
                    "-p", "4444", URL);

            assertThat(s.listenPort()).isEqualTo(4444);
            assertThat(s.upstream()).isEqualTo(URL);
        }

        @Test
        void emptyEnvironmentVariablesCountAsUnset() throws Exception {
            String file = configFile("[listen]", "port = 1111");
            Map<String, String> env = new HashMap<>();
            for (Setting setting : Setting.values()) {
                if (setting.environmentVariable != null) {
                    env.put(setting.environmentVariable, "");
                }
            }

            Settings s = resolve(env, "-c", file, URL);

            assertThat(s.listenPort()).isEqualTo(1111);
            assertThat(s.logLevel()).isEqualTo(LogLevel.INFO);
        }

        @Test
        void badValueInTheConfigFileNamesItsLine() throws Exception {
            String file = configFile("[main]", "upstream = amqp://h", "", "[listen]", "port = 99999");

            assertThat(failure("-c", file).getMessage())
                    .isEqualTo(file + ":5 [listen] port: port must be a number from 0 to 65535, was 99999");
        }

        @Test
        void unknownConfigKeyIsAUsageErrorEvenWhenTheCommandLineGivesEverything() throws Exception {
            String file = configFile("[main]", "upstreams = amqp://h");

            assertThat(failure("-c", file, "-p", "1", URL).getMessage())
                    .isEqualTo(file + ":2: unknown key 'upstreams' in [main]; known keys: upstream, "
                            + "upstream_connection_name, upstream_heartbeat, log_level, log_format, idle_connection_timeout, max_upstream_channels, max_upstream_lifetime, "
                            + "max_clients, event_loops, term_timeout, term_client_close_timeout, "
                            + "safe_channel_reuse, separate_consumers, upstream_ca, upstream_truststore, "
                            + "upstream_truststore_password, verify_upstream_hostname, test_api");
        }

        @Test
        void missingConfigFile() {
            String missing = dir.resolve("missing.ini").toString();
            assertThat(failure("-c", missing, URL).getMessage()).isEqualTo("config file " + missing + ": no such file");
        }
    }

    @Nested
    class Values {

        @Test
        void missingUpstreamSaysWhereToPutIt() {
            assertThat(failure().getMessage())
                    .startsWith("missing AMQP_URL")
                    .contains("AMQP_URL", "upstream in [main]");
            assertThat(failure("-p", "6000").getMessage()).startsWith("missing AMQP_URL");
        }

        @ParameterizedTest
        @ValueSource(strings = {"http://example.com", "example.com:5672", "amqp:///vhost", "ampq://typo:5672", ""})
        void urlThatIsNotAmqpNamesItsOrigin(String url) {
            assertThat(failure("--", url).getMessage()).startsWith("AMQP_URL argument: ");
            assertThat(failure(Map.of("AMQP_URL", url.isEmpty() ? " " : url)).getMessage())
                    .startsWith("environment variable AMQP_URL: ");
        }

        @Test
        void amqpsUrlIsAcceptedAndSpacesAroundAUrlAreDropped() throws UsageException {
            assertThat(resolve("amqps://broker.example.com").upstream()).isEqualTo("amqps://broker.example.com");
            assertThat(resolve(Map.of("AMQP_URL", " amqp://h:1 ")).upstream()).isEqualTo("amqp://h:1");
        }

        @Test
        void passwordInABadUrlIsNotEchoed() {
            assertThat(failure("http://user:s3cret@example.com").getMessage()).doesNotContain("s3cret");
            assertThat(failure(Map.of("AMQP_URL", "http://user:s3cret@example.com")).getMessage())
                    .doesNotContain("s3cret");
        }

        @ParameterizedTest
        @ValueSource(strings = {"65536", "-1", "99999999999", "abc", "", "1.5"})
        void portOutOfRangeOrNotANumber(String port) {
            assertThat(failure("--port=" + port, URL).getMessage())
                    .startsWith("--port: port must be a number from 0 to 65535");
            assertThat(failure("--http-port=" + port, URL).getMessage())
                    .startsWith("--http-port: port must be a number from 0 to 65535");
            assertThat(failure(Map.of("LISTEN_PORT", port.isEmpty() ? " " : port), URL).getMessage())
                    .startsWith("environment variable LISTEN_PORT: port must be a number from 0 to 65535");
            assertThat(failure(Map.of("HTTP_PORT", port.isEmpty() ? " " : port), URL).getMessage())
                    .startsWith("environment variable HTTP_PORT: port must be a number from 0 to 65535");
        }

        @Test
        void portsZeroAndMaxAreFine() throws UsageException {
            assertThat(resolve("-p", "0", "-b", "65535", URL).listenPort()).isZero();
            assertThat(resolve("-p", "0", "-b", "65535", URL).httpPort()).isEqualTo(65535);
        }

        @ParameterizedTest
        @ValueSource(strings = {"0", "65536", "-5", "many"})
        void maxUpstreamChannelsFrom1To65535(String channels) {
            assertThat(failure("--max-upstream-channels", channels, URL).getMessage())
                    .startsWith("--max-upstream-channels: channels must be a number from 1 to 65535");
        }

        @ParameterizedTest
        @ValueSource(strings = {"-1", "soon", "1.5"})
        void idleAndClientCloseTimeoutsAreWholeNonNegativeSeconds(String seconds) {
            assertThat(failure("-t", seconds, URL).getMessage())
                    .startsWith("--idle-connection-timeout: expected whole seconds, was");
            assertThat(failure("--term-client-close-timeout", seconds, URL).getMessage())
                    .startsWith("--term-client-close-timeout: expected whole seconds, was");
        }

        @ParameterizedTest
        @CsvSource({"-1", "-100"})
        void negativeTermTimeoutMeansNoLimitAsInCloudamqp(String seconds) throws UsageException {
            assertThat(resolve("--term-timeout", seconds, URL).termTimeout()).isEqualTo(Settings.INFINITE);
            assertThat(resolve(Map.of("TERM_TIMEOUT", seconds), URL).termTimeout()).isEqualTo(Settings.INFINITE);
        }

        @Test
        void termTimeoutMustStillBeANumber() {
            assertThat(failure("--term-timeout", "forever", URL).getMessage())
                    .isEqualTo("--term-timeout: expected whole seconds, or -1 for no limit, was 'forever'");
        }

        @Test
        void hugeDurationsAreCappedSoNoDeadlineOverflows() throws UsageException {
            Settings s = resolve("-t", "9223372036854775807", "--term-timeout", "999999999999",
                    "--term-client-close-timeout", "999999999999", URL);

            assertThat(s.idleConnectionTimeout()).isEqualTo(Settings.INFINITE);
            assertThat(s.termTimeout()).isEqualTo(Settings.INFINITE);
            assertThat(s.termClientCloseTimeout()).isEqualTo(Settings.INFINITE);
        }

        @ParameterizedTest
        @CsvSource({"trace,TRACE", "DEBUG,DEBUG", "info,INFO", "notice,INFO", "warn,WARN", "Warning,WARN",
                "error,ERROR", "fatal,ERROR", "off,OFF", "none,OFF"})
        void logLevelsOfSlf4jAndOfCloudamqp(String name, LogLevel expected) throws UsageException {
            assertThat(resolve(Map.of("LOG_LEVEL", name), URL).logLevel()).isEqualTo(expected);
        }

        @Test
        void unknownLogLevel() {
            assertThat(failure(Map.of("LOG_LEVEL", "loud"), URL).getMessage())
                    .isEqualTo("environment variable LOG_LEVEL: log level must be one of trace, debug, info, warn, "
                            + "error, off, was 'loud'");
        }

        @Test
        void emptyListenAddress() {
            assertThat(failure("--listen=", URL).getMessage())
                    .isEqualTo("--listen: the listen address must not be empty");
        }
    }

    @Nested
    class OperatorSettings {

        @TempDir
        Path dir;

        @Test
        void httpOffFromEachSource() throws Exception {
            Path file = dir.resolve("amqproxy.ini");
            Files.write(file, java.util.List.of("[listen]", "http_port = OFF"));

            assertThat(resolve("-b", "off", URL).httpEnabled()).isFalse();
            assertThat(resolve(Map.of("HTTP_PORT", "off"), URL).httpPort()).isEqualTo(Settings.HTTP_OFF);
            assertThat(resolve("-c", file.toString(), URL).httpEnabled()).isFalse();
            assertThat(resolve(URL).httpEnabled()).isTrue();
        }

        @Test
        void httpPortFromTheConfigFile() throws Exception {
            Path file = dir.resolve("amqproxy.ini");
            Files.write(file, java.util.List.of("[listen]", "http_port = 15999"));

            assertThat(resolve("-c", file.toString(), URL).httpPort()).isEqualTo(15999);
            assertThat(resolve(Map.of("HTTP_PORT", "16000"), "-c", file.toString(), URL).httpPort()).isEqualTo(16000);
        }

        @ParameterizedTest
        @ValueSource(strings = {"of", "-1", "65536", "on"})
        void httpPortIsAPortOrOff(String value) {
            assertThat(failure("-b", value, URL).getMessage())
                    .startsWith("--http-port: port must be a number from 0 to 65535, or off, was ");
        }

        @Test
        void capacityFromEachSource() throws Exception {
            Path file = dir.resolve("amqproxy.ini");
            Files.write(file, java.util.List.of("max_clients = 10", "max_upstream_lifetime = 600", "event_loops = 3"));

            assertThat(resolve("--max-clients", "7", "--max-upstream-lifetime", "60", "--event-loops", "2", URL)
                    .capacity()).isEqualTo(new Settings.Capacity(7, Duration.ofSeconds(60), 2));
            assertThat(resolve(Map.of("MAX_CLIENTS", "8", "MAX_UPSTREAM_LIFETIME", "90", "EVENT_LOOPS", "4"), URL)
                    .capacity()).isEqualTo(new Settings.Capacity(8, Duration.ofSeconds(90), 4));
            assertThat(resolve("-c", file.toString(), URL).capacity())
                    .isEqualTo(new Settings.Capacity(10, Duration.ofSeconds(600), 3));
            assertThat(resolve(URL).capacity()).isEqualTo(Settings.Capacity.DEFAULT);
        }

        @Test
        void capacityValuesAreChecked() {
            assertThat(failure("--max-clients", "-1", URL).getMessage())
                    .isEqualTo("--max-clients: expected a whole number from 0 to 2147483647, was -1");
            assertThat(failure("--event-loops", "0", URL).getMessage())
                    .isEqualTo("--event-loops: expected a whole number from 1 to 256, was 0");
            assertThat(failure(Map.of("EVENT_LOOPS", "many"), URL).getMessage())
                    .isEqualTo("environment variable EVENT_LOOPS: expected a whole number from 1 to 256, was 'many'");
            assertThat(failure("--max-upstream-lifetime", "-5", URL).getMessage())
                    .isEqualTo("--max-upstream-lifetime: expected whole seconds, was -5");
        }

        @Test
        void logFormatIsJournalUnderSystemdUnlessSaidOtherwise() throws UsageException {
            Map<String, String> systemd = Map.of("JOURNAL_STREAM", "8:12345");

            assertThat(resolve(URL).logFormat()).isEqualTo(LogFormat.PLAIN);
            assertThat(resolve(systemd, URL).logFormat()).isEqualTo(LogFormat.JOURNAL);
            assertThat(resolve(systemd, "--log-format", "plain", URL).logFormat()).isEqualTo(LogFormat.PLAIN);
            assertThat(resolve(Map.of("LOG_FORMAT", "JSON"), URL).logFormat()).isEqualTo(LogFormat.JSON);
            assertThat(failure("--log-format", "xml", URL).getMessage())
                    .isEqualTo("--log-format: log format must be plain, json or journal, was 'xml'");
        }

        @Test
        void logLevelOption() throws UsageException {
            assertThat(resolve("--log-level", "warning", URL).logLevel()).isEqualTo(LogLevel.WARN);
            assertThat(failure("--log-level", "loud", URL).getMessage()).startsWith("--log-level: log level must be");
        }

        @Test
        void capacityBecomesTheProxysConfig() throws UsageException {
            ProxyConfig c = resolve("--max-clients", "7", "--max-upstream-lifetime", "60", "--event-loops", "2", URL)
                    .proxyBuilder().build();

            assertThat(c.limits().maxClients()).isEqualTo(7);
            assertThat(c.timeouts().maxUpstreamLifetime()).isEqualTo(Duration.ofSeconds(60));
            assertThat(c.eventLoops()).isEqualTo(2);
        }
    }

    @Nested
    class SeveralUpstreams {

        @TempDir
        Path dir;

        @Test
        void repeatedUrlArgumentsCommasInAmqpUrlAndInTheFileGiveTheSameNodes() throws Exception {
            Path file = dir.resolve("amqproxy.ini");
            Files.write(file, java.util.List.of("[main]", "upstream = amqp://n1:5672 , amqp://n2:5672"));
            java.util.List<String> nodes = java.util.List.of("amqp://n1:5672", "amqp://n2:5672");

            assertThat(resolve("amqp://n1:5672", "amqp://n2:5672").upstreams().urls()).isEqualTo(nodes);
            assertThat(resolve(Map.of("AMQP_URL", "amqp://n1:5672,amqp://n2:5672")).upstreams().urls())
                    .isEqualTo(nodes);
            assertThat(resolve("-c", file.toString()).upstreams().urls()).isEqualTo(nodes);
        }

        @Test
        void vhostUpstreamsFromEachSourceAndTheCommandLineReplacesTheRest() throws Exception {
            Path file = dir.resolve("amqproxy.ini");
            Files.write(file, java.util.List.of("[main]", "upstream = " + URL, "[vhost_upstreams]",
                    "from-file = amqp://f:5672"));
            Map<String, String> env = Map.of("VHOST_UPSTREAMS", "a=amqp://x:5672,amqp://y:5672;/=amqp://z:5672;");

            assertThat(resolve("-c", file.toString()).upstreams().vhosts())
                    .isEqualTo(Map.of("from-file", java.util.List.of("amqp://f:5672")));
            Settings fromEnv = resolve(env, "-c", file.toString());
            assertThat(fromEnv.upstreams().vhosts()).containsExactly(
                    Map.entry("a", java.util.List.of("amqp://x:5672", "amqp://y:5672")),
                    Map.entry("/", java.util.List.of("amqp://z:5672")));
            Settings fromCli = resolve(env, "--vhost-upstream", "b = amqp://v:5672", "--vhost-upstream",
                    "c=amqp://w:5672", URL);
            assertThat(fromCli.upstreams().vhosts()).containsExactly(
                    Map.entry("b", java.util.List.of("amqp://v:5672")), Map.entry("c", java.util.List.of("amqp://w:5672")));
        }

        @Test
        void everyUpstreamSettingReachesTheProxysConfig() throws UsageException {
            ProxyConfig c = resolve("--vhost-upstream", "billing=amqp://b1:5672,amqp://b2:5673",
                    "--upstream-connection-name", "proxy on web-1", "--upstream-heartbeat", "3", "--test-api",
                    "amqp://n1:5672", "amqp://n2").proxyBuilder().build();

            assertThat(c.upstreams()).containsExactly(new Upstream("n1", 5672, false), new Upstream("n2", 5672, false));
            assertThat(c.vhostUpstreams()).containsExactly(Map.entry("billing",
                    java.util.List.of(new Upstream("b1", 5672, false), new Upstream("b2", 5673, false))));
            assertThat(c.upstreamConnectionName()).isEqualTo("proxy on web-1");
            assertThat(c.timeouts().upstreamHeartbeat()).isEqualTo(Duration.ofSeconds(3));
            assertThat(c.recordTraffic()).isTrue();
        }

        @Test
        void withoutThemTheBuildersDefaultsStand() throws UsageException {
            ProxyConfig c = resolve(URL).proxyBuilder().build();
            ProxyConfig defaults = io.amqproxy.AmqProxy.builder().upstream(URL).build();

            assertThat(c.vhostUpstreams()).isEmpty();
            assertThat(c.upstreamConnectionName()).isNull();
            assertThat(c.timeouts().upstreamHeartbeat()).isEqualTo(defaults.timeouts().upstreamHeartbeat());
            assertThat(c.recordTraffic()).isFalse();
        }

        @Test
        void testApiFromTheEnvironmentAndTheFile() throws Exception {
            Path file = dir.resolve("amqproxy.ini");
            Files.write(file, java.util.List.of("[main]", "upstream = " + URL, "test_api = true"));

            assertThat(resolve(Map.of("TEST_API", "true"), URL).testApi()).isTrue();
            assertThat(resolve("-c", file.toString()).testApi()).isTrue();
            assertThat(resolve(URL).testApi()).isFalse();
            assertThat(failure(Map.of("TEST_API", "maybe"), URL).getMessage())
                    .isEqualTo("environment variable TEST_API: expected true or false, was 'maybe'");
        }

        @Test
        void theTestApiNeedsTheHttpPort() {
            assertThat(failure(Map.of("TEST_API", "yes"), "-b", "off", URL).getMessage())
                    .isEqualTo("environment variable TEST_API: the test API is served on the HTTP port, which "
                            + "--http-port turns off");
        }

        @Test
        void aBadUrlInAListIsNamedByItsPositionWithoutItsPassword() {
            assertThat(failure("amqp://n1:5672", "http://user:s3cret@n2:5672").getMessage())
                    .startsWith("AMQP_URL arguments: URL 2 of 2: ")
                    .doesNotContain("s3cret");
            assertThat(failure(Map.of("AMQP_URL", "amqp://n1:5672,,amqp://n2")).getMessage())
                    .isEqualTo("environment variable AMQP_URL: URL 2 of 3: empty; separate URLs with single commas");
        }

        @Test
        void schemesMustNotBeMixed() {
            assertThat(failure("amqp://n1:5672", "amqps://n2:5671").getMessage())
                    .isEqualTo("AMQP_URL arguments: mixes amqp:// and amqps:// URLs; one TLS setting serves every "
                            + "upstream");
            assertThat(failure("--vhost-upstream", "x=amqps://n2", URL).getMessage())
                    .isEqualTo("--vhost-upstream: vhost 'x': amqps:// while AMQP_URL is amqp://; one TLS setting "
                            + "serves every upstream");
        }

        @ParameterizedTest
        @CsvSource(delimiter = '|', value = {
                "amqp://x                 | --vhost-upstream: expected VHOST=URL[,URL...], an entry has no '='",
                "=amqp://x                | --vhost-upstream: expected VHOST=URL[,URL...], a vhost is empty",
                "x=                       | --vhost-upstream: vhost 'x': empty; separate URLs with single commas",
                "x=amqp://a,              | --vhost-upstream: vhost 'x': URL 2 of 2: empty; separate URLs with single commas"})
        void badVhostUpstreams(String value, String message) {
            assertThat(failure("--vhost-upstream", value, URL).getMessage()).isEqualTo(message);
        }

        @ParameterizedTest
        @ValueSource(strings = {"-1", "65536", "soon"})
        void upstreamHeartbeatIsWholeSecondsUpTo65535(String value) {
            assertThat(failure("--upstream-heartbeat", value, URL).getMessage())
                    .startsWith("--upstream-heartbeat: expected whole seconds from 0 to 65535, was ");
        }

        @Test
        void emptyUpstreamConnectionNameInTheFileIsAnError() throws Exception {
            Path file = dir.resolve("amqproxy.ini");
            Files.write(file, java.util.List.of("[main]", "upstream = " + URL, "upstream_connection_name ="));

            assertThat(failure("-c", file.toString()).getMessage())
                    .isEqualTo(file + ":3 [main] upstream_connection_name: the upstream connection name must not be "
                            + "empty");
        }

        @Test
        void toStringShowsEveryUpstreamWithoutCredentials() throws UsageException {
            String s = resolve("--vhost-upstream", "x=amqp://u:pw1@c:5672", "amqp://u:pw2@a", "amqp://b:5673")
                    .toString();

            assertThat(s).startsWith("upstream amqp://a:5672, amqp://b:5673; vhost x: amqp://c:5672, listen ")
                    .doesNotContain("pw1").doesNotContain("pw2");
        }
    }

    @Nested
    class ProxyConfiguration {

        @Test
        void settingsBecomeTheProxysConfig() throws UsageException {
            ProxyConfig c = resolve("-l", "127.0.0.1", "-p", "0", "-t", "9", "--max-upstream-channels", "100",
                    "--term-timeout", "12", "--term-client-close-timeout", "3", URL).proxyBuilder().build();

            assertThat(c.upstream()).isEqualTo(new Upstream("broker.example.com", 5672, false));
            assertThat(c.listenHost()).isEqualTo("127.0.0.1");
            assertThat(c.listenPort()).isZero();
            assertThat(c.timeouts().idleUpstream()).isEqualTo(Duration.ofSeconds(9));
            assertThat(c.limits().maxChannelsPerUpstream()).isEqualTo(100);
            assertThat(c.timeouts().shutdown()).isEqualTo(Duration.ofSeconds(12));
        }

        @Test
        void noTermTimeoutIsAVeryLongShutdownTimeout() throws UsageException {
            ProxyConfig c = resolve(URL).proxyBuilder().build();

            assertThat(c.timeouts().shutdown()).isEqualTo(Settings.INFINITE);
            assertThat(c.limits().maxChannelsPerUpstream()).isEqualTo(65535);
            // ten years fits a nanosecond deadline many times over
            assertThat(Settings.INFINITE.toNanos()).isLessThan(Long.MAX_VALUE / 16);
        }

        @Test
        void toStringShowsEverySettingButNoCredentials() throws UsageException {
            String s = resolve("amqp://user:s3cret@broker.example.com/vhost").toString();

            assertThat(s).isEqualTo("upstream amqp://broker.example.com:5672, listen localhost:5673, http port 15673, "
                    + "log level info, log format plain, idle connection timeout 5s, max upstream channels 65535, "
                    + "term timeout no limit, term client close timeout 0s, TLS listener none, safe channel reuse off, "
                    + "consumers on their own connections yes, max clients no limit, max upstream lifetime no limit, "
                    + "event loops 1, test API off");
        }
    }
}
