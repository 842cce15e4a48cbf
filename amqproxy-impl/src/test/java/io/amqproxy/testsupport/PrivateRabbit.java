package io.amqproxy.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One private RabbitMQ node with the plugins and configuration a test needs (the OAuth 2 backend, the
 * consistent-hash exchange, ...), started by {@code .ci/private-rabbit node start}. The shared broker on 5672 is not
 * involved, and nothing is enabled there.
 *
 * <pre>{@code
 * try (PrivateRabbit rabbit = PrivateRabbit.builder("oauth")
 *         .plugins("rabbitmq_auth_backend_oauth2")
 *         .conf("auth_backends.1 = rabbit_auth_backend_oauth2")
 *         .advancedConfig(signingKey.advancedConfig("rabbitmq"))
 *         .start()) {
 *     ConnectionFactory f = rabbit.node().factory();
 *     ...
 * }
 * }</pre>
 *
 * <p>A node with plugins boots in 7 to 19 s on a busy 2-core machine; start one per test class, or use
 * {@link #shared()}, the plain node that every test of the JVM which must break a broker shares.
 */
public final class PrivateRabbit extends PrivateNodeSet {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(180);

    private PrivateRabbit(PrivateRabbitScript script, String name) {
        super(script, name);
    }

    /** A node called {@code name} (letters, digits, - and _), without plugins until told otherwise. */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** The node. */
    public PrivateNode node() {
        return nodes().get(0);
    }

    private static PrivateRabbit shared;

    /**
     * The plain node (no plugins) that every test class of this JVM which breaks a broker on purpose shares: stops
     * its application, raises a memory alarm on it. Started on the first call (a boot costs 7 to 17 s) and stopped by
     * the shutdown hook when the tests are over, or by the script's watchdog should the JVM die. A test that breaks
     * the node restores it before it ends (application running, no alarm), so the next class finds it serving.
     */
    public static synchronized PrivateRabbit shared() {
        if (shared == null) {
            long t0 = System.nanoTime();
            shared = builder("breakable").start();
            System.out.printf("private node %s started in %d ms%n", shared.node(),
                    Duration.ofNanos(System.nanoTime() - t0).toMillis());
        }
        return shared;
    }

    /** What the node is started with. Not thread-safe; used by one test thread. */
    public static final class Builder {

        private final String name;
        private final List<String> plugins = new ArrayList<>();
        private String conf = "";
        private String advancedConfig;

        private Builder(String name) {
            this.name = Objects.requireNonNull(name);
        }

        /** Plugins to enable at boot, e.g. {@code rabbitmq_consistent_hash_exchange}. */
        public Builder plugins(String... names) {
            plugins.addAll(List.of(names));
            return this;
        }

        /** Lines in rabbitmq.conf format, added after the script's own (listener, logging). */
        public Builder conf(String rabbitmqConf) {
            conf = conf + rabbitmqConf + "\n";
            return this;
        }

        /** The whole advanced.config (Erlang terms), e.g. a signing key for the OAuth 2 plugin. */
        public Builder advancedConfig(String erlangTerms) {
            advancedConfig = erlangTerms;
            return this;
        }

        /** Starts the node and returns once it accepts AMQP connections with its plugins running. */
        public PrivateRabbit start() {
            PrivateRabbit rabbit = new PrivateRabbit(PrivateRabbitScript.locate(), name);
            Path inputs = null;
            try {
                // the files may hold a signing key: private to this user, and deleted once the node has its copy
                inputs = Files.createTempDirectory("private-rabbit-inputs",
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                List<String> args = new ArrayList<>(List.of("node", "start", rabbit.dir.toString(), name));
                if (!plugins.isEmpty()) {
                    args.add("--plugins");
                    args.add(String.join(",", plugins));
                }
                if (!conf.isEmpty()) {
                    args.add("--conf");
                    args.add(write(inputs.resolve("extra.conf"), conf).toString());
                }
                if (advancedConfig != null) {
                    args.add("--advanced");
                    args.add(write(inputs.resolve("advanced.config"), advancedConfig).toString());
                }
                rabbit.started(rabbit.script.run(START_TIMEOUT, args.toArray(String[]::new)));
                return rabbit;
            } catch (IOException e) {
                rabbit.close();
                throw new UncheckedIOException(e);
            } catch (RuntimeException e) {
                rabbit.close();
                throw e;
            } finally {
                deleteTree(inputs);
            }
        }

        private static Path write(Path file, String content) throws IOException {
            return Files.writeString(file, content, StandardCharsets.UTF_8);
        }

        private static void deleteTree(Path dir) {
            if (dir == null) {
                return;
            }
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
                Files.deleteIfExists(dir);
            } catch (IOException ignored) {
                // a leftover temp directory is harmless
            }
        }
    }
}
