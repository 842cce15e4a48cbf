package io.amqproxy.examples.bench;

import java.util.Arrays;
import java.util.List;

/** Percentiles of latency samples and medians of repeated measurements. */
final class Stats {

    private Stats() {
    }

    /**
     * The nearest-rank percentile of the first {@code count} samples, which this call sorts in place.
     *
     * @param p a fraction in (0, 1], e.g. 0.99
     * @return the sample, or NaN when there are none
     */
    static double percentile(long[] samples, int count, double p) {
        if (count == 0) {
            return Double.NaN;
        }
        Arrays.sort(samples, 0, count);
        int rank = (int) Math.ceil(p * count); // 1-based nearest rank
        return samples[Math.max(0, Math.min(count, rank) - 1)];
    }

    /** The median of the values, NaN ignored; the mean of the two middle ones for an even count. */
    static double median(List<Double> values) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).filter(d -> !Double.isNaN(d)).sorted().toArray();
        if (v.length == 0) {
            return Double.NaN;
        }
        int mid = v.length / 2;
        return v.length % 2 == 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
    }

    /** Nanoseconds to milliseconds. */
    static double millis(double nanos) {
        return nanos / 1_000_000.0;
    }
}
