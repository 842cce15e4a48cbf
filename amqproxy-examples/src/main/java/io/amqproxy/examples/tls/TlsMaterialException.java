package io.amqproxy.examples.tls;

/**
 * A certificate, key or keystore file that cannot be used: missing, unreadable, not PEM, a wrong password, a key
 * that does not match its certificate. The message is one line that names the file and never holds a password.
 */
public final class TlsMaterialException extends Exception {

    private static final long serialVersionUID = 1L;

    /** A failure with a one-line message naming the file. */
    public TlsMaterialException(String message) {
        super(message);
    }

    /** A failure with a one-line message naming the file, and the exception behind it (for debug logs). */
    public TlsMaterialException(String message, Throwable cause) {
        super(message, cause);
    }
}
