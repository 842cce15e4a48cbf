package io.amqproxy.impl.policy;

import io.amqproxy.impl.codec.MethodView;
import io.amqproxy.impl.codec.Methods;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.assertj.core.api.Assertions.assertThat;

class MethodAdmissionTest {

    private final MethodView view = new MethodView();

    private Refusal judge(ByteBuffer payload) {
        return MethodAdmission.check(view.decodeClient(payload, 0, payload.remaining()), view);
    }

    private static ByteBuffer idOnly(int method) {
        return ByteBuffer.allocate(4).putInt(0, method);
    }

    @Test
    void aWellFormedChannelMethodGoesOn() {
        assertThat(judge(Payloads.method(w -> w.begin(Methods.BASIC_PUBLISH).u16(0).shortStr("").shortStr("q").u8(0))))
                .isNull();
        assertThat(judge(idOnly(Methods.id(90, 10)))).as("tx.select has no arguments").isNull();
    }

    @Test
    void aSecondChannelOpenIsAChannelErrorOfTheConnection() {
        Refusal r = judge(Payloads.method(w -> w.begin(Methods.CHANNEL_OPEN).shortStr("")));
        assertThat(r.scope()).isEqualTo(Refusal.Scope.CONNECTION);
        assertThat(r.code()).isEqualTo(504);
        assertThat(r.text()).isEqualTo("CHANNEL_ERROR - second 'channel.open' seen");
        assertThat(r.methodId()).isEqualTo(Methods.CHANNEL_OPEN);
    }

    @Test
    void aConnectionMethodOnAChannelIsCommandInvalidAndAnyOtherStrangerNotImplemented() {
        Refusal connection = judge(idOnly(Methods.CONNECTION_UPDATE_SECRET));
        assertThat(connection.scope()).isEqualTo(Refusal.Scope.CONNECTION);
        assertThat(connection.code()).isEqualTo(503);
        assertThat(connection.text()).isEqualTo("COMMAND_INVALID - method 10.70 cannot be sent on a channel through this proxy");
        Refusal deliver = judge(idOnly(Methods.BASIC_DELIVER));
        assertThat(deliver.code()).isEqualTo(540);
        assertThat(deliver.text()).isEqualTo("NOT_IMPLEMENTED - method 60.60 cannot be sent on a channel through this proxy");
        assertThat(judge(idOnly(Methods.id(30, 10))).code()).as("access.request").isEqualTo(540);
        assertThat(judge(idOnly(Methods.id(77, 1))).code()).as("no such class").isEqualTo(540);
    }

    @Test
    void argumentsThatDoNotDecodeAreASyntaxError() {
        Refusal r = judge(Payloads.method(w -> w.begin(Methods.BASIC_PUBLISH).u16(0).shortStr("").u8(200)));
        assertThat(r.scope()).isEqualTo(Refusal.Scope.CONNECTION);
        assertThat(r.code()).isEqualTo(502);
        assertThat(r.text()).isEqualTo("SYNTAX_ERROR - cannot decode the arguments of method 60.40");
        assertThat(r.methodId()).isEqualTo(Methods.BASIC_PUBLISH);
    }
}
