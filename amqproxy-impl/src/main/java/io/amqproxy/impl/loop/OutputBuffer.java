package io.amqproxy.impl.loop;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;
import java.util.ArrayDeque;

/**
 * Bytes queued for one socket, as a queue of pooled chunks. Every chunk is kept in read mode
 * (position = first unsent byte, limit = end of data) and appended to at its limit, so a gathering write
 * can send the whole queue without flipping anything. It knows bytes only; the protocol's framing is written
 * into it by the codec. Owned by one event loop, not thread-safe.
 */
public final class OutputBuffer {

    /** Below this many bytes a chunk's content is copied rather than moved: no near-empty chunks in the queue. */
    private static final int SMALL_COPY = 4096;

    private final BufferPool pool;
    private final ArrayDeque<ByteBuffer> chunks = new ArrayDeque<>();
    private ByteBuffer tail;
    private long size;
    private long frames;

    public OutputBuffer(BufferPool pool) {
        this.pool = pool;
    }

    /** Bytes queued and not yet written. */
    public long size() {
        return size;
    }

    /** Counts one more frame queued, for {@link #takeFrameCount()}; the codec calls it as it writes a frame. */
    public void countFrame() {
        frames++;
    }

    /** Counts {@code n} more frames, moved here from another buffer's count. */
    public void addFrameCount(long n) {
        frames += n;
    }

    /** Frames queued since the last call; for metrics. */
    public long takeFrameCount() {
        long f = frames;
        frames = 0;
        return f;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    private ByteBuffer room(int n) {
        if (tail == null || tail.capacity() - tail.limit() < n) {
            tail = pool.acquire();
            chunks.addLast(tail);
        }
        return tail;
    }

    public void putByte(int v) {
        ByteBuffer b = room(1);
        int at = b.limit();
        b.limit(at + 1);
        b.put(at, (byte) v);
        size += 1;
    }

    public void putShort(int v) {
        ByteBuffer b = room(2);
        int at = b.limit();
        b.limit(at + 2);
        b.putShort(at, (short) v);
        size += 2;
    }

    public void putInt(int v) {
        ByteBuffer b = room(4);
        int at = b.limit();
        b.limit(at + 4);
        b.putInt(at, v);
        size += 4;
    }

    /** Copies {@code len} bytes of {@code src} from absolute {@code off}, across chunks as needed. */
    public void put(ByteBuffer src, int off, int len) {
        while (len > 0) {
            ByteBuffer b = room(1);
            int at = b.limit();
            int n = Math.min(len, b.capacity() - at);
            b.limit(at + n);
            b.put(at, src, off, n);
            off += n;
            len -= n;
            size += n;
        }
    }

    public void put(byte[] src) {
        put(ByteBuffer.wrap(src), 0, src.length);
    }

    /** A byte, a short and an int, big-endian, with one room check: what a frame header is made of. */
    public void putByteShortInt(int b8, int s16, int i32) {
        ByteBuffer b = room(1 + 2 + 4);
        int at = b.limit();
        b.limit(at + 1 + 2 + 4);
        b.put(at, (byte) b8);
        b.putShort(at + 1, (short) s16);
        b.putInt(at + 3, i32);
        size += 1 + 2 + 4;
    }

    /**
     * Moves everything queued in {@code other} to the end of this buffer, leaving {@code other} empty. Small
     * contents are copied so the queue does not fill with nearly empty chunks; large ones move chunk by chunk.
     */
    public void append(OutputBuffer other) {
        frames += other.takeFrameCount();
        if (other.size == 0) {
            return;
        }
        if (other.chunks.size() == 1) {
            ByteBuffer c = other.chunks.peekFirst();
            put(c, c.position(), c.remaining());
            other.clear();
            return;
        }
        chunks.addAll(other.chunks);
        tail = other.tail;
        size += other.size;
        other.chunks.clear();
        other.tail = null;
        other.size = 0;
    }

    /**
     * The big-endian int at {@code offset} bytes from the front (the first unsent byte), read across chunk
     * boundaries without consuming anything; for a reader that walks the frames queued here.
     */
    public int peekInt(long offset) {
        ByteBuffer first = chunks.peekFirst();
        if (first != null && offset + 4 <= first.remaining()) {
            return first.getInt(first.position() + (int) offset); // the usual case, read without an iterator
        }
        int v = 0;
        int got = 0;
        long skip = offset;
        for (ByteBuffer c : chunks) {
            int avail = c.remaining();
            if (skip >= avail) {
                skip -= avail;
                continue;
            }
            int at = c.position() + (int) skip;
            if (got == 0 && at + 4 <= c.limit()) {
                return c.getInt(at); // the usual case: all four bytes in one chunk
            }
            for (; at < c.limit() && got < 4; at++, got++) {
                v = (v << 8) | (c.get(at) & 0xFF);
            }
            skip = 0;
            if (got == 4) {
                return v;
            }
        }
        throw new IndexOutOfBoundsException("offset " + offset + " + 4 is past the " + size + " bytes queued");
    }

    /**
     * Moves {@code n} bytes from the front of this buffer to the end of {@code dst}: chunks that go whole change
     * owner without a copy (a large message moves by reference); of a chunk that goes in part, the smaller part is
     * copied (the rest into a new chunk when most of it goes), so no more than half a chunk is ever copied. The frames counted here stay
     * counted here; the caller accounts for what it moved.
     */
    public void transferTo(OutputBuffer dst, long n) {
        if (n > size) {
            throw new IllegalArgumentException("transfer of " + n + " bytes, " + size + " queued");
        }
        long left = n;
        while (left > 0) {
            ByteBuffer head = chunks.peekFirst();
            if (head.remaining() <= left && head.remaining() >= SMALL_COPY) {
                chunks.pollFirst();
                if (head == tail) {
                    tail = null;
                }
                int moved = head.remaining();
                dst.chunks.addLast(head);
                dst.tail = head; // dst appends after these bytes from now on
                dst.size += moved;
                size -= moved;
                left -= moved;
            } else if (head.remaining() > left && left >= SMALL_COPY && left > head.remaining() - left) {
                // most of this chunk goes: move it, and copy the smaller rest into a chunk of its own instead
                int k = (int) left;
                ByteBuffer rest = pool.acquire();
                rest.clear();
                rest.put(0, head, head.position() + k, head.remaining() - k);
                rest.limit(head.remaining() - k);
                head.limit(head.position() + k);
                chunks.pollFirst();
                chunks.addFirst(rest);
                if (head == tail) {
                    tail = rest;
                }
                dst.chunks.addLast(head);
                dst.tail = head; // its room after the new limit is free again: dst appends there
                dst.size += k;
                size -= k;
                left = 0;
            } else {
                int k = (int) Math.min(left, head.remaining());
                dst.put(head, head.position(), k);
                head.position(head.position() + k);
                size -= k;
                left -= k;
                releaseSent();
            }
        }
    }

    /** Moves up to {@code max} bytes from the front of this buffer to the end of {@code dst}, copying them. */
    public void moveTo(OutputBuffer dst, long max) {
        long left = Math.min(max, size);
        while (left > 0) {
            ByteBuffer head = chunks.peekFirst();
            int n = (int) Math.min(left, head.remaining());
            dst.put(head, head.position(), n);
            head.position(head.position() + n);
            size -= n;
            left -= n;
            releaseSent();
        }
    }

    /**
     * Writes as much as the channel takes.
     *
     * @param scratch an array reused for the gathering write
     * @return bytes written
     */
    public long writeTo(GatheringByteChannel channel, ByteBuffer[] scratch) throws IOException {
        long total = 0;
        while (size > 0) {
            int n = 0;
            for (ByteBuffer c : chunks) {
                if (n == scratch.length) {
                    break;
                }
                scratch[n++] = c;
            }
            long written = channel.write(scratch, 0, n);
            java.util.Arrays.fill(scratch, 0, n, null);
            if (written <= 0) {
                break;
            }
            total += written;
            size -= written;
            releaseSent();
            if (n < scratch.length && size > 0) {
                break; // the socket took less than offered: it is full
            }
        }
        return total;
    }

    /**
     * Lends the queued chunks, oldest first and in read mode, to a reader that takes bytes from their
     * positions without a channel, such as {@code SSLEngine.wrap}. The reader then reports what it took with
     * {@link #consumed}; the chunks stay owned by this buffer.
     *
     * @param scratch filled from index 0 with as many chunks as fit; the caller clears it after use
     * @return how many chunks were put into {@code scratch}
     */
    public int chunks(ByteBuffer[] scratch) {
        int n = 0;
        for (ByteBuffer c : chunks) {
            if (n == scratch.length) {
                break;
            }
            scratch[n++] = c;
        }
        return n;
    }

    /**
     * Accounts for {@code n} bytes taken from the front of the chunks lent by {@link #chunks} (their positions
     * already advanced) and returns the emptied chunks to the pool.
     */
    public void consumed(long n) {
        size -= n;
        releaseSent();
    }

    private void releaseSent() {
        while (!chunks.isEmpty() && !chunks.peekFirst().hasRemaining()) {
            ByteBuffer head = chunks.pollFirst();
            pool.release(head);
            if (head == tail) {
                tail = null;
            }
        }
    }

    /** Drops everything queued and returns the chunks to the pool. */
    public void clear() {
        // polled, not iterated: an iterator is an allocation on the publish path when the JIT does not remove it
        for (ByteBuffer c = chunks.pollFirst(); c != null; c = chunks.pollFirst()) {
            pool.release(c);
        }
        tail = null;
        size = 0;
    }
}
