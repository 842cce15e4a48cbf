package io.amqproxy.examples.settings;

import java.util.List;

/**
 * The standalone proxy's settings, each with the environment variable and the config file keys that can give
 * it (the command line option is declared on {@link CliOptions}). Names are those of cloudamqp/amqproxy 3.1,
 * except for the settings it does not have (TLS, channel reuse, consumers, log format, limits, event loops).
 *
 * <p>To add a setting: a constant here (its config keys become valid in the file at once), its option in the
 * table of {@link CliOptions}, a component of {@link Settings} and the line in {@link SettingsResolver} that checks
 * and converts it, and its mapping in {@link Settings#proxyBuilder()}; then the lists of {@link CliUsage},
 * extras/amqproxy.ini and the README.
 */
enum Setting {

    // one URL, or a cluster's nodes separated by commas
    UPSTREAM("AMQP_URL", "main.upstream"),
    // "vhost=url[,url...]" entries separated by ';'; in the file, the keys of [vhost_upstreams] (see ConfigFile)
    VHOST_UPSTREAMS("VHOST_UPSTREAMS"),
    UPSTREAM_CONNECTION_NAME("UPSTREAM_CONNECTION_NAME", "main.upstream_connection_name"),
    UPSTREAM_HEARTBEAT("UPSTREAM_HEARTBEAT", "main.upstream_heartbeat"),
    LISTEN_ADDRESS("LISTEN_ADDRESS", "listen.address", "listen.bind"),
    LISTEN_PORT("LISTEN_PORT", "listen.port"),
    // cloudamqp/amqproxy has no config key for it; [listen] is where the AMQP port is set
    HTTP_PORT("HTTP_PORT", "listen.http_port"),
    LOG_LEVEL("LOG_LEVEL", "main.log_level", "listen.log_level"),
    LOG_FORMAT("LOG_FORMAT", "main.log_format"),
    IDLE_CONNECTION_TIMEOUT("IDLE_CONNECTION_TIMEOUT", "main.idle_connection_timeout"),
    MAX_UPSTREAM_CHANNELS("MAX_UPSTREAM_CHANNELS", "main.max_upstream_channels"),
    // What the builder offers and cloudamqp/amqproxy users asked for (its issues 11, 187 and 204)
    MAX_UPSTREAM_LIFETIME("MAX_UPSTREAM_LIFETIME", "main.max_upstream_lifetime"),
    MAX_CLIENTS("MAX_CLIENTS", "main.max_clients"),
    EVENT_LOOPS("EVENT_LOOPS", "main.event_loops"),
    TERM_TIMEOUT("TERM_TIMEOUT", "main.term_timeout"),
    TERM_CLIENT_CLOSE_TIMEOUT("TERM_CLIENT_CLOSE_TIMEOUT", "main.term_client_close_timeout"),
    SAFE_CHANNEL_REUSE("SAFE_CHANNEL_REUSE", "main.safe_channel_reuse"),
    SEPARATE_CONSUMERS("SEPARATE_CONSUMERS", "main.separate_consumers"),
    // Trust for an amqps:// upstream; not in cloudamqp/amqproxy 3.1
    UPSTREAM_CA("UPSTREAM_CA", "main.upstream_ca"),
    UPSTREAM_TRUSTSTORE("UPSTREAM_TRUSTSTORE", "main.upstream_truststore"),
    UPSTREAM_TRUSTSTORE_PASSWORD("UPSTREAM_TRUSTSTORE_PASSWORD", "main.upstream_truststore_password"),
    VERIFY_UPSTREAM_HOSTNAME("VERIFY_UPSTREAM_HOSTNAME", "main.verify_upstream_hostname"),
    // The TLS listener for clients, on the listen address; not in cloudamqp/amqproxy 3.1
    TLS_PORT("LISTEN_TLS_PORT", "listen.tls_port"),
    TLS_CERT("TLS_CERT", "listen.tls_cert"),
    TLS_KEY("TLS_KEY", "listen.tls_key"),
    TLS_KEYSTORE("TLS_KEYSTORE", "listen.tls_keystore"),
    TLS_KEYSTORE_PASSWORD("TLS_KEYSTORE_PASSWORD", "listen.tls_keystore_password"),
    // The HTTP test API of the fixture (issue 11): fault rules and recorded traffic over HTTP; off by default
    TEST_API("TEST_API", "main.test_api");

    /** The environment variable that gives this setting, or {@code null} when none does. */
    final String environmentVariable;
    /** The config file keys that give it, as {@code section.key}; empty when the file cannot. */
    final List<String> configKeys;

    Setting(String environmentVariable, String... configKeys) {
        this.environmentVariable = environmentVariable;
        this.configKeys = List.of(configKeys);
    }
}
