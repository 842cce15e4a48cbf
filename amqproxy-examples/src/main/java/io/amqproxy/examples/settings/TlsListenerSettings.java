package io.amqproxy.examples.settings;

import javax.net.ssl.SSLContext;
import java.util.Objects;

/**
 * The TLS listener for clients, on the same address as the plain one.
 *
 * @param port    the port; 0 picks a free one, logged at start
 * @param context the server certificate and key, loaded from a PEM pair or a keystore
 * @param source  the file or files they came from, for logs
 */
public record TlsListenerSettings(int port, SSLContext context, String source) {

    /** Checks that nothing is missing. */
    public TlsListenerSettings {
        Objects.requireNonNull(context, "context");
        Objects.requireNonNull(source, "source");
    }

    @Override
    public String toString() {
        return "port " + port + " with " + source;
    }
}
