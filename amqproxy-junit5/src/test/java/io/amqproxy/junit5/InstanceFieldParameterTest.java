package io.amqproxy.junit5;

import io.amqproxy.AmqProxy;
import io.amqproxy.fixture.PublishRecord;
import io.amqproxy.fixture.Traffic;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/** Parameters of a class with an instance extension field: each test's own proxy, in the test and around it. */
class InstanceFieldParameterTest {

    @RegisterExtension
    AmqProxyExtension rabbit = AmqProxyExtension.upstream(Broker.upstream());

    private AmqProxy inBeforeEach;

    @BeforeEach
    void beforeEach(AmqProxy proxy) {
        inBeforeEach = proxy;
    }

    @Test
    void theTestsOwnProxyIsInjected(AmqProxy proxy) {
        assertThat(proxy).isSameAs(rabbit.proxy()).isSameAs(inBeforeEach);
        assertThat(proxy.isRunning()).isTrue();
    }

    @Test
    void theTestsOwnRecordingIsInjected(Traffic traffic) throws Exception {
        Clients.publishConfirmed(rabbit.uri(), "instance-field", "recorded");

        assertThat(traffic.awaitPublishes(1, Duration.ofSeconds(10)))
                .extracting(PublishRecord::connectionName, PublishRecord::bodyAsString)
                .containsExactly(tuple("instance-field", "recorded"));
    }

    @AfterEach
    void afterEach(AmqProxy proxy) {
        assertThat(proxy).isSameAs(rabbit.proxy());
        assertThat(proxy.isRunning()).as("closed only after the @AfterEach methods").isTrue();
    }
}
