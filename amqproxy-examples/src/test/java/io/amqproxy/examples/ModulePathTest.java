package io.amqproxy.examples;

import io.amqproxy.AmqProxy;
import io.amqproxy.impl.server.DefaultAmqProxyProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The jars as a user on the module path sees them: {@code io.amqproxy} exports the api, {@code io.amqproxy.impl}
 * exports nothing and provides the implementation. Needs the packaged jars (module descriptors are compiled after
 * the tests of their own module), so it runs in {@code mvn verify}, and is skipped when the api and impl come as
 * class directories (e.g. {@code mvn test}).
 */
@Timeout(60)
class ModulePathTest {

    private static Path api;
    private static Path impl;
    private static Path slf4j;

    @BeforeAll
    static void findTheJars() throws Exception {
        api = codeSource(AmqProxy.class);
        impl = codeSource(DefaultAmqProxyProvider.class);
        slf4j = codeSource(LoggerFactory.class);
        assumeTrue(isModularJar(api) && isModularJar(impl), "api and impl are not packaged jars here: " + api + ", " + impl);
    }

    private static Path codeSource(Class<?> c) throws Exception {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    private static boolean isModularJar(Path p) throws IOException {
        if (!Files.isRegularFile(p)) {
            return false;
        }
        try (JarFile jar = new JarFile(p.toFile())) {
            return jar.getEntry("module-info.class") != null;
        }
    }

    private static String modulePath(Path... entries) {
        List<String> parts = new ArrayList<>();
        for (Path e : entries) {
            parts.add(e.toString());
        }
        return String.join(File.pathSeparator, parts);
    }

    /** Compiles module {@code name} with one class; returns javac's diagnostics, or null if it compiled. */
    private static String compile(Path dir, String name, String moduleInfo, String mainClass, Path out) throws IOException {
        Path src = dir.resolve(name);
        Files.createDirectories(src.resolve(name));
        Files.writeString(src.resolve("module-info.java"), moduleInfo);
        Files.writeString(src.resolve(name).resolve("Main.java"), mainClass);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
        int status = javac.run(null, null, diagnostics, "-d", out.toString(),
                "--module-path", modulePath(api, impl, slf4j),
                src.resolve("module-info.java").toString(), src.resolve(name).resolve("Main.java").toString());
        return status == 0 ? null : diagnostics.toString(StandardCharsets.UTF_8);
    }

    @Test
    void anApplicationModuleStartsTheProxyThroughTheApiAlone(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out");
        String failed = compile(dir, "app", "module app { requires io.amqproxy; }", """
                package app;
                public class Main {
                    public static void main(String[] args) {
                        try (io.amqproxy.AmqProxy proxy = io.amqproxy.AmqProxy.builder()
                                .upstream("amqp://127.0.0.1:1").listen("127.0.0.1", 0).start()) {
                            System.out.println("listening on " + proxy.port());
                        }
                    }
                }
                """, out);
        assertThat(failed).isNull();
        Process run = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--module-path", modulePath(api, impl, slf4j, out), "-m", "app/app.Main")
                .redirectErrorStream(true).start();
        assertThat(run.waitFor(30, TimeUnit.SECONDS)).isTrue();
        String output = new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(run.exitValue()).as(output).isZero();
        assertThat(output).as("the provider was found through the module's provides clause")
                .containsPattern("listening on [1-9][0-9]*");
    }

    @Test
    void theImplementationExportsNothing(@TempDir Path dir) throws Exception {
        String failed = compile(dir, "peek", "module peek { requires io.amqproxy; requires io.amqproxy.impl; }", """
                package peek;
                public class Main {
                    public static void main(String[] args) {
                        System.out.println(new io.amqproxy.impl.server.DefaultAmqProxyProvider());
                    }
                }
                """, dir.resolve("out"));
        assertThat(failed).as("compiling against an impl class").isNotNull()
                .contains("package io.amqproxy.impl.server is not visible");
    }
}
