/**
 * The implementation of amqproxy; nothing here is meant for users, who see only {@code io.amqproxy} and
 * {@code io.amqproxy.spi}. This package holds {@link io.amqproxy.impl.LoopContext}, what every connection on one
 * event loop shares. The packages, from the bottom up (each uses only those below it):
 *
 * <ul>
 *   <li>{@code loop}: non-blocking sockets on a selector thread, output buffers, transports. Knows bytes, not
 *       AMQP.</li>
 *   <li>{@code tls}: the TLS transport.</li>
 *   <li>{@code codec}: AMQP frames and methods: the frame decoder, the frame and method writers, the method
 *       table from the spec, and {@link io.amqproxy.impl.codec.MethodView}, the one decode of a method that every
 *       rule reads.</li>
 *   <li>{@code metrics}: per-loop counters and the guarded user listener.</li>
 *   <li>{@code policy}: the rules of the channel data path, each a small state machine with its invariant in its
 *       header, fed decoded methods and frames; no sockets.</li>
 *   <li>{@code fixture}: the test fixture's state shared by all loops: fault rules, the traffic recording.</li>
 *   <li>{@code upstream}: connections to the broker, their handshake, channels and pool.</li>
 *   <li>{@code session}: client connections, their handshake and channels, which apply the policies in a fixed
 *       order.</li>
 *   <li>{@code server}: the listening sockets, the event loops, start and stop.</li>
 * </ul>
 *
 * <p>Threads: one event loop thread owns a selector and every connection registered on it, with all their
 * state; a client and the upstream connections that serve it live on the same loop, so forwarding a frame takes
 * no lock and no thread hop. Other threads reach a loop only through {@code EventLoop.execute}.
 *
 * <p>The path of a publish: the loop reads the client's socket into its read buffer ({@code NioEndpoint});
 * {@code FrameDecoder} finds whole frames in place; {@code ClientSession} hands a channel's frame to its
 * {@code ClientChannel}, which decodes the method once into a {@code MethodView}; the policies judge it in order
 * (admission, the test fixture's fault rules, consumer move, exclusive-queue guard, safe reuse); {@code PublishAssembler} stages method, header and
 * bodies under the upstream channel number until the message is whole; the whole message is appended to the
 * {@code UpstreamConnection}'s output, which the loop writes to the broker at the end of the round.
 *
 * <p>The path of a delivery: {@code UpstreamConnection} decodes the broker's frames the same way;
 * {@code UpstreamChannels} routes each by channel id to the {@code ChannelPeer} linked to it, the client's
 * {@code ClientChannel}, where the policies note the method (a replayed basic.qos-ok is swallowed, a declare-ok
 * names an exclusive queue); the frame is copied under the client's channel number into the client's output,
 * bodies split to the client's frame_max.
 */
package io.amqproxy.impl;
