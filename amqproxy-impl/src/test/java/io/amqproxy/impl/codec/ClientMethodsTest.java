package io.amqproxy.impl.codec;

import io.amqproxy.impl.loop.BufferPool;
import io.amqproxy.impl.loop.OutputBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ClientMethodsTest {

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

    private boolean fits(int method, ByteBuffer p) {
        return ClientMethods.argumentsFit(ClientMethods.layout(method), p, 0, p.remaining(), reader);
    }

    @Test
    void wellFormedMethodsFitTheirLayout() throws Exception {
        ByteBuffer publish = payload(w -> w.begin(Methods.BASIC_PUBLISH).u16(0).shortStr("amq.direct").shortStr("rk").u8(1));
        assertThat(fits(Methods.BASIC_PUBLISH, publish)).isTrue();
        ByteBuffer declare = payload(w -> w.begin(Methods.QUEUE_DECLARE).u16(0).shortStr("q").u8(2)
                .table(Map.of("x-max-length", 10, "x-queue-type", "classic")));
        assertThat(fits(Methods.QUEUE_DECLARE, declare)).isTrue();
        ByteBuffer nack = payload(w -> w.begin(Methods.id(60, 120)).u64(42).u8(3));
        assertThat(fits(Methods.id(60, 120), nack)).as("three bits share one octet").isTrue();
    }

    @Test
    void truncatedOrOverlongArgumentsDoNotFit() throws Exception {
        ByteBuffer publish = payload(w -> w.begin(Methods.BASIC_PUBLISH).u16(0).shortStr("amq.direct").shortStr("rk").u8(0));
        for (int cut = 4; cut < publish.remaining(); cut++) {
            assertThat(ClientMethods.argumentsFit("sSSbb", publish, 0, cut, reader)).as("cut at %d", cut).isFalse();
        }
        ByteBuffer extra = payload(w -> w.begin(Methods.BASIC_PUBLISH).u16(0).shortStr("").shortStr("rk").u8(0).u8(0));
        assertThat(fits(Methods.BASIC_PUBLISH, extra)).as("a trailing byte").isFalse();
    }

    @Test
    void aTableThatDoesNotDecodeDoesNotFit() throws Exception {
        ByteBuffer bad = payload(w -> w.begin(Methods.QUEUE_DECLARE).u16(0).shortStr("q").u8(0)
                .u32(3).u8(1).u8('k').u8('?')); // key "k" with an unknown field type '?'
        assertThat(fits(Methods.QUEUE_DECLARE, bad)).isFalse();
    }

    @Test
    void methodsAClientMayNotSendOnAChannelHaveNoLayout() {
        assertThat(ClientMethods.layout(Methods.CONNECTION_UPDATE_SECRET)).isNull();
        assertThat(ClientMethods.layout(Methods.CHANNEL_OPEN)).isNull();
        assertThat(ClientMethods.layout(Methods.BASIC_DELIVER)).as("only the broker sends deliveries").isNull();
        assertThat(ClientMethods.layout(Methods.id(10, 0))).isNull();
    }

    @Test
    void contentHeadersAreCheckedAgainstTheirPropertyFlags() throws Exception {
        ByteBuffer header = ByteBuffer.allocate(14 + 1 + 4 + 1);
        header.putShort((short) 60).putShort((short) 0).putLong(5)
                .putShort((short) (1 << 15 | 1 << 12)) // content-type and delivery-mode
                .put((byte) 4).put("text".getBytes()).put((byte) 2).flip();
        assertThat(ClientMethods.basicHeaderFits(header, 0, header.remaining(), reader)).isTrue();
        assertThat(ClientMethods.basicHeaderFits(header, 0, header.remaining() - 1, reader)).isFalse();
        ByteBuffer wrongClass = header.duplicate();
        wrongClass.putShort(0, (short) 50);
        assertThat(ClientMethods.basicHeaderFits(wrongClass, 0, wrongClass.remaining(), reader)).isFalse();
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
