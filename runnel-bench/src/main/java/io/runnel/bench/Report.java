package io.runnel.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Collects every run's figures for the broker under test (the "subject", normally Runnel) and, optionally,
 * Apache Kafka; reduces them to medians and renders the side-by-side table as text or Markdown.
 */
final class Report {
    static final String KAFKA = "Kafka";

    private final String subject;
    private final boolean withKafka;
    private final Set<Scenario> scenarios;
    /** scenario -> broker -> one outcome per run (in run order) */
    private final Map<Scenario, Map<String, List<ScenarioRunner.Outcome>>> outcomes = new EnumMap<>(Scenario.class);

    Report(String subject, boolean withKafka, Set<Scenario> scenarios) {
        this.subject = subject;
        this.withKafka = withKafka;
        this.scenarios = scenarios;
        for (Scenario s : scenarios) {
            Map<String, List<ScenarioRunner.Outcome>> m = new LinkedHashMap<>();
            m.put(subject, new ArrayList<>());
            if (withKafka) m.put(KAFKA, new ArrayList<>());
            outcomes.put(s, m);
        }
    }

    String subject() {
        return subject;
    }

    /** Records one run of one broker. Scenarios missing from {@code results} count as failed with {@code error}. */
    void add(String broker, Map<Scenario, ScenarioRunner.Outcome> results, String errorIfMissing) {
        for (Scenario s : scenarios) {
            ScenarioRunner.Outcome o = results.get(s);
            if (o == null) o = ScenarioRunner.Outcome.failed(errorIfMissing == null ? "not run" : errorIfMissing);
            outcomes.get(s).get(broker).add(o);
        }
    }

    /** The median of the successful runs' values, or null when no run produced the figure. */
    Double median(Scenario s, String broker, String metricKey) {
        List<Double> vs = values(s, broker, metricKey);
        if (vs.isEmpty()) return null;
        return median(vs);
    }

    static double median(List<Double> values) {
        List<Double> v = new ArrayList<>(values);
        Collections.sort(v);
        int n = v.size();
        return n % 2 == 1 ? v.get(n / 2) : (v.get(n / 2 - 1) + v.get(n / 2)) / 2.0;
    }

    List<Double> values(Scenario s, String broker, String metricKey) {
        List<Double> vs = new ArrayList<>();
        var per = outcomes.get(s);
        if (per == null || per.get(broker) == null) return vs;
        for (ScenarioRunner.Outcome o : per.get(broker)) {
            Double v = o.values().get(metricKey);
            if (v != null && !v.isNaN()) vs.add(v);
        }
        return vs;
    }

    int runs(Scenario s, String broker) {
        var per = outcomes.get(s);
        return per == null || per.get(broker) == null ? 0 : per.get(broker).size();
    }

    /** One row of the table. */
    record Row(Scenario scenario, String metric, String subject, String kafka, String ratio, String target, String met) {
    }

    List<Row> rows() {
        List<Row> rows = new ArrayList<>();
        for (Scenario s : scenarios) {
            for (Metric m : Metric.of(s)) {
                Double sv = median(s, subject, m.key());
                Double kv = withKafka ? median(s, KAFKA, m.key()) : null;
                Double r = Metric.ratio(sv, kv);
                Boolean met = m.target().met(sv, kv);
                rows.add(new Row(s, m.label(), cell(s, subject, m.key(), sv),
                        withKafka ? cell(s, KAFKA, m.key(), kv) : "-",
                        r == null ? (withKafka ? "n/a" : "-") : String.format(Locale.ROOT, "%.2fx", r),
                        m.target().text().isEmpty() ? "-" : m.target().text(),
                        met == null ? (m.target().kind() == Metric.Target.Kind.NONE ? "-" : "n/a") : met ? "yes" : "NO"));
            }
        }
        return rows;
    }

    private String cell(Scenario s, String broker, String key, Double median) {
        int total = runs(s, broker);
        int ok = values(s, broker, key).size();
        if (median == null) {
            if (total == 0) return "-";
            boolean anyOk = false;
            for (ScenarioRunner.Outcome o : outcomes.get(s).get(broker)) anyOk |= !o.failed();
            return anyOk ? "n/a" : "FAILED";
        }
        String v = formatValue(median);
        return ok < total ? v + " (" + ok + "/" + total + " runs)" : v;
    }

    /** Failures (and figures missing from successful runs), one line per broker, scenario and run. */
    List<String> failures() {
        List<String> lines = new ArrayList<>();
        for (Scenario s : scenarios) {
            for (var e : outcomes.get(s).entrySet()) {
                List<ScenarioRunner.Outcome> runs = e.getValue();
                for (int i = 0; i < runs.size(); i++) {
                    ScenarioRunner.Outcome o = runs.get(i);
                    String why = o.failed() ? o.error() : o.note();
                    if (why != null) {
                        lines.add(e.getKey() + " (" + s.id() + ") run " + (i + 1) + ": " + ScenarioRunner.oneLine(why));
                    }
                }
            }
        }
        return lines;
    }

    static String formatValue(double v) {
        if (Double.isNaN(v)) return "NaN";
        double a = Math.abs(v);
        if (a >= 1000) return String.format(Locale.ROOT, "%,.0f", v);
        if (a >= 100) return String.format(Locale.ROOT, "%.1f", v);
        return String.format(Locale.ROOT, "%.2f", v);
    }

    private static final String[] HEADERS = {"Scenario", "Metric", "?", "Kafka", "?/Kafka", "Target", "Met?"};

    private String[] headers() {
        String[] h = HEADERS.clone();
        h[2] = subject;
        h[4] = subject + "/Kafka";
        return h;
    }

    private static String[] cells(Row r) {
        return new String[]{"(" + r.scenario().id() + ")", r.metric(), r.subject(), r.kafka(), r.ratio(), r.target(), r.met()};
    }

    /** A plain-text table with aligned columns. */
    String toText() {
        List<String[]> all = new ArrayList<>();
        all.add(headers());
        for (Row r : rows()) all.add(cells(r));
        int[] w = new int[HEADERS.length];
        for (String[] row : all) for (int i = 0; i < row.length; i++) w[i] = Math.max(w[i], row[i].length());
        StringBuilder sb = new StringBuilder();
        for (int k = 0; k < all.size(); k++) {
            String[] row = all.get(k);
            for (int i = 0; i < row.length; i++) {
                boolean right = i >= 2 && i <= 4;
                String c = row[i];
                String pad = " ".repeat(w[i] - c.length());
                sb.append(right ? pad + c : c + pad);
                if (i < row.length - 1) sb.append("  ");
            }
            sb.append('\n');
            if (k == 0) {
                for (int i = 0; i < w.length; i++) {
                    sb.append("-".repeat(w[i]));
                    if (i < w.length - 1) sb.append("  ");
                }
                sb.append('\n');
            }
        }
        List<String> f = failures();
        if (!f.isEmpty()) {
            sb.append("\nFailures:\n");
            for (String line : f) sb.append("  ").append(line).append('\n');
        }
        return sb.toString();
    }

    /** The same table as GitHub Markdown, with the failures under it. */
    String toMarkdownTable() {
        StringBuilder sb = new StringBuilder();
        String[] h = headers();
        sb.append("| ").append(String.join(" | ", h)).append(" |\n");
        sb.append("|---|---|--:|--:|--:|---|---|\n");
        for (Row r : rows()) {
            String[] c = cells(r);
            for (int i = 0; i < c.length; i++) c[i] = c[i].replace("|", "\\|");
            sb.append("| ").append(String.join(" | ", c)).append(" |\n");
        }
        List<String> f = failures();
        if (!f.isEmpty()) {
            sb.append("\nFailures:\n\n");
            for (String line : f) sb.append("- ").append(line.replace("|", "\\|")).append('\n');
        }
        return sb.toString();
    }

    /** Every run's value of every figure, for readers who want more than medians. */
    String toMarkdownRuns() {
        StringBuilder sb = new StringBuilder();
        sb.append("| Scenario | Metric | Broker | Runs |\n|---|---|---|---|\n");
        for (Scenario s : scenarios) {
            for (Metric m : Metric.of(s)) {
                for (String broker : outcomes.get(s).keySet()) {
                    List<String> vals = new ArrayList<>();
                    for (ScenarioRunner.Outcome o : outcomes.get(s).get(broker)) {
                        Double v = o.values().get(m.key());
                        vals.add(v == null ? "failed" : formatValue(v));
                    }
                    sb.append("| (").append(s.id()).append(") | ").append(m.label()).append(" | ").append(broker)
                            .append(" | ").append(String.join(", ", vals)).append(" |\n");
                }
            }
        }
        return sb.toString();
    }
}
