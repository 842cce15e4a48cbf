package io.amqproxy.impl.policy;

import io.amqproxy.impl.codec.ReplyCodes;

/**
 * A rule's answer when a client's frame must not go on: the channel or the whole client connection is closed with
 * this reply, in the broker's words, as the broker itself would have closed it. Made only when something is
 * refused, so the accepted path allocates nothing.
 *
 * @param scope    what is closed
 * @param code     the AMQP reply code, e.g. 405
 * @param text     the reply text, e.g. {@code "RESOURCE_LOCKED - cannot obtain exclusive access ..."}
 * @param methodId the method that failed ({@code classId << 16 | methodId}), or 0
 */
public record Refusal(Scope scope, int code, String text, int methodId) {

    /** What a refusal closes. */
    public enum Scope {
        /** Channel.Close to this channel; the client's other channels go on. */
        CHANNEL,
        /** Connection.Close to this client; other clients on the same upstream are not touched. */
        CONNECTION
    }

    /** Closes the client's connection; {@code detail} follows the code's name in the text. */
    public static Refusal connection(int code, String detail, int methodId) {
        return new Refusal(Scope.CONNECTION, code, ReplyCodes.text(code, detail), methodId);
    }

    /** Closes the channel; {@code detail} follows the code's name in the text. */
    public static Refusal channel(int code, String detail, int methodId) {
        return new Refusal(Scope.CHANNEL, code, ReplyCodes.text(code, detail), methodId);
    }
}
