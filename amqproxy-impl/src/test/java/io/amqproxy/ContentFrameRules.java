package io.amqproxy;

import io.amqproxy.testsupport.Frames;

/**
 * The content rules of AMQP 0-9-1 as a tiny model for {@link HostileInputFuzzTest}: which sequences of publish,
 * content header, body and heartbeat frames on one channel are legal, and what a proxy must answer to the first
 * one that is not.
 */
final class ContentFrameRules {

    private ContentFrameRules() {
    }

    /** One step of a content sequence on a channel: a publish, a content header, a body frame or a heartbeat. */
    record Token(String kind, int size) {
        static Token publish() {
            return new Token("publish", 0);
        }

        static Token header(int bodySize) {
            return new Token("header", bodySize);
        }

        static Token body(int length) {
            return new Token("body", length);
        }

        static Token heartbeat() {
            return new Token("heartbeat", 0);
        }

        byte[] bytes(int channel) {
            return switch (kind) {
                case "publish" -> Frames.method(channel, Frames.BASIC, 40, Frames.args().shortInt(0).shortstr("")
                        .shortstr("amqproxy-it-fuzz-nowhere").bit(false).bit(false).bytes());
                case "header" -> Frames.contentHeader(channel, size);
                case "body" -> Frames.frame(Frames.BODY, channel, new byte[size]);
                default -> Frames.heartbeat();
            };
        }
    }

    /**
     * AMQP's content rules: publish, then one header, then body frames adding up to the header's size, with
     * heartbeats allowed anywhere. {@link #accept} answers -1 for a legal step, else the reply code expected.
     */
    static final class ContentModel {
        private boolean awaitingHeader;
        private long bodyRemaining = -1;

        int accept(Token t) {
            switch (t.kind()) {
                case "heartbeat":
                    return -1;
                case "publish":
                    if (awaitingHeader || bodyRemaining > 0) {
                        return 505;
                    }
                    awaitingHeader = true;
                    return -1;
                case "header":
                    if (!awaitingHeader) {
                        return 505;
                    }
                    awaitingHeader = false;
                    bodyRemaining = t.size() == 0 ? -1 : t.size();
                    return -1;
                default:
                    if (awaitingHeader || bodyRemaining <= 0) {
                        return 505;
                    }
                    if (t.size() > bodyRemaining) {
                        return 501;
                    }
                    bodyRemaining -= t.size();
                    if (bodyRemaining == 0) {
                        bodyRemaining = -1;
                    }
                    return -1;
            }
        }

        /** A step that breaks the rules from the current state. */
        Token breaker() {
            return awaitingHeader || bodyRemaining > 0 ? Token.publish() : Token.body(1);
        }
    }
}
