package io.amqproxy.examples.settings;

/**
 * The proxy cannot start with what it was given: an unknown option, config key or section, a malformed or out
 * of range value, a URL that is not amqp:// or amqps://, no upstream at all. The message is one line that says
 * what is wrong and where the value came from (an option, an environment variable, a config file line) and
 * never repeats a URL, which may hold a password. The process exits with {@link #EXIT_CODE}.
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
