package io.amqproxy.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The HTTP test API's contract from a client that is not Java: {@code src/test/python/test_api_contract.py} (Python 3,
 * standard library only: urllib, and a raw-socket AMQP publisher) against the standalone proxy started with
 * {@code --test-api} in front of the real broker. Skipped where no {@code python3} is on the PATH. Loopback only; the
 * proxy process is killed when the test ends.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HttpTestApiContractTest {

    private static final Duration START = Duration.ofSeconds(20);
    private static final Path SCRIPT = Path.of("src", "test", "python", "test_api_contract.py");

    private static String python3() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
            Path candidate = Path.of(dir, "python3");
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        return null;
    }

    private static ScriptRun runScript(String python, int httpPort, int amqpPort)
            throws IOException, InterruptedException {
        Process script = new ProcessBuilder(python, SCRIPT.toString(), String.valueOf(httpPort), String.valueOf(amqpPort))
                .redirectErrorStream(true)
                .start();
        script.getOutputStream().close();
        // the script's own sockets time out after 10 s each; this bounds the whole run
        if (!script.waitFor(90, TimeUnit.SECONDS)) {
            script.destroyForcibly();
            throw new AssertionError("the Python contract script did not finish within 90 s");
        }
        String output = new String(script.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new ScriptRun(script.exitValue(), output);
    }

    private record ScriptRun(int status, String output) {
    }

    @Test
    void pythonClientSeesTheContractOfTheIssue() throws Exception {
        String python = python3();
        assumeTrue(python != null, "python3 is not on the PATH");
        assertThat(SCRIPT).exists();

        try (ProxyProcess p = ProxyProcess.start("-l", "127.0.0.1", "-p", "0", "-b", "0", "--test-api",
                LocalBroker.upstream())) {
            int amqp = p.amqpPort(START);
            int http = p.httpPort(START);

            ScriptRun run = runScript(python, http, amqp);

            assertThat(run.output()).as("the script's checks").doesNotContain("FAIL").contains("ok   ");
            assertThat(run.status()).as(run.output()).isZero();
            assertThat(run.output().lines().filter(l -> l.startsWith("ok   ")).count()).as(run.output())
                    .isGreaterThanOrEqualTo(25);
        }
    }

    @Test
    void withoutTheFlagThePathsAreNotFound() throws Exception {
        try (ProxyProcess p = ProxyProcess.start("-l", "127.0.0.1", "-p", "0", "-b", "0", LocalBroker.upstream())) {
            int http = p.httpPort(START);
            for (String path : List.of("/faults", "/traffic", "/faults/1")) {
                assertThat(UpstreamSetsProcessTest.get(http, path).statusCode()).as(path).isEqualTo(404);
            }
        }
    }
}
