package io.amqproxy.junit5;

import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

/**
 * Runs example test classes (nested classes of the tests, marked {@link Example}) on the JUnit Jupiter engine, as a build would, so that a test can assert on what the extension did to a whole class: its
 * lifecycle across tests, and the outcome of each test.
 */
final class ExampleRuns {

    /** The configuration that lets JUnit run a class's tests at the same time, on up to 4 threads. */
    static final Map<String, String> CONCURRENT = Map.of(
            "junit.jupiter.execution.parallel.enabled", "true",
            "junit.jupiter.execution.parallel.mode.default", "concurrent",
            "junit.jupiter.execution.parallel.config.strategy", "fixed",
            "junit.jupiter.execution.parallel.config.fixed.parallelism", "4");

    private ExampleRuns() {
    }

    static EngineExecutionResults run(Class<?> example) {
        return run(example, Map.of());
    }

    static EngineExecutionResults run(Class<?> example, Map<String, String> configuration) {
        return EngineTestKit.engine("junit-jupiter")
                .configurationParameters(configuration)
                .configurationParameter(Example.RUN_BY_EXAMPLE_RUNS, "true")
                .selectors(selectClass(example))
                .execute();
    }

    /** Runs {@code example} and fails, with every failure's stack trace, unless its {@code tests} tests all passed. */
    static EngineExecutionResults runAndExpectSuccess(Class<?> example, int tests) {
        return expectSuccess(run(example), tests);
    }

    /** Fails, with every failure's stack trace, unless exactly {@code tests} tests ran and all passed. */
    static EngineExecutionResults expectSuccess(EngineExecutionResults results, int tests) {
        String failures = results.allEvents().failed().stream()
                .map(ExampleRuns::describe)
                .collect(Collectors.joining("\n"));
        long succeeded = results.testEvents().succeeded().count();
        long started = results.testEvents().started().count();
        if (!failures.isEmpty() || succeeded != tests || started != tests) {
            throw new AssertionError("expected " + tests + " tests to run and pass; " + started + " started, "
                    + succeeded + " passed" + (failures.isEmpty() ? "" : "; failures:\n" + failures));
        }
        return results;
    }

    private static String describe(Event event) {
        String where = event.getTestDescriptor().getUniqueId().toString();
        return event.getPayload(TestExecutionResult.class)
                .flatMap(TestExecutionResult::getThrowable)
                .map(t -> where + ":\n" + stackTrace(t))
                .orElse(where);
    }

    private static String stackTrace(Throwable t) {
        StringWriter out = new StringWriter();
        t.printStackTrace(new PrintWriter(out));
        return out.toString();
    }
}
