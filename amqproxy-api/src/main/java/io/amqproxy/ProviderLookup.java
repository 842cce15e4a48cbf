package io.amqproxy;

import io.amqproxy.spi.AmqProxyProvider;

import java.util.Iterator;
import java.util.ServiceLoader;

/** Finds the one {@link AmqProxyProvider} on the classpath, once. */
final class ProviderLookup {

    private ProviderLookup() {
    }

    private static final class Holder {
        static final AmqProxyProvider PROVIDER = load();
    }

    static AmqProxyProvider provider() {
        return Holder.PROVIDER;
    }

    private static AmqProxyProvider load() {
        Iterator<AmqProxyProvider> found = ServiceLoader.load(AmqProxyProvider.class, ProviderLookup.class.getClassLoader()).iterator();
        if (!found.hasNext()) {
            throw new AmqProxyException("No amqproxy implementation on the classpath: add the Maven artifact "
                    + "io.amqproxy:amqproxy-impl (same version as amqproxy-api) to your dependencies");
        }
        return found.next();
    }
}
