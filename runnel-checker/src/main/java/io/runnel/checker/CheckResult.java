package io.runnel.checker;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The anomalies found in a history, by name, and a few counts of what the history holds. {@link #report} renders
 * them for people: one line per anomaly name with its count, then each anomaly with the events involved.
 */
public record CheckResult(List<Anomaly> anomalies, Map<String, Long> stats) {
    /** Anomalies listed in full per name in {@link #report}; the rest are counted. */
    private static final int SHOWN = 10;

    public CheckResult {
        anomalies = List.copyOf(anomalies);
        stats = Map.copyOf(stats);
    }

    public boolean valid() {
        return anomalies.isEmpty();
    }

    /** The number of anomalies of each name, every name present (0 when none). */
    public Map<String, Integer> counts() {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (String n : Anomaly.NAMES) out.put(n, 0);
        for (Anomaly a : anomalies) out.merge(a.name(), 1, Integer::sum);
        return out;
    }

    public List<Anomaly> of(String name) {
        List<Anomaly> out = new ArrayList<>();
        for (Anomaly a : anomalies) if (a.name().equals(name)) out.add(a);
        return out;
    }

    public String report() {
        StringBuilder b = new StringBuilder();
        b.append(valid() ? "history is valid" : "history has anomalies").append(" (");
        b.append(String.join(", ", new java.util.TreeMap<>(stats).entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList()));
        b.append(")\n");
        counts().forEach((n, c) -> b.append(String.format("  %-21s %d%n", n, c)));
        for (String n : Anomaly.NAMES) {
            List<Anomaly> list = of(n);
            for (int i = 0; i < Math.min(SHOWN, list.size()); i++) {
                Anomaly a = list.get(i);
                b.append(n).append(": ").append(a.explanation()).append('\n');
                for (Event e : a.events()) b.append("    ").append(e).append('\n');
            }
            if (list.size() > SHOWN) b.append(n).append(": ... and ").append(list.size() - SHOWN).append(" more\n");
        }
        return b.toString();
    }

    @Override
    public String toString() {
        return report();
    }
}
