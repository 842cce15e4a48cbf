package io.amqproxy.examples.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The connections the broker sees, from {@code rabbitmqctl list_connections}. Works only where rabbitmqctl
 * runs and can reach the broker (the benchmark's own machine, usually); otherwise the count is unknown.
 * Other programs' connections are in the list too; {@link #fromPorts} picks ours.
 */
final class BrokerConnections {

    private static final long TIMEOUT_SECONDS = 30;

    private BrokerConnections() {
    }

    /** The names of the broker's connections now, or null when rabbitmqctl cannot tell. */
    static Set<String> names() {
        Path out = null;
        try {
            // Output goes to a file so that a hung rabbitmqctl cannot block a read past the timeout.
            out = Files.createTempFile("amqproxy-bench-connections", ".txt");
            Process p = new ProcessBuilder("rabbitmqctl", "-q", "list_connections", "--no-table-headers", "name")
                    .redirectOutput(out.toFile())
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return null;
            }
            if (p.exitValue() != 0) {
                return null;
            }
            Set<String> names = new HashSet<>();
            Files.readAllLines(out, StandardCharsets.UTF_8).stream()
                    .map(String::strip).filter(l -> !l.isEmpty()).forEach(names::add);
            return names;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } finally {
            if (out != null) {
                try {
                    Files.deleteIfExists(out);
                } catch (IOException ignored) {
                    // a temp file left behind is harmless
                }
            }
        }
    }

    /**
     * How many of the broker's connections come from the given client ports, matching the port in each
     * connection's name ("127.0.0.1:45216 -> 127.0.0.1:5672"); NaN when either side is unknown.
     */
    static double fromPorts(Set<Integer> clientPorts) {
        Set<String> names = clientPorts == null ? null : names();
        if (names == null) {
            return Double.NaN;
        }
        return names.stream().filter(name -> clientPorts.contains(clientPort(name))).count();
    }

    private static int clientPort(String name) {
        int arrow = name.indexOf(" -> ");
        int colon = arrow < 0 ? -1 : name.lastIndexOf(':', arrow);
        try {
            return colon < 0 ? -1 : Integer.parseInt(name.substring(colon + 1, arrow));
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
