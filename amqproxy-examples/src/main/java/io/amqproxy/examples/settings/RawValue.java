package io.amqproxy.examples.settings;

import java.util.Objects;

/**
 * One setting as the operator wrote it, before it is checked, and where it was written, so that an error can
 * point there.
 *
 * @param text   the value, untrimmed
 * @param origin where it came from, as an error message names it: {@code --port}, {@code environment variable
 *               LISTEN_PORT}, {@code amqproxy.ini:7 [listen] port}
 */
record RawValue(String text, String origin) {

    /** Checks that both parts are present. */
    RawValue {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(origin, "origin");
    }

    /**
     * Deliberately leaves out the text: a value may be an upstream URL with a password in it.
     */
    @Override
    public String toString() {
        return "RawValue[" + origin + "]";
    }
}
