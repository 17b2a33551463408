package io.runnel.bench;

import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Scenario (q)'s pure parts: selection, the topic count, the rate, the failover statistics and the report rows. */
class QuorumScenarioTest {
    private static final java.time.Instant T = java.time.Instant.EPOCH;

    @Test
    void quorumIsNamedOnly() {
        assertThat(Scenario.parseList("all")).doesNotContain(Scenario.Q, Scenario.R, Scenario.G);
        assertThat(Scenario.parseList("")).doesNotContain(Scenario.Q);
        assertThat(Scenario.parseList("q")).containsExactly(Scenario.Q);
        assertThat(Scenario.parseList("Q,r")).containsExactly(Scenario.Q, Scenario.R);
    }

    @Test
    void topicCountScalesWithAFloorOfFivePerCaller() {
        assertThat(QuorumScenario.topics(1.0)).isEqualTo(200);
        assertThat(QuorumScenario.topics(0.5)).isEqualTo(100);
        assertThat(QuorumScenario.topics(0.01)).isEqualTo(QuorumScenario.CALLERS * 5L);
        assertThat(QuorumScenario.topics(3)).isEqualTo(600);
    }

    @Test
    void ratePerSecondCountsOnlySuccesses() {
        assertThat(QuorumScenario.perSecond(200, 4_000_000_000L)).isCloseTo(50.0, within(1e-9));
        assertThat(QuorumScenario.perSecond(150, 2_500_000_000L)).isCloseTo(60.0, within(1e-9));
        assertThat(QuorumScenario.perSecond(0, 1_000_000_000L)).isZero();
        assertThat(QuorumScenario.perSecond(10, 0)).isZero();
    }

    @Test
    void failoverFiguresAreMedianAndSlowestAndTheLeaderMedianOfRoundsThatSawOne() {
        Map<String, Double> v = QuorumScenario.failoverFigures(List.of(
                new QuorumScenario.Failover(1, 3_000, 2_500.0, 2, "NotControllerException", T),
                new QuorumScenario.Failover(2, 1_000, null, 0, null, T),
                new QuorumScenario.Failover(3, 2_000, 1_500.0, 1, null, T),
                new QuorumScenario.Failover(1, 9_000, 500.0, 4, null, T)));
        assertThat(v.get(Metric.CONTROLLER_FAILOVER_MS)).isEqualTo(2_500.0);
        assertThat(v.get(Metric.CONTROLLER_FAILOVER_MAX_MS)).isEqualTo(9_000.0);
        assertThat(v.get(Metric.NEW_LEADER_MS)).isEqualTo(1_500.0);

        Map<String, Double> noLeaderSeen = QuorumScenario.failoverFigures(List.of(new QuorumScenario.Failover(1, 700, null, 0, null, T)));
        assertThat(noLeaderSeen).containsOnlyKeys(Metric.CONTROLLER_FAILOVER_MS, Metric.CONTROLLER_FAILOVER_MAX_MS);
        assertThat(QuorumScenario.failoverFigures(List.of())).isEmpty();
    }

    @Test
    void theFailoverTargetIsAtMostHalfOfKafkas() {
        Report met = report(1_000, 2_000);
        assertThat(row(met, "controller SIGKILL to next CreateTopics (ms, median)").met()).isEqualTo("yes");
        assertThat(row(met, "controller SIGKILL to next CreateTopics (ms, median)").target()).isEqualTo("<= 0.5x");
        Report missed = report(1_500, 2_000);
        assertThat(row(missed, "controller SIGKILL to next CreateTopics (ms, median)").met()).isEqualTo("NO");
        assertThat(row(missed, "controller SIGKILL to next CreateTopics (ms, median)").ratio()).isEqualTo("0.75x");
        assertThat(row(missed, "topics of 10 partitions, RF 3, created per second").ratio()).isEqualTo("2.00x");
        assertThat(missed.rows()).extracting(Report.Row::metric)
                .containsExactlyElementsOf(Metric.of(Scenario.Q).stream().map(Metric::label).toList());
    }

    private static Report report(double runnelFailover, double kafkaFailover) {
        Report r = new Report("Runnel", true, EnumSet.of(Scenario.Q));
        r.add("Runnel", Map.of(Scenario.Q, ScenarioRunner.Outcome.ok(Map.of(Metric.CLUSTER_START_MS, 3_000.0,
                Metric.CONTROLLER_FAILOVER_MS, runnelFailover, Metric.TOPICS_PER_SEC, 40.0))), null);
        r.add("Kafka", Map.of(Scenario.Q, ScenarioRunner.Outcome.ok(Map.of(Metric.CLUSTER_START_MS, 9_000.0,
                Metric.CONTROLLER_FAILOVER_MS, kafkaFailover, Metric.TOPICS_PER_SEC, 20.0))), null);
        return r;
    }

    private static Report.Row row(Report r, String metric) {
        return r.rows().stream().filter(x -> x.metric().equals(metric)).findFirst().orElseThrow();
    }
}
