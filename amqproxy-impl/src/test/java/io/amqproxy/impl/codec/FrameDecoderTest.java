package io.amqproxy.impl.codec;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class FrameDecoderTest {

    private record Seen(int type, int channel, byte[] payload) {
    }

    private static final class Recorder implements FrameHandler {
        final List<Seen> frames = new ArrayList<>();
        int errorCode;
        String errorText;

        @Override
        public boolean onFrame(int type, int channel, ByteBuffer buf, int off, int len) {
            byte[] p = new byte[len];
            buf.get(off, p);
            frames.add(new Seen(type, channel, p));
            return true;
        }

        @Override
        public void onFrameError(int replyCode, String replyText) {
            errorCode = replyCode;
            errorText = replyText;
        }
    }

    private static byte[] frame(int type, int channel, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(payload.length + Frames.OVERHEAD);
        b.put((byte) type).putShort((short) channel).putInt(payload.length).put(payload).put((byte) Frames.FRAME_END);
        return b.array();
    }

    private static byte[] concat(byte[]... parts) {
        ByteBuffer b = ByteBuffer.allocate(java.util.Arrays.stream(parts).mapToInt(p -> p.length).sum());
        for (byte[] p : parts) {
            b.put(p);
        }
        return b.array();
    }

    /** Feeds bytes in two pieces, keeping what the decoder leaves as the caller's carry would. */
    private static Recorder decodeSplit(byte[] stream, int split, int maxFrame) {
        Recorder r = new Recorder();
        ByteBuffer buf = ByteBuffer.allocate(stream.length);
        buf.put(stream, 0, split).flip();
        FrameDecoder.decode(buf, maxFrame, r);
        buf.compact();
        buf.put(stream, split, stream.length - split).flip();
        FrameDecoder.decode(buf, maxFrame, r);
        assertThat(buf.remaining()).as("nothing left after the whole stream").isZero();
        return r;
    }

    @Test
    void decodesFramesSplitAtEveryOffset() {
        byte[] method = frame(Frames.TYPE_METHOD, 3, new byte[]{0, 60, 0, 40, 1, 2, 3});
        byte[] header = frame(Frames.TYPE_HEADER, 3, new byte[14]);
        byte[] body = frame(Frames.TYPE_BODY, 3, "hello".getBytes());
        byte[] heartbeat = frame(Frames.TYPE_HEARTBEAT, 0, new byte[0]);
        byte[] stream = concat(method, header, body, heartbeat);
        for (int split = 0; split <= stream.length; split++) {
            Recorder r = decodeSplit(stream, split, 4096);
            assertThat(r.errorCode).as("split at %d", split).isZero();
            assertThat(r.frames).as("split at %d", split).hasSize(4);
            assertThat(r.frames.get(0).channel()).isEqualTo(3);
            assertThat(r.frames.get(2).payload()).isEqualTo("hello".getBytes());
            assertThat(r.frames.get(3).type()).isEqualTo(Frames.TYPE_HEARTBEAT);
        }
    }

    @Test
    void incompleteFrameIsLeftUnconsumed() {
        byte[] body = frame(Frames.TYPE_BODY, 1, new byte[100]);
        ByteBuffer buf = ByteBuffer.wrap(body, 0, 50).slice();
        Recorder r = new Recorder();
        assertThat(FrameDecoder.decode(buf, 4096, r)).isTrue();
        assertThat(r.frames).isEmpty();
        assertThat(buf.position()).isZero();
    }

    @Test
    void oversizedFrameIsRejectedFromItsHeaderAlone() {
        ByteBuffer buf = ByteBuffer.allocate(7);
        buf.put((byte) Frames.TYPE_BODY).putShort((short) 1).putInt(Integer.MAX_VALUE).flip();
        Recorder r = new Recorder();
        assertThat(FrameDecoder.decode(buf, 131072, r)).isFalse();
        assertThat(r.errorCode).isEqualTo(ReplyCodes.FRAME_ERROR);
        assertThat(r.errorText).startsWith("FRAME_ERROR - ");
    }

    @Test
    void frameOfExactlyMaxSizeIsAccepted() {
        byte[] f = frame(Frames.TYPE_BODY, 1, new byte[4096 - Frames.OVERHEAD]);
        Recorder r = new Recorder();
        assertThat(FrameDecoder.decode(ByteBuffer.wrap(f), 4096, r)).isTrue();
        assertThat(r.frames).hasSize(1);
        byte[] tooBig = frame(Frames.TYPE_BODY, 1, new byte[4096 - Frames.OVERHEAD + 1]);
        Recorder r2 = new Recorder();
        assertThat(FrameDecoder.decode(ByteBuffer.wrap(tooBig), 4096, r2)).isFalse();
        assertThat(r2.errorCode).isEqualTo(ReplyCodes.FRAME_ERROR);
    }

    @Test
    void badFrameEndIsAFrameError() {
        byte[] f = frame(Frames.TYPE_METHOD, 0, new byte[]{0, 10, 0, 51});
        f[f.length - 1] = 0;
        Recorder r = new Recorder();
        assertThat(FrameDecoder.decode(ByteBuffer.wrap(f), 4096, r)).isFalse();
        assertThat(r.errorCode).isEqualTo(ReplyCodes.FRAME_ERROR);
        assertThat(r.frames).isEmpty();
    }

    @Test
    void unknownFrameTypeIsAFrameError() {
        Recorder r = new Recorder();
        assertThat(FrameDecoder.decode(ByteBuffer.wrap(frame(7, 1, new byte[3])), 4096, r)).isFalse();
        assertThat(r.errorCode).isEqualTo(ReplyCodes.FRAME_ERROR);
    }

    @Test
    void handlerCanStopBeforeAFrameAndResumeLater() {
        byte[] stream = concat(frame(Frames.TYPE_BODY, 1, new byte[]{1}), frame(Frames.TYPE_BODY, 2, new byte[]{2}));
        List<Integer> seen = new ArrayList<>();
        FrameHandler stopAtSecond = new FrameHandler() {
            @Override
            public boolean onFrame(int type, int channel, ByteBuffer buf, int off, int len) {
                if (channel == 2 && seen.size() == 1) {
                    return false;
                }
                seen.add(channel);
                return true;
            }

            @Override
            public void onFrameError(int code, String text) {
            }
        };
        ByteBuffer buf = ByteBuffer.wrap(stream);
        FrameDecoder.decode(buf, 4096, stopAtSecond);
        assertThat(seen).containsExactly(1);
        assertThat(buf.remaining()).isEqualTo(9);
        seen.add(-1);
        FrameDecoder.decode(buf, 4096, stopAtSecond);
        assertThat(seen).containsExactly(1, -1, 2);
    }
}
