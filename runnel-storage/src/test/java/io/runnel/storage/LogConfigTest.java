package io.runnel.storage;

import io.runnel.common.ApiException;
import io.runnel.common.Errors;
import io.runnel.record.TimestampType;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LogConfigTest {

    @Test
    void defaultsAreKafkas() {
        LogConfig d = LogConfig.DEFAULT;
        assertThat(d.segmentBytes()).isEqualTo(1073741824L);
        assertThat(d.segmentMs()).isEqualTo(604800000L);
        assertThat(d.segmentJitterMs()).isZero();
        assertThat(d.segmentIndexBytes()).isEqualTo(10485760);
        assertThat(d.indexIntervalBytes()).isEqualTo(4096);
        assertThat(d.retentionMs()).isEqualTo(604800000L);
        assertThat(d.retentionBytes()).isEqualTo(-1L);
        assertThat(d.delete()).isTrue();
        assertThat(d.compact()).isFalse();
        assertThat(d.minCleanableDirtyRatio()).isEqualTo(0.5);
        assertThat(d.deleteRetentionMs()).isEqualTo(86400000L);
        assertThat(d.minCompactionLagMs()).isZero();
        assertThat(d.maxCompactionLagMs()).isEqualTo(Long.MAX_VALUE);
        assertThat(d.maxMessageBytes()).isEqualTo(1048588);
        assertThat(d.timestampType()).isEqualTo(TimestampType.CREATE_TIME);
        assertThat(d.timestampBeforeMaxMs()).isEqualTo(Long.MAX_VALUE);
        assertThat(d.timestampAfterMaxMs()).isEqualTo(3600000L);
        assertThat(d.flushMessages()).isEqualTo(Long.MAX_VALUE);
        assertThat(d.flushMs()).isEqualTo(Long.MAX_VALUE);
        assertThat(d.fileDeleteDelayMs()).isEqualTo(60000L);
        assertThat(d.preallocate()).isFalse();
    }

    @Test
    void emptyMapGivesDefaults() {
        assertThat(LogConfig.fromMap(Map.of())).isEqualTo(LogConfig.DEFAULT);
    }

    @Test
    void parsesKafkaKeys() {
        LogConfig c = LogConfig.fromMap(Map.of(
                "segment.bytes", "2097152",
                "retention.ms", "-1",
                "retention.bytes", "1000",
                "cleanup.policy", "compact, delete",
                "min.cleanable.dirty.ratio", "0.1",
                "message.timestamp.type", "LogAppendTime",
                "max.message.bytes", "500",
                "preallocate", "TRUE",
                "flush.messages", "1",
                "compression.type", "zstd")); // not modelled here: ignored
        assertThat(c.segmentBytes()).isEqualTo(2097152);
        assertThat(c.retentionMs()).isEqualTo(-1);
        assertThat(c.retentionBytes()).isEqualTo(1000);
        assertThat(c.compact()).isTrue();
        assertThat(c.delete()).isTrue();
        assertThat(c.cleanupPolicy()).isEqualTo("compact,delete");
        assertThat(c.minCleanableDirtyRatio()).isEqualTo(0.1);
        assertThat(c.timestampType()).isEqualTo(TimestampType.LOG_APPEND_TIME);
        assertThat(c.maxMessageBytes()).isEqualTo(500);
        assertThat(c.preallocate()).isTrue();
        assertThat(c.flushMessages()).isEqualTo(1);
    }

    @Test
    void compactOnlyPolicy() {
        LogConfig c = LogConfig.fromMap(Map.of("cleanup.policy", "compact"));
        assertThat(c.compact()).isTrue();
        assertThat(c.delete()).isFalse();
    }

    @Test
    void invalidValuesNameTheKey() {
        assertInvalid("segment.bytes", "1000");          // below Kafka 4's 1 MiB minimum
        assertInvalid("segment.bytes", "lots");
        assertInvalid("segment.ms", "0");
        assertInvalid("retention.ms", "-2");
        assertInvalid("cleanup.policy", "compact,forever");
        assertInvalid("min.cleanable.dirty.ratio", "1.5");
        assertInvalid("message.timestamp.type", "WallClock");
        assertInvalid("preallocate", "yes");
        assertInvalid("flush.messages", "0");
        assertInvalid("max.compaction.lag.ms", "0");
        assertInvalid("segment.index.bytes", "3");
    }

    private static void assertInvalid(String key, String value) {
        assertThatThrownBy(() -> LogConfig.fromMap(Map.of(key, value)))
                .isInstanceOf(ApiException.class)
                .satisfies(e -> assertThat(((ApiException) e).error()).isEqualTo(Errors.INVALID_CONFIG))
                .hasMessageContaining(key);
    }

    @Test
    void internalSegmentBytesBypassesTheMinimum() {
        LogConfig c = LogConfig.fromMap(Map.of("internal.segment.bytes", "1024"));
        assertThat(c.segmentBytes()).isEqualTo(1024);
    }

    @Test
    void toMapRoundTrips() {
        LogConfig c = LogConfig.fromMap(Map.of("cleanup.policy", "compact", "retention.bytes", "77",
                "message.timestamp.type", "LogAppendTime", "segment.jitter.ms", "5"));
        assertThat(LogConfig.fromMap(c.toMap())).isEqualTo(c);
        assertThat(c.toMap()).containsEntry("cleanup.policy", "compact").containsEntry("retention.bytes", "77")
                .containsKeys(LogConfig.KEYS.toArray(String[]::new));
    }

    @Test
    void withOverridesOnlyTheGivenKeys() {
        LogConfig base = LogConfig.fromMap(Map.of("retention.ms", "5"));
        LogConfig c = base.with(Map.of("retention.bytes", "9"));
        assertThat(c.retentionMs()).isEqualTo(5);
        assertThat(c.retentionBytes()).isEqualTo(9);
    }

    @Test
    void jitterIsBelowTheBound() {
        LogConfig c = LogConfig.fromMap(Map.of("segment.jitter.ms", "100", "segment.ms", "50"));
        java.util.Random r = new java.util.Random(1);
        for (int i = 0; i < 1000; i++) assertThat(c.randomSegmentJitterMs(r)).isBetween(0L, 49L);
        assertThat(LogConfig.DEFAULT.randomSegmentJitterMs(r)).isZero();
    }
}
