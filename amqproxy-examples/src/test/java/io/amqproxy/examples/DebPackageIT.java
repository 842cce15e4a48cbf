package io.amqproxy.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * The .deb on this machine, as an operator uses it: dpkg -i, the launcher on the PATH, a real publish through it,
 * dpkg -r, dpkg -P. Needs root (dpkg). Whatever happens, the package is purged at the end; the unit is never
 * started (the postinst only reloads systemd, and only where systemd runs). A package named amqproxy that this
 * project did not build is never touched: the test fails instead.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class DebPackageIT {

    private static final String PACKAGE = "amqproxy";
    /** The Maintainer of packages this project builds (src/dist/build-packages). */
    private static final String OUR_MAINTAINER = "amqproxy for Java <amqproxy-java@users.noreply.github.com>";
    private static final Path LAUNCHER = Path.of("/opt/amqproxy/bin/amqproxy");
    private static final Path ON_PATH = Path.of("/usr/bin/amqproxy");
    private static final Path UNIT = Path.of("/usr/lib/systemd/system/amqproxy.service");
    private static final Path CONFIG = Path.of("/etc/amqproxy/amqproxy.ini");

    @Test
    void installsRunsAndRemovesCleanly() throws Exception {
        assumeThat(System.getProperty("user.name")).as("dpkg -i needs root").isEqualTo("root");
        Path deb = onlyFile(PackagedProxy.dist(), "amqproxy_", "_amd64.deb");

        // two builds of this project on one machine (worktrees, CI) take turns with the one package name
        Path lockFile = Path.of(System.getProperty("java.io.tmpdir"), "amqproxy-deb-test.lock");
        try (FileChannel lockChannel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock ignored = lockChannel.lock()) {
            removeOurLeftover();
            assertThat(installedVersion()).as("no package named amqproxy before the test").isEmpty();
            for (Path p : List.of(LAUNCHER, ON_PATH, UNIT, CONFIG)) {
                assertThat(p).as("not installed yet").doesNotExist();
            }
            try {
                Command.run("dpkg", "-i", deb.toString()).ok();
                checkInstalled();
                PackagedProxy.servesAPublish(ON_PATH, Map.of());

                Command.run("dpkg", "-r", PACKAGE).ok();
                for (Path p : List.of(LAUNCHER, ON_PATH, UNIT, Path.of("/opt/amqproxy"))) {
                    assertThat(p).as("gone after dpkg -r").doesNotExist();
                }
                assertThat(CONFIG).as("a conffile stays after dpkg -r").exists();

                Command.run("dpkg", "-P", PACKAGE).ok();
                assertThat(Path.of("/etc/amqproxy")).as("gone after dpkg -P").doesNotExist();
                assertThat(installedVersion()).isEmpty();
            } finally {
                if (!installedVersion().isEmpty() || Files.exists(CONFIG)) {
                    Command.run("dpkg", "-P", PACKAGE);
                }
            }
        }
    }

    private static void checkInstalled() throws Exception {
        assertThat(installedVersion()).isEqualTo(PackagedProxy.version().replace('-', '~'));
        assertThat(Files.readSymbolicLink(ON_PATH)).isEqualTo(LAUNCHER);
        PackagedProxy.printsItsVersion(ON_PATH);
        assertThat(Command.run("dpkg-query", "-W", "-f=${Conffiles}", PACKAGE).ok().output())
                .contains(CONFIG.toString());
        assertThat(Files.readString(UNIT)).contains("ExecStart=/opt/amqproxy/bin/amqproxy --config " + CONFIG);
        assertThat(Files.readString(CONFIG)).contains("[main]", "upstream = ");
        // the class-data archive made at build time maps here: with -Xshare:on the JVM refuses to start otherwise
        Command shared = Command.run(java.time.Duration.ofSeconds(60), Map.of("JAVA_OPTS", "-Xshare:on"),
                ON_PATH.toString(), "--version").ok();
        assertThat(shared.output()).startsWith("amqproxy ");
    }

    /** A package of ours left behind by an interrupted run is removed; anyone else's stops the test. */
    private static void removeOurLeftover() throws Exception {
        if (installedVersion().isEmpty()) {
            return;
        }
        String maintainer = Command.run("dpkg-query", "-W", "-f=${Maintainer}", PACKAGE).ok().output().strip();
        assertThat(maintainer).as("an amqproxy package that this project did not build is installed; the test "
                + "leaves it alone").isEqualTo(OUR_MAINTAINER);
        Command.run("dpkg", "-P", PACKAGE).ok();
    }

    /** The installed version, or empty when the package is not installed (or only its conffiles are). */
    private static String installedVersion() throws IOException, InterruptedException {
        Command q = Command.run("dpkg-query", "-W", "-f=${db:Status-Abbrev}${Version}", PACKAGE);
        return q.status() == 0 && q.output().startsWith("ii") ? q.output().substring(3).strip() : "";
    }

    static Path onlyFile(Path dir, String prefix, String suffix) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> found = files.filter(p -> p.getFileName().toString().startsWith(prefix)
                    && p.getFileName().toString().endsWith(suffix)).toList();
            assertThat(found).as(prefix + "*" + suffix + " in " + dir).hasSize(1);
            return found.get(0);
        }
    }
}
