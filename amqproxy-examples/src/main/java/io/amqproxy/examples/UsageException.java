package io.amqproxy.examples;

/**
 * The command line cannot be used: an unknown option, a missing or malformed value, a missing upstream URL.
 * The message is one line that says what is wrong; the process exits with {@link #EXIT_CODE}.
 */
public final class UsageException extends Exception {

    private static final long serialVersionUID = 1L;

    /** The exit status for a usage error, as is customary for command-line tools (and for bash builtins). */
    public static final int EXIT_CODE = 2;

    /** A usage error with a one-line message. */
    public UsageException(String message) {
        super(message);
    }

    /** The status the process exits with. */
    public int exitCode() {
        return EXIT_CODE;
    }
}
