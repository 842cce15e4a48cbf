package io.amqproxy.examples.bench;

/** Which way a run reaches the broker. */
enum Side {
    /** The client connects to the broker (or to the relay in front of it). */
    DIRECT,
    /**
     * The client connects to a plain TCP relay in front of the same broker ({@code --relay}, e.g. haproxy in TCP
     * mode): what a hop costs when it does nothing but copy bytes. Only run when one is given.
     */
    RELAY,
    /**
     * The client connects to another proxy that runs outside this JVM in front of the same broker
     * ({@code --compare-with}); only run when one is given.
     */
    OTHER,
    /** The client connects to the embedded proxy, which connects to the broker (or to the relay). */
    PROXY;

    String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
