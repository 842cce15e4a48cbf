package io.amqproxy.examples.json;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The strict JSON reader of the HTTP test API. */
class JsonReaderTest {

    @Test
    void everyKindOfValue() throws JsonException {
        Object v = JsonReader.parse(" {\"s\": \"a\\\"b\\\\c\\/\\n\\u00e9\\ud83d\\ude00\", \"i\": -42, \"big\": 12345678901234567890,"
                + " \"d\": 1.5e3, \"t\": true, \"f\": false, \"n\": null, \"a\": [1, [], {}], \"o\": {\"k\": \"v\"}}\n");

        assertThat(v).isInstanceOf(Map.class);
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) v;
        assertThat(m.keySet()).containsExactly("s", "i", "big", "d", "t", "f", "n", "a", "o");
        assertThat(m.get("s")).isEqualTo("a\"b\\c/\n\u00e9\uD83D\uDE00");
        assertThat(m.get("i")).isEqualTo(-42L);
        assertThat(m.get("big")).isEqualTo(new BigDecimal("12345678901234567890"));
        assertThat(m.get("d")).isEqualTo(new BigDecimal("1.5e3"));
        assertThat(m.get("t")).isEqualTo(true);
        assertThat(m.get("f")).isEqualTo(false);
        assertThat(m.containsKey("n")).isTrue();
        assertThat(m.get("n")).isNull();
        assertThat(m.get("a")).isEqualTo(List.of(1L, List.of(), Map.of()));
        assertThat(m.get("o")).isEqualTo(Map.of("k", "v"));
    }

    @Test
    void scalarsAtTheTopLevel() throws JsonException {
        assertThat(JsonReader.parse("0")).isEqualTo(0L);
        assertThat(JsonReader.parse("-0.25")).isEqualTo(new BigDecimal("-0.25"));
        assertThat(JsonReader.parse("\"\"")).isEqualTo("");
        assertThat(JsonReader.parse("null")).isNull();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "''                        | unexpected end of the text, expected a value at offset 0",
            "{\"a\":1,}                | expected a string as the object's key at offset 7",
            "[1,]                      | unexpected character ']', expected a value at offset 3",
            "{\"a\":1} x               | unexpected text after the JSON value at offset 8",
            "{'a':1}                   | expected a string as the object's key at offset 1",
            "01                        | leading zero in a number at offset 1",
            "1.                        | expected a digit after the decimal point (the text ends there) at offset 2",
            "NaN                       | unexpected character 'N', expected a value at offset 0",
            "tru                       | unexpected text, expected a value at offset 0",
            "\"a\\x\"                  | invalid escape \\'x' at offset 3",
            "\"\\ud800\"               | lone surrogate in a \\u escape at offset 7",
            "\"abc                     | unterminated string at offset 4",
            "{\"a\":1 \"b\":2}         | expected ',' or '}' in an object at offset 7",
            "{\"on\":1,\"on\":2}       | the key \"on\" appears twice at offset 8",
            "[1 2]                     | expected ',' or ']' in an array at offset 3",
            "/* x */ 1                 | unexpected character '/', expected a value at offset 0"})
    void refusesWhatTheRfcDoesNotAllow(String text, String message) {
        assertThatThrownBy(() -> JsonReader.parse(text))
                .isInstanceOf(JsonException.class)
                .hasMessage(message);
    }

    @Test
    void anUnescapedControlCharacterInAStringIsRefused() {
        assertThatThrownBy(() -> JsonReader.parse("\"a\tb\""))
                .hasMessage("unescaped control character U+0009 in a string at offset 2");
    }

    @ParameterizedTest
    @ValueSource(ints = {JsonReader.MAX_DEPTH, JsonReader.MAX_DEPTH + 1})
    void nestingIsLimited(int depth) throws JsonException {
        char[] open = new char[depth];
        char[] close = new char[depth];
        Arrays.fill(open, '[');
        Arrays.fill(close, ']');
        String text = new String(open) + new String(close);
        if (depth <= JsonReader.MAX_DEPTH) {
            assertThat(JsonReader.parse(text)).isInstanceOf(List.class);
        } else {
            assertThatThrownBy(() -> JsonReader.parse(text)).hasMessageStartingWith("nested deeper than 64 levels");
        }
    }

    @Test
    void whatTheWriterWritesReadsBackTheSame() throws JsonException {
        Map<String, Object> value = new java.util.LinkedHashMap<>();
        value.put("text", "quote \" backslash \\ tab \t nul \u0000 emoji \uD83D\uDE00");
        value.put("n", 7L);
        value.put("x", new BigDecimal("0.125"));
        value.put("list", List.of(true, false, "s"));
        value.put("none", null);

        assertThat(JsonReader.parse(JsonWriter.write(value))).isEqualTo(value);
    }
}
