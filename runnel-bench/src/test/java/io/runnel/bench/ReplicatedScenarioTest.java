package io.runnel.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Scenario (r)'s pure parts: selection, cluster settings, the failover measurement and its report rows. */
class ReplicatedScenarioTest {

    @Test
    void replicatedIsNamedOnlyNotPartOfAll() {
        assertThat(Scenario.parseList("all")).doesNotContain(Scenario.R, Scenario.G);
        assertThat(Scenario.parseList("r")).containsExactly(Scenario.R);
        assertThat(Scenario.parseList("a,R")).containsExactly(Scenario.A, Scenario.R);
        assertThatThrownBy(() -> Scenario.parseList("z")).hasMessageContaining("a,b,c,d,e,f,g,h,q,r");
    }

    @Test
    void recordCountsScaleButTheFixedRateDoesNot(@TempDir Path dir) throws Exception {
        JavaLauncher launcher = new JavaLauncher(Path.of(System.getProperty("java.home")), "");
        ScenarioRunner full = new ScenarioRunner(launcher, dir, 1.0, 600_000, 0, System.err);
        ScenarioRunner tiny = new ScenarioRunner(launcher, dir, 0.01, 600_000, 0, System.err);
        assertThat(full.records(Scenario.R)).isEqualTo(300_000);
        assertThat(tiny.records(Scenario.R)).isEqualTo(3_000);
        assertThat(full.describeCommand(Scenario.R)).containsSequence("--throughput", "-1").contains("acks=all");
        assertThat(full.timeoutMs(Scenario.R)).isBetween(120_000L, 600_000L);
        assertThat(ScenarioRunner.toolClass(Scenario.R)).isEqualTo("org.apache.kafka.tools.ProducerPerformance");
        assertThat(Scenario.R_RATE).isEqualTo(5_000);
    }

    @Test
    void negativeFailoverCountIsRefusedBeforeAnythingStarts() {
        java.io.PrintStream saved = System.err;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        int rc;
        try {
            System.setErr(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
            rc = new CommandLine(new BenchMain()).execute("--scenarios", "r", "--failovers=-1");
        } finally {
            System.setErr(saved);
        }
        assertThat(rc).isEqualTo(2);
        assertThat(captured.toString(java.nio.charset.StandardCharsets.UTF_8)).contains("--failovers must be 0 or more");
    }

    @Test
    void clusterPortsGiveAStaticQuorumOfEveryNode() {
        BrokerStarter.ClusterPorts ports = new BrokerStarter.ClusterPorts(List.of(9092, 9192, 9292), List.of(9093, 9193, 9293));
        assertThat(ports.voters()).isEqualTo("1@127.0.0.1:9093,2@127.0.0.1:9193,3@127.0.0.1:9293");
        assertThat(ports.bootstrap(2)).isEqualTo("127.0.0.1:9192");
        assertThat(BrokerStarter.clusterNodeSettings(2, ports)).containsExactly(
                "process.roles=broker,controller",
                "node.id=2",
                "controller.quorum.voters=1@127.0.0.1:9093,2@127.0.0.1:9193,3@127.0.0.1:9293",
                "controller.listener.names=CONTROLLER",
                "listeners=PLAINTEXT://127.0.0.1:9192,CONTROLLER://127.0.0.1:9193",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    }

    @Test
    void clusterPortsAreDistinct() throws Exception {
        assertThatThrownBy(() -> new BrokerStarter.ClusterPorts(List.of(9092, 9093), List.of(9093, 9094)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ports must differ");
        assertThatThrownBy(() -> new BrokerStarter.ClusterPorts(List.of(9092), List.of(9093, 9094)))
                .isInstanceOf(IllegalArgumentException.class);
        BrokerStarter.ClusterPorts free = BrokerStarter.ClusterPorts.free(3);
        Set<Integer> all = new HashSet<>(free.client());
        all.addAll(free.controller());
        assertThat(all).hasSize(6);
    }

    @Test
    void firstAcknowledgementStrictlyAfterTheKill() {
        List<Long> acks = new ArrayList<>(List.of(10L, 20L, 30L, 40L));
        assertThat(FailoverProbe.firstAfter(acks, 5)).isEqualTo(10L);
        assertThat(FailoverProbe.firstAfter(acks, 20)).isEqualTo(30L); // an ack at the instant of the kill does not count
        assertThat(FailoverProbe.firstAfter(acks, 39)).isEqualTo(40L);
        assertThat(FailoverProbe.firstAfter(acks, 40)).isNull();
        assertThat(FailoverProbe.firstAfter(List.of(), 0)).isNull();
        // System.nanoTime() may be negative and wrap: compare by difference
        List<Long> wrapping = List.of(Long.MAX_VALUE - 1, Long.MAX_VALUE, Long.MIN_VALUE, Long.MIN_VALUE + 1);
        assertThat(FailoverProbe.firstAfter(wrapping, Long.MAX_VALUE)).isEqualTo(Long.MIN_VALUE);
    }

    @Test
    void replicatedFiguresAreReportedSideBySide() {
        Report r = new Report("Runnel", true, EnumSet.of(Scenario.R));
        r.add("Runnel", Map.of(Scenario.R, ok(Metric.RECORDS_PER_SEC, 200_000, Metric.B_RECORDS_PER_SEC, 90_000, Metric.FIXED_RATE_P99_MS, 4,
                Metric.CONSUME_RECORDS_PER_SEC, 800_000, Metric.FAILOVER_MS, 9_500, Metric.FAILOVER_MAX_MS, 9_900)), null);
        r.add("Kafka", Map.of(Scenario.R, ok(Metric.RECORDS_PER_SEC, 100_000, Metric.B_RECORDS_PER_SEC, 60_000, Metric.FIXED_RATE_P99_MS, 8,
                Metric.CONSUME_RECORDS_PER_SEC, 400_000, Metric.FAILOVER_MS, 19_000, Metric.FAILOVER_MAX_MS, 20_000)), null);
        List<Report.Row> rows = r.rows();
        assertThat(rows).extracting(Report.Row::metric).containsExactlyElementsOf(
                Metric.of(Scenario.R).stream().map(Metric::label).toList());
        assertThat(row(rows, "RF 3 produce throughput, 100 B (records/s)").ratio()).isEqualTo("2.00x");
        assertThat(row(rows, "RF 3 produce throughput, 1 KiB lz4 (records/s)").ratio()).isEqualTo("1.50x");
        assertThat(row(rows, "RF 3 p99 at 5,000/s (ms)").ratio()).isEqualTo("0.50x");
        assertThat(row(rows, "RF 3 consume throughput (records/s)").ratio()).isEqualTo("2.00x");
        Report.Row failover = row(rows, "failover: leader SIGKILL to next ack (ms, median)");
        assertThat(failover.subject()).isEqualTo("9,500");
        assertThat(failover.ratio()).isEqualTo("0.50x");
        assertThat(r.failures()).isEmpty();
    }

    @Test
    void aFailedPartOfReplicatedIsListedWithTheOthersKept() {
        Report r = new Report("Runnel", false, EnumSet.of(Scenario.R));
        r.add("Runnel", Map.of(Scenario.R, ScenarioRunner.Outcome.ok(Map.of(Metric.RECORDS_PER_SEC, 150_000.0),
                "kill 1: no write acknowledged within 60 s after SIGKILL of leader node 2")), null);
        assertThat(row(r.rows(), "RF 3 produce throughput, 100 B (records/s)").subject()).isEqualTo("150,000");
        assertThat(row(r.rows(), "failover: leader SIGKILL to next ack (ms, median)").subject()).isEqualTo("n/a");
        assertThat(r.failures()).containsExactly("Runnel (r) run 1: kill 1: no write acknowledged within 60 s after SIGKILL of leader node 2");
    }

    private static Report.Row row(List<Report.Row> rows, String metric) {
        return rows.stream().filter(x -> x.metric().equals(metric)).findFirst().orElseThrow();
    }

    private static ScenarioRunner.Outcome ok(Object... kv) {
        Map<String, Double> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], ((Number) kv[i + 1]).doubleValue());
        return ScenarioRunner.Outcome.ok(m);
    }
}
