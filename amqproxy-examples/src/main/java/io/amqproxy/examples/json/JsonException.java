package io.amqproxy.examples.json;

/**
 * JSON text that {@link JsonReader} refuses, with the character offset where it went wrong. The message never quotes
 * the input beyond a few characters: a request body may hold anything.
 */
public final class JsonException extends Exception {

    private static final long serialVersionUID = 1L;

    private final int offset;

    /**
     * @param message what is wrong, e.g. {@code "expected ',' or '}'"}
     * @param offset  the offset in the text, from 0
     */
    JsonException(String message, int offset) {
        super(message + " at offset " + offset);
        this.offset = offset;
    }

    /** {@return the offset in the text where the error was found, from 0} */
    public int offset() {
        return offset;
    }
}
