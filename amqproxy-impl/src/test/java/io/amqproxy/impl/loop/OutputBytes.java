package io.amqproxy.impl.loop;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;

/** For tests without a socket: what an {@link OutputBuffer} would have written to one. */
public final class OutputBytes {

    private OutputBytes() {
    }

    /** Everything queued in {@code out}, in the order a socket would receive it; {@code out} is emptied. */
    public static byte[] drain(OutputBuffer out) {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        try {
            out.writeTo(new Sink(sink), new ByteBuffer[16]);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return sink.toByteArray();
    }

    /** A channel that takes every byte at once, as a socket with room would. */
    private record Sink(ByteArrayOutputStream into) implements GatheringByteChannel {
        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) {
            long n = 0;
            for (int i = offset; i < offset + length; i++) {
                n += write(srcs[i]);
            }
            return n;
        }

        @Override
        public long write(ByteBuffer[] srcs) {
            return write(srcs, 0, srcs.length);
        }

        @Override
        public int write(ByteBuffer src) {
            byte[] b = new byte[src.remaining()];
            src.get(b);
            into.writeBytes(b);
            return b.length;
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
