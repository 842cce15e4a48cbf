package io.amqproxy.testsupport.relay;

import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;

/**
 * Something a {@link FaultRelay} does to the traffic of its links, on purpose. Each link joins one client (who
 * connected to the relay) with the relay's target; bytes flow {@link Direction#TO_TARGET} and
 * {@link Direction#TO_CLIENT}.
 *
 * <p>Three kinds, by when they apply:
 * <ul>
 *   <li><b>lasting</b> ({@link Pause}, {@link Delay}, {@link Silence}): passed to {@link FaultRelay#apply}, they hold
 *       for every open link and every link accepted later, until {@link FaultRelay#heal()};</li>
 *   <li><b>instant</b> ({@link Reset}, {@link Fin}, {@link Garbage}): passed to {@link FaultRelay#apply}, they act once
 *       on every link open at that moment;</li>
 *   <li><b>at accept</b>: {@link Silence}, {@link Reset}, {@link Fin} and {@link Garbage} passed to
 *       {@link FaultRelay#onAccept} act on each new link before it reaches the target, for a port that plays a
 *       broken peer: one that never answers, hangs up at once or speaks another protocol.</li>
 * </ul>
 * The two {@link Cut cuts} can also end a link in the middle of a stream, after a given number of client bytes
 * ({@link FaultRelay#cutAfterClientBytes}).
 */
public sealed interface RelayEffect {

    /** Which way bytes flow through a link. */
    enum Direction {
        /** From the client, who connected to the relay, to the relay's target. */
        TO_TARGET,
        /** From the target back to the client. */
        TO_CLIENT,
        /** Both ways. */
        BOTH;

        /** Whether this covers {@code one}, a single direction. */
        boolean covers(Direction one) {
            return this == BOTH || this == one;
        }
    }

    /**
     * Lasting: stop passing bytes on in {@code direction}, with every socket left open, as on a stalled path. The
     * relay keeps reading into a small bounded queue per link and direction, so a sender is pushed back once that
     * queue and the socket buffers are full; nothing is dropped. The peers see silence, never an error. On
     * {@link FaultRelay#heal()} everything held goes on, in the order it was read.
     */
    record Pause(Direction direction) implements RelayEffect {
        public Pause {
            Objects.requireNonNull(direction, "direction");
        }

        /** Both directions. */
        public Pause() {
            this(Direction.BOTH);
        }
    }

    /**
     * Lasting: hold every chunk read in {@code direction} for {@code delay} after it was read, then pass it on, in
     * order, as a far peer would (a round trip through the relay gains twice the delay when both ways are delayed).
     * Applies to chunks read after it is set; connecting and the TCP handshake are not delayed. Zero turns it off.
     */
    record Delay(Duration delay, Direction direction) implements RelayEffect {
        public Delay {
            Objects.requireNonNull(delay, "delay");
            Objects.requireNonNull(direction, "direction");
            if (delay.isNegative()) {
                throw new IllegalArgumentException("a delay cannot be negative: " + delay);
            }
        }

        /** Both directions. */
        public Delay(Duration delay) {
            this(delay, Direction.BOTH);
        }
    }

    /**
     * Lasting, both directions: every byte the relay reads is dropped, nothing is passed on, and the sockets stay
     * open; bytes read before it still go out. Each peer sees a partner that stopped talking (a hung broker, a
     * black hole), never an end of stream.
     *
     * <p>At accept, the link never reaches the target at all: the relay reads and drops what the client sends until
     * the client leaves, and {@link FaultRelay#heal()} or {@link FaultRelay#close()} end such a link with a
     * {@link Fin}, since it has nothing to resume.
     */
    record Silence() implements RelayEffect {
    }

    /** The two ways the relay can end a link: abruptly ({@link Reset}) or in order ({@link Fin}). */
    sealed interface Cut extends RelayEffect permits Reset, Fin {
    }

    /**
     * Instant: close both sockets of a link with SO_LINGER 0, so each peer gets a TCP RST and sees "connection reset"
     * (a read or write fails) without any goodbye of its protocol, as when the process at the other end is killed.
     * Bytes still queued in the relay are dropped. On a TLS side no close_notify is sent: the RST goes straight out
     * on the TCP socket under it.
     */
    record Reset() implements Cut {
    }

    /**
     * Instant: end both sockets of a link in order, as a peer that closes without a word of its protocol: each peer
     * reads an end of stream (FIN) after the bytes already passed on; bytes still queued in the relay are dropped.
     * On a TLS side a close_notify precedes the FIN.
     */
    record Fin() implements Cut {
    }

    /**
     * Instant: write {@code bytes} to the peer(s) {@code toward} which they go, as if the other peer had sent them:
     * behind whatever is already queued for that peer, then the link carries on. On a TLS side they travel inside
     * the TLS stream, as application data. At accept they go out before the link reaches the target (toward the
     * client) or right after it connects (toward the target).
     */
    record Garbage(Direction toward, byte[] bytes) implements RelayEffect {
        public Garbage {
            Objects.requireNonNull(toward, "toward");
            bytes = bytes.clone();
        }

        /** Toward the client: the relay's target seems to say {@code bytes}. */
        public Garbage(byte[] bytes) {
            this(Direction.TO_CLIENT, bytes);
        }

        @Override
        public byte[] bytes() {
            return bytes.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Garbage g && g.toward == toward && Arrays.equals(g.bytes, bytes);
        }

        @Override
        public int hashCode() {
            return 31 * toward.hashCode() + Arrays.hashCode(bytes);
        }

        @Override
        public String toString() {
            return "Garbage[toward=" + toward + ", " + bytes.length + " bytes]";
        }
    }
}
