package io.amqproxy.examples.bench;

/** Which way a run reaches the broker. */
enum Side {
    /** The client connects to the broker (or to the relay in front of it). */
    DIRECT,
    /** The client connects to the embedded proxy, which connects to the broker (or to the relay). */
    PROXY;

    String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
