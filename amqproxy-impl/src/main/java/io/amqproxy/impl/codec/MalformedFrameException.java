package io.amqproxy.impl.codec;

/** A method's fields do not fit its frame; the peer gets {@code 502 SYNTAX_ERROR}. */
public final class MalformedFrameException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public MalformedFrameException(String message) {
        super(message, null, false, false);
    }
}
