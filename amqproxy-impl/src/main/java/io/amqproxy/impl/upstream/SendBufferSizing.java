package io.amqproxy.impl.upstream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;

/**
 * How much the kernel may hold of what an upstream connection writes (its socket's SO_SNDBUF). The proxy's own
 * output is fair between channels ({@link FairUpstreamOutput}), but whatever already sits in the kernel's send
 * buffer is not: Linux grows that buffer up to 4 MiB for a fast writer, and a neighbour's small frame then waits
 * behind megabytes of a bulk stream (milliseconds, even on loopback). A send buffer needs to be no larger than the
 * bandwidth-delay product to keep a connection at full speed. For a broker on this machine (a loopback address:
 * round trips of tens of microseconds) a small fixed buffer therefore costs no throughput and keeps the
 * interleaving fair. Anywhere else the kernel's autotuning is left alone: the round trip is not known well enough
 * (the handshake's includes the broker's work for a new connection, milliseconds), and a buffer smaller than the
 * bandwidth-delay product would cap a far broker's throughput at buffer / round trip. Stateless.
 */
final class SendBufferSizing {

    /** The buffer set for a broker on this machine: one frame of the usual frame_max (the kernel doubles it). */
    static final int LOOPBACK_BYTES = 128 * 1024;

    private static final Logger log = LoggerFactory.getLogger(SendBufferSizing.class);

    private SendBufferSizing() {
    }

    /** Sets {@code socket}'s SO_SNDBUF as {@link #forBroker} says for {@code broker}; a refusal is only logged. */
    static void apply(SocketChannel socket, InetSocketAddress broker) {
        int bytes = forBroker(broker);
        if (bytes > 0) {
            try {
                socket.setOption(StandardSocketOptions.SO_SNDBUF, bytes);
            } catch (IOException | RuntimeException e) {
                log.debug("SO_SNDBUF {} not set for the connection to {}: {}", bytes, broker, e.toString());
            }
        }
    }

    /** The SO_SNDBUF to set for a connection to {@code broker}, or 0 to leave the kernel's autotuning on. */
    static int forBroker(InetSocketAddress broker) {
        return broker != null && broker.getAddress() != null && broker.getAddress().isLoopbackAddress()
                ? LOOPBACK_BYTES : 0;
    }
}
