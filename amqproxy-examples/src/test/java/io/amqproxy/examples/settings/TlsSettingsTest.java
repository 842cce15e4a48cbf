package io.amqproxy.examples.settings;

import io.amqproxy.TlsListener;
import io.amqproxy.UpstreamTls;
import io.amqproxy.ProxyConfig;
import io.amqproxy.examples.tls.TestTlsFiles;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The TLS settings, safe channel reuse and consumer separation: options, environment, config keys, precedence, and their errors. */
class TlsSettingsTest {

    private static final String AMQPS = "amqps://broker.example.com";
    private static final String AMQP = "amqp://broker.example.com";

    @TempDir
    static Path dir;
    static TestTlsFiles.Identity server;
    static TestTlsFiles.Identity other;

    @BeforeAll
    static void makeIdentities() throws Exception {
        server = TestTlsFiles.generate(dir, "localhost", "RSA", "dns:localhost,ip:127.0.0.1");
        other = TestTlsFiles.generate(dir, "other", "EC", "dns:localhost");
    }

    private static Settings resolve(List<String> configLines, Map<String, String> env, String... args)
            throws UsageException {
        return SettingsResolver.resolve(ConfigFile.parse("amqproxy.ini", configLines), env,
                CliOptions.parse(args).given());
    }

    private static Settings resolve(String... args) throws UsageException {
        return resolve(List.of(), Map.of(), args);
    }

    private static String failure(List<String> configLines, Map<String, String> env, String... args) {
        try {
            resolve(configLines, env, args);
        } catch (UsageException e) {
            assertThat(e.exitCode()).isEqualTo(2);
            assertThat(e.getMessage()).doesNotContain("\n").doesNotContain(TestTlsFiles.PASSWORD)
                    .doesNotContain("s3cret");
            return e.getMessage();
        }
        throw new AssertionError("expected a usage error for " + String.join(" ", args));
    }

    private static String failure(String... args) {
        return failure(List.of(), Map.of(), args);
    }

    @Test
    void noTlsSettingsMeanJvmTrustNoListenerAndNoReuse() throws UsageException {
        Settings s = resolve(AMQPS);

        assertThat(s.upstreamTrust()).isEqualTo(UpstreamTrust.DEFAULT);
        assertThat(s.tlsListener()).isNull();
        assertThat(s.safeChannelReuse()).isFalse();
        ProxyConfig config = s.proxyBuilder().build();
        assertThat(config.upstreamTls()).isEqualTo(UpstreamTls.DEFAULT);
        assertThat(config.tlsListener()).isNull();
        assertThat(config.safeChannelReuse()).isFalse();
    }

    @Test
    void safeChannelReuseFromEachSource() throws UsageException {
        assertThat(resolve("--safe-channel-reuse", AMQP).safeChannelReuse()).isTrue();
        assertThat(resolve(List.of(), Map.of("SAFE_CHANNEL_REUSE", "true"), AMQP).safeChannelReuse()).isTrue();
        assertThat(resolve(List.of("safe_channel_reuse = yes"), Map.of(), AMQP).safeChannelReuse()).isTrue();
        // the environment overrides the file
        assertThat(resolve(List.of("safe_channel_reuse = on"), Map.of("SAFE_CHANNEL_REUSE", "false"), AMQP)
                .safeChannelReuse()).isFalse();
        assertThat(resolve("--safe-channel-reuse", AMQP).proxyBuilder().build().safeChannelReuse()).isTrue();
        assertThat(failure(List.of("[main]", "safe_channel_reuse = maybe"), Map.of(), AMQP))
                .isEqualTo("amqproxy.ini:2 [main] safe_channel_reuse: expected true or false, was 'maybe'");
    }

    @Test
    void separateConsumersIsOnUnlessASourceTurnsItOff() throws UsageException {
        assertThat(resolve(AMQP).separateConsumers()).isTrue();
        assertThat(resolve(AMQP).proxyBuilder().build().separateConsumers()).isTrue();
        assertThat(resolve("--no-separate-consumers", AMQP).separateConsumers()).isFalse();
        assertThat(resolve(List.of(), Map.of("SEPARATE_CONSUMERS", "no"), AMQP).separateConsumers()).isFalse();
        assertThat(resolve(List.of("separate_consumers = false"), Map.of(), AMQP).separateConsumers()).isFalse();
        // the environment overrides the file
        assertThat(resolve(List.of("separate_consumers = off"), Map.of("SEPARATE_CONSUMERS", "true"), AMQP)
                .separateConsumers()).isTrue();
        assertThat(resolve("--no-separate-consumers", AMQP).proxyBuilder().build().separateConsumers()).isFalse();
    }

    @Test
    void upstreamCaFileBecomesTheUpstreamContext() throws UsageException {
        Settings s = resolve("--upstream-ca", server.cert().toString(), AMQPS);

        assertThat(s.upstreamTrust().context()).isNotNull();
        assertThat(s.upstreamTrust().source()).isEqualTo(server.cert().toString());
        assertThat(s.upstreamTrust().verifyHostname()).isTrue();
        ProxyConfig config = s.proxyBuilder().build();
        assertThat(config.upstreamTls().context()).isSameAs(s.upstreamTrust().context());
        assertThat(config.upstreamTls().verifyHostname()).isTrue();
    }

    @Test
    void upstreamTrustFollowsThePrecedence() throws UsageException {
        List<String> file = List.of("[main]", "upstream = " + AMQPS, "upstream_ca = /nowhere/ca.pem",
                "verify_upstream_hostname = false");

        Settings fromEnv = resolve(file, Map.of("UPSTREAM_CA", server.cert().toString(),
                "VERIFY_UPSTREAM_HOSTNAME", "true"));
        assertThat(fromEnv.upstreamTrust().source()).isEqualTo(server.cert().toString());
        assertThat(fromEnv.upstreamTrust().verifyHostname()).isTrue();

        Settings fromFile = resolve(List.of("upstream_truststore = " + server.keystore(),
                "upstream_truststore_password = " + TestTlsFiles.PASSWORD, "verify_upstream_hostname = false"),
                Map.of(), AMQPS);
        assertThat(fromFile.upstreamTrust().source()).isEqualTo(server.keystore().toString());
        assertThat(fromFile.upstreamTrust().verifyHostname()).isFalse();
        assertThat(resolve("--no-verify-upstream-hostname", AMQPS).proxyBuilder().build().upstreamTls()
                .verifyHostname()).isFalse();
    }

    @Test
    void upstreamTrustErrorsNameTheSourceAndTheFile() {
        Path missing = dir.resolve("missing.pem");
        assertThat(failure("--upstream-ca", missing.toString(), AMQPS))
                .isEqualTo("--upstream-ca: CA file " + missing + ": no such file");
        assertThat(failure("--upstream-ca", server.cert().toString(), "--upstream-truststore",
                server.keystore().toString(), AMQPS))
                .isEqualTo("--upstream-ca and --upstream-truststore: give a CA file or a trust store, not both");
        assertThat(failure(List.of(), Map.of("UPSTREAM_TRUSTSTORE_PASSWORD", "s3cret"), AMQPS))
                .isEqualTo("environment variable UPSTREAM_TRUSTSTORE_PASSWORD: a trust store password, but no "
                        + "trust store");
        assertThat(failure(List.of("upstream_truststore = " + server.keystore(),
                "upstream_truststore_password = s3cret"), Map.of(), AMQPS))
                .isEqualTo("amqproxy.ini:1 [main] upstream_truststore: trust store " + server.keystore()
                        + ": wrong password (or a damaged file)");
        assertThat(failure("--upstream-ca", server.cert().toString(), AMQP))
                .isEqualTo("--upstream-ca: applies to an amqps:// upstream only, and the upstream is amqp://");
        assertThat(failure("--no-verify-upstream-hostname", AMQP))
                .isEqualTo("--no-verify-upstream-hostname: applies to an amqps:// upstream only, and the upstream "
                        + "is amqp://");
        assertThat(failure(List.of(), Map.of("VERIFY_UPSTREAM_HOSTNAME", "nope"), AMQPS))
                .isEqualTo("environment variable VERIFY_UPSTREAM_HOSTNAME: expected true or false, was 'nope'");
    }

    @Test
    void tlsListenerFromPemPairOnTheListenAddress() throws UsageException {
        Settings s = resolve("-l", "127.0.0.1", "--tls-port", "5671", "--tls-cert", server.cert().toString(),
                "--tls-key", server.key().toString(), AMQP);

        assertThat(s.tlsListener().port()).isEqualTo(5671);
        assertThat(s.tlsListener().source()).isEqualTo(server.cert() + " and " + server.key());
        TlsListener listener = s.proxyBuilder().build().tlsListener();
        assertThat(listener.host()).isEqualTo("127.0.0.1");
        assertThat(listener.port()).isEqualTo(5671);
        assertThat(listener.context()).isSameAs(s.tlsListener().context());
    }

    @Test
    void tlsListenerFromKeystoreInConfigAndEnvironment() throws UsageException {
        Settings s = resolve(List.of("[listen]", "tls_port = 0", "tls_keystore = " + server.keystore()),
                Map.of("TLS_KEYSTORE_PASSWORD", TestTlsFiles.PASSWORD), AMQP);

        assertThat(s.tlsListener().port()).isZero();
        assertThat(s.tlsListener().source()).isEqualTo(server.keystore().toString());
        // the command line overrides the file's port
        assertThat(resolve(List.of("[listen]", "tls_port = 0", "tls_keystore = " + server.keystore(),
                "tls_keystore_password = " + TestTlsFiles.PASSWORD), Map.of("LISTEN_TLS_PORT", "6000"),
                "--tls-port", "6001", AMQP).tlsListener().port()).isEqualTo(6001);
    }

    @Test
    void tlsListenerErrorsNameTheSourceAndTheFile() {
        String cert = server.cert().toString();
        String key = server.key().toString();
        assertThat(failure("--tls-port", "5671", "--tls-cert", cert, AMQP))
                .isEqualTo("--tls-cert: a certificate without its key: give --tls-key (TLS_KEY, tls_key in [listen]) "
                        + "too");
        assertThat(failure("--tls-port", "5671", "--tls-key", key, AMQP))
                .startsWith("--tls-key: a key without its certificate");
        assertThat(failure("--tls-cert", cert, "--tls-key", key, AMQP))
                .isEqualTo("--tls-cert: no TLS port: give --tls-port (LISTEN_TLS_PORT, tls_port in [listen]) too");
        assertThat(failure("--tls-port", "5671", AMQP))
                .startsWith("--tls-port: the TLS listener needs a certificate and key");
        assertThat(failure("--tls-port", "5673", "--tls-cert", cert, "--tls-key", key, AMQP))
                .isEqualTo("--tls-port: the TLS port 5673 is already the AMQP port");
        assertThat(failure("--tls-port", "70000", "--tls-cert", cert, "--tls-key", key, AMQP))
                .isEqualTo("--tls-port: port must be a number from 0 to 65535, was 70000");
        assertThat(failure("--tls-port", "5671", "--tls-cert", cert, "--tls-key", other.key().toString(), AMQP))
                .isEqualTo("--tls-cert: key file " + other.key() + ": not a valid RSA private key (the certificate's "
                        + "key is RSA; does the key belong to it?)");
        assertThat(failure("--tls-port", "5671", "--tls-cert", cert, "--tls-key", key, "--tls-keystore",
                server.keystore().toString(), AMQP))
                .isEqualTo("--tls-cert and --tls-keystore: give a PEM certificate and key or a keystore, not both");
        assertThat(failure(List.of("[listen]", "tls_port = 5671", "tls_keystore = " + server.keystore()),
                Map.of("TLS_KEYSTORE_PASSWORD", "s3cret"), AMQP))
                .isEqualTo("amqproxy.ini:3 [listen] tls_keystore: keystore " + server.keystore()
                        + ": wrong password (or a damaged file)");
        assertThat(failure("--tls-port", "5671", "--tls-keystore-password", "s3cret", "--tls-cert", cert,
                "--tls-key", key, AMQP))
                .isEqualTo("--tls-keystore-password: a keystore password, but no keystore");
    }

    @Test
    void settingsTextNamesTheFilesButNoPassword() throws UsageException {
        Settings s = resolve(List.of("[listen]", "tls_port = 0", "tls_keystore = " + server.keystore(),
                "tls_keystore_password = " + TestTlsFiles.PASSWORD), Map.of(), "--upstream-ca",
                server.cert().toString(), "--no-verify-upstream-hostname", "--safe-channel-reuse", "--no-separate-consumers", AMQPS);

        assertThat(s.toString())
                .contains("upstream trust " + server.cert() + ", host name verification OFF")
                .contains("TLS listener port 0 with " + server.keystore())
                .contains("safe channel reuse on")
                .contains("consumers on their own connections no")
                .doesNotContain(TestTlsFiles.PASSWORD);
    }
}
