package io.amqproxy.impl.loop;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * Fixed-size direct buffers reused by one event loop (not thread-safe). Idle connections hold none, so
 * memory per idle client stays small; busy ones borrow and return chunks as they queue and drain output.
 */
public final class BufferPool {

    public static final int CHUNK_SIZE = 64 * 1024;

    private final ArrayDeque<ByteBuffer> free = new ArrayDeque<>();
    private final int maxPooled;

    public BufferPool(int maxPooled) {
        this.maxPooled = maxPooled;
    }

    /** A chunk in read mode with nothing in it: position 0, limit 0. */
    public ByteBuffer acquire() {
        ByteBuffer b = free.pollFirst();
        if (b == null) {
            b = ByteBuffer.allocateDirect(CHUNK_SIZE);
        }
        b.position(0).limit(0);
        return b;
    }

    public void release(ByteBuffer b) {
        if (free.size() < maxPooled) {
            free.addFirst(b);
        }
    }

    public int pooled() {
        return free.size();
    }
}
