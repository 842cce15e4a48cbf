package io.amqproxy.examples;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import io.amqproxy.AmqProxy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Micrometer support lives in amqproxy-micrometer alone: an application with api, impl (or the standalone proxy)
 * and no Micrometer on its classpath, as this module's tests have, runs the proxy as before, and no class of those
 * modules refers to Micrometer.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WithoutMicrometerTest {

    @Test
    void thisClasspathHasNoMicrometer() {
        assertThatThrownBy(() -> Class.forName("io.micrometer.core.instrument.MeterRegistry"))
                .isInstanceOf(ClassNotFoundException.class);
    }

    @Test
    void apiImplAndStandaloneClassesNeverNameMicrometer() throws Exception {
        Map<String, String> classes = new HashMap<>();
        for (Class<?> inModule : List.of(AmqProxy.class, Class.forName("io.amqproxy.impl.server.DefaultAmqProxyProvider"),
                AmqProxyMain.class)) {
            classes.putAll(classFilesOf(inModule));
        }
        assertThat(classes).hasSizeGreaterThan(50);

        // a class that uses a type names it in its constant pool, as io/micrometer/...
        classes.forEach((name, bytes) -> assertThat(bytes).as(name).doesNotContain("io/micrometer"));
    }

    @Test
    void aProxyPublishesWithoutMicrometer() throws Exception {
        try (AmqProxy proxy = AmqProxy.builder().upstream(LocalBroker.upstream()).listen("127.0.0.1", 0).start();
             Connection c = LocalBroker.viaProxy(proxy.port()).newConnection();
             Channel ch = c.createChannel()) {
            String queue = ch.queueDeclare().getQueue();
            ch.confirmSelect();
            ch.basicPublish("", queue, null, "hello".getBytes(StandardCharsets.UTF_8));
            ch.waitForConfirmsOrDie(10_000);

            assertThat(proxy.stats().messagesPublished()).isEqualTo(1);
        }
    }

    /** The .class files of the module a class was loaded from (a directory or a jar), by name, as Latin-1 text. */
    private static Map<String, String> classFilesOf(Class<?> inModule) throws IOException, URISyntaxException {
        Path root = Path.of(inModule.getProtectionDomain().getCodeSource().getLocation().toURI());
        if (Files.isDirectory(root)) {
            return read(root);
        }
        try (FileSystem jar = FileSystems.newFileSystem(root)) {
            return read(jar.getPath("/"));
        }
    }

    private static Map<String, String> read(Path root) throws IOException {
        Map<String, String> classes = new HashMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                if (p.toString().endsWith(".class")) {
                    classes.put(p.toString(), new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1));
                }
            }
        }
        return classes;
    }
}
