/**
 * The public contracts of amqproxy: the builder, configuration, listener, stats and the SPI an implementation
 * provides. Compiled after the tests (see the pom), so tests run on the class path.
 */
module io.amqproxy {
    exports io.amqproxy;
    exports io.amqproxy.spi;
    exports io.amqproxy.fixture;

    uses io.amqproxy.spi.AmqProxyProvider;
}
