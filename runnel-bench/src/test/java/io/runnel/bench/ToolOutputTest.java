package io.runnel.bench;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ToolOutputTest {

    @Test
    void producerTakesTheFinalSummaryLine() {
        String out = """
                412345 records sent, 82469.0 records/sec (7.86 MB/sec), 310.2 ms avg latency, 612.0 ms max latency.
                1207755 records sent, 241551.0 records/sec (23.04 MB/sec), 95.1 ms avg latency, 301.0 ms max latency.
                2000000 records sent, 199980.002000 records/sec (19.07 MB/sec), 120.55 ms avg latency, 612.00 ms max latency, 98 ms 50th, 280 ms 95th, 410 ms 99th, 590 ms 99.9th.
                """;
        ToolOutput.ProducerSummary s = ToolOutput.parseProducer(out);
        assertThat(s.records()).isEqualTo(2_000_000);
        assertThat(s.recordsPerSec()).isEqualTo(199980.002);
        assertThat(s.mbPerSec()).isEqualTo(19.07);
        assertThat(s.avgLatencyMs()).isEqualTo(120.55);
        assertThat(s.maxLatencyMs()).isEqualTo(612.0);
        assertThat(s.p50Ms()).isEqualTo(98);
        assertThat(s.p95Ms()).isEqualTo(280);
        assertThat(s.p99Ms()).isEqualTo(410);
        assertThat(s.p999Ms()).isEqualTo(590);
    }

    @Test
    void producerWithoutSummaryIsAnError() {
        assertThatThrownBy(() -> ToolOutput.parseProducer("412 records sent, 82.0 records/sec (0.01 MB/sec), 3.2 ms avg latency, 6.0 ms max latency.\n"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no ProducerPerformance summary");
        assertThatThrownBy(() -> ToolOutput.parseProducer(""))
                .hasMessageContaining("printed nothing");
    }

    @Test
    void producerAcceptsNaN() {
        ToolOutput.ProducerSummary s = ToolOutput.parseProducer(
                "0 records sent, NaN records/sec (NaN MB/sec), NaN ms avg latency, 0.00 ms max latency, 0 ms 50th, 0 ms 95th, 0 ms 99th, 0 ms 99.9th.");
        assertThat(s.records()).isZero();
        assertThat(s.recordsPerSec()).isNaN();
    }

    @Test
    void consumerReadsColumnsByName() {
        String out = """
                start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
                2026-11-22 00:43:30:168, 2026-11-22 00:43:32:044, 190.7349, 95.3675, 2000000, 1000000.0000, 389, 1611, 118.3954, 1241464.9286
                """;
        ToolOutput.ConsumerSummary s = ToolOutput.parseConsumer(out);
        assertThat(s.mb()).isEqualTo(190.7349);
        assertThat(s.mbPerSec()).isEqualTo(95.3675);
        assertThat(s.records()).isEqualTo(2_000_000);
        assertThat(s.recordsPerSec()).isEqualTo(1_000_000.0);
        assertThat(s.rebalanceMs()).isEqualTo(389);
        assertThat(s.fetchMs()).isEqualTo(1611);
        assertThat(s.fetchMbPerSec()).isEqualTo(118.3954);
        assertThat(s.fetchRecordsPerSec()).isEqualTo(1241464.9286);
    }

    @Test
    void consumerIgnoresLinesAroundTheTable() {
        String out = """
                Starting consumer...
                [2026-11-22 00:43:30,000] WARN something (org.example)
                start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec
                2026-11-22 00:43:30:168, 2026-11-22 00:43:32:044, 9.5367, 5.0836, 100000, 53304.9041
                """;
        ToolOutput.ConsumerSummary s = ToolOutput.parseConsumer(out);
        assertThat(s.records()).isEqualTo(100_000);
        assertThat(s.fetchRecordsPerSec()).isNaN();
        assertThat(s.rebalanceMs()).isEqualTo(-1);
    }

    @Test
    void consumerWithoutRowIsAnError() {
        assertThatThrownBy(() -> ToolOutput.parseConsumer("start.time, end.time, data.consumed.in.MB\n"))
                .hasMessageContaining("no ConsumerPerformance result row");
    }

    @Test
    void endToEnd() {
        String out = """
                0\t12.5
                1000\t0.92
                Avg latency: 1.2345 ms
                Percentiles: 50th = 1, 99th = 3, 99.9th = 17
                """;
        ToolOutput.EndToEndSummary s = ToolOutput.parseEndToEnd(out);
        assertThat(s.avgMs()).isEqualTo(1.2345);
        assertThat(s.p50Ms()).isEqualTo(1);
        assertThat(s.p99Ms()).isEqualTo(3);
        assertThat(s.p999Ms()).isEqualTo(17);
        assertThatThrownBy(() -> ToolOutput.parseEndToEnd("Avg latency: 1.0 ms\n"))
                .hasMessageContaining("no EndToEndLatency summary");
    }

    @Test
    void vmRss() {
        String status = "Name:\tjava\nVmPeak:\t 5000000 kB\nVmRSS:\t  421536 kB\nRssAnon:\t  400000 kB\n";
        assertThat(ToolOutput.parseVmRssKib(status)).isEqualTo(421_536);
        assertThatThrownBy(() -> ToolOutput.parseVmRssKib("Name:\tjava\n")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void errorSummaryPrefersExceptionLines() {
        String err = """
                WARNING: A restricted method in java.lang.System has been called
                org.apache.kafka.common.errors.TimeoutException: Topic bench-a not present in metadata after 60000 ms.
                \tat org.apache.kafka.clients.producer.KafkaProducer.doSend(KafkaProducer.java:1)
                some other line
                """;
        assertThat(ScenarioRunner.errorSummary(err)).isEqualTo(
                "org.apache.kafka.common.errors.TimeoutException: Topic bench-a not present in metadata after 60000 ms.");
        assertThat(ScenarioRunner.errorSummary("line one\nline two\n")).isEqualTo("line one | line two");
        assertThat(ScenarioRunner.errorSummary("WARNING: x\n")).isEmpty();
    }
}
