package io.amqproxy.impl.policy;

import io.amqproxy.impl.codec.Methods;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ConsumerMoveTest {

    @Test
    void aChannelThatOnlyDeclaredAndSetQosMovesWhenItConsumesAndReplaysItsQos() {
        ConsumerMove move = new ConsumerMove(true);
        assertThat(move.onClientMethod(Payloads.qos(10))).isFalse();
        assertThat(move.onClientMethod(Payloads.queueDeclare("q", false, false, false))).isFalse();
        assertThat(move.onClientMethod(Payloads.queueMethod(Methods.QUEUE_BIND, "q"))).isFalse();
        assertThat(move.onBrokerMethod(Methods.BASIC_QOS_OK)).isFalse();
        assertThat(move.onBrokerMethod(Methods.QUEUE_DECLARE_OK)).isFalse();
        assertThat(move.onBrokerMethod(Methods.QUEUE_BIND_OK)).isFalse();

        assertThat(move.onClientMethod(Payloads.queueMethod(Methods.BASIC_CONSUME, "q"))).isTrue();
        byte[] qos = move.moved();
        assertThat(qos).as("the client's basic.qos, whole").isEqualTo(Payloads.qos(10).copyPayload());
        assertThat(move.onBrokerMethod(Methods.BASIC_QOS_OK)).as("the replayed qos's answer is swallowed").isTrue();
        assertThat(move.onBrokerMethod(Methods.BASIC_QOS_OK)).as("only that one").isFalse();
    }

    @Test
    void aReplyStillOwedKeepsTheChannelWhereItIs() {
        ConsumerMove move = new ConsumerMove(true);
        move.onClientMethod(Payloads.queueDeclare("q", false, false, false));
        assertThat(move.onClientMethod(Payloads.queueMethod(Methods.BASIC_CONSUME, "q"))).isFalse();
    }

    @Test
    void consumingPinsTheChannelMovedOrNot() {
        ConsumerMove move = new ConsumerMove(true);
        assertThat(move.onClientMethod(Payloads.basicGet("q", true))).isTrue();
        assertThat(move.onClientMethod(Payloads.queueMethod(Methods.BASIC_CONSUME, "q"))).isFalse();
        assertThat(move.moved()).as("no qos was set").isNull();
    }

    @Test
    void aPublishAnExclusiveDeclareOrANoWaitMethodPinsTheChannel() {
        for (var pin : new io.amqproxy.impl.codec.MethodView[] {Payloads.publish(false),
                Payloads.queueDeclare("q", false, true, false), Payloads.queueDeclare("q", false, false, true),
                Payloads.simple(Methods.id(85, 10)), Payloads.simple(Methods.id(90, 10))}) {
            ConsumerMove move = new ConsumerMove(true);
            move.onClientMethod(pin);
            move.onBrokerMethod(Methods.QUEUE_DECLARE_OK);
            assertThat(move.onClientMethod(Payloads.queueMethod(Methods.BASIC_CONSUME, "q"))).as(pin.name()).isFalse();
        }
    }

    @Test
    void closingMethodsNeitherPinNorMove() {
        ConsumerMove move = new ConsumerMove(true);
        assertThat(move.onClientMethod(Payloads.simple(Methods.CHANNEL_CLOSE_OK))).isFalse();
        assertThat(move.onClientMethod(Payloads.queueMethod(Methods.BASIC_CONSUME, "q"))).isTrue();
    }

    @Test
    void offMeansNeverMove() {
        ConsumerMove move = new ConsumerMove(false);
        assertThat(move.onClientMethod(Payloads.queueMethod(Methods.BASIC_CONSUME, "q"))).isFalse();
    }
}
