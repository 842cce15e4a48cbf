package io.amqproxy.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The tarball, unpacked where an operator might put it (a directory the build never saw): its launcher runs with
 * its own runtime, uses the class-data archive made at build time, and serves a real publish.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class TarballPackageIT {

    @TempDir
    Path dir;

    @Test
    void unpacksAnywhereAndServes() throws Exception {
        Path tarball = DebPackageIT.onlyFile(PackagedProxy.dist(), "amqproxy-", "-linux-x64.tar.gz");
        Command.run("tar", "-xzf", tarball.toString(), "-C", dir.toString()).ok();
        Path home = dir.resolve("amqproxy-" + PackagedProxy.version() + "-linux-x64");
        Path launcher = home.resolve("bin/amqproxy");

        PackagedProxy.printsItsVersion(launcher);
        assertThat(home.resolve("LICENSE")).exists();
        assertThat(Files.readString(home.resolve("lib/runtime/release"))).contains("JAVA_VERSION=\"17");
        // relocated, and still mapped: -Xshare:on refuses to start when the archive does not fit
        Command shared = Command.run(Duration.ofSeconds(60), Map.of("JAVA_OPTS", "-Xshare:on"),
                launcher.toString(), "--version").ok();
        assertThat(shared.output()).startsWith("amqproxy ");
        // JAVA_OPTS reaches the JVM, after the launcher's own options
        Command bad = Command.run(Duration.ofSeconds(60), Map.of("JAVA_OPTS", "-Xmx1k"), launcher.toString(),
                "--version");
        assertThat(bad.status()).isNotZero();

        PackagedProxy.servesAPublish(launcher, Map.of());
    }
}
