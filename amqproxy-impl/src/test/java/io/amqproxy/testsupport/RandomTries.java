package io.amqproxy.testsupport;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Randomized tests without a framework: a test runs a fixed number of tries, each drawing its inputs from its own
 * {@link SplittableRandom}, split off one master generator seeded from {@link System#nanoTime()} or, when set, from
 * the system property {@value #SEED_PROPERTY}. A try's inputs depend only on the seed and the try's index, so
 * {@code mvn test -Dfuzz.seed=<seed>} replays a failure exactly. No shrinking: the first failing try is reported,
 * with the seed, its index and the inputs it drew.
 */
public final class RandomTries {

    /** The system property that fixes the seed, to replay a failure. */
    public static final String SEED_PROPERTY = "fuzz.seed";
    private static final int MAX_BYTES_SHOWN = 256;

    private RandomTries() {
    }

    /** One try: draws its inputs from {@code random}, naming them in {@code sample}, then checks them. */
    @FunctionalInterface
    public interface Try {
        void run(SplittableRandom random, Sample sample) throws Exception;
    }

    /** The seed from {@value #SEED_PROPERTY} if set, else a fresh one from {@link System#nanoTime()}. */
    public static long seed() {
        String fixed = System.getProperty(SEED_PROPERTY);
        return fixed == null || fixed.isBlank() ? System.nanoTime() : Long.parseLong(fixed.trim());
    }

    /** How to replay a seed, for failure messages. */
    public static String replay(long seed) {
        return "seed " + seed + ", replay with -D" + SEED_PROPERTY + "=" + seed;
    }

    /**
     * Runs {@code tries} tries with the given seed and stops at the first that fails, rethrowing its failure as an
     * {@link AssertionError} whose message has the seed, the try's index and its inputs.
     */
    public static void run(long seed, int tries, Try body) {
        SplittableRandom master = new SplittableRandom(seed);
        for (int i = 0; i < tries; i++) {
            SplittableRandom random = master.split();
            Sample sample = new Sample(i);
            try {
                body.run(random, sample);
            } catch (Throwable t) {
                if (t instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                throw new AssertionError("try " + i + " of " + tries + " failed (" + replay(seed)
                        + ")\n  inputs: " + sample + "\n  failure: " + t, t);
            }
        }
    }

    /** The inputs a try drew, by name, for the failure message. */
    public static final class Sample {
        private final int index;
        private final Map<String, Object> values = new LinkedHashMap<>();

        private Sample(int index) {
            this.index = index;
        }

        /** The try's index, 0 for the first: for a test that walks a range instead of drawing from it. */
        public int index() {
            return index;
        }

        /** Records an input under a name and returns it. */
        public <T> T add(String name, T value) {
            values.put(name, value);
            return value;
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder("{");
            values.forEach((k, v) -> sb.append(sb.length() > 1 ? ", " : "").append(k).append('=').append(show(v)));
            return sb.append('}').toString();
        }

        private static String show(Object v) {
            if (v instanceof byte[] b) {
                String hex = HexFormat.of().formatHex(b, 0, Math.min(b.length, MAX_BYTES_SHOWN));
                return "byte[" + b.length + "] " + hex + (b.length > MAX_BYTES_SHOWN ? "..." : "");
            }
            if (v instanceof List<?> list) {
                List<String> shown = new ArrayList<>(list.size());
                for (Object o : list) {
                    shown.add(show(o));
                }
                return shown.toString();
            }
            return String.valueOf(v);
        }
    }
}
