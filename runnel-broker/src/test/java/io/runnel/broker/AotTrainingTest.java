package io.runnel.broker;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

class AotTrainingTest {
    @TempDir
    Path dir;

    @Test
    void theTrainingProducesWithEveryCodecAndReadsEverythingBack() throws Exception {
        AotTraining.Result r = AotTraining.run(dir, 120_000);
        // 120 rounds; each produces ~64 KiB of 100 B or 1 KiB records to both partitions of every codec's topic (gzip's every
        // tenth round)
        assertThat(r.produced()).isGreaterThan(100_000);
        assertThat(r.fetched()).as("every record produced is fetched back").isEqualTo(r.produced());
        assertThat(r.offsetsCommitted()).as("the group's offsets, once its coordinator has loaded").isTrue();
        // then over SASL_SSL (keytool comes with every JDK): produced, and the two topics read back from the start
        assertThat(r.producedOverTls()).as("records produced over SASL_SSL").isGreaterThan(10_000);
        assertThat(r.fetchedOverTls()).as("the topics fetched over SASL_SSL hold the TLS rounds' records and the earlier ones")
                .isGreaterThan(r.producedOverTls());
        assertThat(dir.resolve("tls/training.p12")).exists();
        try (Stream<Path> logs = Files.list(dir.resolve("data"))) {
            assertThat(logs.map(p -> p.getFileName().toString()))
                    .contains("aot-training-none-0", "aot-training-gzip-1", "aot-training-snappy-0", "aot-training-lz4-1",
                            "aot-training-zstd-0");
        }
    }

    @Test
    void theTrainingStopsAtItsTimeLimitAndStillStopsTheBroker() throws Exception {
        AotTraining.Result r = AotTraining.run(dir, 1);
        assertThat(r.produced()).as("no round starts after the limit").isZero();
        assertThat(r.fetched()).isZero();
        assertThat(r.offsetsCommitted()).isFalse();
        assertThat(r.producedOverTls()).isZero();
        // the broker was closed: a second training over the same directory can lock and use it
        assertThat(AotTraining.run(dir, 1).produced()).isZero();
    }
}
