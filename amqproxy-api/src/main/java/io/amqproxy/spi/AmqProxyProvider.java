package io.amqproxy.spi;

import io.amqproxy.AmqProxy;
import io.amqproxy.ProxyConfig;

/**
 * The bridge from the api to an implementation, found with {@link java.util.ServiceLoader}.
 * Users never call this; {@code amqproxy-impl} provides it.
 */
public interface AmqProxyProvider {

    /**
     * Binds the listener and starts the event loops; returns once clients can connect.
     *
     * @param config the validated configuration
     * @return the running proxy
     */
    AmqProxy start(ProxyConfig config);
}
