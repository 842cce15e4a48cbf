package io.amqproxy.impl.jmh;

import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;

/**
 * A socket that takes every byte offered at once and keeps none, so draining an output buffer into it costs
 * the buffer's own bookkeeping (gather array, chunk release) and no system call.
 */
final class DiscardingChannel implements GatheringByteChannel {

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) {
        long taken = 0;
        for (int i = offset; i < offset + length; i++) {
            ByteBuffer b = srcs[i];
            taken += b.remaining();
            b.position(b.limit());
        }
        return taken;
    }

    @Override
    public long write(ByteBuffer[] srcs) {
        return write(srcs, 0, srcs.length);
    }

    @Override
    public int write(ByteBuffer src) {
        int taken = src.remaining();
        src.position(src.limit());
        return taken;
    }

    @Override
    public boolean isOpen() {
        return true;
    }

    @Override
    public void close() {
    }
}
