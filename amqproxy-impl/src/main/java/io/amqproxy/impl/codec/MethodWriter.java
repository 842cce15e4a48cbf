package io.amqproxy.impl.codec;

import io.amqproxy.impl.loop.OutputBuffer;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Builds the method frames the proxy itself sends (handshake, Close, Channel.Open, Queue.Delete...).
 * Arguments go into a reusable scratch buffer; {@link #writeTo} frames them into an {@link OutputBuffer}.
 * One instance per event loop, not thread-safe. Forwarded frames never pass through here.
 */
public final class MethodWriter {

    private ByteBuffer scratch = ByteBuffer.allocate(4096);

    /** Starts a method: clears the scratch and writes class and method id. */
    public MethodWriter begin(int methodId) {
        scratch.clear();
        scratch.putInt(methodId);
        return this;
    }

    private void ensure(int n) {
        if (scratch.remaining() < n) {
            ByteBuffer bigger = ByteBuffer.allocate(Math.max(scratch.capacity() * 2, scratch.position() + n));
            scratch.flip();
            bigger.put(scratch);
            scratch = bigger;
        }
    }

    public MethodWriter u8(int v) {
        ensure(1);
        scratch.put((byte) v);
        return this;
    }

    public MethodWriter u16(int v) {
        ensure(2);
        scratch.putShort((short) v);
        return this;
    }

    public MethodWriter u32(long v) {
        ensure(4);
        scratch.putInt((int) v);
        return this;
    }

    public MethodWriter u64(long v) {
        ensure(8);
        scratch.putLong(v);
        return this;
    }

    /** A short string, cut to 255 bytes if longer (reply texts may be). */
    public MethodWriter shortStr(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        int len = Math.min(b.length, 255);
        ensure(1 + len);
        scratch.put((byte) len);
        scratch.put(b, 0, len);
        return this;
    }

    public MethodWriter longStr(byte[] b) {
        ensure(4 + b.length);
        scratch.putInt(b.length);
        scratch.put(b);
        return this;
    }

    public MethodWriter longStr(String s) {
        return longStr(s.getBytes(StandardCharsets.UTF_8));
    }

    /** A field table of strings, booleans, numbers and nested maps. */
    public MethodWriter table(Map<String, ?> table) {
        ensure(4);
        int lenAt = scratch.position();
        scratch.putInt(0);
        for (Map.Entry<String, ?> e : table.entrySet()) {
            shortStr(e.getKey());
            value(e.getValue());
        }
        scratch.putInt(lenAt, scratch.position() - lenAt - 4);
        return this;
    }

    private void value(Object v) {
        if (v instanceof String s) {
            u8('S');
            longStr(s);
        } else if (v instanceof Boolean b) {
            u8('t');
            u8(b ? 1 : 0);
        } else if (v instanceof Integer i) {
            u8('I');
            u32(i);
        } else if (v instanceof Long l) {
            u8('l');
            u64(l);
        } else if (v instanceof Map<?, ?> m) {
            u8('F');
            @SuppressWarnings("unchecked")
            Map<String, ?> nested = (Map<String, ?>) m;
            table(nested);
        } else if (v instanceof List<?> list) {
            u8('A');
            ensure(4);
            int lenAt = scratch.position();
            scratch.putInt(0);
            for (Object o : list) {
                value(o);
            }
            scratch.putInt(lenAt, scratch.position() - lenAt - 4);
        } else if (v == null) {
            u8('V');
        } else {
            throw new IllegalArgumentException("unsupported table value type " + v.getClass().getName());
        }
    }

    /** Frames what was built as a method frame on {@code channel}. */
    public void writeTo(OutputBuffer out, int channel) {
        FrameWriter.frameHeader(out, Frames.TYPE_METHOD, channel, scratch.position());
        out.put(scratch, 0, scratch.position());
        FrameWriter.frameEnd(out);
    }

    // The methods the proxy sends, each one line at the call site.

    public void connectionClose(OutputBuffer out, int replyCode, String replyText, int failingMethodId) {
        begin(Methods.CONNECTION_CLOSE).u16(replyCode).shortStr(replyText)
                .u16(failingMethodId >>> 16).u16(failingMethodId & 0xFFFF).writeTo(out, 0);
    }

    public void connectionCloseOk(OutputBuffer out) {
        begin(Methods.CONNECTION_CLOSE_OK).writeTo(out, 0);
    }

    public void channelOpen(OutputBuffer out, int channel) {
        begin(Methods.CHANNEL_OPEN).shortStr("").writeTo(out, channel);
    }

    public void channelOpenOk(OutputBuffer out, int channel) {
        begin(Methods.CHANNEL_OPEN_OK).longStr(new byte[0]).writeTo(out, channel);
    }

    /** channel.flow active=true: a harmless question whose answer shows the broker is done with what came before. */
    public void channelFlowActive(OutputBuffer out, int channel) {
        begin(Methods.CHANNEL_FLOW).u8(1).writeTo(out, channel);
    }

    public void channelClose(OutputBuffer out, int channel, int replyCode, String replyText, int failingMethodId) {
        begin(Methods.CHANNEL_CLOSE).u16(replyCode).shortStr(replyText)
                .u16(failingMethodId >>> 16).u16(failingMethodId & 0xFFFF).writeTo(out, channel);
    }

    public void channelCloseOk(OutputBuffer out, int channel) {
        begin(Methods.CHANNEL_CLOSE_OK).writeTo(out, channel);
    }

    /** basic.ack from the broker's side: a publisher confirm. */
    public void basicAck(OutputBuffer out, int channel, long deliveryTag, boolean multiple) {
        begin(Methods.BASIC_ACK).u64(deliveryTag).u8(multiple ? 1 : 0).writeTo(out, channel);
    }

    /** basic.nack from the broker's side: a negative publisher confirm. */
    public void basicNack(OutputBuffer out, int channel, long deliveryTag, boolean multiple) {
        begin(Methods.BASIC_NACK).u64(deliveryTag).u8(multiple ? 1 : 0).writeTo(out, channel);
    }

    /** basic.return of an unroutable mandatory message; its content header and bodies follow. */
    public void basicReturn(OutputBuffer out, int channel, int replyCode, String replyText, String exchange,
                            String routingKey) {
        begin(Methods.BASIC_RETURN).u16(replyCode).shortStr(replyText).shortStr(exchange).shortStr(routingKey)
                .writeTo(out, channel);
    }

    /** queue.delete without if-unused, if-empty or no-wait. */
    public void queueDelete(OutputBuffer out, int channel, String queue) {
        begin(Methods.QUEUE_DELETE).u16(0).shortStr(queue).u8(0).writeTo(out, channel);
    }

    public void blocked(OutputBuffer out, String reason) {
        begin(Methods.CONNECTION_BLOCKED).shortStr(reason).writeTo(out, 0);
    }

    public void unblocked(OutputBuffer out) {
        begin(Methods.CONNECTION_UNBLOCKED).writeTo(out, 0);
    }
}
