package io.amqproxy.impl.codec;

import io.amqproxy.impl.loop.BufferPool;
import io.amqproxy.impl.loop.OutputBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The one decode of a client's method: what the proxy admits to a shared upstream connection, and where arguments stand. */
class MethodViewTest {

    private final MethodView view = new MethodView();
    private final MethodReader reader = new MethodReader();

    /** The payload of a method built with the proxy's own writer. */
    private static ByteBuffer payload(java.util.function.Consumer<MethodWriter> build) throws Exception {
        MethodWriter w = new MethodWriter();
        build.accept(w);
        OutputBuffer out = new OutputBuffer(new BufferPool(2));
        w.writeTo(out, 1);
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        out.writeTo(new GatheringSink(Channels.newChannel(bytes)), new ByteBuffer[4]);
        byte[] frame = bytes.toByteArray();
        return ByteBuffer.wrap(frame, Frames.HEADER_SIZE, frame.length - Frames.OVERHEAD).slice();
    }

    private boolean fits(ByteBuffer p) {
        return view.decodeClient(p, 0, p.remaining()) == MethodView.Check.OK;
    }

    private static ByteBuffer idOnly(int method) {
        return ByteBuffer.allocate(4).putInt(0, method);
    }

    @Test
    void wellFormedMethodsFitTheirLayout() throws Exception {
        ByteBuffer publish = payload(w -> w.begin(Methods.BASIC_PUBLISH).u16(0).shortStr("amq.direct").shortStr("rk").u8(1));
        assertThat(fits(publish)).isTrue();
        ByteBuffer declare = payload(w -> w.begin(Methods.QUEUE_DECLARE).u16(0).shortStr("q").u8(2)
                .table(Map.of("x-max-length", 10, "x-queue-type", "classic")));
        assertThat(fits(declare)).isTrue();
        ByteBuffer nack = payload(w -> w.begin(Methods.id(60, 120)).u64(42).u8(3));
        assertThat(fits(nack)).as("three bits share one octet").isTrue();
    }

    @Test
    void truncatedOrOverlongArgumentsDoNotFit() throws Exception {
        ByteBuffer publish = payload(w -> w.begin(Methods.BASIC_PUBLISH).u16(0).shortStr("amq.direct").shortStr("rk").u8(0));
        for (int cut = 4; cut < publish.remaining(); cut++) {
            assertThat(view.decodeClient(publish, 0, cut)).as("cut at %d", cut).isEqualTo(MethodView.Check.MALFORMED);
        }
        ByteBuffer extra = payload(w -> w.begin(Methods.BASIC_PUBLISH).u16(0).shortStr("").shortStr("rk").u8(0).u8(0));
        assertThat(fits(extra)).as("a trailing byte").isFalse();
    }

    @Test
    void aTableThatDoesNotDecodeDoesNotFit() throws Exception {
        ByteBuffer bad = payload(w -> w.begin(Methods.QUEUE_DECLARE).u16(0).shortStr("q").u8(0)
                .u32(3).u8(1).u8('k').u8('?')); // key "k" with an unknown field type '?'
        assertThat(fits(bad)).isFalse();
    }

    @Test
    void methodsAClientMayNotSendOnAChannelAreNotAdmitted() {
        assertThat(view.decodeClient(idOnly(Methods.CONNECTION_UPDATE_SECRET), 0, 4)).isEqualTo(MethodView.Check.NOT_ON_CHANNEL);
        assertThat(view.decodeClient(idOnly(Methods.CHANNEL_OPEN), 0, 4)).isEqualTo(MethodView.Check.NOT_ON_CHANNEL);
        assertThat(view.decodeClient(idOnly(Methods.BASIC_DELIVER), 0, 4)).as("only the broker sends deliveries")
                .isEqualTo(MethodView.Check.NOT_ON_CHANNEL);
        assertThat(view.decodeClient(idOnly(Methods.id(10, 0)), 0, 4)).isEqualTo(MethodView.Check.NOT_ON_CHANNEL);
    }

    @Test
    void namedArgumentsAreReadFromTheOneDecode() throws Exception {
        ByteBuffer declare = payload(w -> w.begin(Methods.QUEUE_DECLARE).u16(0).shortStr("orders").u8(4 | 16)
                .table(Map.of("x-queue-type", "classic")));
        assertThat(view.decodeClient(declare, 0, declare.remaining())).isEqualTo(MethodView.Check.OK);
        assertThat(view.shortStr(Field.QUEUE)).isEqualTo("orders");
        assertThat(view.shortStrLength(Field.QUEUE)).isEqualTo(6);
        assertThat(view.flag(Field.EXCLUSIVE)).isTrue();
        assertThat(view.flag(Field.NOWAIT)).isTrue();
        assertThat(view.flag(Field.PASSIVE)).isFalse();
        assertThat(view.flag(Field.DURABLE)).isFalse();
        assertThat(view.has(Field.ROUTING_KEY)).isFalse();
        assertThat(view.shortStr(Field.ROUTING_KEY)).as("absent").isEmpty();

        ByteBuffer publish = payload(w -> w.begin(Methods.BASIC_PUBLISH).u16(0).shortStr("amq.topic").shortStr("a.b").u8(1));
        assertThat(view.decodeClient(publish, 0, publish.remaining())).isEqualTo(MethodView.Check.OK);
        assertThat(view.name()).isEqualTo("basic.publish");
        assertThat(view.spec().carriesContent()).isTrue();
        assertThat(view.shortStr(Field.EXCHANGE)).isEqualTo("amq.topic");
        assertThat(view.shortStr(Field.ROUTING_KEY)).isEqualTo("a.b");
        assertThat(view.flag(Field.MANDATORY)).isTrue();
        assertThat(view.flag(Field.IMMEDIATE)).isFalse();

        ByteBuffer nack = payload(w -> w.begin(Methods.id(60, 120)).u64(42).u8(2));
        assertThat(view.decodeClient(nack, 0, nack.remaining())).isEqualTo(MethodView.Check.OK);
        assertThat(view.u64(Field.DELIVERY_TAG)).isEqualTo(42);
        assertThat(view.flag(Field.MULTIPLE)).isFalse();
        assertThat(view.flag(Field.REQUEUE)).isTrue();
    }

    @Test
    void aBrokerMethodIsDecodedWhenAnArgumentIsFirstRead() throws Exception {
        ByteBuffer declareOk = payload(w -> w.begin(Methods.QUEUE_DECLARE_OK).shortStr("amq.gen-1").u32(3).u32(1));
        view.wrapBroker(declareOk, 0, declareOk.remaining());
        assertThat(view.id()).isEqualTo(Methods.QUEUE_DECLARE_OK);
        assertThat(view.shortStr(Field.QUEUE)).isEqualTo("amq.gen-1");
        assertThat(view.u32(Field.MESSAGE_COUNT)).isEqualTo(3);
        assertThat(view.u32(Field.CONSUMER_COUNT)).isEqualTo(1);

        ByteBuffer cut = payload(w -> w.begin(Methods.QUEUE_DECLARE_OK).u8(200));
        view.wrapBroker(cut, 0, cut.remaining());
        assertThatThrownBy(() -> view.shortStr(Field.QUEUE)).isInstanceOf(MalformedFrameException.class);
    }

    @Test
    void everyMethodOfTheSpecHasItsNameAndLayout() {
        assertThat(MethodSpec.named("basic.publish").id()).isEqualTo(Methods.BASIC_PUBLISH);
        assertThat(MethodSpec.of(Methods.id(40, 51)).name()).as("RabbitMQ's exchange.unbind-ok").isEqualTo("exchange.unbind-ok");
        assertThat(MethodSpec.nameOf(Methods.id(60, 99))).isEqualTo("60.99");
        assertThat(MethodSpec.of(Methods.id(99, 1))).isNull();
    }

    @Test
    void contentHeadersAreCheckedAgainstTheirPropertyFlags() throws Exception {
        ByteBuffer header = ByteBuffer.allocate(14 + 1 + 4 + 1);
        header.putShort((short) 60).putShort((short) 0).putLong(5)
                .putShort((short) (1 << 15 | 1 << 12)) // content-type and delivery-mode
                .put((byte) 4).put("text".getBytes()).put((byte) 2).flip();
        assertThat(ContentHeader.fits(header, 0, header.remaining(), reader)).isTrue();
        assertThat(ContentHeader.bodySize(header, 0)).isEqualTo(5);
        assertThat(ContentHeader.fits(header, 0, header.remaining() - 1, reader)).isFalse();
        ByteBuffer wrongClass = header.duplicate();
        wrongClass.putShort(0, (short) 50);
        assertThat(ContentHeader.fits(wrongClass, 0, wrongClass.remaining(), reader)).isFalse();
    }

    /** Adapts a plain channel to the gathering interface the output buffer writes to. */
    private record GatheringSink(java.nio.channels.WritableByteChannel target) implements java.nio.channels.GatheringByteChannel {
        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) throws java.io.IOException {
            long n = 0;
            for (int i = offset; i < offset + length; i++) {
                n += target.write(srcs[i]);
            }
            return n;
        }

        @Override
        public long write(ByteBuffer[] srcs) throws java.io.IOException {
            return write(srcs, 0, srcs.length);
        }

        @Override
        public int write(ByteBuffer src) throws java.io.IOException {
            return target.write(src);
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
        }
    }
}
