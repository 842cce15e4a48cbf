package io.amqproxy.examples.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** What one run of one workload on one side measured, and what went wrong on the way. */
final class RunResult {

    private final String row;
    private final List<Measurement> values = new ArrayList<>();
    private final List<String> warnings = Collections.synchronizedList(new ArrayList<>());

    RunResult(String row) {
        this.row = row;
    }

    /** Records a value; NaN stands for "not measured on this side" and prints as "-". */
    RunResult add(String metric, double value) {
        values.add(new Measurement(row, metric, value));
        return this;
    }

    /** Records something that makes this run's numbers suspect; printed under the table. */
    RunResult warn(String text) {
        warnings.add(text);
        return this;
    }

    List<Measurement> values() {
        return values;
    }

    List<String> warnings() {
        return warnings;
    }
}
