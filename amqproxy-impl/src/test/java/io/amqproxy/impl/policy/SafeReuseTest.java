package io.amqproxy.impl.policy;

import io.amqproxy.impl.codec.Methods;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class SafeReuseTest {

    @Test
    void plainPublishesLeaveTheChannelReusable() {
        SafeReuse reuse = new SafeReuse(true);
        reuse.onClientMethod(Payloads.publish(false));
        reuse.onClientMethod(Payloads.publish(false));
        reuse.onClientMethod(Payloads.simple(Methods.CHANNEL_CLOSE));
        assertThat(reuse.mayKeepAtClose()).isTrue();
    }

    @Test
    void aMandatoryPublishMayStillBeReturnedAfterTheClose() {
        SafeReuse reuse = new SafeReuse(true);
        reuse.onClientMethod(Payloads.publish(true));
        assertThat(reuse.mayKeepAtClose()).isFalse();
    }

    @Test
    void aNoAckGetIsSafeOnceItsAnswerArrived() {
        SafeReuse reuse = new SafeReuse(true);
        reuse.onClientMethod(Payloads.basicGet("q", true));
        assertThat(reuse.mayKeepAtClose()).as("GetOk still to come").isFalse();
        reuse.onBrokerMethod(Methods.BASIC_GET_EMPTY);
        assertThat(reuse.mayKeepAtClose()).isTrue();
    }

    @Test
    void anythingElseFromEitherSideEndsIt() {
        for (var method : new io.amqproxy.impl.codec.MethodView[] {Payloads.basicGet("q", false), Payloads.qos(1),
                Payloads.simple(Methods.id(85, 10)), Payloads.queueDeclare("q", false, false, false),
                Payloads.queueMethod(Methods.BASIC_CONSUME, "q")}) {
            SafeReuse reuse = new SafeReuse(true);
            reuse.onClientMethod(method);
            assertThat(reuse.mayKeepAtClose()).as(method.name()).isFalse();
        }
        SafeReuse returned = new SafeReuse(true);
        returned.onClientMethod(Payloads.publish(false));
        returned.onBrokerMethod(Methods.id(60, 50));
        assertThat(returned.mayKeepAtClose()).as("a basic.return from the broker").isFalse();
    }

    @Test
    void offMeansNever() {
        assertThat(new SafeReuse(false).mayKeepAtClose()).isFalse();
    }
}
