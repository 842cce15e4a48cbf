package io.amqproxy.examples.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds the local RabbitMQ node's process in /proc, so that the benchmark can read the broker's CPU time before
 * and after each run: the one {@code beam.smp} that boots RabbitMQ ({@code -s rabbit boot}) and is not one of
 * this project's private test nodes (their paths name {@code amqproxy-}). The shared node usually gets its name
 * from the environment, so the command line need not show {@code rabbit@...}. Linux only; 0 when nothing or more
 * than one process fits ({@code --broker-pid} then tells).
 */
final class BrokerProcess {

    private BrokerProcess() {
    }

    /** The pid of the shared RabbitMQ node; 0 if none or several fit. */
    static long find() {
        long found = 0;
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), p -> isNumber(p))) {
            for (Path proc : procs) {
                String[] args = commandLine(proc);
                if (args.length == 0 || !args[0].endsWith("beam.smp")) {
                    continue;
                }
                String line = String.join(" ", args);
                if (line.contains(" -s rabbit boot") && !line.contains("amqproxy-")) {
                    if (found != 0) {
                        return 0; // ambiguous: better no figure than the wrong broker's
                    }
                    found = Long.parseLong(proc.getFileName().toString());
                }
            }
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        return found;
    }

    private static boolean isNumber(Path p) {
        String name = p.getFileName().toString();
        return !name.isEmpty() && name.chars().allMatch(Character::isDigit);
    }

    private static String[] commandLine(Path proc) {
        try {
            byte[] raw = Files.readAllBytes(proc.resolve("cmdline"));
            return raw.length == 0 ? new String[0] : new String(raw, StandardCharsets.UTF_8).split("\0");
        } catch (IOException | RuntimeException e) {
            return new String[0];
        }
    }
}
