package io.amqproxy;

/**
 * TLS toward an amqps:// broker.
 *
 * @param context        trust (and, for client certificates, keys) for the broker connection; {@code null}
 *                       uses the JVM's default trust store
 * @param verifyHostname whether the broker's certificate must name the upstream host (on by default;
 *                       turning it off is logged as a warning)
 */
public record UpstreamTls(javax.net.ssl.SSLContext context, boolean verifyHostname) {
    /** The JVM's trust store, host names verified. */
    public static final UpstreamTls DEFAULT = new UpstreamTls(null, true);

    @Override
    public String toString() {
        return "UpstreamTls[" + (context == null ? "JVM default trust" : "custom SSLContext")
                + (verifyHostname ? ", hostname verified" : ", hostname NOT verified") + "]";
    }
}
