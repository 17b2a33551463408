package io.runnel.bench;

import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ReportTest {

    private static ScenarioRunner.Outcome ok(Object... kv) {
        java.util.Map<String, Double> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], ((Number) kv[i + 1]).doubleValue());
        return ScenarioRunner.Outcome.ok(m);
    }

    @Test
    void medianOfOddAndEvenCounts() {
        assertThat(Report.median(List.of(3.0, 1.0, 2.0))).isEqualTo(2.0);
        assertThat(Report.median(List.of(4.0, 1.0, 3.0, 2.0))).isEqualTo(2.5);
        assertThat(Report.median(List.of(7.0))).isEqualTo(7.0);
    }

    @Test
    void sideBySideWithRatiosAndTargets() {
        Report r = new Report("Runnel", true, EnumSet.of(Scenario.A, Scenario.C, Scenario.F));
        for (double[] v : new double[][]{{1_000_000, 600_000, 2, 6, 300, 150, 400, 1000}, {900_000, 500_000, 3, 5, 320, 140, 420, 990},
                {1_100_000, 700_000, 2, 7, 310, 160, 380, 1010}}) {
            r.add("Runnel", Map.of(Scenario.A, ok(Metric.RECORDS_PER_SEC, v[0]),
                    Scenario.C, ok(Metric.P99_MS, v[2]),
                    Scenario.F, ok(Metric.START_MS, v[4], Metric.RSS_MIB, v[5])), null);
            r.add("Kafka", Map.of(Scenario.A, ok(Metric.RECORDS_PER_SEC, v[1]),
                    Scenario.C, ok(Metric.P99_MS, v[3]),
                    Scenario.F, ok(Metric.START_MS, v[6], Metric.RSS_MIB, v[7])), null);
        }
        List<Report.Row> rows = r.rows();
        Report.Row a = rows.stream().filter(x -> x.scenario() == Scenario.A && x.metric().startsWith("throughput (records")).findFirst().orElseThrow();
        assertThat(a.subject()).isEqualTo("1,000,000");
        assertThat(a.kafka()).isEqualTo("600,000");
        assertThat(a.ratio()).isEqualTo("1.67x");
        assertThat(a.met()).isEqualTo("yes");
        Report.Row c = rows.stream().filter(x -> x.scenario() == Scenario.C && x.metric().startsWith("p99 ")).findFirst().orElseThrow();
        assertThat(c.ratio()).isEqualTo("0.33x");
        assertThat(c.met()).isEqualTo("yes");
        Report.Row start = rows.stream().filter(x -> x.metric().startsWith("start-to-ready")).findFirst().orElseThrow();
        assertThat(start.subject()).isEqualTo("310.0");
        assertThat(start.met()).isEqualTo("yes");
        Report.Row rss = rows.stream().filter(x -> x.metric().startsWith("RSS")).findFirst().orElseThrow();
        assertThat(rss.ratio()).isEqualTo("0.15x");
        assertThat(rss.met()).isEqualTo("yes");
        // metrics nobody measured stay empty, and the text/markdown forms render
        assertThat(r.toText()).contains("Runnel/Kafka").doesNotContain("Failures");
        assertThat(r.toMarkdownTable()).startsWith("| Scenario | Metric | Runnel | Kafka | Runnel/Kafka | Target | Met? |");
    }

    @Test
    void compressedProduceReportsTheColdAndTheWarmClientSideBySide() {
        Report r = new Report("Runnel", true, EnumSet.of(Scenario.B));
        r.add("Runnel", Map.of(Scenario.B, ok(Metric.RECORDS_PER_SEC, 110_000, Metric.WARM_RECORDS_PER_SEC, 150_000,
                Metric.WARM_P99_MS, 20, Metric.BROKER_CPU_US_PER_RECORD, 3)), null);
        r.add("Kafka", Map.of(Scenario.B, ok(Metric.RECORDS_PER_SEC, 80_000, Metric.WARM_RECORDS_PER_SEC, 100_000,
                Metric.WARM_P99_MS, 40, Metric.BROKER_CPU_US_PER_RECORD, 8)), null);
        List<Report.Row> rows = r.rows();
        assertThat(rows).extracting(Report.Row::metric).containsExactlyElementsOf(
                Metric.of(Scenario.B).stream().map(Metric::label).toList());
        Report.Row cold = rows.stream().filter(x -> x.metric().equals("throughput (records/s)")).findFirst().orElseThrow();
        assertThat(cold.ratio()).isEqualTo("1.38x");
        assertThat(cold.met()).isEqualTo("yes");
        Report.Row warm = rows.stream().filter(x -> x.metric().equals("throughput, warm client JVM (records/s)")).findFirst().orElseThrow();
        assertThat(warm.subject()).isEqualTo("150,000");
        assertThat(warm.kafka()).isEqualTo("100,000");
        assertThat(warm.ratio()).isEqualTo("1.50x");
        assertThat(warm.met()).isEqualTo("yes");
        Report.Row warmP99 = rows.stream().filter(x -> x.metric().equals("p99 latency, warm client JVM (ms)")).findFirst().orElseThrow();
        assertThat(warmP99.ratio()).isEqualTo("0.50x");
    }

    @Test
    void failedRunsAreReportedAndDoNotBreakTheTable() {
        Report r = new Report("Runnel", true, EnumSet.of(Scenario.A, Scenario.D));
        r.add("Runnel", Map.of(), "the broker did not start: boom");
        r.add("Kafka", Map.of(Scenario.A, ok(Metric.RECORDS_PER_SEC, 500_000), Scenario.D, ok(Metric.RECORDS_PER_SEC, 900_000)), null);
        r.add("Runnel", Map.of(Scenario.A, ok(Metric.RECORDS_PER_SEC, 800_000),
                Scenario.D, ScenarioRunner.Outcome.failed("consumed only 5 of 10 records")), null);
        r.add("Kafka", Map.of(Scenario.A, ok(Metric.RECORDS_PER_SEC, 500_000), Scenario.D, ok(Metric.RECORDS_PER_SEC, 900_000)), null);
        List<Report.Row> rows = r.rows();
        Report.Row a = rows.get(0);
        assertThat(a.subject()).isEqualTo("800,000 (1/2 runs)");
        assertThat(a.ratio()).isEqualTo("1.60x");
        Report.Row d = rows.stream().filter(x -> x.scenario() == Scenario.D).findFirst().orElseThrow();
        assertThat(d.subject()).isEqualTo("FAILED");
        assertThat(d.ratio()).isEqualTo("n/a");
        assertThat(d.met()).isEqualTo("n/a");
        assertThat(r.failures()).containsExactly(
                "Runnel (a) run 1: the broker did not start: boom",
                "Runnel (d) run 1: the broker did not start: boom",
                "Runnel (d) run 2: consumed only 5 of 10 records");
        assertThat(r.toText()).contains("Failures:").contains("consumed only 5 of 10 records");
    }

    @Test
    void singleBrokerHasNoRatios() {
        Report r = new Report("Runnel", false, EnumSet.of(Scenario.F));
        r.add("Runnel", Map.of(Scenario.F, ok(Metric.RSS_MIB, 200)), null);
        List<Report.Row> rows = r.rows();
        assertThat(rows.get(0).subject()).isEqualTo("n/a"); // start-to-ready not measurable for an external broker
        assertThat(rows.get(1).subject()).isEqualTo("200.0");
        assertThat(rows.get(1).kafka()).isEqualTo("-");
        assertThat(rows.get(1).ratio()).isEqualTo("-");
    }

    @Test
    void missingFiguresOfSuccessfulRunsAreExplained() {
        Report r = new Report("Runnel", true, EnumSet.of(Scenario.F));
        r.add("Runnel", Map.of(Scenario.F, ScenarioRunner.Outcome.ok(Map.of(Metric.START_MS, 400.0),
                "no memory figure: (a) failed")), null);
        r.add("Kafka", Map.of(Scenario.F, ok(Metric.START_MS, 3000, Metric.RSS_MIB, 400)), null);
        List<Report.Row> rows = r.rows();
        assertThat(rows.get(0).ratio()).isEqualTo("0.13x");
        assertThat(rows.get(1).subject()).isEqualTo("n/a");
        assertThat(rows.get(1).met()).isEqualTo("n/a");
        assertThat(r.failures()).containsExactly("Runnel (f) run 1: no memory figure: (a) failed");
    }

    @Test
    void scenarioListParsing() {
        assertThat(Scenario.parseList("a, C,f")).containsExactly(Scenario.A, Scenario.C, Scenario.F);
        assertThat(Scenario.parseList("all")).doesNotContain(Scenario.G).contains(Scenario.A, Scenario.F, Scenario.H).hasSize(7);
        assertThat(Scenario.scaled(2_000_000, 0.1)).isEqualTo(200_000);
        assertThat(Scenario.scaled(10_000, 0.01)).isEqualTo(1_000);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Scenario.parseList("a,z"))
                .hasMessageContaining("unknown scenario 'z'");
    }
}
