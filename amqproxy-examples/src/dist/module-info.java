/**
 * The standalone proxy as one module, for the packaged runtime only (see build-packages): the shaded amqproxy.jar
 * (api, impl, this module's classes and slf4j-api) with this descriptor added is linked into the runtime image with
 * jlink. Classes inside the image can be archived for class-data sharing at build time and the archive stays valid
 * wherever the image is unpacked, which an archive of a class path does not (Java 17 compares class path strings).
 * The Maven build itself never compiles this file.
 */
module io.amqproxy.standalone {
    requires jdk.httpserver;   // /healthz and /metrics
    requires jdk.unsupported;  // sun.misc.Signal, for the graceful stop

    // ServiceLoader inside one named module: the api finds the impl, slf4j finds the console log backend
    uses io.amqproxy.spi.AmqProxyProvider;
    uses org.slf4j.spi.SLF4JServiceProvider;
    provides io.amqproxy.spi.AmqProxyProvider with io.amqproxy.impl.server.DefaultAmqProxyProvider;
    provides org.slf4j.spi.SLF4JServiceProvider with io.amqproxy.examples.logging.ConsoleLogProvider;
}
