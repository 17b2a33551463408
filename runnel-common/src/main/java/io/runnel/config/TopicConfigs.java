package io.runnel.config;

import io.runnel.config.ConfigDef.Importance;
import io.runnel.config.ConfigDef.Key;
import io.runnel.config.ConfigDef.Range;
import io.runnel.config.ConfigDef.Synonym;
import io.runnel.config.ConfigDef.Type;
import io.runnel.config.ConfigDef.ValidList;
import io.runnel.config.ConfigDef.ValidString;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every topic-level configuration Kafka 4.x accepts, with Kafka's names, types, defaults, valid values
 * and broker-level synonyms, and the rules that turn a topic's overrides plus the broker's
 * configuration into the topic's effective configuration.
 *
 * <p>Precedence of a topic config's value, highest first (Kafka's rule):
 * <ol>
 *   <li>the topic's own override ({@link ConfigSource#DYNAMIC_TOPIC_CONFIG});</li>
 *   <li>for each broker synonym in order (e.g. {@code log.retention.ms}, then
 *       {@code log.retention.minutes}, then {@code log.retention.hours}): its dynamic per-broker value,
 *       its dynamic cluster-default value, its server.properties value; units are converted
 *       (hours and minutes to milliseconds; a negative retention becomes -1);</li>
 *   <li>the topic config's own default ({@link ConfigSource#DEFAULT_CONFIG}).</li>
 * </ol>
 *
 * <p>Deliberately absent, as in Kafka 4.x: {@code message.format.version} and
 * {@code message.timestamp.difference.max.ms} (removed in 4.0), and
 * {@code message.downconversion.enable} (down-conversion no longer exists; brokers since 4.0 no longer
 * define it, so it is an unknown key here as well).
 *
 * <p>Stateless; all methods are safe from any thread.
 */
public final class TopicConfigs {
    public static final String CLEANUP_POLICY = "cleanup.policy";
    public static final String COMPRESSION_GZIP_LEVEL = "compression.gzip.level";
    public static final String COMPRESSION_LZ4_LEVEL = "compression.lz4.level";
    public static final String COMPRESSION_TYPE = "compression.type";
    public static final String COMPRESSION_ZSTD_LEVEL = "compression.zstd.level";
    public static final String DELETE_RETENTION_MS = "delete.retention.ms";
    public static final String FILE_DELETE_DELAY_MS = "file.delete.delay.ms";
    public static final String FLUSH_MESSAGES = "flush.messages";
    public static final String FLUSH_MS = "flush.ms";
    public static final String FOLLOWER_REPLICATION_THROTTLED_REPLICAS = "follower.replication.throttled.replicas";
    public static final String INDEX_INTERVAL_BYTES = "index.interval.bytes";
    public static final String LEADER_REPLICATION_THROTTLED_REPLICAS = "leader.replication.throttled.replicas";
    public static final String LOCAL_RETENTION_BYTES = "local.retention.bytes";
    public static final String LOCAL_RETENTION_MS = "local.retention.ms";
    public static final String MAX_COMPACTION_LAG_MS = "max.compaction.lag.ms";
    public static final String MAX_MESSAGE_BYTES = "max.message.bytes";
    public static final String MESSAGE_TIMESTAMP_AFTER_MAX_MS = "message.timestamp.after.max.ms";
    public static final String MESSAGE_TIMESTAMP_BEFORE_MAX_MS = "message.timestamp.before.max.ms";
    public static final String MESSAGE_TIMESTAMP_TYPE = "message.timestamp.type";
    public static final String MIN_CLEANABLE_DIRTY_RATIO = "min.cleanable.dirty.ratio";
    public static final String MIN_COMPACTION_LAG_MS = "min.compaction.lag.ms";
    public static final String MIN_IN_SYNC_REPLICAS = "min.insync.replicas";
    public static final String PREALLOCATE = "preallocate";
    public static final String REMOTE_LOG_COPY_DISABLE = "remote.log.copy.disable";
    public static final String REMOTE_LOG_DELETE_ON_DISABLE = "remote.log.delete.on.disable";
    public static final String REMOTE_STORAGE_ENABLE = "remote.storage.enable";
    public static final String RETENTION_BYTES = "retention.bytes";
    public static final String RETENTION_MS = "retention.ms";
    public static final String SEGMENT_BYTES = "segment.bytes";
    public static final String SEGMENT_INDEX_BYTES = "segment.index.bytes";
    public static final String SEGMENT_JITTER_MS = "segment.jitter.ms";
    public static final String SEGMENT_MS = "segment.ms";
    public static final String UNCLEAN_LEADER_ELECTION_ENABLE = "unclean.leader.election.enable";

    public static final String CLEANUP_POLICY_COMPACT = "compact";
    public static final String CLEANUP_POLICY_DELETE = "delete";

    private static final String LONG_MAX = Long.toString(Long.MAX_VALUE);
    private static final Importance M = Importance.MEDIUM;

    private static final ConfigDef DEF = new ConfigDef()
            .define(CLEANUP_POLICY, Type.LIST, CLEANUP_POLICY_DELETE,
                    ValidList.in(CLEANUP_POLICY_COMPACT, CLEANUP_POLICY_DELETE), M,
                    "How old data is removed: 'delete' drops whole segments once they pass the retention time or "
                            + "size; 'compact' keeps only the newest record per key; both may be listed together.")
            .define(COMPRESSION_GZIP_LEVEL, Type.INT, "-1",
                    ConfigDef.anyOf(Range.between(1, 9), ConfigDef.exactly(-1)), M,
                    "The gzip level used when compression.type is gzip; -1 means the codec's default level.")
            .define(COMPRESSION_LZ4_LEVEL, Type.INT, "9", Range.between(1, 17), M,
                    "The lz4 level used when compression.type is lz4.")
            .define(COMPRESSION_TYPE, Type.STRING, "producer",
                    ValidString.in("uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"), M,
                    "The codec batches are stored with: a codec name, 'uncompressed', or 'producer' to keep "
                            + "whatever the producer used.")
            .define(COMPRESSION_ZSTD_LEVEL, Type.INT, "3", Range.between(-131072, 22), M,
                    "The zstd level used when compression.type is zstd.")
            .define(DELETE_RETENTION_MS, Type.LONG, "86400000", Range.atLeast(0), M,
                    "How long tombstones (null-value records) survive in a compacted topic, which bounds how "
                            + "long a reader starting from the beginning has to see a delete.")
            .define(FILE_DELETE_DELAY_MS, Type.LONG, "60000", Range.atLeast(0), M,
                    "How long a deleted segment's files are kept on disk before they are removed.")
            .define(FLUSH_MESSAGES, Type.LONG, LONG_MAX, Range.atLeast(1), M,
                    "Force an fsync after this many records have been appended to a partition. The default "
                            + "leaves flushing to the operating system; durability comes from replication.")
            .define(FLUSH_MS, Type.LONG, LONG_MAX, Range.atLeast(0), M,
                    "Force an fsync when data has been waiting this long. The default leaves flushing to the "
                            + "operating system.")
            .define(FOLLOWER_REPLICATION_THROTTLED_REPLICAS, Type.LIST, "", throttledReplicas(), M,
                    "Replicas whose follower-side replication is throttled, as partition:broker pairs, or '*' "
                            + "for all replicas of the topic.")
            .define(INDEX_INTERVAL_BYTES, Type.INT, "4096", Range.atLeast(0), M,
                    "How many bytes of records lie between two entries of the offset index.")
            .define(LEADER_REPLICATION_THROTTLED_REPLICAS, Type.LIST, "", throttledReplicas(), M,
                    "Replicas whose leader-side replication is throttled, as partition:broker pairs, or '*' "
                            + "for all replicas of the topic.")
            .define(LOCAL_RETENTION_BYTES, Type.LONG, "-2", Range.atLeast(-2), M,
                    "With tiered storage, how many bytes stay on local disk per partition; -2 means use "
                            + "retention.bytes.")
            .define(LOCAL_RETENTION_MS, Type.LONG, "-2", Range.atLeast(-2), M,
                    "With tiered storage, how long segments stay on local disk; -2 means use retention.ms.")
            .define(MAX_COMPACTION_LAG_MS, Type.LONG, LONG_MAX, Range.atLeast(1), M,
                    "The longest a record may stay uncompacted in a compacted topic.")
            .define(MAX_MESSAGE_BYTES, Type.INT, "1048588", Range.atLeast(0), M,
                    "The largest record batch (after compression) the topic accepts.")
            .define(MESSAGE_TIMESTAMP_AFTER_MAX_MS, Type.LONG, "3600000", Range.atLeast(0), M,
                    "With CreateTime, how far into the future of the broker's clock a batch timestamp may be.")
            .define(MESSAGE_TIMESTAMP_BEFORE_MAX_MS, Type.LONG, LONG_MAX, Range.atLeast(0), M,
                    "With CreateTime, how far into the past of the broker's clock a batch timestamp may be.")
            .define(MESSAGE_TIMESTAMP_TYPE, Type.STRING, "CreateTime", ValidString.in("CreateTime", "LogAppendTime"), M,
                    "Whether record timestamps are the producer's (CreateTime) or the broker's append time "
                            + "(LogAppendTime).")
            .define(MIN_CLEANABLE_DIRTY_RATIO, Type.DOUBLE, "0.5", Range.between(0, 1), M,
                    "The share of a compacted log that must be uncompacted before the cleaner works on it.")
            .define(MIN_COMPACTION_LAG_MS, Type.LONG, "0", Range.atLeast(0), M,
                    "The shortest time a record stays uncompacted in a compacted topic.")
            .define(MIN_IN_SYNC_REPLICAS, Type.INT, "1", Range.atLeast(1), M,
                    "With acks=all, how many in-sync replicas must hold a write for it to succeed.")
            .define(PREALLOCATE, Type.BOOLEAN, "false", M,
                    "Whether a new segment file is allocated at its full size up front.")
            .define(REMOTE_LOG_COPY_DISABLE, Type.BOOLEAN, "false", M,
                    "With tiered storage, stop copying segments to remote storage while keeping what is there.")
            .define(REMOTE_LOG_DELETE_ON_DISABLE, Type.BOOLEAN, "false", M,
                    "With tiered storage, delete remote data when tiering is turned off for the topic.")
            .define(REMOTE_STORAGE_ENABLE, Type.BOOLEAN, "false", M,
                    "Whether the topic uses tiered storage. Requires remote.log.storage.system.enable on the "
                            + "broker; Runnel has no tiered storage, so only false is accepted.")
            .define(RETENTION_BYTES, Type.LONG, "-1", M,
                    "Largest size per partition before old segments are deleted under the 'delete' policy; "
                            + "-1 means no size limit.")
            .define(RETENTION_MS, Type.LONG, "604800000", Range.atLeast(-1), M,
                    "How long records are kept before their segment is deleted under the 'delete' policy; "
                            + "-1 means no time limit.")
            .define(SEGMENT_BYTES, Type.INT, "1073741824", Range.atLeast(1048576), M,
                    "The size at which a partition rolls to a new segment file.")
            .define(SEGMENT_INDEX_BYTES, Type.INT, "10485760", Range.atLeast(4), M,
                    "The size allotted to each segment's offset and time indexes.")
            .define(SEGMENT_JITTER_MS, Type.LONG, "0", Range.atLeast(0), M,
                    "A random amount, up to this, subtracted from segment.ms so partitions do not all roll at once.")
            .define(SEGMENT_MS, Type.LONG, "604800000", Range.atLeast(1), M,
                    "The age at which a partition rolls to a new segment even if it is not full, so old data "
                            + "can be deleted or compacted.")
            .define(UNCLEAN_LEADER_ELECTION_ENABLE, Type.BOOLEAN, "false", M,
                    "Whether a replica outside the ISR may become leader as a last resort, at the risk of "
                            + "losing data.")
            .allDynamic()
            .synonyms(CLEANUP_POLICY, Synonym.of("log.cleanup.policy"))
            .synonyms(COMPRESSION_GZIP_LEVEL, Synonym.of("compression.gzip.level"))
            .synonyms(COMPRESSION_LZ4_LEVEL, Synonym.of("compression.lz4.level"))
            .synonyms(COMPRESSION_TYPE, Synonym.of("compression.type"))
            .synonyms(COMPRESSION_ZSTD_LEVEL, Synonym.of("compression.zstd.level"))
            .synonyms(DELETE_RETENTION_MS, Synonym.of("log.cleaner.delete.retention.ms"))
            .synonyms(FILE_DELETE_DELAY_MS, Synonym.of("log.segment.delete.delay.ms"))
            .synonyms(FLUSH_MESSAGES, Synonym.of("log.flush.interval.messages"))
            .synonyms(FLUSH_MS, Synonym.of("log.flush.interval.ms"), Synonym.of("log.flush.scheduler.interval.ms"))
            .synonyms(INDEX_INTERVAL_BYTES, Synonym.of("log.index.interval.bytes"))
            .synonyms(LOCAL_RETENTION_BYTES, Synonym.of("log.local.retention.bytes"))
            .synonyms(LOCAL_RETENTION_MS, Synonym.of("log.local.retention.ms"))
            .synonyms(MAX_COMPACTION_LAG_MS, Synonym.of("log.cleaner.max.compaction.lag.ms"))
            .synonyms(MAX_MESSAGE_BYTES, Synonym.of("message.max.bytes"))
            .synonyms(MESSAGE_TIMESTAMP_AFTER_MAX_MS, Synonym.of("log.message.timestamp.after.max.ms"))
            .synonyms(MESSAGE_TIMESTAMP_BEFORE_MAX_MS, Synonym.of("log.message.timestamp.before.max.ms"))
            .synonyms(MESSAGE_TIMESTAMP_TYPE, Synonym.of("log.message.timestamp.type"))
            .synonyms(MIN_CLEANABLE_DIRTY_RATIO, Synonym.of("log.cleaner.min.cleanable.ratio"))
            .synonyms(MIN_COMPACTION_LAG_MS, Synonym.of("log.cleaner.min.compaction.lag.ms"))
            .synonyms(MIN_IN_SYNC_REPLICAS, Synonym.of("min.insync.replicas"))
            .synonyms(PREALLOCATE, Synonym.of("log.preallocate"))
            .synonyms(RETENTION_BYTES, Synonym.of("log.retention.bytes"))
            .synonyms(RETENTION_MS, Synonym.of("log.retention.ms"), Synonym.minutes("log.retention.minutes"),
                    Synonym.hours("log.retention.hours"))
            .synonyms(SEGMENT_BYTES, Synonym.of("log.segment.bytes"))
            .synonyms(SEGMENT_INDEX_BYTES, Synonym.of("log.index.size.max.bytes"))
            .synonyms(SEGMENT_JITTER_MS, Synonym.of("log.roll.jitter.ms"), Synonym.hours("log.roll.jitter.hours"))
            .synonyms(SEGMENT_MS, Synonym.of("log.roll.ms"), Synonym.hours("log.roll.hours"))
            .synonyms(UNCLEAN_LEADER_ELECTION_ENABLE, Synonym.of("unclean.leader.election.enable"));

    private TopicConfigs() {
    }

    /** The definition of every topic config. */
    public static ConfigDef definition() {
        return DEF;
    }

    /** Whether {@code name} is a topic config. */
    public static boolean isTopicConfig(String name) {
        return DEF.contains(name);
    }

    /**
     * Checks a topic's overrides on their own: every key must be a topic config
     * ({@code Unknown topic config name: <key>}) and every value must parse and validate.
     *
     * @throws ConfigException (INVALID_CONFIG) naming the offending key
     */
    public static ConfigValues validate(Map<String, String> overrides) {
        return DEF.parse(overrides, unknown -> {
            throw new ConfigException(unknown, "Unknown topic config name: " + unknown);
        });
    }

    /**
     * Checks a topic's overrides as {@link #validate(Map)} does, then the rules that involve several
     * configs, on the effective values: min.compaction.lag.ms must not exceed max.compaction.lag.ms;
     * remote.storage.enable needs broker support (remote.log.storage.system.enable) and then
     * local.retention.ms/bytes must not exceed retention.ms/bytes.
     *
     * @return the effective typed values
     */
    public static ConfigValues validate(Map<String, String> overrides, BrokerConfigLayers broker) {
        validate(overrides);
        ConfigValues eff = DEF.parse(resolve(overrides, broker));
        long minLag = eff.getLong(MIN_COMPACTION_LAG_MS);
        long maxLag = eff.getLong(MAX_COMPACTION_LAG_MS);
        if (minLag > maxLag) {
            throw ConfigException.invalidValue(MIN_COMPACTION_LAG_MS, minLag,
                    "must not be greater than " + MAX_COMPACTION_LAG_MS + " (" + maxLag + ")");
        }
        if (eff.getBoolean(REMOTE_STORAGE_ENABLE)) {
            ConfigEntry.Synonym sys = broker.lookup(BrokerConfigs.REMOTE_LOG_STORAGE_SYSTEM_ENABLE);
            boolean enabled = sys != null && Boolean.parseBoolean(sys.value().trim());
            if (!enabled) {
                throw ConfigException.invalidValue(REMOTE_STORAGE_ENABLE, true,
                        "tiered storage is not enabled on this broker (remote.log.storage.system.enable=false)");
            }
            checkLocalRetention(eff, LOCAL_RETENTION_MS, RETENTION_MS);
            checkLocalRetention(eff, LOCAL_RETENTION_BYTES, RETENTION_BYTES);
        }
        return eff;
    }

    private static void checkLocalRetention(ConfigValues eff, String local, String total) {
        long l = eff.getLong(local);
        long t = eff.getLong(total);
        if (l == -2 || t == -1) return;
        if (l == -1 || l > t) {
            throw ConfigException.invalidValue(local, l, "must not be more than " + total + " (" + t + ")");
        }
    }

    /** {@link #resolve(Map, BrokerConfigLayers)} with only a static broker configuration. */
    public static Map<String, String> resolve(Map<String, String> topicOverrides, Map<String, String> brokerConfig) {
        return resolve(topicOverrides, BrokerConfigLayers.ofStatic(brokerConfig));
    }

    /**
     * The effective value of every topic config, as canonical text, in definition order. Overrides are
     * taken as given (validate them first); broker values are converted to the topic config's unit.
     *
     * @throws ConfigException when a broker value that is used does not parse
     */
    public static Map<String, String> resolve(Map<String, String> topicOverrides, BrokerConfigLayers broker) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Key k : DEF.keys().values()) {
            out.put(k.name(), effective(k, topicOverrides, broker).value());
        }
        return out;
    }

    /** The effective typed values of a topic (see {@link #resolve(Map, BrokerConfigLayers)}). */
    public static ConfigValues resolveTyped(Map<String, String> topicOverrides, BrokerConfigLayers broker) {
        return DEF.parse(resolve(topicOverrides, broker));
    }

    /** Every topic config as DescribeConfigs reports it, in definition order. */
    public static List<ConfigEntry> describe(Map<String, String> topicOverrides, BrokerConfigLayers broker) {
        List<ConfigEntry> out = new ArrayList<>();
        for (Key k : DEF.keys().values()) out.add(describe(k, topicOverrides, broker));
        return out;
    }

    /** One topic config as DescribeConfigs reports it; null when {@code name} is not a topic config. */
    public static ConfigEntry describe(String name, Map<String, String> topicOverrides, BrokerConfigLayers broker) {
        if (!DEF.contains(name)) return null;
        return describe(DEF.key(name), topicOverrides, broker);
    }

    private static ConfigEntry describe(Key k, Map<String, String> overrides, BrokerConfigLayers broker) {
        ConfigEntry.Synonym eff = effective(k, overrides, broker);
        List<ConfigEntry.Synonym> synonyms = new ArrayList<>();
        String override = overrides.get(k.name());
        if (override != null) synonyms.add(new ConfigEntry.Synonym(k.name(), override, ConfigSource.DYNAMIC_TOPIC_CONFIG));
        ConfigDef brokerDef = BrokerConfigs.definition();
        for (Synonym s : k.synonyms()) {
            synonyms.addAll(broker.all(s.name()));
            if (brokerDef.contains(s.name())) {
                Key bk = brokerDef.key(s.name());
                if (bk.hasDefault()) synonyms.add(new ConfigEntry.Synonym(s.name(), bk.defaultText(), ConfigSource.DEFAULT_CONFIG));
            }
        }
        return new ConfigEntry(k.name(), eff.value(), eff.source(), false, k.sensitive(), k.type(),
                k.documentation(), synonyms);
    }

    /** The value of one topic config, named by the topic key, and where it comes from. */
    private static ConfigEntry.Synonym effective(Key k, Map<String, String> overrides, BrokerConfigLayers broker) {
        String override = overrides.get(k.name());
        if (override != null) {
            return new ConfigEntry.Synonym(k.name(), canonical(k, k.name(), override), ConfigSource.DYNAMIC_TOPIC_CONFIG);
        }
        for (Synonym s : k.synonyms()) {
            ConfigEntry.Synonym hit = broker.lookup(s.name());
            if (hit != null) {
                return new ConfigEntry.Synonym(k.name(), convert(k, s, hit.value()), hit.source());
            }
        }
        return new ConfigEntry.Synonym(k.name(), k.defaultText(), ConfigSource.DEFAULT_CONFIG);
    }

    private static String canonical(Key k, String sourceKey, String raw) {
        return ConfigDef.format(k.type(), ConfigDef.parseValue(sourceKey, k.type(), raw));
    }

    private static String convert(Key k, Synonym s, String raw) {
        if (s.multiplier() == 1) return canonical(k, s.name(), raw);
        long v;
        try {
            v = Long.parseLong(raw.trim());
        } catch (NumberFormatException e) {
            throw ConfigException.invalidValue(s.name(), raw, "Not a number of type LONG");
        }
        long ms;
        if (v < 0) {
            ms = -1; // Kafka treats any negative retention in hours or minutes as unlimited
        } else {
            try {
                ms = Math.multiplyExact(v, s.multiplier());
            } catch (ArithmeticException e) {
                ms = Long.MAX_VALUE;
            }
        }
        return Long.toString(ms);
    }

    private static ConfigDef.Validator throttledReplicas() {
        return ConfigDef.custom("[partitionId]:[brokerId],[partitionId]:[brokerId],... or *", (name, value) -> {
            @SuppressWarnings("unchecked")
            List<String> items = (List<String>) value;
            if (items.size() == 1 && items.get(0).equals("*")) return;
            for (String item : items) {
                String[] parts = item.split(":", -1);
                boolean ok = parts.length == 2 && isNonNegativeInt(parts[0].trim()) && isNonNegativeInt(parts[1].trim());
                if (!ok) {
                    throw ConfigException.invalidValue(name, String.join(",", items),
                            "must be '*' or a list of partitionId:brokerId pairs");
                }
            }
        });
    }

    private static boolean isNonNegativeInt(String s) {
        if (s.isEmpty()) return false;
        try {
            return Integer.parseInt(s) >= 0;
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
