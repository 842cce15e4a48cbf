package io.amqproxy.impl.loop;

import io.amqproxy.impl.codec.FrameWriter;
import io.amqproxy.impl.codec.Frames;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.WritableByteChannel;

import static org.assertj.core.api.Assertions.assertThat;

class OutputBufferTest {

    /** A channel that takes at most {@code perCall} bytes a write, like a socket with a full send buffer. */
    private static final class SlowChannel implements GatheringByteChannel {
        final ByteArrayOutputStream sink = new ByteArrayOutputStream();
        final WritableByteChannel target = Channels.newChannel(sink);
        final int perCall;

        SlowChannel(int perCall) {
            this.perCall = perCall;
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) throws java.io.IOException {
            long budget = perCall;
            long written = 0;
            for (int i = offset; i < offset + length && budget > 0; i++) {
                ByteBuffer s = srcs[i];
                int n = (int) Math.min(budget, s.remaining());
                ByteBuffer part = s.duplicate();
                part.limit(part.position() + n);
                target.write(part);
                s.position(s.position() + n);
                budget -= n;
                written += n;
            }
            return written;
        }

        @Override
        public long write(ByteBuffer[] srcs) throws java.io.IOException {
            return write(srcs, 0, srcs.length);
        }

        @Override
        public int write(ByteBuffer src) throws java.io.IOException {
            return (int) write(new ByteBuffer[]{src});
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
        }
    }

    @Test
    void bytesSurviveChunkBoundariesAndPartialWrites() throws Exception {
        BufferPool pool = new BufferPool(4);
        OutputBuffer out = new OutputBuffer(pool);
        byte[] payload = new byte[200_000];
        for (int i = 0; i < payload.length; i++) {
            payload[i] = (byte) i;
        }
        FrameWriter.frame(out, Frames.TYPE_BODY, 7, ByteBuffer.wrap(payload), 0, payload.length);
        assertThat(out.size()).isEqualTo(payload.length + Frames.OVERHEAD);
        SlowChannel ch = new SlowChannel(10_000);
        ByteBuffer[] scratch = new ByteBuffer[2];
        while (!out.isEmpty()) {
            out.writeTo(ch, scratch);
        }
        byte[] written = ch.sink.toByteArray();
        ByteBuffer w = ByteBuffer.wrap(written);
        assertThat(w.get()).isEqualTo((byte) Frames.TYPE_BODY);
        assertThat(w.getShort()).isEqualTo((short) 7);
        assertThat(w.getInt()).isEqualTo(payload.length);
        byte[] body = new byte[payload.length];
        w.get(body);
        assertThat(body).isEqualTo(payload);
        assertThat(w.get() & 0xFF).isEqualTo(Frames.FRAME_END);
        assertThat(pool.pooled()).as("drained chunks go back to the pool").isGreaterThan(0);
    }

    @Test
    void appendMovesStagedContentAndEmptiesTheSource() throws Exception {
        BufferPool pool = new BufferPool(8);
        OutputBuffer stage = new OutputBuffer(pool);
        OutputBuffer out = new OutputBuffer(pool);
        out.putByte(1);
        stage.put(ByteBuffer.wrap(new byte[150_000]), 0, 150_000);
        stage.putByte(2);
        out.append(stage);
        assertThat(stage.size()).isZero();
        assertThat(out.size()).isEqualTo(150_002);
        out.putByte(3);
        SlowChannel ch = new SlowChannel(Integer.MAX_VALUE);
        out.writeTo(ch, new ByteBuffer[8]);
        byte[] w = ch.sink.toByteArray();
        assertThat(w).hasSize(150_003);
        assertThat(w[0]).isEqualTo((byte) 1);
        assertThat(w[150_001]).isEqualTo((byte) 2);
        assertThat(w[150_002]).isEqualTo((byte) 3);
    }

    @Test
    void peekIntReadsAcrossChunkBoundariesWithoutConsuming() {
        OutputBuffer out = new OutputBuffer(new BufferPool(4));
        out.put(new byte[BufferPool.CHUNK_SIZE - 2]);
        out.putByte(0x81);
        out.putByte(0x02);
        out.putShort(0xF304); // does not fit in the first chunk: the int spans two
        assertThat(out.peekInt(BufferPool.CHUNK_SIZE - 2)).isEqualTo(0x8102F304);
        assertThat(out.peekInt(0)).isZero();
        assertThat(out.size()).isEqualTo(BufferPool.CHUNK_SIZE + 2);
    }

    @Test
    void transferToMovesExactlyTheBytesAskedInOrder() {
        BufferPool pool = new BufferPool(8);
        OutputBuffer src = new OutputBuffer(pool);
        byte[] data = new byte[3 * BufferPool.CHUNK_SIZE + 123];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 13);
        }
        src.put(data);
        OutputBuffer dst = new OutputBuffer(pool);
        dst.put(new byte[] {9, 9});
        src.transferTo(dst, 5);
        src.transferTo(dst, 2L * BufferPool.CHUNK_SIZE); // whole chunks change owner here
        dst.put(new byte[] {7});
        assertThat(src.size()).isEqualTo(data.length - 5 - 2L * BufferPool.CHUNK_SIZE);
        byte[] moved = OutputBytes.drain(dst);
        assertThat(moved).hasSize(2 + 5 + 2 * BufferPool.CHUNK_SIZE + 1);
        assertThat(java.util.Arrays.copyOfRange(moved, 2, moved.length - 1))
                .isEqualTo(java.util.Arrays.copyOfRange(data, 0, 5 + 2 * BufferPool.CHUNK_SIZE));
        assertThat(moved[moved.length - 1]).isEqualTo((byte) 7);
        assertThat(OutputBytes.drain(src)).isEqualTo(java.util.Arrays.copyOfRange(data, 5 + 2 * BufferPool.CHUNK_SIZE,
                data.length));
    }

    @Test
    void transferToOfMostOfAChunkKeepsEveryByteInOrderOnBothSides() {
        for (int total : new int[] {10_000, 70_000}) { // the chunk moved is the tail, then one before the tail
            BufferPool pool = new BufferPool(8);
            OutputBuffer src = new OutputBuffer(pool);
            byte[] data = new byte[total];
            for (int i = 0; i < data.length; i++) {
                data[i] = (byte) (i * 7 + 3);
            }
            src.put(data);
            OutputBuffer dst = new OutputBuffer(pool);
            dst.put(new byte[] {1});
            int moved = total - 1_000 - (total > BufferPool.CHUNK_SIZE ? total - BufferPool.CHUNK_SIZE : 0);
            src.transferTo(dst, moved);
            src.put(new byte[] {5, 6}); // appended after what stayed
            dst.put(new byte[] {7}); // appended after what came

            byte[] expectDst = new byte[1 + moved + 1];
            expectDst[0] = 1;
            System.arraycopy(data, 0, expectDst, 1, moved);
            expectDst[expectDst.length - 1] = 7;
            assertThat(OutputBytes.drain(dst)).as("%d bytes, %d moved: the receiver", total, moved).isEqualTo(expectDst);
            byte[] expectSrc = new byte[total - moved + 2];
            System.arraycopy(data, moved, expectSrc, 0, total - moved);
            expectSrc[expectSrc.length - 2] = 5;
            expectSrc[expectSrc.length - 1] = 6;
            assertThat(OutputBytes.drain(src)).as("%d bytes, %d moved: the sender", total, moved).isEqualTo(expectSrc);
        }
    }
}
