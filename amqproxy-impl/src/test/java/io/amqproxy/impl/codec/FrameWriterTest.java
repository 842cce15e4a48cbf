package io.amqproxy.impl.codec;

import io.amqproxy.impl.loop.BufferPool;
import io.amqproxy.impl.loop.OutputBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.assertj.core.api.Assertions.assertThat;

class FrameWriterTest {

    /** Everything written to the output, as the socket would have received it. */
    private static ByteBuffer written(OutputBuffer out) {
        return ByteBuffer.wrap(io.amqproxy.impl.loop.OutputBytes.drain(out));
    }

    @Test
    void bodyFramesAreSplitToTheReceiversFrameMax() throws Exception {
        OutputBuffer out = new OutputBuffer(new BufferPool(4));
        byte[] payload = new byte[10_000];
        FrameWriter.bodyFrames(out, 1, ByteBuffer.wrap(payload), 0, payload.length, 4096);
        ByteBuffer w = written(out);
        int total = 0;
        int frames = 0;
        while (w.hasRemaining()) {
            assertThat(w.get()).isEqualTo((byte) Frames.TYPE_BODY);
            w.getShort();
            int size = w.getInt();
            assertThat(size + Frames.OVERHEAD).isLessThanOrEqualTo(4096);
            w.position(w.position() + size + 1);
            total += size;
            frames++;
        }
        assertThat(total).isEqualTo(payload.length);
        assertThat(frames).isEqualTo(3);
    }

    @Test
    void aForwardedFrameKeepsItsPayloadUnderTheNewChannelNumber() throws Exception {
        OutputBuffer out = new OutputBuffer(new BufferPool(4));
        ByteBuffer payload = ByteBuffer.wrap(new byte[] {0, 60, 0, 80, 1, 2, 3});
        FrameWriter.frame(out, Frames.TYPE_METHOD, 513, payload, 1, 5);
        FrameWriter.heartbeat(out);
        assertThat(out.takeFrameCount()).as("frames counted for metrics").isEqualTo(2);
        ByteBuffer w = written(out);
        assertThat(w.get()).isEqualTo((byte) Frames.TYPE_METHOD);
        assertThat(w.getShort() & 0xFFFF).isEqualTo(513);
        assertThat(w.getInt()).isEqualTo(5);
        byte[] body = new byte[5];
        w.get(body);
        assertThat(body).containsExactly(60, 0, 80, 1, 2);
        assertThat(w.get() & 0xFF).isEqualTo(Frames.FRAME_END);
        assertThat(w.get()).as("heartbeat").isEqualTo((byte) Frames.TYPE_HEARTBEAT);
        assertThat(w.getShort()).isZero();
        assertThat(w.getInt()).isZero();
        assertThat(w.get() & 0xFF).isEqualTo(Frames.FRAME_END);
        assertThat(w.hasRemaining()).isFalse();
    }
}
