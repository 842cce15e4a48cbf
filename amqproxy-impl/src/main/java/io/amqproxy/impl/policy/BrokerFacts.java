package io.amqproxy.impl.policy;

/**
 * What the proxy has learned about its brokers that decides whether a client's method would be a connection error:
 * the exchange types they know ({@link ExchangeTypes}) and the types of queues declared through the proxy
 * ({@link QueueTypes}). One per proxy, shared by every event loop; each part is thread-safe.
 */
public final class BrokerFacts {

    public final ExchangeTypes exchangeTypes = new ExchangeTypes();
    public final QueueTypes queueTypes = new QueueTypes();
}
