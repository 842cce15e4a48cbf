package io.amqproxy.impl.session;

import io.amqproxy.impl.LoopContext;
import io.amqproxy.impl.codec.FrameDecoder;
import io.amqproxy.impl.codec.Frames;
import io.amqproxy.impl.codec.MethodReader;
import io.amqproxy.impl.codec.Methods;
import io.amqproxy.impl.codec.ReplyCodes;
import io.amqproxy.impl.loop.OutputBuffer;

import java.nio.ByteBuffer;

/**
 * What a client sends on channel 0 once admitted: Connection.Close (the session gives its channels back, then
 * answers), Connection.UpdateSecret (an OAuth 2 token refresh, see {@link SecretRefresh}), and after the proxy
 * closed the connection, the client's CloseOk or crossing Close. Anything else on channel 0 is the connection error
 * the broker would answer it with. Owned by the client's event loop, not thread-safe.
 */
final class ConnectionMethods {

    private final ClientSession session;
    private final LoopContext ctx;
    /** The client's output, held not owned. */
    private final OutputBuffer toClient;

    ConnectionMethods(ClientSession session, LoopContext ctx, OutputBuffer toClient) {
        this.session = session;
        this.ctx = ctx;
        this.toClient = toClient;
    }

    /** A method frame on channel 0 of an open connection. */
    void onMethod(ByteBuffer buf, int off, int len) {
        int method = FrameDecoder.methodId(buf, off);
        if (method == Methods.CONNECTION_CLOSE) {
            session.closedByClient();
        } else if (method == Methods.CONNECTION_UPDATE_SECRET) {
            MethodReader r = ctx.reader.reset(buf, off, len);
            byte[] secret = r.longStrBytes();
            String reason = r.shortStr();
            session.checks().updateSecret(session.handshake().credentials(), secret, reason);
        } else {
            session.connectionError(ReplyCodes.COMMAND_INVALID, ReplyCodes.text(ReplyCodes.COMMAND_INVALID,
                    "unexpected connection method " + (method >>> 16) + "." + (method & 0xFFFF)), method);
        }
    }

    /** A frame after the proxy sent Connection.Close: only the client's CloseOk (or a crossing Close) matters. */
    void afterCloseSent(int type, int channel, ByteBuffer buf, int off) {
        if (type != Frames.TYPE_METHOD || channel != 0) {
            return;
        }
        int method = FrameDecoder.methodId(buf, off);
        if (method == Methods.CONNECTION_CLOSE_OK) {
            session.closeSocketNow();
        } else if (method == Methods.CONNECTION_CLOSE) {
            ctx.writer.connectionCloseOk(toClient);
            session.closeWhenFlushedNow();
        }
    }
}
