package io.amqproxy.examples.settings;

import java.util.List;

/**
 * The standalone proxy's settings, each with the environment variable and the config file keys that can give
 * it (the command line option is declared on {@link CliOptions}). Names are those of cloudamqp/amqproxy 3.1.
 *
 * <p>To add a setting: a constant here (its config keys become valid in the file at once), an option field on
 * {@link CliOptions} mapped in {@link CliOptions#given()}, a component of {@link Settings} and the line in
 * {@link SettingsResolver} that checks and converts it.
 */
enum Setting {

    UPSTREAM("AMQP_URL", "main.upstream"),
    LISTEN_ADDRESS("LISTEN_ADDRESS", "listen.address", "listen.bind"),
    LISTEN_PORT("LISTEN_PORT", "listen.port"),
    HTTP_PORT("HTTP_PORT"),
    LOG_LEVEL("LOG_LEVEL", "main.log_level", "listen.log_level"),
    IDLE_CONNECTION_TIMEOUT("IDLE_CONNECTION_TIMEOUT", "main.idle_connection_timeout"),
    MAX_UPSTREAM_CHANNELS("MAX_UPSTREAM_CHANNELS", "main.max_upstream_channels"),
    TERM_TIMEOUT("TERM_TIMEOUT", "main.term_timeout"),
    TERM_CLIENT_CLOSE_TIMEOUT("TERM_CLIENT_CLOSE_TIMEOUT", "main.term_client_close_timeout");

    /** The environment variable that gives this setting, or {@code null} when none does. */
    final String environmentVariable;
    /** The config file keys that give it, as {@code section.key}; empty when the file cannot. */
    final List<String> configKeys;

    Setting(String environmentVariable, String... configKeys) {
        this.environmentVariable = environmentVariable;
        this.configKeys = List.of(configKeys);
    }
}
