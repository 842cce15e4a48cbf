package io.amqproxy.examples.json;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Collection;
import java.util.Map;

/**
 * Writes JSON (RFC 8259) for the HTTP endpoints: compact, keys in the map's order, strings escaped as the RFC asks
 * (quote, backslash, control characters; everything else as is, the output being UTF-8). Stateless.
 *
 * <p>Takes what {@link JsonReader} gives and a little more: {@code null}, {@code Boolean}, {@code String},
 * {@code Character}, integral numbers ({@code Byte}, {@code Short}, {@code Integer}, {@code Long}, {@code BigInteger}),
 * {@code BigDecimal}, finite {@code Float} and {@code Double}, {@code Map} with {@code String} keys, and any
 * {@code Collection}. Anything else (a {@code byte[]}, an {@code Instant}, NaN) is the caller's to convert first and
 * is refused with {@link IllegalArgumentException}, so that nothing is written in a form a reader cannot rely on.
 */
public final class JsonWriter {

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private JsonWriter() {
    }

    /**
     * The JSON text of a value.
     *
     * @throws IllegalArgumentException for a value of a type the class comment does not list, a non-finite number or
     *                                  a map key that is not a string
     */
    public static String write(Object value) {
        StringBuilder out = new StringBuilder(256);
        write(value, out, 0);
        return out.toString();
    }

    private static void write(Object value, StringBuilder out, int depth) {
        if (depth > JsonReader.MAX_DEPTH) {
            throw new IllegalArgumentException("nested deeper than " + JsonReader.MAX_DEPTH + " levels");
        }
        if (value == null) {
            out.append("null");
        } else if (value instanceof String s) {
            string(s, out);
        } else if (value instanceof Character c) {
            string(String.valueOf(c), out);
        } else if (value instanceof Boolean b) {
            out.append(b.booleanValue());
        } else if (value instanceof Integer || value instanceof Long || value instanceof Short
                || value instanceof Byte || value instanceof BigInteger) {
            out.append(value);
        } else if (value instanceof BigDecimal d) {
            out.append(d.toString());
        } else if (value instanceof Double || value instanceof Float) {
            double d = ((Number) value).doubleValue();
            if (!Double.isFinite(d)) {
                throw new IllegalArgumentException("JSON has no " + d);
            }
            out.append(value);
        } else if (value instanceof Map<?, ?> map) {
            out.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : map.entrySet()) {
                if (!(e.getKey() instanceof String key)) {
                    throw new IllegalArgumentException("JSON object keys are strings, not " + e.getKey());
                }
                out.append(first ? "" : ",");
                first = false;
                string(key, out);
                out.append(':');
                write(e.getValue(), out, depth + 1);
            }
            out.append('}');
        } else if (value instanceof Collection<?> list) {
            out.append('[');
            boolean first = true;
            for (Object o : list) {
                out.append(first ? "" : ",");
                first = false;
                write(o, out, depth + 1);
            }
            out.append(']');
        } else {
            throw new IllegalArgumentException("no JSON form for a " + value.getClass().getName());
        }
    }

    /** A string with its quotes. */
    private static void string(String s, StringBuilder out) {
        out.append('"');
        escape(s, out);
        out.append('"');
    }

    /**
     * Appends {@code s} as the inside of a JSON string, without the quotes, as RFC 8259 asks: quote, backslash and
     * every control character escaped, and a lone surrogate too, which UTF-8 cannot carry. Also used for the JSON
     * log lines, which are written without building a tree.
     */
    public static void escape(String s, StringBuilder out) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20 || Character.isSurrogate(c) && !pairedAt(s, i)) {
                        // control characters, and a lone surrogate, which UTF-8 cannot carry
                        out.append("\\u").append(HEX[c >> 12]).append(HEX[(c >> 8) & 0xF])
                                .append(HEX[(c >> 4) & 0xF]).append(HEX[c & 0xF]);
                    } else {
                        out.append(c);
                    }
                }
            }
        }
    }

    private static boolean pairedAt(String s, int i) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c)) {
            return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
        }
        return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
    }
}
