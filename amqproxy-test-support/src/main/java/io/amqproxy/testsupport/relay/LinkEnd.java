package io.amqproxy.testsupport.relay;

import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;

/**
 * One end of a link: the TCP socket, and the socket whose streams carry the link's bytes, which is the same
 * socket for plain TCP or a TLS socket layered over it. Ending the link works on the TCP socket where it must (a
 * reset is a TCP matter) and on the stream socket where the protocol on top has a say (a TLS close_notify).
 * Thread-safe as sockets are: any thread may end it while pumps read and write.
 */
final class LinkEnd {

    private final Socket tcp;
    private final Socket stream;

    private LinkEnd(Socket tcp, Socket stream) {
        this.tcp = tcp;
        this.stream = stream;
    }

    static LinkEnd plain(Socket tcp) {
        return new LinkEnd(tcp, tcp);
    }

    /** {@code tls} layered over {@code tcp}, with autoClose. */
    static LinkEnd tls(Socket tcp, SSLSocket tls) {
        return new LinkEnd(tcp, tls);
    }

    InputStream in() throws IOException {
        return stream.getInputStream();
    }

    OutputStream out() throws IOException {
        return stream.getOutputStream();
    }

    boolean isClosed() {
        return tcp.isClosed();
    }

    /**
     * Passes an end of stream on: a FIN on plain TCP, while the other direction goes on; TLS has no half-close that
     * every peer honours, so there a close_notify and a full close.
     */
    void passEnd() {
        try {
            if (stream instanceof SSLSocket) {
                stream.close();
            } else if (!tcp.isClosed()) {
                tcp.shutdownOutput();
            }
        } catch (IOException e) {
            close(); // the peer is gone already
        }
    }

    /** An orderly end: FIN (after a close_notify on TLS). */
    void fin() {
        if (!(stream instanceof SSLSocket)) {
            try {
                tcp.shutdownOutput();
            } catch (IOException ignored) {
                // closed already
            }
        }
        close();
    }

    /** An abrupt end: RST on the TCP socket, nothing of TLS. */
    void reset() {
        lingerZero();
        quietClose(tcp);
    }

    /** Makes any close of this end, whoever closes it, a reset (RST) instead of a FIN. */
    void lingerZero() {
        try {
            tcp.setSoLinger(true, 0);
        } catch (IOException ignored) {
            // closed already
        }
    }

    void close() {
        quietClose(stream);
        quietClose(tcp);
    }

    private static void quietClose(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
