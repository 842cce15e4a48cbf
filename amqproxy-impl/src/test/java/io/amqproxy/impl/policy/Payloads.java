package io.amqproxy.impl.policy;

import io.amqproxy.impl.codec.Frames;
import io.amqproxy.impl.codec.MethodView;
import io.amqproxy.impl.codec.MethodWriter;
import io.amqproxy.impl.codec.Methods;
import io.amqproxy.impl.loop.BufferPool;
import io.amqproxy.impl.loop.OutputBuffer;

import java.nio.ByteBuffer;
import java.util.function.Consumer;

/**
 * Frames for the policy tests, made with the proxy's own writer, and the views the policies read: the policies
 * are plain state machines, so these tests feed them frames without sockets or a broker.
 */
final class Payloads {

    private Payloads() {
    }

    /** A method payload (class and method id, then arguments) as {@code build} writes it. */
    static ByteBuffer method(Consumer<MethodWriter> build) {
        MethodWriter w = new MethodWriter();
        build.accept(w);
        OutputBuffer out = new OutputBuffer(new BufferPool(2));
        w.writeTo(out, 1);
        byte[] frame = bytes(out);
        return ByteBuffer.wrap(frame, Frames.HEADER_SIZE, frame.length - Frames.OVERHEAD).slice();
    }

    /** A client's method, decoded as the channel decodes it; fails the test if it would not be admitted. */
    static MethodView client(Consumer<MethodWriter> build) {
        ByteBuffer p = method(build);
        MethodView view = new MethodView();
        MethodView.Check check = view.decodeClient(p, 0, p.remaining());
        if (check != MethodView.Check.OK) {
            throw new AssertionError("test payload not admitted: " + check);
        }
        return view;
    }

    /** A broker's method, wrapped as the channel wraps it. */
    static MethodView broker(Consumer<MethodWriter> build) {
        ByteBuffer p = method(build);
        return new MethodView().wrapBroker(p, 0, p.remaining());
    }

    static MethodView queueDeclare(String queue, boolean passive, boolean exclusive, boolean noWait) {
        int bits = (passive ? 1 : 0) | (exclusive ? 4 : 0) | (noWait ? 16 : 0);
        return client(w -> w.begin(Methods.QUEUE_DECLARE).u16(0).shortStr(queue).u8(bits).u32(0));
    }

    static MethodView declareOk(String queue) {
        return broker(w -> w.begin(Methods.QUEUE_DECLARE_OK).shortStr(queue).u32(0).u32(0));
    }

    /** queue.bind, purge, delete, consume or get of {@code queue}, with no flags. */
    static MethodView queueMethod(int method, String queue) {
        return client(w -> {
            w.begin(method).u16(0).shortStr(queue);
            switch (method) {
                case Methods.QUEUE_BIND -> w.shortStr("amq.direct").shortStr("rk").u8(0).u32(0);
                case Methods.BASIC_CONSUME -> w.shortStr("").u8(0).u32(0);
                default -> w.u8(0);
            }
        });
    }

    static MethodView publish(boolean mandatory) {
        return client(w -> w.begin(Methods.BASIC_PUBLISH).u16(0).shortStr("").shortStr("q").u8(mandatory ? 1 : 0));
    }

    static MethodView basicGet(String queue, boolean noAck) {
        return client(w -> w.begin(Methods.BASIC_GET).u16(0).shortStr(queue).u8(noAck ? 1 : 0));
    }

    static MethodView qos(int prefetch) {
        return client(w -> w.begin(Methods.BASIC_QOS).u32(0).u16(prefetch).u8(0));
    }

    static MethodView simple(int method) {
        return client(w -> {
            w.begin(method);
            if (method == Methods.CHANNEL_CLOSE) {
                w.u16(200).shortStr("bye").u16(0).u16(0);
            } else if (method == Methods.id(85, 10)) {
                w.u8(0);
            }
        });
    }

    /** A basic content header announcing {@code bodySize} bytes, with content-type set. */
    static ByteBuffer header(long bodySize) {
        ByteBuffer b = ByteBuffer.allocate(14 + 1 + 10);
        b.putShort((short) 60).putShort((short) 0).putLong(bodySize).putShort((short) (1 << 15))
                .put((byte) 10).put("text/plain".getBytes());
        return b.flip();
    }

    /** Everything queued in {@code out}, as a socket would receive it; {@code out} is emptied. */
    static byte[] bytes(OutputBuffer out) {
        return io.amqproxy.impl.loop.OutputBytes.drain(out);
    }
}
