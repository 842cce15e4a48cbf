package io.amqproxy;

/**
 * What a health check needs to know.
 *
 * @param accepting     the proxy accepts new clients (not stopping or stopped)
 * @param upstreamError why the broker could not be reached the last time the proxy tried, or {@code null}
 *                      when the last attempt (or an open connection) shows it reachable
 */
public record ProxyHealth(boolean accepting, String upstreamError) {

    /** Accepting clients and no known problem reaching the broker. */
    public boolean healthy() {
        return accepting && upstreamError == null;
    }
}
