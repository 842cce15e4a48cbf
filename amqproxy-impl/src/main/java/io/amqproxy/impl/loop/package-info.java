/**
 * Non-blocking sockets on one thread: {@link io.amqproxy.impl.loop.EventLoop} (a selector, the connections
 * registered on it, tasks from other threads, a flush of every connection that queued output at the end of each
 * round, ticks for timers), {@link io.amqproxy.impl.loop.NioEndpoint} (one socket: reads into the loop's shared
 * buffer, keeps only an incomplete frame's bytes between reads, queues output), {@link
 * io.amqproxy.impl.loop.OutputBuffer} (pooled chunks written with one gathering write) and the transports (plain,
 * or TLS from {@code tls}). Everything here is owned by the loop thread. This package knows bytes and timers, not
 * AMQP: the framing is written by {@code codec}, the keep-alive message chosen by the endpoint's subclass.
 */
package io.amqproxy.impl.loop;
