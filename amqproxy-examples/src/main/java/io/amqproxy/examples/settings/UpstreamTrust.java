package io.amqproxy.examples.settings;

import javax.net.ssl.SSLContext;
import java.util.Objects;

/**
 * How the proxy checks an amqps:// upstream's certificate.
 *
 * @param context        trust loaded from {@code --upstream-ca} or {@code --upstream-truststore}, or {@code null}
 *                       for the JVM's default trust store
 * @param source         where the trust comes from, for logs: a file name or "the JVM's trust store"
 * @param verifyHostname whether the certificate must name the upstream host
 */
public record UpstreamTrust(SSLContext context, String source, boolean verifyHostname) {

    /** The JVM's trust store, host names verified: what an amqps:// upstream gets unless told otherwise. */
    public static final UpstreamTrust DEFAULT = new UpstreamTrust(null, "the JVM's trust store", true);

    /** Checks that the source is named. */
    public UpstreamTrust {
        Objects.requireNonNull(source, "source");
    }

    @Override
    public String toString() {
        return "trust " + source + ", host name verification " + (verifyHostname ? "on" : "OFF");
    }
}
