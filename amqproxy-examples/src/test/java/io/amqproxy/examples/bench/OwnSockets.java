package io.amqproxy.examples.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The local ports of a process's TCP connections to a given remote port, read from Linux's /proc: the
 * process's socket inodes from {@code /proc/PID/fd}, matched against {@code /proc/net/tcp} and {@code tcp6}.
 * That tells which of the broker's connections are ours (or the other proxy's), whoever else is connected.
 */
final class OwnSockets {

    private static final int LOCAL = 1;
    private static final int REMOTE = 2;
    private static final int INODE = 9;

    private OwnSockets() {
    }

    /** Local ports of this process's sockets connected to {@code remotePort}, or null off Linux. */
    static Set<Integer> localPortsConnectedTo(int remotePort) {
        return localPortsConnectedTo("self", remotePort);
    }

    /**
     * The same for another process of the same machine and network namespace; null when its descriptors
     * cannot be read (another user's process, unless this one runs as root).
     */
    static Set<Integer> localPortsConnectedTo(long pid, int remotePort) {
        return localPortsConnectedTo(Long.toString(pid), remotePort);
    }

    private static Set<Integer> localPortsConnectedTo(String process, int remotePort) {
        try {
            Set<String> inodes = socketInodes(process);
            Set<Integer> ports = new HashSet<>();
            for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
                Path path = Path.of(table);
                if (!Files.isReadable(path)) {
                    continue;
                }
                for (String line : Files.readAllLines(path)) {
                    String[] f = line.trim().split("\\s+");
                    if (f.length > INODE && port(f[REMOTE]) == remotePort && inodes.contains(f[INODE])) {
                        ports.add(port(f[LOCAL]));
                    }
                }
            }
            return ports;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static Set<String> socketInodes(String process) throws IOException {
        Set<String> inodes = new HashSet<>();
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc", process, "fd"))) {
            for (Path fd : fds) {
                try {
                    String target = Files.readSymbolicLink(fd).toString(); // "socket:[12345]"
                    if (target.startsWith("socket:[")) {
                        inodes.add(target.substring(8, target.length() - 1));
                    }
                } catch (IOException e) {
                    // the descriptor was closed while we looked
                }
            }
        }
        return inodes;
    }

    /** The port of an address as /proc prints it, "0100007F:1628". */
    private static int port(String hexAddress) {
        int colon = hexAddress.lastIndexOf(':');
        return colon < 0 ? -1 : Integer.parseInt(hexAddress.substring(colon + 1), 16);
    }
}
