package io.amqproxy.impl.policy;

import io.amqproxy.impl.codec.Frames;
import io.amqproxy.impl.codec.MethodReader;
import io.amqproxy.impl.codec.Methods;
import io.amqproxy.impl.loop.BufferPool;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.assertj.core.api.Assertions.assertThat;

class PublishAssemblerTest {

    private static final int UPSTREAM_CHANNEL = 9;
    private final MethodReader tables = new MethodReader();
    private final PublishAssembler assembler = new PublishAssembler(new BufferPool(4), 1000);
    private final ByteBuffer publish = Payloads.method(w -> w.begin(Methods.BASIC_PUBLISH).u16(0).shortStr("")
            .shortStr("q").u8(0));

    private Refusal content(int type, ByteBuffer payload) {
        return assembler.content(type, payload, 0, payload.remaining(), UPSTREAM_CHANNEL, 4096, tables);
    }

    @Test
    void aMessageIsWholeOnlyWithItsLastBodyByte() {
        assertThat(assembler.assembling()).isFalse();
        assembler.begin(UPSTREAM_CHANNEL, publish, 0, publish.remaining());
        assertThat(assembler.assembling()).isTrue();
        assertThat(content(Frames.TYPE_HEADER, Payloads.header(600))).isNull();
        assertThat(content(Frames.TYPE_BODY, ByteBuffer.allocate(0))).isNull();
        assertThat(content(Frames.TYPE_BODY, ByteBuffer.wrap(new byte[599]))).isNull();
        assertThat(assembler.isWhole()).isFalse();
        assertThat(assembler.assembling()).isTrue();
        assertThat(content(Frames.TYPE_BODY, ByteBuffer.wrap(new byte[1]))).isNull();
        assertThat(assembler.isWhole()).isTrue();
        assertThat(assembler.assembling()).isFalse();
        assembler.stage().clear();
        assembler.begin(UPSTREAM_CHANNEL, publish, 0, publish.remaining());
        assertThat(assembler.isWhole()).as("the next message starts anew").isFalse();
    }

    @Test
    void aWholeMessageLeavesTheStageSplitToTheUpstreamFrameMax() {
        PublishAssembler big = new PublishAssembler(new BufferPool(4), 1 << 20);
        big.begin(UPSTREAM_CHANNEL, publish, 0, publish.remaining());
        ByteBuffer header = Payloads.header(10_000);
        assertThat(big.content(Frames.TYPE_HEADER, header, 0, header.remaining(), UPSTREAM_CHANNEL, 4096, tables)).isNull();
        assertThat(big.isWhole()).isFalse();
        assertThat(big.content(Frames.TYPE_BODY, ByteBuffer.wrap(new byte[6000]), 0, 6000, UPSTREAM_CHANNEL, 4096,
                tables)).isNull();
        assertThat(big.isWhole()).isFalse();
        assertThat(big.content(Frames.TYPE_BODY, ByteBuffer.wrap(new byte[4000]), 0, 4000, UPSTREAM_CHANNEL, 4096,
                tables)).isNull();
        assertThat(big.isWhole()).isTrue();
        assertThat(big.assembling()).isFalse();
        ByteBuffer staged = ByteBuffer.wrap(Payloads.bytes(big.stage()));
        int[] types = new int[8];
        int frames = 0;
        long body = 0;
        while (staged.hasRemaining()) {
            int type = staged.get();
            assertThat(staged.getShort() & 0xFFFF).isEqualTo(UPSTREAM_CHANNEL);
            int size = staged.getInt();
            assertThat(size + Frames.OVERHEAD).isLessThanOrEqualTo(4096);
            staged.position(staged.position() + size + 1);
            types[frames++] = type;
            if (type == Frames.TYPE_BODY) {
                body += size;
            }
        }
        assertThat(types[0]).isEqualTo(Frames.TYPE_METHOD);
        assertThat(types[1]).isEqualTo(Frames.TYPE_HEADER);
        assertThat(frames).as("method, header, 6000 in two, 4000 in one").isEqualTo(5);
        assertThat(body).isEqualTo(10_000);
    }

    @Test
    void anEmptyBodyIsWholeWithItsHeader() {
        assembler.begin(UPSTREAM_CHANNEL, publish, 0, publish.remaining());
        assertThat(content(Frames.TYPE_HEADER, Payloads.header(0))).isNull();
        assertThat(assembler.isWhole()).isTrue();
    }

    @Test
    void aBodyLargerThanAllowedClosesTheChannelWith406AndDropsTheStage() {
        assembler.begin(UPSTREAM_CHANNEL, publish, 0, publish.remaining());
        Refusal r = content(Frames.TYPE_HEADER, Payloads.header(1001));
        assertThat(r.scope()).isEqualTo(Refusal.Scope.CHANNEL);
        assertThat(r.code()).isEqualTo(406);
        assertThat(r.text()).isEqualTo("PRECONDITION_FAILED - message size 1001 is larger than configured max size 1000");
        assertThat(r.methodId()).isEqualTo(Methods.BASIC_PUBLISH);
        assertThat(assembler.stage().isEmpty()).isTrue();
        assertThat(assembler.assembling()).isFalse();
    }

    @Test
    void framesOutOfOrderOrOutOfShapeCloseTheConnection() {
        assembler.begin(UPSTREAM_CHANNEL, publish, 0, publish.remaining());
        Refusal body = content(Frames.TYPE_BODY, ByteBuffer.wrap(new byte[3]));
        assertThat(body.scope()).isEqualTo(Refusal.Scope.CONNECTION);
        assertThat(body.text()).isEqualTo("UNEXPECTED_FRAME - expected content header for class 60, got another frame instead");

        assembler.begin(UPSTREAM_CHANNEL, publish, 0, publish.remaining());
        content(Frames.TYPE_HEADER, Payloads.header(2));
        Refusal method = content(Frames.TYPE_METHOD, publish);
        assertThat(method.code()).isEqualTo(505);
        assertThat(method.text()).isEqualTo("UNEXPECTED_FRAME - expected content body, got another frame instead");

        assembler.begin(UPSTREAM_CHANNEL, publish, 0, publish.remaining());
        content(Frames.TYPE_HEADER, Payloads.header(2));
        Refusal overrun = content(Frames.TYPE_BODY, ByteBuffer.wrap(new byte[3]));
        assertThat(overrun.code()).isEqualTo(501);
        assertThat(overrun.text()).isEqualTo("FRAME_ERROR - content body larger than the size its header declared");

        assembler.begin(UPSTREAM_CHANNEL, publish, 0, publish.remaining());
        ByteBuffer header = Payloads.header(2);
        Refusal broken = assembler.content(Frames.TYPE_HEADER, header, 0, header.remaining() - 1, UPSTREAM_CHANNEL, 4096,
                tables);
        assertThat(broken.code()).isEqualTo(502);
        assertThat(broken.text()).isEqualTo("SYNTAX_ERROR - cannot decode the content header");
        assertThat(assembler.stage().isEmpty()).as("nothing half-made is kept").isTrue();
    }
}
