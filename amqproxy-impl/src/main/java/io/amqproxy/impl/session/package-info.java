/**
 * Client connections. {@link io.amqproxy.impl.session.ClientSession} routes one client's socket: its handshake
 * ({@code ClientHandshake}, {@code ClientLogin}), its channels ({@code ClientChannels}, {@code ClientChannel}, which
 * applies the {@code policy} rules in order), its close, and what belongs to the connection as a whole ({@code
 * UpstreamLinks}, {@code AlarmHold}, {@code ClientOutputQuota}, {@code ExclusiveQueueCleanup}, {@code ClientClock},
 * {@code ConnectionMethods}). What must be asked of the broker before it may touch a shared upstream connection
 * (an exchange type not built in, a Connection.UpdateSecret) is tried on a connection of its own ({@code
 * BrokerTrial}, {@code SessionChecks}, {@code SecretRefresh}). Owned by the client's loop thread.
 */
package io.amqproxy.impl.session;
