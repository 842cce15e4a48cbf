package io.amqproxy.examples.json;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The JSON writer of the HTTP endpoints. */
class JsonWriterTest {

    @Test
    void compactInTheMapsOrder() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("b", 1);
        m.put("a", List.of("x", 2L, 1.5, new BigDecimal("1E+3"), true));
        m.put("c", null);
        m.put("d", Map.of());

        assertThat(JsonWriter.write(m)).isEqualTo("{\"b\":1,\"a\":[\"x\",2,1.5,1E+3,true],\"c\":null,\"d\":{}}");
    }

    @Test
    void stringsAreEscapedAsTheRfcAsks() {
        assertThat(JsonWriter.write("q\" b\\ n\n r\r t\t \u0001 \u007f é \uD83D\uDE00 /"))
                .isEqualTo("\"q\\\" b\\\\ n\\n r\\r t\\t \\u0001 \u007f é \uD83D\uDE00 /\"");
        assertThat(JsonWriter.write("lone \uD800")).isEqualTo("\"lone \\ud800\"");
    }

    @Test
    void whatHasNoJsonFormIsRefused() {
        assertThatThrownBy(() -> JsonWriter.write(new byte[] {1}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no JSON form");
        assertThatThrownBy(() -> JsonWriter.write(Double.NaN)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> JsonWriter.write(Map.of(1, 2))).isInstanceOf(IllegalArgumentException.class);
    }
}
