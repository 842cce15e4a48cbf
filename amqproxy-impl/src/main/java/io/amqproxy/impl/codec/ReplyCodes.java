package io.amqproxy.impl.codec;

/** AMQP reply codes, with the names the broker puts in front of its reply texts. */
public final class ReplyCodes {

    private ReplyCodes() {
    }

    public static final int REPLY_SUCCESS = 200;
    public static final int CONNECTION_FORCED = 320;
    public static final int ACCESS_REFUSED = 403;
    public static final int NOT_FOUND = 404;
    public static final int RESOURCE_LOCKED = 405;
    public static final int PRECONDITION_FAILED = 406;
    public static final int FRAME_ERROR = 501;
    public static final int SYNTAX_ERROR = 502;
    public static final int COMMAND_INVALID = 503;
    public static final int CHANNEL_ERROR = 504;
    public static final int UNEXPECTED_FRAME = 505;
    public static final int RESOURCE_ERROR = 506;
    public static final int NOT_ALLOWED = 530;
    public static final int NOT_IMPLEMENTED = 540;
    public static final int INTERNAL_ERROR = 541;

    /** The spec's name for a code, e.g. {@code ACCESS_REFUSED}; used as the prefix of reply texts. */
    public static String name(int code) {
        switch (code) {
            case REPLY_SUCCESS: return "NORMAL";
            case CONNECTION_FORCED: return "CONNECTION_FORCED";
            case ACCESS_REFUSED: return "ACCESS_REFUSED";
            case NOT_FOUND: return "NOT_FOUND";
            case RESOURCE_LOCKED: return "RESOURCE_LOCKED";
            case PRECONDITION_FAILED: return "PRECONDITION_FAILED";
            case FRAME_ERROR: return "FRAME_ERROR";
            case SYNTAX_ERROR: return "SYNTAX_ERROR";
            case COMMAND_INVALID: return "COMMAND_INVALID";
            case CHANNEL_ERROR: return "CHANNEL_ERROR";
            case UNEXPECTED_FRAME: return "UNEXPECTED_FRAME";
            case RESOURCE_ERROR: return "RESOURCE_ERROR";
            case NOT_ALLOWED: return "NOT_ALLOWED";
            case NOT_IMPLEMENTED: return "NOT_IMPLEMENTED";
            case INTERNAL_ERROR: return "INTERNAL_ERROR";
            default: return "ERROR";
        }
    }

    /** A reply text in the broker's style: {@code "NOT_FOUND - no queue 'q'"}. */
    public static String text(int code, String detail) {
        return name(code) + " - " + detail;
    }
}
