package io.amqproxy.junit5;

import io.amqproxy.AmqProxy;
import io.amqproxy.fixture.Conditions;
import io.amqproxy.fixture.Fault;
import io.amqproxy.fixture.FaultRule;
import io.amqproxy.fixture.Faults;
import io.amqproxy.fixture.Traffic;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** Parameters of a class with a static extension field: its one proxy, everywhere JUnit resolves parameters. */
class StaticFieldParameterTest {

    @RegisterExtension
    static AmqProxyExtension rabbit = AmqProxyExtension.upstream(Broker.upstream());

    private static AmqProxy inBeforeAll;
    private final AmqProxy inConstructor;
    private AmqProxy inBeforeEach;

    StaticFieldParameterTest(AmqProxy proxy) {
        inConstructor = proxy;
    }

    @BeforeAll
    static void beforeAll(AmqProxy proxy) {
        inBeforeAll = proxy;
    }

    @BeforeEach
    void beforeEach(AmqProxy proxy) {
        inBeforeEach = proxy;
    }

    @Test
    void theProxyIsInjectedIntoTheConstructorTestsAndLifecycleMethods(AmqProxy proxy) {
        assertThat(proxy).isSameAs(rabbit.proxy());
        assertThat(inConstructor).isSameAs(proxy);
        assertThat(inBeforeAll).isSameAs(proxy);
        assertThat(inBeforeEach).isSameAs(proxy);
        assertThat(proxy.isRunning()).isTrue();
    }

    @Test
    void theFixturePartsAreInjected(Traffic traffic, Faults faults, Conditions conditions) throws Exception {
        assertThat(traffic.enabled()).isTrue();

        Fault fault = faults.add(FaultRule.on("basic.publish").routingKey(Clients.NOWHERE + "injected").drop());
        assertThat(rabbit.faults().list()).extracting(Fault::id).containsExactly(fault.id());

        Clients.publishConfirmed(rabbit.uri(), "injected-parts", "seen by the injected recording");
        assertThat(traffic.awaitPublishes(1, Duration.ofSeconds(10))).singleElement()
                .extracting(r -> r.bodyAsString()).isEqualTo("seen by the injected recording");

        conditions.delayConfirms(Duration.ofMillis(1)); // the injected conditions are this proxy's: no exception
    }

    @AfterEach
    void afterEach(AmqProxy proxy) {
        assertThat(proxy).isSameAs(rabbit.proxy());
    }

    @AfterAll
    static void afterAll(AmqProxy proxy) {
        assertThat(proxy).isSameAs(inBeforeAll);
        assertThat(proxy.isRunning()).as("closed only after the @AfterAll methods").isTrue();
    }
}
