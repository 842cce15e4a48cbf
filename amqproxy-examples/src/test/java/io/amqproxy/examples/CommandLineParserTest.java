package io.amqproxy.examples;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The standalone proxy's command line, without starting anything. */
class CommandLineParserTest {

    private static final String URL = "amqp://broker.example.com:5672";
    private static final Map<String, String> NO_ENV = Map.of();

    private static CommandLine parse(String... args) throws UsageException {
        return CommandLineParser.parse(args, NO_ENV);
    }

    private static CommandLine parseWithEnv(Map<String, String> env, String... args) throws UsageException {
        return CommandLineParser.parse(args, env);
    }

    @Test
    void urlAloneGivesCloudamqpDefaults() throws UsageException {
        CommandLine cl = parse(URL);

        assertThat(cl.action()).isEqualTo(CommandLine.Action.RUN);
        assertThat(cl.upstream()).isEqualTo(URL);
        assertThat(cl.listenHost()).isEqualTo("localhost");
        assertThat(cl.listenPort()).isEqualTo(5673);
        assertThat(cl.idleConnectionTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(cl.debug()).isFalse();
    }

    @Nested
    class Options {

        @Test
        void shortOptionsWithSeparateValues() throws UsageException {
            CommandLine cl = parse("-l", "0.0.0.0", "-p", "15673", "-t", "30", URL);

            assertThat(cl.listenHost()).isEqualTo("0.0.0.0");
            assertThat(cl.listenPort()).isEqualTo(15673);
            assertThat(cl.idleConnectionTimeout()).isEqualTo(Duration.ofSeconds(30));
            assertThat(cl.upstream()).isEqualTo(URL);
        }

        @Test
        void shortOptionsWithAttachedValues() throws UsageException {
            CommandLine cl = parse("-l127.0.0.2", "-p15673", "-t0", URL);

            assertThat(cl.listenHost()).isEqualTo("127.0.0.2");
            assertThat(cl.listenPort()).isEqualTo(15673);
            assertThat(cl.idleConnectionTimeout()).isZero();
        }

        @Test
        void longOptionsWithSeparateValues() throws UsageException {
            CommandLine cl = parse("--listen", "::1", "--port", "0", "--idle-connection-timeout", "120", URL);

            assertThat(cl.listenHost()).isEqualTo("::1");
            assertThat(cl.listenPort()).isZero();
            assertThat(cl.idleConnectionTimeout()).isEqualTo(Duration.ofMinutes(2));
        }

        @Test
        void longOptionsWithEqualsValues() throws UsageException {
            CommandLine cl = parse("--listen=0.0.0.0", "--port=65535", "--idle-connection-timeout=7", URL);

            assertThat(cl.listenHost()).isEqualTo("0.0.0.0");
            assertThat(cl.listenPort()).isEqualTo(65535);
            assertThat(cl.idleConnectionTimeout()).isEqualTo(Duration.ofSeconds(7));
        }

        @Test
        void urlMayComeBeforeOptions() throws UsageException {
            CommandLine cl = parse(URL, "-p", "6000");

            assertThat(cl.upstream()).isEqualTo(URL);
            assertThat(cl.listenPort()).isEqualTo(6000);
        }

        @Test
        void lastOccurrenceOfAnOptionWins() throws UsageException {
            assertThat(parse("-p", "6000", "--port=6001", URL).listenPort()).isEqualTo(6001);
        }

        @Test
        void amqpsUrlIsAccepted() throws UsageException {
            assertThat(parse("amqps://broker.example.com").upstream()).isEqualTo("amqps://broker.example.com");
        }

        @ParameterizedTest
        @ValueSource(strings = {"-d", "--debug"})
        void debugFlag(String flag) throws UsageException {
            assertThat(parse(flag, URL).debug()).isTrue();
        }

        @ParameterizedTest
        @ValueSource(strings = {"-h", "--help"})
        void helpNeedsNoUrlAndWinsOverLaterArguments(String flag) throws UsageException {
            assertThat(parse(flag).action()).isEqualTo(CommandLine.Action.HELP);
            assertThat(parse("-p", "1", flag, "--no-such-option").action()).isEqualTo(CommandLine.Action.HELP);
        }

        @ParameterizedTest
        @ValueSource(strings = {"-v", "--version"})
        void versionNeedsNoUrl(String flag) throws UsageException {
            assertThat(parse(flag).action()).isEqualTo(CommandLine.Action.VERSION);
        }

        @Test
        void doubleDashEndsOptions() throws UsageException {
            assertThatThrownBy(() -> parse("--", "-p"))
                    .isInstanceOf(UsageException.class)
                    .hasMessageContaining("amqp:// or amqps://");
            assertThat(parse("-p", "6000", "--", URL).upstream()).isEqualTo(URL);
        }

        @Test
        void usageTextListsEveryOption() {
            assertThat(CommandLineParser.usage())
                    .contains("--listen", "--port", "--idle-connection-timeout", "--debug", "--help", "--version",
                            "AMQP_URL", "LISTEN_ADDRESS", "LISTEN_PORT", "IDLE_CONNECTION_TIMEOUT");
        }
    }

    @Nested
    class Environment {

        private final Map<String, String> env = Map.of(
                "AMQP_URL", "amqp://from-env:5672",
                "LISTEN_ADDRESS", "0.0.0.0",
                "LISTEN_PORT", "6001",
                "IDLE_CONNECTION_TIMEOUT", "11");

        @Test
        void fillsWhatTheCommandLineLeavesOut() throws UsageException {
            CommandLine cl = parseWithEnv(env);

            assertThat(cl.upstream()).isEqualTo("amqp://from-env:5672");
            assertThat(cl.listenHost()).isEqualTo("0.0.0.0");
            assertThat(cl.listenPort()).isEqualTo(6001);
            assertThat(cl.idleConnectionTimeout()).isEqualTo(Duration.ofSeconds(11));
        }

        @Test
        void commandLineWins() throws UsageException {
            CommandLine cl = parseWithEnv(env, "-l", "127.0.0.1", "--port=7000", "-t", "3", URL);

            assertThat(cl.upstream()).isEqualTo(URL);
            assertThat(cl.listenHost()).isEqualTo("127.0.0.1");
            assertThat(cl.listenPort()).isEqualTo(7000);
            assertThat(cl.idleConnectionTimeout()).isEqualTo(Duration.ofSeconds(3));
        }

        @Test
        void emptyVariablesCountAsUnset() throws UsageException {
            CommandLine cl = parseWithEnv(Map.of("LISTEN_ADDRESS", "", "LISTEN_PORT", "", "IDLE_CONNECTION_TIMEOUT", ""), URL);

            assertThat(cl.listenHost()).isEqualTo("localhost");
            assertThat(cl.listenPort()).isEqualTo(5673);
            assertThat(cl.idleConnectionTimeout()).isEqualTo(Duration.ofSeconds(5));
        }

        @Test
        void badVariableIsNamedInTheError() {
            assertThatThrownBy(() -> parseWithEnv(Map.of("LISTEN_PORT", "70000"), URL))
                    .isInstanceOf(UsageException.class)
                    .hasMessageContaining("LISTEN_PORT")
                    .hasMessageContaining("70000");
            assertThatThrownBy(() -> parseWithEnv(Map.of("AMQP_URL", "http://example.com")))
                    .isInstanceOf(UsageException.class)
                    .hasMessageContaining("AMQP_URL")
                    .hasMessageContaining("amqp:// or amqps://");
        }

        @Test
        void aBadVariableIsIgnoredWhenTheCommandLineOverridesIt() throws UsageException {
            assertThat(parseWithEnv(Map.of("LISTEN_PORT", "nope"), "-p", "6000", URL).listenPort()).isEqualTo(6000);
        }
    }

    @Nested
    class Errors {

        private UsageException failure(String... args) {
            try {
                parse(args);
            } catch (UsageException e) {
                return e;
            }
            throw new AssertionError("expected a usage error for " + String.join(" ", args));
        }

        private void assertUsageError(String expectedMessagePart, String... args) {
            UsageException e = failure(args);
            assertThat(e.exitCode()).isEqualTo(2);
            assertThat(e.getMessage()).contains(expectedMessagePart).doesNotContain("\n");
        }

        @Test
        void missingUrl() {
            assertUsageError("missing AMQP_URL");
            assertUsageError("missing AMQP_URL", "-p", "6000");
        }

        @ParameterizedTest
        @ValueSource(strings = {"--bogus", "-x", "--port-number=5", "--listen-address"})
        void unknownOption(String option) {
            assertUsageError("unknown option '" + option + "'", option, URL);
        }

        @ParameterizedTest
        @ValueSource(strings = {"65536", "-1", "99999999999", "abc", ""})
        void portOutOfRangeOrNotANumber(String port) {
            assertUsageError("--port: port must be a number from 0 to 65535", "--port=" + port, URL);
        }

        @ParameterizedTest
        @ValueSource(strings = {"http://example.com", "example.com:5672", "amqp:///vhost", "ampq://typo:5672"})
        void urlThatIsNotAmqp(String url) {
            UsageException e = failure(url);
            assertThat(e.exitCode()).isEqualTo(2);
            assertThat(e.getMessage()).startsWith("AMQP_URL: ");
        }

        @Test
        void credentialsInABadUrlAreNotEchoed() {
            UsageException e = failure("http://user:s3cret@example.com");
            assertThat(e.getMessage()).doesNotContain("s3cret");
        }

        @ParameterizedTest
        @ValueSource(strings = {"-l", "--listen", "-p", "--port", "-t", "--idle-connection-timeout"})
        void optionWithoutItsValue(String option) {
            assertUsageError("option " + option + " needs a value", URL, option);
        }

        @ParameterizedTest
        @ValueSource(strings = {"-1", "soon", "1.5"})
        void idleTimeoutMustBeWholeNonNegativeSeconds(String seconds) {
            assertUsageError("--idle-connection-timeout", "-t", seconds, URL);
        }

        @Test
        void emptyListenAddress() {
            assertUsageError("--listen: the listen address must not be empty", "--listen=", URL);
        }

        @Test
        void flagsTakeNoValue() {
            assertUsageError("option --debug takes no value", "--debug=yes", URL);
            assertUsageError("option -h takes no value", "-hx");
        }

        @Test
        void secondPositionalArgument() {
            assertUsageError("unexpected argument 'amqp://other'", URL, "amqp://other");
        }
    }
}
