package io.amqproxy.examples.http;

import io.amqproxy.examples.json.JsonException;
import io.amqproxy.examples.json.JsonReader;
import io.amqproxy.fixture.Fault;
import io.amqproxy.fixture.FaultAction;
import io.amqproxy.fixture.FaultRule;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Fault rules of the HTTP test API as JSON, both ways, and the errors that name the field. */
class FaultRuleJsonTest {

    private static FaultRule rule(String json) throws Exception {
        return FaultRuleJson.rule(JsonReader.parse(json));
    }

    private static Fault inForce(FaultRule rule) {
        return new Fault() {
            public String id() {
                return "7";
            }

            public FaultRule rule() {
                return rule;
            }

            public long hits() {
                return 3;
            }

            public void awaitHits(long count, Duration timeout) {
                throw new UnsupportedOperationException();
            }
        };
    }

    @Test
    void everyFieldOfTheContract() throws Exception {
        FaultRule r = rule("{\"on\": \"basic.publish\", \"exchange\": \"orders\", \"routing_key\": \"new\", "
                + "\"queue\": \"q\", \"vhost\": \"/\", \"user\": \"app\", \"connection_name\": \"billing\", \"nth\": 3, "
                + "\"times\": -1, \"action\": \"close_channel\", \"code\": 406, \"text\": \"PRECONDITION_FAILED - x\"}");

        assertThat(r).isEqualTo(new FaultRule("basic.publish", "orders", "new", "q", "/", "app", "billing", 3, -1,
                new FaultAction.CloseChannel(406, "PRECONDITION_FAILED - x")));
    }

    @Test
    void defaultsAreTheFirstMatchOnceAndNullMeansAny() throws Exception {
        FaultRule r = rule("{\"on\": \"basic.ack\", \"exchange\": null, \"action\": \"drop\"}");

        assertThat(r).isEqualTo(FaultRule.on("basic.ack").drop());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"on\":\"x.y\",\"action\":\"close_connection\",\"code\":320} | close_connection",
            "{\"on\":\"x.y\",\"action\":\"reset\"}                         | reset",
            "{\"on\":\"x.y\",\"action\":\"delay\",\"ms\":250}              | delay",
            "{\"on\":\"x.y\",\"action\":\"nack\"}                          | nack",
            "{\"on\":\"x.y\",\"action\":\"return\"}                        | return",
            "{\"on\":\"x.y\",\"action\":\"refuse\"}                        | refuse",
            "{\"on\":\"x.y\",\"action\":\"refuse\",\"code\":403,\"text\":\"no\"} | refuse"})
    void everyActionGoesBothWays(String json, String action) throws Exception {
        Map<String, Object> back = FaultRuleJson.json(inForce(rule(json)));

        assertThat(back).containsEntry("id", "7").containsEntry("action", action).containsEntry("hits", 3L);
        Map<?, ?> sent = (Map<?, ?>) JsonReader.parse(json);
        sent.forEach((k, v) -> assertThat(back.get(k)).as((String) k).isEqualTo(v instanceof Long l
                && (k.equals("code")) ? (Object) l.intValue() : v));
    }

    @Test
    void aCloseWithoutTextGetsOneThatSaysWhoClosed() throws Exception {
        assertThat(rule("{\"on\":\"basic.publish\",\"action\":\"close_connection\",\"code\":320}").action())
                .isEqualTo(new FaultAction.CloseConnection(320, "injected by the amqproxy test API"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"action\":\"drop\"}                                        | field 'on': required",
            "{\"on\":\"basic.publish\"}                                   | field 'action': required",
            "{\"on\":\"basic.publish\",\"action\":\"boom\"}               | field 'action': expected one of",
            "{\"on\":\"Basic.Publish\",\"action\":\"drop\"}               | field 'on': expected a method",
            "{\"on\":\"basic.publish\",\"action\":\"drop\",\"x\":1}       | field 'x': unknown field",
            "{\"on\":\"basic.publish\",\"action\":\"drop\",\"ms\":1}      | field 'ms': not taken by action drop",
            "{\"on\":\"basic.publish\",\"action\":\"drop\",\"nth\":\"2\"} | field 'nth': expected an integer",
            "{\"on\":\"basic.publish\",\"action\":\"drop\",\"nth\":1.5}   | field 'nth': expected an integer",
            "{\"on\":\"basic.publish\",\"action\":\"drop\",\"times\":0}   | field 'times': expected 1 or more, or -1",
            "{\"on\":\"basic.publish\",\"action\":\"drop\",\"queue\":7}   | field 'queue': expected a string",
            "{\"on\":\"basic.publish\",\"action\":\"delay\",\"ms\":-1}    | field 'ms': expected 0 or more",
            "{\"on\":\"basic.publish\",\"action\":\"close_channel\",\"code\":100} | field 'code': expected an AMQP reply code",
            "[1]                                                          | expected a JSON object"})
    void aRuleThatDoesNotParseNamesTheField(String json, String message) {
        assertThatThrownBy(() -> rule(json))
                .isInstanceOf(FaultRuleJson.BadRule.class)
                .hasMessageStartingWith(message);
    }

    @ParameterizedTest
    @ValueSource(strings = {"basic.publish", "basic.get-ok", "queue.declare", "connection.open", "basic.deliver"})
    void methodNamesAreClassDotMethodInLowerCase(String method) throws Exception {
        assertThat(rule("{\"on\":\"" + method + "\",\"action\":\"drop\"}").method()).isEqualTo(method);
    }

    @Test
    void notJsonIsTheReadersError() {
        assertThatThrownBy(() -> JsonReader.parse("{\"on\": basic.publish}")).isInstanceOf(JsonException.class);
    }
}
