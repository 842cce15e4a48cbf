package io.amqproxy.examples;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.util.Properties;

/** The standalone proxy's version and the host it runs on, as {@code -v} and {@code /metrics} report them. */
final class Version {

    private Version() {
    }

    /**
     * The project version, from {@code version.properties} (filled in by Maven), so that it is right both in the
     * jar and when the main class runs from {@code target/classes}; "development" if that file is missing.
     */
    static String get() {
        try (InputStream in = Version.class.getResourceAsStream("version.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                String v = p.getProperty("version", "").strip();
                if (!v.isEmpty() && !v.startsWith("${")) {
                    return v;
                }
            }
        } catch (IOException e) {
            // fall through
        }
        return "development";
    }

    /**
     * The host's name: {@code HOSTNAME} when set (the pod name in Kubernetes), otherwise what the resolver says
     * the local host is called, otherwise "unknown". Read once at start: the lookup may be slow.
     */
    static String hostname() {
        String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank()) {
            return env.strip();
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown";
        }
    }
}
