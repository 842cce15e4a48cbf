/**
 * The JUnit Jupiter extension for amqproxy: {@link io.amqproxy.junit5.AmqProxyExtension}. Compiled after the tests
 * (see the pom), so tests run on the class path. The implementation, {@code io.amqproxy.impl}, is found at run time
 * through the api's service lookup.
 */
module io.amqproxy.junit5 {
    requires transitive io.amqproxy;
    requires transitive org.junit.jupiter.api;

    exports io.amqproxy.junit5;
}
