package io.amqproxy;

import java.util.Objects;

/**
 * A listener where clients connect with TLS (amqps), beside the plain one.
 *
 * @param host    the address to listen on
 * @param port    the port; 0 picks a free one, see {@link AmqProxy#tlsPort()}
 * @param context the server's certificate and key (and trust, to ask clients for certificates)
 */
public record TlsListener(String host, int port, javax.net.ssl.SSLContext context) {
    /**
     * Validates the port and that a host and a context are given.
     *
     * @param host    the address to listen on
     * @param port    0 to 65535; 0 picks a free one, see {@link AmqProxy#tlsPort()}
     * @param context the server's certificate and key (and trust, to ask clients for certificates)
     * @throws NullPointerException     if {@code host} or {@code context} is {@code null}
     * @throws IllegalArgumentException if the port is out of range
     */
    public TlsListener {
        Objects.requireNonNull(host, "TLS listen host");
        Objects.requireNonNull(context, "TLS listener SSLContext");
        ProxyConfig.checkPort("TLS listen port", port);
    }

    @Override
    public String toString() {
        return "TlsListener[" + host + ":" + port + "]";
    }
}
