/**
 * TLS as a {@link io.amqproxy.impl.loop.Transport}: an {@code SSLEngine} between a socket and an output buffer,
 * for the TLS listener and for amqps:// upstreams. Owned by the loop thread of its endpoint.
 */
package io.amqproxy.impl.tls;
