/**
 * Connections from the proxy to the broker. {@link io.amqproxy.impl.upstream.UpstreamPool} keeps one loop's
 * connections by credentials and admits a client only on credentials the broker accepted; {@link
 * io.amqproxy.impl.upstream.UpstreamConnection} routes an open connection's frames ({@code BrokerFrames}, what it
 * reads; {@code UpstreamLifetime}, its tick), and sends Connection.UpdateSecret; {@code UpstreamPool.openTrial} opens
 * one that is never pooled, for a trial; {@link
 * io.amqproxy.impl.upstream.BrokerHandshake} decides its opening (backoff, TLS, login); {@code UpstreamChannels}
 * keeps its channel ids and the channel close protocol, {@code ParkedChannels} its channels kept for reuse,
 * {@code AttachedClients} the clients it tells of Blocked and of its end, {@code FairUpstreamOutput} its channels'
 * frames, each channel in a lane of its own, taken fairly before each write, and {@code SendBufferSizing} how much
 * the kernel may hold of them. All of it is owned by the loop thread;
 * clients reach it through {@link io.amqproxy.impl.upstream.UpstreamClient} and {@link
 * io.amqproxy.impl.upstream.ChannelPeer}.
 */
package io.amqproxy.impl.upstream;
