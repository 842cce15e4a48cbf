package io.amqproxy;

import io.amqproxy.spi.AmqProxyProvider;

import java.util.Iterator;
import java.util.ServiceLoader;

/** Finds the {@link AmqProxyProvider} on the classpath and remembers it. */
final class ProviderLookup {

    private static volatile AmqProxyProvider provider;

    private ProviderLookup() {
    }

    static AmqProxyProvider provider() {
        AmqProxyProvider p = provider;
        if (p == null) {
            p = load();
            provider = p;
        }
        return p;
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
