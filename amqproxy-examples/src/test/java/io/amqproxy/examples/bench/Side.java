package io.amqproxy.examples.bench;

/** Which way a run reaches the broker. */
enum Side {
    /** The client connects to the broker (or to the relay in front of it). */
    DIRECT,
    /** The client connects to the embedded proxy, which connects to the broker (or to the relay). */
    PROXY,
    /**
     * The client connects to another proxy that runs outside this JVM in front of the same broker
     * ({@code --compare-with}); only run when one is given.
     */
    OTHER;

    String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
