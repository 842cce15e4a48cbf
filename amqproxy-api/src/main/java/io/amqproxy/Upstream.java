package io.amqproxy;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The broker the proxy connects to.
 *
 * @param host the broker's host name or address
 * @param port the broker's port
 * @param tls  whether the URI was amqps://
 */
public record Upstream(String host, int port, boolean tls) {
    /**
     * Validates host and port.
     *
     * @param host the broker's host name or address; not blank
     * @param port the broker's port, 1 to 65535
     * @param tls  whether to speak TLS to it (amqps://)
     * @throws IllegalArgumentException if the host is missing or the port out of range
     */
    public Upstream {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("upstream host is missing");
        }
        ProxyConfig.checkPort("upstream port", port);
        if (port == 0) {
            throw new IllegalArgumentException("upstream port must be between 1 and 65535, was 0");
        }
    }

    /**
     * Parses an {@code amqp://} or {@code amqps://} URI. User, password and vhost in it are ignored:
     * every client brings its own.
     *
     * @param uri {@code amqp://host[:port]} or {@code amqps://host[:port]}, the scheme in any case, surrounding
     *            white space ignored; without a port, {@value ProxyConfig#AMQP_PORT} or
     *            {@value ProxyConfig#AMQPS_PORT}
     * @return the broker's host, port and whether it speaks TLS
     * @throws NullPointerException     if {@code uri} is {@code null}
     * @throws IllegalArgumentException if it is not a valid URI, has another scheme or no host; the message never
     *                                  repeats the URI, which may hold a password
     */
    public static Upstream parse(String uri) {
        Objects.requireNonNull(uri, "upstream URI");
        URI parsed;
        try {
            parsed = new URI(uri.trim());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("upstream is not a valid URI (expected amqp://host[:port]): " + e.getReason());
        }
        String scheme = parsed.getScheme() == null ? "" : parsed.getScheme().toLowerCase(Locale.ROOT);
        boolean tls;
        if (scheme.equals("amqp")) {
            tls = false;
        } else if (scheme.equals("amqps")) {
            tls = true;
        } else {
            throw new IllegalArgumentException("upstream must be an amqp:// or amqps:// URI, was scheme '" + scheme + "'");
        }
        String host = parsed.getHost();
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("upstream URI has no host");
        }
        int port = parsed.getPort() == -1 ? (tls ? ProxyConfig.AMQPS_PORT : ProxyConfig.AMQP_PORT) : parsed.getPort();
        return new Upstream(host, port, tls);
    }

    @Override
    public String toString() {
        return (tls ? "amqps://" : "amqp://") + host + ":" + port;
    }

    /** Parses every URI of one upstream set, {@code what} naming the set in errors. */
    static List<Upstream> parseAll(List<String> uris, String what) {
        if (uris.isEmpty()) {
            throw new IllegalArgumentException(what + ": no URI given");
        }
        List<Upstream> parsed = new ArrayList<>(uris.size());
        for (String uri : uris) {
            parsed.add(parse(uri));
        }
        return List.copyOf(parsed);
    }

    /** All upstreams share one scheme: one TLS setting serves them all. */
    static void checkOneScheme(List<Upstream> all) {
        for (Upstream u : all) {
            if (u.tls() != all.get(0).tls()) {
                throw new IllegalArgumentException("all upstreams must use the same scheme, amqp:// or amqps:// (one"
                        + " TLS setting serves them all); " + all.get(0) + " and " + u + " differ");
            }
        }
    }
}
