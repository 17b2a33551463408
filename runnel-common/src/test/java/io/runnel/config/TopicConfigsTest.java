package io.runnel.config;

import io.runnel.common.ApiException;
import io.runnel.common.Errors;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Map;

import static io.runnel.config.TopicConfigs.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TopicConfigsTest {

    /** name, type, default, first broker synonym (or "-") — Kafka 4.x values. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "cleanup.policy|LIST|delete|log.cleanup.policy",
            "compression.gzip.level|INT|-1|compression.gzip.level",
            "compression.lz4.level|INT|9|compression.lz4.level",
            "compression.type|STRING|producer|compression.type",
            "compression.zstd.level|INT|3|compression.zstd.level",
            "delete.retention.ms|LONG|86400000|log.cleaner.delete.retention.ms",
            "file.delete.delay.ms|LONG|60000|log.segment.delete.delay.ms",
            "flush.messages|LONG|9223372036854775807|log.flush.interval.messages",
            "flush.ms|LONG|9223372036854775807|log.flush.interval.ms",
            "follower.replication.throttled.replicas|LIST||-",
            "index.interval.bytes|INT|4096|log.index.interval.bytes",
            "leader.replication.throttled.replicas|LIST||-",
            "local.retention.bytes|LONG|-2|log.local.retention.bytes",
            "local.retention.ms|LONG|-2|log.local.retention.ms",
            "max.compaction.lag.ms|LONG|9223372036854775807|log.cleaner.max.compaction.lag.ms",
            "max.message.bytes|INT|1048588|message.max.bytes",
            "message.timestamp.after.max.ms|LONG|3600000|log.message.timestamp.after.max.ms",
            "message.timestamp.before.max.ms|LONG|9223372036854775807|log.message.timestamp.before.max.ms",
            "message.timestamp.type|STRING|CreateTime|log.message.timestamp.type",
            "min.cleanable.dirty.ratio|DOUBLE|0.5|log.cleaner.min.cleanable.ratio",
            "min.compaction.lag.ms|LONG|0|log.cleaner.min.compaction.lag.ms",
            "min.insync.replicas|INT|1|min.insync.replicas",
            "preallocate|BOOLEAN|false|log.preallocate",
            "remote.log.copy.disable|BOOLEAN|false|-",
            "remote.log.delete.on.disable|BOOLEAN|false|-",
            "remote.storage.enable|BOOLEAN|false|-",
            "retention.bytes|LONG|-1|log.retention.bytes",
            "retention.ms|LONG|604800000|log.retention.ms",
            "segment.bytes|INT|1073741824|log.segment.bytes",
            "segment.index.bytes|INT|10485760|log.index.size.max.bytes",
            "segment.jitter.ms|LONG|0|log.roll.jitter.ms",
            "segment.ms|LONG|604800000|log.roll.ms",
            "unclean.leader.election.enable|BOOLEAN|false|unclean.leader.election.enable",
    })
    void kafkaNamesTypesDefaultsAndSynonyms(String name, String type, String def, String synonym) {
        ConfigDef.Key k = definition().key(name);
        assertThat(k.type()).isEqualTo(ConfigDef.Type.valueOf(type));
        assertThat(k.defaultText()).isEqualTo(def == null ? "" : def);
        if (synonym.equals("-")) assertThat(k.synonyms()).isEmpty();
        else assertThat(k.synonyms().get(0).name()).isEqualTo(synonym);
        assertThat(k.documentation()).isNotBlank();
        // every broker synonym is itself a broker key Runnel knows
        for (ConfigDef.Synonym s : k.synonyms()) assertThat(BrokerConfigs.definition().contains(s.name())).as(s.name()).isTrue();
    }

    @Test
    void exactlyTheKafka4TopicConfigs() {
        assertThat(definition().names()).hasSize(33);
    }

    @ParameterizedTest
    @CsvSource({"message.downconversion.enable,true", "message.format.version,3.0", "retention.hours,1", "foo,bar"})
    void unknownAndRemovedKeysAreRejected(String key, String value) {
        assertThatThrownBy(() -> validate(Map.of(key, value)))
                .isInstanceOf(ApiException.class)
                .hasMessage("Unknown topic config name: " + key)
                .extracting(e -> ((ApiException) e).error()).isEqualTo(Errors.INVALID_CONFIG);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "segment.bytes|1000|Invalid value 1000 for configuration segment.bytes: Value must be at least 1048576",
            "retention.ms|-2|Invalid value -2 for configuration retention.ms: Value must be at least -1",
            "cleanup.policy|delete,purge|Invalid value delete,purge for configuration cleanup.policy: Item 'purge' is not one of [compact, delete]",
            "compression.type|brotli|Invalid value brotli for configuration compression.type: String must be one of: uncompressed, zstd, lz4, snappy, gzip, producer",
            "compression.gzip.level|0|Invalid value 0 for configuration compression.gzip.level: Value must be at least 1",
            "compression.zstd.level|23|Invalid value 23 for configuration compression.zstd.level: Value must be no more than 22",
            "min.cleanable.dirty.ratio|1.5|Invalid value 1.5 for configuration min.cleanable.dirty.ratio: Value must be no more than 1",
            "message.timestamp.type|createtime|Invalid value createtime for configuration message.timestamp.type: String must be one of: CreateTime, LogAppendTime",
            "preallocate|maybe|Invalid value maybe for configuration preallocate: Expected value to be either true or false",
            "max.message.bytes|big|Invalid value big for configuration max.message.bytes: Not a number of type INT",
            "leader.replication.throttled.replicas|0:1,x|Invalid value 0:1,x for configuration leader.replication.throttled.replicas: must be '*' or a list of partitionId:brokerId pairs",
    })
    void invalidValuesAreRejectedWithKafkaLikeMessages(String key, String value, String message) {
        assertThatThrownBy(() -> validate(Map.of(key, value)))
                .isInstanceOf(ConfigException.class)
                .hasMessage(message);
    }

    @Test
    void validValuesAreAccepted() {
        ConfigValues v = validate(Map.of("cleanup.policy", "compact,delete", "compression.gzip.level", "-1",
                "leader.replication.throttled.replicas", "*", "follower.replication.throttled.replicas", "0:1, 1:2",
                "retention.ms", "-1", "retention.bytes", "-5"));
        assertThat(v.getList(CLEANUP_POLICY)).containsExactly("compact", "delete");
        assertThat(v.getList(FOLLOWER_REPLICATION_THROTTLED_REPLICAS)).containsExactly("0:1", "1:2");
    }

    @Test
    void crossFieldRules() {
        assertThatThrownBy(() -> validate(Map.of("min.compaction.lag.ms", "100", "max.compaction.lag.ms", "50"), BrokerConfigLayers.EMPTY))
                .isInstanceOf(ConfigException.class).hasMessageContaining("min.compaction.lag.ms");
        // the broker's default for the other side counts too
        assertThatThrownBy(() -> validate(Map.of("min.compaction.lag.ms", "100"),
                BrokerConfigLayers.ofStatic(Map.of("log.cleaner.max.compaction.lag.ms", "50"))))
                .isInstanceOf(ConfigException.class);
        assertThatThrownBy(() -> validate(Map.of("remote.storage.enable", "true"), BrokerConfigLayers.EMPTY))
                .isInstanceOf(ConfigException.class).hasMessageContaining("remote.storage.enable");
        ConfigValues ok = validate(Map.of("min.compaction.lag.ms", "50", "max.compaction.lag.ms", "50"), BrokerConfigLayers.EMPTY);
        assertThat(ok.getLong(MIN_COMPACTION_LAG_MS)).isEqualTo(50);
    }

    @Test
    void localRetentionMustNotExceedRetentionWhenTiered() {
        BrokerConfigLayers tiered = BrokerConfigLayers.ofStatic(Map.of("remote.log.storage.system.enable", "true"));
        assertThatThrownBy(() -> validate(Map.of("remote.storage.enable", "true", "retention.ms", "1000",
                "local.retention.ms", "2000"), tiered))
                .isInstanceOf(ConfigException.class).hasMessageContaining("local.retention.ms");
        validate(Map.of("remote.storage.enable", "true", "retention.ms", "1000", "local.retention.ms", "500"), tiered);
    }

    @Test
    void resolveWithNothingSetGivesEveryDefault() {
        Map<String, String> eff = resolve(Map.of(), Map.of());
        assertThat(eff).hasSize(definition().names().size());
        assertThat(eff).containsEntry(RETENTION_MS, "604800000")
                .containsEntry(SEGMENT_MS, "604800000")
                .containsEntry(CLEANUP_POLICY, "delete")
                .containsEntry(FLUSH_MS, Long.toString(Long.MAX_VALUE))
                .containsEntry(MESSAGE_TIMESTAMP_AFTER_MAX_MS, "3600000");
    }

    @Test
    void retentionPrecedenceFollowsKafka() {
        assertThat(resolve(Map.of(), Map.of("log.retention.hours", "1")).get(RETENTION_MS)).isEqualTo("3600000");
        assertThat(resolve(Map.of(), Map.of("log.retention.hours", "1", "log.retention.minutes", "2"))
                .get(RETENTION_MS)).isEqualTo("120000");
        assertThat(resolve(Map.of(), Map.of("log.retention.hours", "1", "log.retention.minutes", "2", "log.retention.ms", "7"))
                .get(RETENTION_MS)).isEqualTo("7");
        assertThat(resolve(Map.of("retention.ms", "9"), Map.of("log.retention.ms", "7")).get(RETENTION_MS)).isEqualTo("9");
        assertThat(resolve(Map.of(), Map.of("log.retention.hours", "-1")).get(RETENTION_MS)).isEqualTo("-1");
        assertThat(resolve(Map.of(), Map.of("log.roll.hours", "2")).get(SEGMENT_MS)).isEqualTo("7200000");
        assertThat(resolve(Map.of(), Map.of("log.flush.scheduler.interval.ms", "5")).get(FLUSH_MS)).isEqualTo("5");
        assertThat(resolve(Map.of(), Map.of("message.max.bytes", "100")).get(MAX_MESSAGE_BYTES)).isEqualTo("100");
        assertThat(resolve(Map.of(), Map.of("log.cleanup.policy", " compact , delete")).get(CLEANUP_POLICY)).isEqualTo("compact,delete");
    }

    @Property
    void hoursAreConvertedToMilliseconds(@ForAll @IntRange(min = 0, max = 2_000_000) int hours) {
        assertThat(resolve(Map.of(), Map.of("log.retention.hours", Integer.toString(hours))).get(RETENTION_MS))
                .isEqualTo(Long.toString(hours * 3_600_000L));
    }

    @Test
    void dynamicLayersBeatStaticForTheSameKey() {
        BrokerConfigLayers layers = new BrokerConfigLayers(Map.of(), Map.of("log.segment.bytes", "2097152"),
                Map.of("log.segment.bytes", "3145728"));
        assertThat(resolve(Map.of(), layers).get(SEGMENT_BYTES)).isEqualTo("2097152");
        layers = new BrokerConfigLayers(Map.of("log.segment.bytes", "1048576"), Map.of("log.segment.bytes", "2097152"),
                Map.of("log.segment.bytes", "3145728"));
        assertThat(resolve(Map.of(), layers).get(SEGMENT_BYTES)).isEqualTo("1048576");
    }

    @Test
    void unparseableBrokerValueNamesTheBrokerKey() {
        assertThatThrownBy(() -> resolve(Map.of(), Map.of("log.retention.hours", "x")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("log.retention.hours");
    }

    @Test
    void describeReportsSourcesAndSynonymsInOrder() {
        BrokerConfigLayers layers = new BrokerConfigLayers(Map.of(), Map.of("log.retention.ms", "5000"),
                Map.of("log.retention.hours", "2"));
        Map<String, String> overrides = Map.of("segment.bytes", "2097152");

        ConfigEntry seg = describe(SEGMENT_BYTES, overrides, layers);
        assertThat(seg.value()).isEqualTo("2097152");
        assertThat(seg.source()).isEqualTo(ConfigSource.DYNAMIC_TOPIC_CONFIG);
        assertThat(seg.readOnly()).isFalse();
        assertThat(seg.sensitive()).isFalse();
        assertThat(seg.type()).isEqualTo(ConfigDef.Type.INT);
        assertThat(seg.synonyms()).containsExactly(
                new ConfigEntry.Synonym("segment.bytes", "2097152", ConfigSource.DYNAMIC_TOPIC_CONFIG),
                new ConfigEntry.Synonym("log.segment.bytes", "1073741824", ConfigSource.DEFAULT_CONFIG));

        ConfigEntry ret = describe(RETENTION_MS, overrides, layers);
        assertThat(ret.value()).isEqualTo("5000");
        assertThat(ret.source()).isEqualTo(ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG);
        assertThat(ret.synonyms()).containsExactly(
                new ConfigEntry.Synonym("log.retention.ms", "5000", ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG),
                new ConfigEntry.Synonym("log.retention.hours", "2", ConfigSource.STATIC_BROKER_CONFIG),
                new ConfigEntry.Synonym("log.retention.hours", "168", ConfigSource.DEFAULT_CONFIG));

        ConfigEntry remote = describe(REMOTE_STORAGE_ENABLE, overrides, layers);
        assertThat(remote.source()).isEqualTo(ConfigSource.DEFAULT_CONFIG);
        assertThat(remote.value()).isEqualTo("false");
        assertThat(remote.synonyms()).isEmpty();

        ConfigEntry ret2 = describe(RETENTION_MS, Map.of(), BrokerConfigLayers.ofStatic(Map.of("log.retention.hours", "2")));
        assertThat(ret2.value()).isEqualTo("7200000");
        assertThat(ret2.source()).isEqualTo(ConfigSource.STATIC_BROKER_CONFIG);

        List<ConfigEntry> all = describe(overrides, layers);
        assertThat(all).hasSize(definition().names().size());
        assertThat(describe("nope", overrides, layers)).isNull();
    }

    @Test
    void configSourceIdsMatchTheProtocol() {
        assertThat(ConfigSource.DYNAMIC_TOPIC_CONFIG.id()).isEqualTo((byte) 1);
        assertThat(ConfigSource.STATIC_BROKER_CONFIG.id()).isEqualTo((byte) 4);
        assertThat(ConfigSource.DEFAULT_CONFIG.id()).isEqualTo((byte) 5);
        assertThat(ConfigSource.forId((byte) 3)).isEqualTo(ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG);
        assertThat(ConfigDef.Type.LIST.id()).isEqualTo((byte) 7);
        assertThat(ConfigDef.Type.PASSWORD.id()).isEqualTo((byte) 9);
    }
}
