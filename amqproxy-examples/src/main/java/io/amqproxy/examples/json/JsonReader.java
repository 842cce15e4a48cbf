package io.amqproxy.examples.json;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict RFC 8259 JSON reader for the HTTP test API's request bodies, so that the standalone proxy needs no JSON
 * library. One value with optional whitespace around it; anything else is refused with a {@link JsonException}:
 * trailing text, comments, single quotes, trailing commas, leading zeros, {@code NaN}, unescaped control characters,
 * lone surrogates, and an object that names a key twice (which value would count is not defined by the RFC, so
 * a rule with two {@code "on"} is refused rather than guessed).
 *
 * <p>Values become: object, a {@code Map<String, Object>} in the order written; array, a {@code List<Object>};
 * string, {@code String}; a number without fraction or exponent that fits, {@code Long}; any other number,
 * {@code BigDecimal}; {@code true}/{@code false}, {@code Boolean}; {@code null}, {@code null}. Collections are
 * unmodifiable. Nesting is limited to {@value #MAX_DEPTH} levels, so a hostile body cannot exhaust the stack.
 * Stateless for callers; each {@link #parse} works on its own instance.
 */
public final class JsonReader {

    /** The deepest nesting of arrays and objects accepted. */
    public static final int MAX_DEPTH = 64;

    private final String text;
    private int at;
    private int depth;

    private JsonReader(String text) {
        this.text = text;
    }

    /**
     * Parses one JSON text.
     *
     * @param text the whole text, e.g. a request body
     * @return the value, as the class comment describes
     * @throws JsonException if the text is not exactly one valid JSON value
     */
    public static Object parse(String text) throws JsonException {
        JsonReader r = new JsonReader(text);
        r.skipWhitespace();
        Object value = r.value();
        r.skipWhitespace();
        if (r.at < text.length()) {
            throw r.error("unexpected text after the JSON value");
        }
        return value;
    }

    private Object value() throws JsonException {
        if (at >= text.length()) {
            throw error("unexpected end of the text, expected a value");
        }
        char c = text.charAt(at);
        return switch (c) {
            case '{' -> object();
            case '[' -> array();
            case '"' -> string();
            case 't' -> literal("true", Boolean.TRUE);
            case 'f' -> literal("false", Boolean.FALSE);
            case 'n' -> literal("null", null);
            default -> {
                if (c == '-' || (c >= '0' && c <= '9')) {
                    yield number();
                }
                throw error("unexpected character " + describe(c) + ", expected a value");
            }
        };
    }

    private Map<String, Object> object() throws JsonException {
        enter();
        at++; // '{'
        Map<String, Object> map = new LinkedHashMap<>();
        skipWhitespace();
        if (peek() == '}') {
            at++;
            depth--;
            return Collections.unmodifiableMap(map);
        }
        while (true) {
            skipWhitespace();
            if (peek() != '"') {
                throw error("expected a string as the object's key");
            }
            int keyAt = at;
            String key = string();
            skipWhitespace();
            expect(':');
            skipWhitespace();
            Object value = value();
            if (map.containsKey(key)) {
                throw new JsonException("the key \"" + shorten(key) + "\" appears twice", keyAt);
            }
            map.put(key, value);
            skipWhitespace();
            char c = peek();
            at++;
            if (c == '}') {
                depth--;
                return Collections.unmodifiableMap(map);
            }
            if (c != ',') {
                throw error(at - 1, "expected ',' or '}' in an object");
            }
        }
    }

    private List<Object> array() throws JsonException {
        enter();
        at++; // '['
        List<Object> list = new ArrayList<>();
        skipWhitespace();
        if (peek() == ']') {
            at++;
            depth--;
            return Collections.unmodifiableList(list);
        }
        while (true) {
            skipWhitespace();
            list.add(value());
            skipWhitespace();
            char c = peek();
            at++;
            if (c == ']') {
                depth--;
                return Collections.unmodifiableList(list);
            }
            if (c != ',') {
                throw error(at - 1, "expected ',' or ']' in an array");
            }
        }
    }

    private String string() throws JsonException {
        at++; // opening quote
        StringBuilder sb = new StringBuilder();
        while (true) {
            if (at >= text.length()) {
                throw error("unterminated string");
            }
            char c = text.charAt(at++);
            if (c == '"') {
                return sb.toString();
            }
            if (c < 0x20) {
                throw error(at - 1, "unescaped control character " + describe(c) + " in a string");
            }
            if (Character.isSurrogate(c)) {
                // a Java string from a decoded body can hold a lone surrogate only if the body was not valid UTF-8
                if (Character.isHighSurrogate(c) && at < text.length() && Character.isLowSurrogate(text.charAt(at))) {
                    sb.append(c).append(text.charAt(at++));
                    continue;
                }
                throw error(at - 1, "lone surrogate in a string");
            }
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            if (at >= text.length()) {
                throw error("unterminated string");
            }
            char e = text.charAt(at++);
            switch (e) {
                case '"' -> sb.append('"');
                case '\\' -> sb.append('\\');
                case '/' -> sb.append('/');
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'u' -> sb.append(unicodeEscape());
                default -> throw error(at - 1, "invalid escape \\" + describe(e));
            }
        }
    }

    /** {@code \\uXXXX}, a surrogate pair being two escapes in a row. */
    private String unicodeEscape() throws JsonException {
        char c = hex4();
        if (Character.isHighSurrogate(c)) {
            if (at + 1 < text.length() && text.charAt(at) == '\\' && text.charAt(at + 1) == 'u') {
                at += 2;
                char low = hex4();
                if (Character.isLowSurrogate(low)) {
                    return new String(new char[] {c, low});
                }
            }
            throw error("lone surrogate in a \\u escape");
        }
        if (Character.isLowSurrogate(c)) {
            throw error("lone surrogate in a \\u escape");
        }
        return String.valueOf(c);
    }

    private char hex4() throws JsonException {
        if (at + 4 > text.length()) {
            throw error("unterminated \\u escape");
        }
        int v = 0;
        for (int i = 0; i < 4; i++) {
            int d = Character.digit(text.charAt(at + i), 16);
            if (d < 0) {
                throw error(at + i, "expected a hex digit in a \\u escape");
            }
            v = v * 16 + d;
        }
        at += 4;
        return (char) v;
    }

    /** {@code -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?}, nothing more. */
    private Object number() throws JsonException {
        int start = at;
        if (peek() == '-') {
            at++;
        }
        if (peek() == '0') {
            at++;
            if (isDigit(peek())) {
                throw error("leading zero in a number");
            }
        } else if (!digits()) {
            throw error("expected a digit");
        }
        boolean integral = true;
        if (peek() == '.') {
            at++;
            integral = false;
            if (!digits()) {
                throw error("expected a digit after the decimal point");
            }
        }
        if (peek() == 'e' || peek() == 'E') {
            at++;
            integral = false;
            if (peek() == '+' || peek() == '-') {
                at++;
            }
            if (!digits()) {
                throw error("expected a digit in the exponent");
            }
        }
        String literal = text.substring(start, at);
        if (integral) {
            try {
                return Long.parseLong(literal);
            } catch (NumberFormatException tooBig) {
                return new BigDecimal(literal);
            }
        }
        try {
            return new BigDecimal(literal);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new JsonException("number out of range", start);
        }
    }

    private boolean digits() {
        int start = at;
        while (isDigit(peek())) {
            at++;
        }
        return at > start;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private Object literal(String word, Object value) throws JsonException {
        if (!text.startsWith(word, at)) {
            throw error("unexpected text, expected a value");
        }
        at += word.length();
        return value;
    }

    private void enter() throws JsonException {
        if (++depth > MAX_DEPTH) {
            throw error("nested deeper than " + MAX_DEPTH + " levels");
        }
    }

    private void expect(char c) throws JsonException {
        if (peek() != c) {
            throw error("expected '" + c + "'");
        }
        at++;
    }

    /** The next character, or {@code '\0'} at the end (never valid where a character is peeked for). */
    private char peek() {
        return at < text.length() ? text.charAt(at) : '\0';
    }

    private void skipWhitespace() {
        while (at < text.length()) {
            char c = text.charAt(at);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                return;
            }
            at++;
        }
    }

    private JsonException error(String message) {
        return error(at, message);
    }

    private JsonException error(int offset, String message) {
        if (offset >= text.length() && !message.startsWith("unexpected end") && !message.startsWith("unterminated")) {
            message = message + " (the text ends there)";
        }
        return new JsonException(message, offset);
    }

    private static String describe(char c) {
        return c >= 0x20 && c < 0x7f ? "'" + c + "'" : String.format("U+%04X", (int) c);
    }

    private static String shorten(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }
}
