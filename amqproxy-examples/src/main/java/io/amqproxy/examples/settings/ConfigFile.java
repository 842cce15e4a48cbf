package io.amqproxy.examples.settings;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads the INI config file of {@code -c FILE}, in the format of cloudamqp/amqproxy:
 *
 * <pre>
 * [main]
 * upstream = amqp://broker.internal:5672
 * idle_connection_timeout = 5
 *
 * [listen]
 * address = 127.0.0.1
 * port = 5673
 * </pre>
 *
 * <p>Lines are {@code [section]}, {@code key = value}, blank, or comments starting with {@code ;} or {@code #}.
 * Keys before the first section belong to {@code [main]}. Sections and keys are the ones {@link Setting} lists,
 * spelled in lower case; anything else is an error that names the file and line, so a typo never goes unnoticed.
 * When a key appears twice the later one wins ({@code log_level} may be in both sections). Values are taken as
 * written, without quotes or trailing comments being removed. An error never echoes a line: it may hold a URL
 * with a password.
 *
 * <p>One section is open-ended: in {@code [vhost_upstreams]} each key is a vhost (as clients name it, case kept)
 * and its value the brokers of that vhost, {@code / = amqp://a:5672, amqp://b:5672}. They make one
 * {@link Setting#VHOST_UPSTREAMS} value in the syntax of its environment variable, {@code vhost=url,url;vhost=url}.
 */
final class ConfigFile {

    /** Section name, then key, then the setting it gives. */
    private static final Map<String, Map<String, Setting>> SCHEMA = schema();
    /** The section whose keys are vhosts, not names of settings. */
    static final String VHOST_SECTION = "vhost_upstreams";

    private ConfigFile() {
    }

    /**
     * Reads and checks a config file.
     *
     * @return the settings it gives, each with its file and line as the origin
     * @throws UsageException when the file cannot be read or holds an unknown section, an unknown key or a line
     *                        that is neither
     */
    static Map<Setting, RawValue> read(Path path) throws UsageException {
        List<String> lines;
        try {
            lines = Files.readAllLines(path);
        } catch (NoSuchFileException e) {
            throw new UsageException("config file " + path + ": no such file");
        } catch (AccessDeniedException e) {
            throw new UsageException("config file " + path + ": permission denied");
        } catch (CharacterCodingException e) {
            throw new UsageException("config file " + path + ": not UTF-8 text");
        } catch (IOException e) {
            throw new UsageException("config file " + path + ": cannot be read: " + e.getMessage());
        }
        return parse(path.toString(), lines);
    }

    /**
     * Checks the lines of a config file.
     *
     * @param name what to call the file in error messages and origins
     */
    static Map<Setting, RawValue> parse(String name, List<String> lines) throws UsageException {
        Map<Setting, RawValue> values = new EnumMap<>(Setting.class);
        Map<String, String> vhostUpstreams = new LinkedHashMap<>();
        String vhostSectionAt = null;
        String section = "main";
        for (int i = 0; i < lines.size(); i++) {
            String where = name + ":" + (i + 1);
            String line = lines.get(i).strip();
            if (i == 0 && line.startsWith("\uFEFF")) {
                line = line.substring(1).strip();
            }
            if (line.isEmpty() || line.startsWith(";") || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("[")) {
                if (!line.endsWith("]")) {
                    throw new UsageException(where + ": a section header must end with ']'");
                }
                section = line.substring(1, line.length() - 1).strip();
                if (section.equals(VHOST_SECTION)) {
                    vhostSectionAt = vhostSectionAt == null ? where : vhostSectionAt;
                } else if (!SCHEMA.containsKey(section)) {
                    throw new UsageException(where + ": unknown section [" + section + "]; known sections: "
                            + knownSections());
                }
                continue;
            }
            int eq = line.indexOf('=');
            if (eq < 0) {
                throw new UsageException(where + ": expected 'key = value', '[section]' or a comment");
            }
            String key = line.substring(0, eq).strip();
            if (section.equals(VHOST_SECTION)) {
                if (key.isEmpty()) {
                    throw new UsageException(where + ": expected 'vhost = url[, url...]' in [" + VHOST_SECTION + "]");
                }
                vhostUpstreams.remove(key); // the later line wins, and its place in the order
                vhostUpstreams.put(key, line.substring(eq + 1).strip());
                continue;
            }
            Setting setting = SCHEMA.get(section).get(key);
            if (setting == null) {
                throw new UsageException(where + ": unknown key '" + key + "' in [" + section + "]; known keys: "
                        + String.join(", ", SCHEMA.get(section).keySet()));
            }
            values.put(setting, new RawValue(line.substring(eq + 1).strip(), where + " [" + section + "] " + key));
        }
        if (!vhostUpstreams.isEmpty()) {
            StringBuilder joined = new StringBuilder();
            vhostUpstreams.forEach((vhost, urls) ->
                    joined.append(joined.isEmpty() ? "" : ";").append(vhost).append('=').append(urls));
            values.put(Setting.VHOST_UPSTREAMS, new RawValue(joined.toString(), vhostSectionAt + " [" + VHOST_SECTION
                    + "]"));
        }
        return values;
    }

    /** In alphabetical order, as the schema's sections are. */
    private static String knownSections() {
        StringBuilder sb = new StringBuilder();
        for (String s : SCHEMA.keySet()) {
            sb.append('[').append(s).append("], ");
        }
        return sb.append('[').append(VHOST_SECTION).append(']').toString();
    }

    private static Map<String, Map<String, Setting>> schema() {
        Map<String, Map<String, Setting>> schema = new TreeMap<>();
        for (Setting s : Setting.values()) {
            for (String sectionAndKey : s.configKeys) {
                int dot = sectionAndKey.indexOf('.');
                schema.computeIfAbsent(sectionAndKey.substring(0, dot), k -> new LinkedHashMap<>())
                        .put(sectionAndKey.substring(dot + 1), s);
            }
        }
        return schema;
    }
}
