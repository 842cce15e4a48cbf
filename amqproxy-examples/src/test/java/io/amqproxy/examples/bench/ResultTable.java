package io.amqproxy.examples.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Collects the values of every run and prints, per workload and metric, the median of each side and the
 * ratio of each proxy side to direct. Rows keep the order in which they were first seen.
 */
final class ResultTable {

    private record Key(String row, String metric) {
    }

    private final Map<Key, Map<Side, List<Double>>> values = new LinkedHashMap<>();
    private final List<Side> sides;

    /** A table with a column for each side, in the order given, direct first. */
    ResultTable(List<Side> sides) {
        this.sides = List.copyOf(sides);
    }

    /** Adds one run's values for one side. */
    void add(Side side, List<Measurement> measurements) {
        for (Measurement m : measurements) {
            values.computeIfAbsent(new Key(m.row(), m.metric()), k -> new EnumMap<>(Side.class))
                    .computeIfAbsent(side, s -> new ArrayList<>())
                    .add(m.value());
        }
    }

    /** The median of one side's runs for a row and metric; NaN when never measured. */
    double median(String row, String metric, Side side) {
        Map<Side, List<Double>> bySide = values.get(new Key(row, metric));
        return bySide == null || !bySide.containsKey(side) ? Double.NaN : Stats.median(bySide.get(side));
    }

    /** Prints the table in Markdown, so it pastes into the README as is. */
    void print(PrintStream out) {
        List<String[]> lines = new ArrayList<>();
        List<String> header = new ArrayList<>(List.of("workload", "metric"));
        for (Side side : sides) {
            header.add(side.label());
            if (side != Side.DIRECT) {
                header.add(side.label() + "/direct");
            }
        }
        lines.add(header.toArray(String[]::new));
        for (Key key : values.keySet()) {
            List<String> cells = new ArrayList<>(List.of(key.row(), key.metric()));
            double direct = median(key.row(), key.metric(), Side.DIRECT);
            for (Side side : sides) {
                double value = median(key.row(), key.metric(), side);
                cells.add(format(value));
                if (side != Side.DIRECT) {
                    cells.add(ratio(value, direct));
                }
            }
            lines.add(cells.toArray(String[]::new));
        }
        int[] widths = new int[lines.get(0).length];
        for (String[] line : lines) {
            for (int i = 0; i < widths.length; i++) {
                widths[i] = Math.max(widths[i], line[i].length());
            }
        }
        for (int l = 0; l < lines.size(); l++) {
            out.println(row(lines.get(l), widths));
            if (l == 0) {
                String[] rule = new String[widths.length];
                for (int i = 0; i < widths.length; i++) {
                    rule[i] = "-".repeat(widths[i] - 1) + (i < 2 ? "-" : ":");
                }
                out.println(row(rule, widths));
            }
        }
    }

    private static String ratio(double value, double direct) {
        double ratio = direct > 0 && !Double.isNaN(value) ? value / direct : Double.NaN;
        return Double.isNaN(ratio) ? "-" : String.format(Locale.ROOT, ratio < 0.1 ? "%.3fx" : "%.2fx", ratio);
    }

    private static String row(String[] cells, int[] widths) {
        StringBuilder sb = new StringBuilder("|");
        for (int i = 0; i < cells.length; i++) {
            String cell = cells[i];
            String pad = " ".repeat(widths[i] - cell.length());
            sb.append(' ').append(i < 2 ? cell + pad : pad + cell).append(" |");
        }
        return sb.toString();
    }

    /** A number with about three significant digits, thousands grouped; "-" for NaN. */
    static String format(double v) {
        if (Double.isNaN(v)) {
            return "-";
        }
        double a = Math.abs(v);
        if (v == Math.rint(v) && a < 1e12) {
            return String.format(Locale.ROOT, "%,d", (long) v); // counts
        }
        String pattern = a >= 100 ? "%,.0f" : a >= 10 ? "%.1f" : a >= 1 ? "%.2f" : "%.3f";
        return String.format(Locale.ROOT, pattern, v);
    }
}
