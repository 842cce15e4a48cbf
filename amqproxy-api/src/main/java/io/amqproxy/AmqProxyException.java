package io.amqproxy;

/** Thrown when a proxy cannot be configured or started: a bad setting, a port in use, a missing implementation. */
public class AmqProxyException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * An exception with a message that says what is wrong and how to fix it.
     *
     * @param message what is wrong, never a password
     */
    public AmqProxyException(String message) {
        super(message);
    }

    /**
     * An exception with a message and the underlying cause.
     *
     * @param message what is wrong, never a password
     * @param cause   what made it go wrong
     */
    public AmqProxyException(String message, Throwable cause) {
        super(message, cause);
    }
}
