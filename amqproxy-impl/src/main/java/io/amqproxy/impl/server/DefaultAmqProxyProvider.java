package io.amqproxy.impl.server;

import io.amqproxy.AmqProxy;
import io.amqproxy.ProxyConfig;
import io.amqproxy.spi.AmqProxyProvider;

/** The implementation behind {@link AmqProxy#builder()}, found through {@link java.util.ServiceLoader}. */
public final class DefaultAmqProxyProvider implements AmqProxyProvider {

    @Override
    public AmqProxy start(ProxyConfig config) {
        return new ProxyServer(config);
    }
}
