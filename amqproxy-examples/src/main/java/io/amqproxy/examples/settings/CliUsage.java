package io.amqproxy.examples.settings;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * The text of {@code --help}, made from the table of {@link CliOptions}, and the "did you mean" hints for a
 * mistyped option. Stateless.
 */
final class CliUsage {

    /** The command the synopsis names; the packaged launcher sets it to {@code amqproxy}. */
    static final String COMMAND_PROPERTY = "amqproxy.command";

    private static final int WIDTH = 110;
    private static final int HELP_COLUMN = 40;

    private static final String DESCRIPTION = String.join("\n",
            "An AMQP 0-9-1 proxy: clients connect to it as to a broker, and it serves them from a pool of",
            "connections it keeps open to the broker at AMQP_URL (amqp://host[:port] or amqps://host[:port];",
            "user, password and vhost come from each client, not from the URL). Several URLs are the nodes of",
            "a cluster: new connections go to the node with the fewest, skipping nodes that are down.");

    private static final String FOOTER = String.join("\n",
            "Environment variables (used when the command line does not say; an empty one counts as unset):",
            "  AMQP_URL (URLs separated by commas), VHOST_UPSTREAMS (vhost=url[,url...] entries separated by ';'),",
            "  UPSTREAM_CONNECTION_NAME, UPSTREAM_HEARTBEAT, TEST_API (true/false), LISTEN_ADDRESS, LISTEN_PORT,",
            "  HTTP_PORT (a port or off), LOG_LEVEL, LOG_FORMAT, IDLE_CONNECTION_TIMEOUT, MAX_UPSTREAM_CHANNELS,",
            "  MAX_UPSTREAM_LIFETIME, MAX_CLIENTS, EVENT_LOOPS,",
            "  TERM_TIMEOUT, TERM_CLIENT_CLOSE_TIMEOUT, SAFE_CHANNEL_REUSE (true/false), SEPARATE_CONSUMERS (true/false),",
            "  UPSTREAM_CA, UPSTREAM_TRUSTSTORE, UPSTREAM_TRUSTSTORE_PASSWORD, VERIFY_UPSTREAM_HOSTNAME (true/false),",
            "  LISTEN_TLS_PORT, TLS_CERT, TLS_KEY, TLS_KEYSTORE, TLS_KEYSTORE_PASSWORD",
            "",
            "Config file (INI, lowest precedence: config file < environment < command line):",
            "  [main]    upstream (URLs separated by commas), upstream_connection_name, upstream_heartbeat,",
            "            test_api, log_level, log_format, idle_connection_timeout, max_upstream_channels,",
            "            max_upstream_lifetime, max_clients, event_loops, term_timeout, term_client_close_timeout,",
            "            safe_channel_reuse, separate_consumers, upstream_ca, upstream_truststore,",
            "            upstream_truststore_password, verify_upstream_hostname",
            "  [listen]  address (or bind), port, http_port, log_level, tls_port, tls_cert, tls_key, tls_keystore,",
            "            tls_keystore_password",
            "  [vhost_upstreams]  one line per vhost with brokers of its own: vhost = url[, url...]",
            "File names are taken relative to the working directory. Errors never show a password.",
            "",
            "HTTP on the listen address and the http port: GET /healthz (200 while each upstream set has a node",
            "up, else 503; one line per node) and GET /metrics (Prometheus text). With --test-api also",
            "/faults and /traffic (JSON; see the README).",
            "",
            "SIGTERM or SIGINT: stop accepting, wait --term-client-close-timeout for clients to leave, send the",
            "rest Connection.Close 320, wait --term-timeout for them, close the upstream connections, exit 0.",
            "A second signal exits at once with status 1.",
            "Exit status: 0 after a graceful stop, --help or --version; 1 if the proxy cannot start (e.g. a",
            "port in use); 2 for a usage error (unknown option or config key, bad value, no upstream).");

    private CliUsage() {
    }

    /** The whole help text, ending with a line feed. */
    static String render(List<CliOption> options) {
        StringBuilder out = new StringBuilder(4096);
        out.append("Usage: ").append(System.getProperty(COMMAND_PROPERTY, "java -jar amqproxy.jar"))
                .append(" [OPTIONS] [AMQP_URL...]\n\n");
        out.append(DESCRIPTION).append("\n\nArguments:\n");
        entry(out, "    [AMQP_URL...]", "The broker: amqp://host[:port] or amqps://host[:port]; repeat for the "
                + "nodes of a cluster, all amqp:// or all amqps://. Required here, in AMQP_URL or in the config file.");
        out.append("\nOptions:\n");
        for (CliOption o : options) {
            entry(out, "  " + o.synopsis(), o.help());
        }
        out.append('\n').append(FOOTER).append('\n');
        return out.toString();
    }

    /** One option: its synopsis, then its help wrapped into the right-hand column. */
    private static void entry(StringBuilder out, String synopsis, String help) {
        out.append(synopsis);
        int column = synopsis.length();
        if (column > HELP_COLUMN - 2) {
            out.append('\n');
            column = 0;
        }
        out.append(" ".repeat(HELP_COLUMN - column));
        int used = HELP_COLUMN;
        for (String word : help.split(" ")) {
            if (used > HELP_COLUMN && used + 1 + word.length() > WIDTH) {
                out.append('\n').append(" ".repeat(HELP_COLUMN));
                used = HELP_COLUMN;
            }
            if (used > HELP_COLUMN) {
                out.append(' ');
                used++;
            }
            out.append(word);
            used += word.length();
        }
        out.append('\n');
    }

    /**
     * Known options a mistyped one was probably meant to be: one name starts with the other (as
     * {@code --listen-address} with {@code --listen}), or they differ by at most two letters. Long options only,
     * at most three.
     */
    static List<String> nearMisses(String typed, Collection<String> known) {
        List<String> near = new ArrayList<>();
        if (!typed.startsWith("--") || typed.length() < 5) {
            return near;
        }
        for (String name : known) {
            if (!name.startsWith("--") || near.size() == 3) {
                continue;
            }
            boolean prefix = name.startsWith(typed) || typed.startsWith(name);
            if (prefix || editDistance(typed, name) <= 2) {
                near.add(name);
            }
        }
        return near;
    }

    /** Levenshtein distance, for short strings. */
    private static int editDistance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
