/**
 * The running proxy: {@link io.amqproxy.impl.server.DefaultAmqProxyProvider}, found by {@code ServiceLoader},
 * starts a {@code ProxyServer}: the listening sockets, N event loops each with its own upstream pool, accepted
 * clients spread over the loops round robin, and the graceful stop. Its public methods are thread-safe; they reach
 * the loops through tasks.
 */
package io.amqproxy.impl.server;
