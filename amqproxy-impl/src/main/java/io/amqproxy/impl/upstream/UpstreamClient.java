package io.amqproxy.impl.upstream;

/** What an upstream connection tells the clients that wait for it or use it. Loop thread only. */
public interface UpstreamClient {

    /**
     * The broker accepted the user and password (it sent Connection.Tune). {@code held} is a connection that
     * logged in for this client and waits for a vhost, or {@code null} when an open connection with the same
     * login already proved it.
     */
    void upstreamAuthenticated(UpstreamConnection held);

    /** The broker accepted the credentials: the connection is open. */
    void upstreamReady(UpstreamConnection upstream);

    /** The connection could not be opened; the client should be refused with this reply. */
    void upstreamRefused(int replyCode, String replyText);

    /** An open connection this client uses was closed by the broker or lost. */
    void upstreamClosed(UpstreamConnection upstream, int replyCode, String replyText);

    /** The connection was retired (idle, shutdown) while this client had no channels on it. */
    void upstreamRetired(UpstreamConnection upstream);

    /** Connection.Blocked from the broker. */
    void upstreamBlocked(String reason);

    /** Connection.Unblocked from the broker. */
    void upstreamUnblocked();

    /** The connection's output drained below its low mark: read from this client again. */
    void upstreamWritable();
}
