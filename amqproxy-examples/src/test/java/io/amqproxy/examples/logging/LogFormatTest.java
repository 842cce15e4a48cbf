package io.amqproxy.examples.logging;

import io.amqproxy.examples.settings.LogLevel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The three log formats, and the slf4j backend that writes them. */
class LogFormatTest {

    private static final long MILLIS = 1_764_000_000_123L;
    private static final String TIME = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.123(Z|[+-]\\d\\d:\\d\\d)";

    @AfterEach
    void restore() {
        ConsoleLog.configure(LogLevel.INFO, LogFormat.PLAIN);
        ConsoleLog.redirect(System.err);
    }

    @Test
    void plainLineHasTimeLevelShortLoggerNameAndMessage() {
        String line = LogFormat.PLAIN.format(MILLIS, Level.INFO, "io.amqproxy.impl.ProxyServer", "main",
                "amqproxy listening on 127.0.0.1:5673", null);

        assertThat(line).matches(TIME + " INFO ProxyServer - amqproxy listening on 127\\.0\\.0\\.1:5673\n");
    }

    @Test
    void jsonIsOneObjectPerLineWithEverythingEscaped() {
        String line = LogFormat.JSON.format(MILLIS, Level.WARN, "io.amqproxy.impl.ProxyServer", "amqproxy-loop-0",
                "a \"quoted\" back\\slash\nnew line\ttab \u0001", null);

        assertThat(line).matches("\\{\"time\":\"" + TIME + "\",\"level\":\"WARN\",\"logger\":\"io\\.amqproxy\\.impl\\.ProxyServer\","
                + "\"thread\":\"amqproxy-loop-0\",\"message\":\"a \\\\\"quoted\\\\\" back\\\\\\\\slash\\\\nnew line\\\\ttab "
                + "\\\\u0001\"}\n");
        assertThat(line.indexOf('\n')).as("a single line").isEqualTo(line.length() - 1);
    }

    @Test
    void jsonKeepsTheStackTraceInsideTheObject() {
        String line = LogFormat.JSON.format(MILLIS, Level.ERROR, "x.Y", "main", "failed",
                new IllegalStateException("boom"));

        assertThat(line.indexOf('\n')).isEqualTo(line.length() - 1);
        assertThat(line).contains(",\"exception\":\"java.lang.IllegalStateException: boom\\n\\tat ")
                .endsWith("\"}\n");
    }

    @Test
    void journalLinesCarryTheSyslogPriorityAndNoTimestamp() {
        assertThat(LogFormat.JOURNAL.format(MILLIS, Level.INFO, "a.B", "main", "hello", null))
                .isEqualTo("<6>INFO B - hello\n");
        assertThat(LogFormat.JOURNAL.format(MILLIS, Level.WARN, "a.B", "main", "careful", null))
                .isEqualTo("<4>WARN B - careful\n");
        assertThat(LogFormat.JOURNAL.format(MILLIS, Level.ERROR, "a.B", "main", "bad", null)).startsWith("<3>");
        assertThat(LogFormat.JOURNAL.format(MILLIS, Level.DEBUG, "a.B", "main", "detail", null)).startsWith("<7>");
        String withTrace = LogFormat.JOURNAL.format(MILLIS, Level.ERROR, "a.B", "main", "bad", new RuntimeException("x"));
        assertThat(withTrace.lines()).allMatch(l -> l.startsWith("<3>"), "every line keeps the priority");
    }

    @Test
    void journalByDefaultOnlyWhenJournalStreamIsSet() {
        assertThat(LogFormat.byDefault(Map.of())).isEqualTo(LogFormat.PLAIN);
        assertThat(LogFormat.byDefault(Map.of("JOURNAL_STREAM", ""))).isEqualTo(LogFormat.PLAIN);
        assertThat(LogFormat.byDefault(Map.of("JOURNAL_STREAM", "8:4711"))).isEqualTo(LogFormat.JOURNAL);
    }

    @Test
    void namesInAnyCase() {
        assertThat(LogFormat.parse(" Json ")).isEqualTo(LogFormat.JSON);
        assertThatThrownBy(() -> LogFormat.parse("logfmt")).hasMessage(
                "log format must be plain, json or journal, was 'logfmt'");
    }

    @Test
    void slf4jLoggersFollowTheConfiguredLevelAndFormat() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ConsoleLog.redirect(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        org.slf4j.Logger log = LoggerFactory.getLogger("io.amqproxy.test.Sample");

        ConsoleLog.configure(LogLevel.WARN, LogFormat.JOURNAL);
        log.info("not shown");
        log.warn("shown {} of {}", 1, 2);
        ConsoleLog.configure(LogLevel.OFF, LogFormat.JOURNAL);
        log.error("not shown either");

        assertThat(bytes.toString(StandardCharsets.UTF_8)).isEqualTo("<4>WARN Sample - shown 1 of 2\n");
    }
}
