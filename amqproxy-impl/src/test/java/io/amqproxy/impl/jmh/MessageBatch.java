package io.amqproxy.impl.jmh;

import io.amqproxy.testsupport.Frames;
import io.amqproxy.testsupport.RawAmqpClient;

import java.nio.ByteBuffer;

/**
 * The bytes of a burst of messages as a peer sends them: a method, a content header (no properties, as the
 * Java client sends with null properties) and one body frame each. Encoded with the tests' own AMQP writer
 * rather than the proxy's codec, so the input does not depend on the code being measured.
 */
final class MessageBatch {

    /**
     * Messages handed over per benchmark invocation, and so the divisor that turns ns/op into ns per message.
     * About what one socket read brings while a client publishes back to back.
     */
    static final int MESSAGES = 32;

    private static final String ROUTING_KEY = "jmh.bench";

    private MessageBatch() {
    }

    /** {@link #MESSAGES} basic.publish messages on {@code channel}, in a direct buffer like the loop's read buffer. */
    static ByteBuffer publishes(int channel, int bodyBytes) {
        return repeated(RawAmqpClient.publishFrames(channel, ROUTING_KEY, new byte[bodyBytes], Math.max(1, bodyBytes)));
    }

    /** {@link #MESSAGES} basic.deliver messages on {@code channel}, as a broker sends them to a consumer. */
    static ByteBuffer deliveries(int channel, int bodyBytes) {
        byte[] deliver = Frames.method(channel, Frames.BASIC, 60, Frames.args().shortstr("amq.ctag-jmh")
                .longLong(1).bit(false).shortstr("").shortstr(ROUTING_KEY).bytes());
        byte[] body = Frames.frame(Frames.BODY, channel, new byte[bodyBytes]);
        return repeated(Frames.concat(deliver, Frames.contentHeader(channel, bodyBytes), body));
    }

    private static ByteBuffer repeated(byte[] message) {
        ByteBuffer b = ByteBuffer.allocateDirect(message.length * MESSAGES);
        for (int i = 0; i < MESSAGES; i++) {
            b.put(message);
        }
        return b.flip();
    }
}
