package io.amqproxy.impl.loop;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/** Bytes as they are: the socket is read into the destination and written from the output buffer. */
public final class PlainTransport implements Transport {

    public static final PlainTransport INSTANCE = new PlainTransport();

    private PlainTransport() {
    }

    @Override
    public int read(SocketChannel socket, ByteBuffer dst) throws IOException {
        return socket.read(dst);
    }

    @Override
    public long write(SocketChannel socket, OutputBuffer out, ByteBuffer[] gather) throws IOException {
        return out.writeTo(socket, gather);
    }

    @Override
    public boolean hasPendingWrites() {
        return false;
    }

    @Override
    public boolean hasBufferedInput() {
        return false;
    }
}
