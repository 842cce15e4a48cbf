package io.amqproxy.junit5;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks an example test class that only {@link ExampleRuns} runs, and whose tests are meant to fail at times (to show
 * the extension's behaviour on failures); anyone else who selects it, e.g. with a {@code -Dtest} pattern, finds it
 * disabled.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(Example.OnlyInExampleRuns.class)
@interface Example {

    /** The configuration parameter {@link ExampleRuns} sets. */
    String RUN_BY_EXAMPLE_RUNS = "io.amqproxy.junit5.example-run";

    final class OnlyInExampleRuns implements ExecutionCondition {
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            return context.getConfigurationParameter(RUN_BY_EXAMPLE_RUNS).isPresent()
                    ? ConditionEvaluationResult.enabled("run by ExampleRuns")
                    : ConditionEvaluationResult.disabled("an example class, run only by the tests through ExampleRuns");
        }
    }
}
