package io.amqproxy.examples.settings;

import io.amqproxy.Upstream;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks the settings that say which brokers the proxy serves from: the default upstream set (one URL or a
 * cluster's nodes, comma-separated), the vhosts with sets of their own ({@code vhost=url[,url...]} entries separated
 * by {@code ;}), the connection name and the heartbeat the proxy uses with them. Stateless.
 *
 * <p>Lists are split here, not by the sources, so that {@code amqp://a amqp://b} on the command line,
 * {@code AMQP_URL=amqp://a,amqp://b} and {@code upstream = amqp://a, amqp://b} are checked alike. A comma or a
 * semicolon cannot appear in a URL here: a password that holds one must be percent-encoded, and the password of a URL
 * is ignored anyway (every client brings its own). Errors name the origin and the position, never the URL itself.
 */
final class UpstreamSettingsResolver {

    /** The largest heartbeat AMQP can carry (a short). */
    private static final long MAX_HEARTBEAT_SECONDS = 65535;

    private UpstreamSettingsResolver() {
    }

    /** The upstream settings of the merged sources. */
    static Settings.Upstreams upstreams(Map<Setting, RawValue> v) throws UsageException {
        RawValue raw = v.get(Setting.UPSTREAM);
        if (raw == null) {
            throw new UsageException("missing AMQP_URL: give the broker as amqp://host[:port] (or amqps://) as an "
                    + "argument, in the environment variable AMQP_URL or as upstream in [main] of the config file");
        }
        List<String> urls = urls(raw.text(), raw.origin());
        Map<String, List<String>> vhosts = vhosts(v.get(Setting.VHOST_UPSTREAMS));
        oneScheme(urls, vhosts, raw, v.get(Setting.VHOST_UPSTREAMS));
        return new Settings.Upstreams(urls, vhosts, connectionName(v.get(Setting.UPSTREAM_CONNECTION_NAME)),
                heartbeat(v.get(Setting.UPSTREAM_HEARTBEAT)));
    }

    /** {@code url[,url...]}, spaces around the commas allowed. */
    private static List<String> urls(String text, String origin) throws UsageException {
        String[] parts = text.split(",", -1);
        List<String> urls = new ArrayList<>(parts.length);
        for (int i = 0; i < parts.length; i++) {
            String url = parts[i].strip();
            String where = parts.length == 1 ? origin : origin + ": URL " + (i + 1) + " of " + parts.length;
            if (url.isEmpty()) {
                throw new UsageException(where + ": empty; separate URLs with single commas");
            }
            try {
                Upstream.parse(url);
            } catch (IllegalArgumentException e) {
                // The api's message names the scheme or the part that is wrong, never user info from the URL.
                throw new UsageException(where + ": " + e.getMessage());
            }
            urls.add(url);
        }
        return urls;
    }

    /** {@code vhost=url[,url...]} entries separated by {@code ;}; a vhost named again takes its later URLs. */
    private static Map<String, List<String>> vhosts(RawValue raw) throws UsageException {
        Map<String, List<String>> vhosts = new LinkedHashMap<>();
        if (raw == null) {
            return vhosts;
        }
        for (String entry : raw.text().split(";")) {
            if (entry.isBlank()) {
                continue; // a trailing ';' is harmless
            }
            int eq = entry.indexOf('=');
            if (eq < 0) {
                throw new UsageException(raw.origin() + ": expected VHOST=URL[,URL...], an entry has no '='");
            }
            String vhost = entry.substring(0, eq).strip();
            if (vhost.isEmpty()) {
                throw new UsageException(raw.origin() + ": expected VHOST=URL[,URL...], a vhost is empty");
            }
            vhosts.remove(vhost);
            vhosts.put(vhost, urls(entry.substring(eq + 1), raw.origin() + ": vhost '" + vhost + "'"));
        }
        return vhosts;
    }

    /** One TLS setting serves every broker, so amqp:// and amqps:// cannot be mixed. */
    private static void oneScheme(List<String> urls, Map<String, List<String>> vhosts, RawValue raw,
                                  RawValue vhostRaw) throws UsageException {
        boolean tls = Upstream.parse(urls.get(0)).tls();
        for (String url : urls) {
            if (Upstream.parse(url).tls() != tls) {
                throw new UsageException(raw.origin() + ": mixes amqp:// and amqps:// URLs; one TLS setting serves "
                        + "every upstream");
            }
        }
        for (Map.Entry<String, List<String>> e : vhosts.entrySet()) {
            for (String url : e.getValue()) {
                if (Upstream.parse(url).tls() != tls) {
                    throw new UsageException(vhostRaw.origin() + ": vhost '" + e.getKey() + "': "
                            + (tls ? "amqp://" : "amqps://") + " while AMQP_URL is " + (tls ? "amqps://" : "amqp://")
                            + "; one TLS setting serves every upstream");
                }
            }
        }
    }

    private static String connectionName(RawValue raw) throws UsageException {
        if (raw == null) {
            return null;
        }
        if (raw.text().isBlank()) {
            throw new UsageException(raw.origin() + ": the upstream connection name must not be empty");
        }
        return raw.text().strip();
    }

    private static Duration heartbeat(RawValue raw) throws UsageException {
        if (raw == null) {
            return null;
        }
        String expected = "expected whole seconds from 0 to " + MAX_HEARTBEAT_SECONDS;
        long seconds = SettingsResolver.integer(raw, expected);
        if (seconds < 0 || seconds > MAX_HEARTBEAT_SECONDS) {
            throw new UsageException(raw.origin() + ": " + expected + ", was " + seconds);
        }
        return Duration.ofSeconds(seconds);
    }
}
