package io.runnel.storage;

import io.runnel.common.ApiException;
import io.runnel.common.Errors;
import io.runnel.config.TopicConfigs;
import io.runnel.record.TimestampType;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The topic-level settings that govern one partition log, under Kafka's topic config names.
 *
 * <p>The key names and {@link #DEFAULT} (Kafka 4.x's topic defaults) come from {@link TopicConfigs}, their one
 * owner. {@link #fromMap} parses the string form a
 * CreateTopics / AlterConfigs request or a topic's stored overrides carry: absent keys take the default,
 * keys this class does not model (for example {@code compression.type} or {@code min.insync.replicas},
 * which the broker handles) are ignored, and a value that does not parse or is out of Kafka's valid
 * range throws {@link ApiException} with {@link Errors#INVALID_CONFIG} and a message that names the key.
 *
 * <p>{@code segment.bytes} has Kafka 4.x's minimum of 1 MiB. Like Kafka, the internal key
 * {@code internal.segment.bytes} overrides it without that minimum (tests use small segments).
 *
 * <p>Immutable; safe to share between threads. A log picks up a new instance through
 * {@link PartitionLog#updateConfig}.
 *
 * @param segmentBytes          {@code segment.bytes}: roll the active segment before it would exceed this size
 * @param segmentMs             {@code segment.ms}: roll once the segment's records span this long (by timestamp)
 * @param segmentJitterMs       {@code segment.jitter.ms}: random amount subtracted from segment.ms per segment
 * @param segmentIndexBytes     {@code segment.index.bytes}: size each index file is preallocated to
 * @param indexIntervalBytes    {@code index.interval.bytes}: bytes of batches between index entries
 * @param retentionMs           {@code retention.ms}: delete segments whose newest record is older; -1 = forever
 * @param retentionBytes        {@code retention.bytes}: delete old segments while the log is larger; -1 = no limit
 * @param compact               {@code cleanup.policy} contains {@code compact}
 * @param delete                {@code cleanup.policy} contains {@code delete}
 * @param minCleanableDirtyRatio {@code min.cleanable.dirty.ratio}
 * @param deleteRetentionMs     {@code delete.retention.ms}: how long tombstones survive after their first cleaning
 * @param minCompactionLagMs    {@code min.compaction.lag.ms}
 * @param maxCompactionLagMs    {@code max.compaction.lag.ms}
 * @param maxMessageBytes       {@code max.message.bytes}: largest batch accepted
 * @param timestampType         {@code message.timestamp.type}
 * @param timestampBeforeMaxMs  {@code message.timestamp.before.max.ms}
 * @param timestampAfterMaxMs   {@code message.timestamp.after.max.ms}
 * @param flushMessages         {@code flush.messages}: fsync after this many unflushed messages
 * @param flushMs               {@code flush.ms}: fsync when the last flush is this old
 * @param fileDeleteDelayMs     {@code file.delete.delay.ms}: delay between unlinking a segment and deleting its files
 * @param preallocate           {@code preallocate}: create segment files at their full size
 */
public record LogConfig(long segmentBytes, long segmentMs, long segmentJitterMs, int segmentIndexBytes,
                        int indexIntervalBytes, long retentionMs, long retentionBytes, boolean compact,
                        boolean delete, double minCleanableDirtyRatio, long deleteRetentionMs,
                        long minCompactionLagMs, long maxCompactionLagMs, int maxMessageBytes,
                        TimestampType timestampType, long timestampBeforeMaxMs, long timestampAfterMaxMs,
                        long flushMessages, long flushMs, long fileDeleteDelayMs, boolean preallocate) {

    public static final String SEGMENT_BYTES = TopicConfigs.SEGMENT_BYTES;
    public static final String INTERNAL_SEGMENT_BYTES = "internal.segment.bytes";
    public static final String SEGMENT_MS = TopicConfigs.SEGMENT_MS;
    public static final String SEGMENT_JITTER_MS = TopicConfigs.SEGMENT_JITTER_MS;
    public static final String SEGMENT_INDEX_BYTES = TopicConfigs.SEGMENT_INDEX_BYTES;
    public static final String INDEX_INTERVAL_BYTES = TopicConfigs.INDEX_INTERVAL_BYTES;
    public static final String RETENTION_MS = TopicConfigs.RETENTION_MS;
    public static final String RETENTION_BYTES = TopicConfigs.RETENTION_BYTES;
    public static final String CLEANUP_POLICY = TopicConfigs.CLEANUP_POLICY;
    public static final String MIN_CLEANABLE_DIRTY_RATIO = TopicConfigs.MIN_CLEANABLE_DIRTY_RATIO;
    public static final String DELETE_RETENTION_MS = TopicConfigs.DELETE_RETENTION_MS;
    public static final String MIN_COMPACTION_LAG_MS = TopicConfigs.MIN_COMPACTION_LAG_MS;
    public static final String MAX_COMPACTION_LAG_MS = TopicConfigs.MAX_COMPACTION_LAG_MS;
    public static final String MAX_MESSAGE_BYTES = TopicConfigs.MAX_MESSAGE_BYTES;
    public static final String MESSAGE_TIMESTAMP_TYPE = TopicConfigs.MESSAGE_TIMESTAMP_TYPE;
    public static final String MESSAGE_TIMESTAMP_BEFORE_MAX_MS = TopicConfigs.MESSAGE_TIMESTAMP_BEFORE_MAX_MS;
    public static final String MESSAGE_TIMESTAMP_AFTER_MAX_MS = TopicConfigs.MESSAGE_TIMESTAMP_AFTER_MAX_MS;
    public static final String FLUSH_MESSAGES = TopicConfigs.FLUSH_MESSAGES;
    public static final String FLUSH_MS = TopicConfigs.FLUSH_MS;
    public static final String FILE_DELETE_DELAY_MS = TopicConfigs.FILE_DELETE_DELAY_MS;
    public static final String PREALLOCATE = TopicConfigs.PREALLOCATE;

    /** The keys {@link #fromMap} interprets (besides the internal segment-size override). */
    public static final Set<String> KEYS = Set.of(SEGMENT_BYTES, SEGMENT_MS, SEGMENT_JITTER_MS, SEGMENT_INDEX_BYTES,
            INDEX_INTERVAL_BYTES, RETENTION_MS, RETENTION_BYTES, CLEANUP_POLICY, MIN_CLEANABLE_DIRTY_RATIO,
            DELETE_RETENTION_MS, MIN_COMPACTION_LAG_MS, MAX_COMPACTION_LAG_MS, MAX_MESSAGE_BYTES,
            MESSAGE_TIMESTAMP_TYPE, MESSAGE_TIMESTAMP_BEFORE_MAX_MS, MESSAGE_TIMESTAMP_AFTER_MAX_MS,
            FLUSH_MESSAGES, FLUSH_MS, FILE_DELETE_DELAY_MS, PREALLOCATE);

    /** Kafka 4.x's lower bound for {@code segment.bytes}. */
    public static final long MIN_SEGMENT_BYTES = 1024 * 1024;

    /**
     * Kafka's topic-config defaults, read from {@link TopicConfigs}, which owns the topic keys and their
     * defaults; this class only models them for a partition log. (The placeholder values below are all
     * overridden, since every key of {@link #KEYS} has a default there.)
     */
    public static final LogConfig DEFAULT = new LogConfig(MIN_SEGMENT_BYTES, 1, 0, 24, 0, -1, -1, false, true, 0.5, 0, 0, 1, 0,
            TimestampType.CREATE_TIME, 0, 0, 1, 0, 0, false).with(TopicConfigs.resolve(Map.of(), Map.of()));

    public LogConfig {
        if (segmentBytes < 1 || segmentBytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("segmentBytes out of range: " + segmentBytes);
        }
        if (segmentMs < 1) throw new IllegalArgumentException("segmentMs must be >= 1");
        if (segmentIndexBytes < 24) throw new IllegalArgumentException("segmentIndexBytes must be >= 24");
        if (timestampType == null || timestampType == TimestampType.NO_TIMESTAMP_TYPE) {
            throw new IllegalArgumentException("timestampType must be CreateTime or LogAppendTime");
        }
    }

    /**
     * Parses topic config overrides (Kafka key names). Absent keys take {@link #DEFAULT}'s value.
     *
     * @throws ApiException INVALID_CONFIG naming the key, for a value that does not parse or is out of range
     */
    public static LogConfig fromMap(Map<String, String> props) {
        return DEFAULT.with(props);
    }

    /**
     * This config with the given keys overridden (same parsing and validation as {@link #fromMap}).
     *
     * @throws ApiException INVALID_CONFIG naming the key
     */
    public LogConfig with(Map<String, String> props) {
        Parser p = new Parser(props);
        long segBytes = p.longValue(SEGMENT_BYTES, segmentBytes, MIN_SEGMENT_BYTES, Integer.MAX_VALUE);
        if (props.containsKey(INTERNAL_SEGMENT_BYTES)) {
            segBytes = p.longValue(INTERNAL_SEGMENT_BYTES, segBytes, 14, Integer.MAX_VALUE);
        }
        boolean[] policy = p.cleanupPolicy(compact, delete);
        return new LogConfig(
                segBytes,
                p.longValue(SEGMENT_MS, segmentMs, 1, Long.MAX_VALUE),
                p.longValue(SEGMENT_JITTER_MS, segmentJitterMs, 0, Long.MAX_VALUE),
                (int) p.longValue(SEGMENT_INDEX_BYTES, segmentIndexBytes, 24, Integer.MAX_VALUE),
                (int) p.longValue(INDEX_INTERVAL_BYTES, indexIntervalBytes, 0, Integer.MAX_VALUE),
                p.longValue(RETENTION_MS, retentionMs, -1, Long.MAX_VALUE),
                p.longValue(RETENTION_BYTES, retentionBytes, Long.MIN_VALUE, Long.MAX_VALUE),
                policy[0], policy[1],
                p.doubleValue(MIN_CLEANABLE_DIRTY_RATIO, minCleanableDirtyRatio, 0.0, 1.0),
                p.longValue(DELETE_RETENTION_MS, deleteRetentionMs, 0, Long.MAX_VALUE),
                p.longValue(MIN_COMPACTION_LAG_MS, minCompactionLagMs, 0, Long.MAX_VALUE),
                p.longValue(MAX_COMPACTION_LAG_MS, maxCompactionLagMs, 1, Long.MAX_VALUE),
                (int) p.longValue(MAX_MESSAGE_BYTES, maxMessageBytes, 0, Integer.MAX_VALUE),
                p.timestampType(timestampType),
                p.longValue(MESSAGE_TIMESTAMP_BEFORE_MAX_MS, timestampBeforeMaxMs, 0, Long.MAX_VALUE),
                p.longValue(MESSAGE_TIMESTAMP_AFTER_MAX_MS, timestampAfterMaxMs, 0, Long.MAX_VALUE),
                p.longValue(FLUSH_MESSAGES, flushMessages, 1, Long.MAX_VALUE),
                p.longValue(FLUSH_MS, flushMs, 0, Long.MAX_VALUE),
                p.longValue(FILE_DELETE_DELAY_MS, fileDeleteDelayMs, 0, Long.MAX_VALUE),
                p.bool(PREALLOCATE, preallocate));
    }

    /**
     * Every key of {@link #KEYS} with this config's value, in Kafka's string form (what
     * DescribeConfigs shows). {@code fromMap(toMap())} gives back an equal config as long as
     * segment.bytes is at least 1 MiB.
     */
    public Map<String, String> toMap() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(CLEANUP_POLICY, cleanupPolicy());
        m.put(DELETE_RETENTION_MS, Long.toString(deleteRetentionMs));
        m.put(FILE_DELETE_DELAY_MS, Long.toString(fileDeleteDelayMs));
        m.put(FLUSH_MESSAGES, Long.toString(flushMessages));
        m.put(FLUSH_MS, Long.toString(flushMs));
        m.put(INDEX_INTERVAL_BYTES, Integer.toString(indexIntervalBytes));
        m.put(MAX_COMPACTION_LAG_MS, Long.toString(maxCompactionLagMs));
        m.put(MAX_MESSAGE_BYTES, Integer.toString(maxMessageBytes));
        m.put(MESSAGE_TIMESTAMP_AFTER_MAX_MS, Long.toString(timestampAfterMaxMs));
        m.put(MESSAGE_TIMESTAMP_BEFORE_MAX_MS, Long.toString(timestampBeforeMaxMs));
        m.put(MESSAGE_TIMESTAMP_TYPE, timestampType.configName());
        m.put(MIN_CLEANABLE_DIRTY_RATIO, Double.toString(minCleanableDirtyRatio));
        m.put(MIN_COMPACTION_LAG_MS, Long.toString(minCompactionLagMs));
        m.put(PREALLOCATE, Boolean.toString(preallocate));
        m.put(RETENTION_BYTES, Long.toString(retentionBytes));
        m.put(RETENTION_MS, Long.toString(retentionMs));
        m.put(SEGMENT_BYTES, Long.toString(segmentBytes));
        m.put(SEGMENT_INDEX_BYTES, Integer.toString(segmentIndexBytes));
        m.put(SEGMENT_JITTER_MS, Long.toString(segmentJitterMs));
        m.put(SEGMENT_MS, Long.toString(segmentMs));
        return m;
    }

    /** {@code cleanup.policy} as Kafka spells it: "delete", "compact", "compact,delete" or "". */
    public String cleanupPolicy() {
        if (compact && delete) return "compact,delete";
        if (compact) return "compact";
        return delete ? "delete" : "";
    }

    /**
     * A random jitter for one new segment, in [0, min(segment.jitter.ms, segment.ms)), as Kafka draws
     * it so that many partitions created together do not roll at the same instant.
     */
    long randomSegmentJitterMs(java.util.Random random) {
        if (segmentJitterMs == 0) return 0;
        long bound = Math.min(segmentJitterMs, segmentMs);
        return bound <= 0 ? 0 : Math.floorMod(random.nextLong(), bound);
    }

    /** Parses one map, reporting bad values with the key name. */
    private static final class Parser {
        private final Map<String, String> props;

        Parser(Map<String, String> props) {
            this.props = props;
        }

        private String raw(String key) {
            String v = props.get(key);
            return v == null ? null : v.trim();
        }

        long longValue(String key, long dflt, long min, long max) {
            String v = raw(key);
            if (v == null) return dflt;
            long n;
            try {
                n = Long.parseLong(v);
            } catch (NumberFormatException e) {
                throw invalid(key, v, "not a number");
            }
            if (n < min || n > max) {
                throw invalid(key, v, max == Long.MAX_VALUE
                        ? "value must be at least " + min
                        : "value must be between " + min + " and " + max);
            }
            return n;
        }

        double doubleValue(String key, double dflt, double min, double max) {
            String v = raw(key);
            if (v == null) return dflt;
            double d;
            try {
                d = Double.parseDouble(v);
            } catch (NumberFormatException e) {
                throw invalid(key, v, "not a number");
            }
            if (!(d >= min && d <= max)) throw invalid(key, v, "value must be between " + min + " and " + max);
            return d;
        }

        boolean bool(String key, boolean dflt) {
            String v = raw(key);
            if (v == null) return dflt;
            if (v.equalsIgnoreCase("true")) return true;
            if (v.equalsIgnoreCase("false")) return false;
            throw invalid(key, v, "expected true or false");
        }

        TimestampType timestampType(TimestampType dflt) {
            String v = raw(MESSAGE_TIMESTAMP_TYPE);
            if (v == null) return dflt;
            if (v.equals(TimestampType.CREATE_TIME.configName())) return TimestampType.CREATE_TIME;
            if (v.equals(TimestampType.LOG_APPEND_TIME.configName())) return TimestampType.LOG_APPEND_TIME;
            throw invalid(MESSAGE_TIMESTAMP_TYPE, v, "expected CreateTime or LogAppendTime");
        }

        boolean[] cleanupPolicy(boolean dfltCompact, boolean dfltDelete) {
            String v = raw(CLEANUP_POLICY);
            if (v == null) return new boolean[] {dfltCompact, dfltDelete};
            boolean c = false;
            boolean d = false;
            if (!v.isEmpty()) {
                for (String part : v.split(",")) {
                    String p = part.trim().toLowerCase(Locale.ROOT);
                    switch (p) {
                        case "compact" -> c = true;
                        case "delete" -> d = true;
                        default -> throw invalid(CLEANUP_POLICY, v, "each item must be one of [compact, delete]");
                    }
                }
            }
            return new boolean[] {c, d};
        }

        private static ApiException invalid(String key, String value, String reason) {
            return new ApiException(Errors.INVALID_CONFIG,
                    "Invalid value " + value + " for configuration " + key + ": " + reason);
        }
    }
}
