/**
 * The implementation of amqproxy. It exports nothing: users see only {@code io.amqproxy}; the proxy is reached
 * through the provider it registers. Compiled after the tests (see the pom), so tests run on the class path and
 * may use package-private seams.
 */
module io.amqproxy.impl {
    requires io.amqproxy;
    requires org.slf4j;

    provides io.amqproxy.spi.AmqProxyProvider with io.amqproxy.impl.server.DefaultAmqProxyProvider;
}
