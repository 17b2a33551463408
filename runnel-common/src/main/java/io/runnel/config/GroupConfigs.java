package io.runnel.config;

import io.runnel.config.ConfigDef.Importance;
import io.runnel.config.ConfigDef.Key;
import io.runnel.config.ConfigDef.Range;
import io.runnel.config.ConfigDef.Synonym;
import io.runnel.config.ConfigDef.Type;
import io.runnel.config.ConfigDef.ValidString;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The per-group configs of Kafka 4.4 (KIP-848; config resource type GROUP, 32): their names, types,
 * defaults and valid values, the broker keys that supply a group's value when it has no override of its
 * own, and the validation of a group's overrides against the broker's bounds.
 *
 * <p>Runnel applies {@link #CONSUMER_SESSION_TIMEOUT_MS} and {@link #CONSUMER_HEARTBEAT_INTERVAL_MS} to
 * consumer groups. The other keys (assignment intervals, share groups, streams groups, dead-letter queues)
 * are accepted, validated, stored and described like Kafka's, but have no effect: their documentation
 * says so ({@link #isApplied}).
 *
 * <p>Precedence of a group config's value, highest first: the group's override
 * ({@link ConfigSource#DYNAMIC_GROUP_CONFIG}); its broker synonym (e.g. {@code group.consumer.session.timeout.ms})
 * from the dynamic per-broker, dynamic cluster-default and static layers; the broker synonym's default;
 * the group config's own default ({@link ConfigSource#DEFAULT_CONFIG}).
 *
 * <p>Validation (Kafka's rules and messages, error INVALID_CONFIG): unknown names
 * ({@code Unknown group config name: <key>}); values that do not parse or fall outside the key's own
 * range; a session timeout or heartbeat interval (consumer, share, streams), a record lock duration,
 * delivery count limit or record-lock count outside the broker's {@code group.<type>.min/max.*} bounds
 * ({@code <key> must be in the range <min> to <max> inclusive.}); streams standby and warm-up replicas
 * above the broker maximum, a task offset interval below the broker minimum; a session timeout not above
 * the heartbeat interval of the same group type (an absent side taken from the broker); a dead-letter
 * topic starting with "__".
 *
 * <p>Stateless; all methods are safe from any thread.
 */
public final class GroupConfigs {
    public static final String CONSUMER_SESSION_TIMEOUT_MS = "consumer.session.timeout.ms";
    public static final String CONSUMER_HEARTBEAT_INTERVAL_MS = "consumer.heartbeat.interval.ms";
    public static final String CONSUMER_ASSIGNMENT_INTERVAL_MS = "consumer.assignment.interval.ms";
    public static final String ERRORS_DLQ_COPY_RECORD_ENABLE = "errors.deadletterqueue.copy.record.enable";
    public static final String ERRORS_DLQ_TOPIC_NAME = "errors.deadletterqueue.topic.name";
    public static final String SHARE_ASSIGNMENT_INTERVAL_MS = "share.assignment.interval.ms";
    public static final String SHARE_AUTO_OFFSET_RESET = "share.auto.offset.reset";
    public static final String SHARE_DELIVERY_COUNT_LIMIT = "share.delivery.count.limit";
    public static final String SHARE_HEARTBEAT_INTERVAL_MS = "share.heartbeat.interval.ms";
    public static final String SHARE_ISOLATION_LEVEL = "share.isolation.level";
    public static final String SHARE_PARTITION_MAX_RECORD_LOCKS = "share.partition.max.record.locks";
    public static final String SHARE_RECORD_LOCK_DURATION_MS = "share.record.lock.duration.ms";
    public static final String SHARE_RENEW_ACKNOWLEDGE_ENABLE = "share.renew.acknowledge.enable";
    public static final String SHARE_SESSION_TIMEOUT_MS = "share.session.timeout.ms";
    public static final String STREAMS_ACCEPTABLE_RECOVERY_LAG = "streams.acceptable.recovery.lag";
    public static final String STREAMS_ASSIGNMENT_INTERVAL_MS = "streams.assignment.interval.ms";
    public static final String STREAMS_HEARTBEAT_INTERVAL_MS = "streams.heartbeat.interval.ms";
    public static final String STREAMS_INITIAL_REBALANCE_DELAY_MS = "streams.initial.rebalance.delay.ms";
    public static final String STREAMS_NUM_STANDBY_REPLICAS = "streams.num.standby.replicas";
    public static final String STREAMS_NUM_WARMUP_REPLICAS = "streams.num.warmup.replicas";
    public static final String STREAMS_SESSION_TIMEOUT_MS = "streams.session.timeout.ms";
    public static final String STREAMS_TASK_OFFSET_INTERVAL_MS = "streams.task.offset.interval.ms";

    private static final Set<String> APPLIED = Set.of(CONSUMER_SESSION_TIMEOUT_MS, CONSUMER_HEARTBEAT_INTERVAL_MS);
    private static final String NOT_APPLIED = " Not applied by Runnel: accepted, stored and described like Kafka's, "
            + "but without effect.";
    private static final Importance M = Importance.MEDIUM;

    private static final ConfigDef DEF = new ConfigDef()
            .define(CONSUMER_ASSIGNMENT_INTERVAL_MS, Type.INT, "1000", Range.atLeast(0), M,
                    "The interval between assignment updates for a consumer group." + NOT_APPLIED)
            .define(CONSUMER_HEARTBEAT_INTERVAL_MS, Type.INT, "5000", Range.atLeast(1), M,
                    "The heartbeat interval given to the members of a consumer group.")
            .define(CONSUMER_SESSION_TIMEOUT_MS, Type.INT, "45000", Range.atLeast(1), M,
                    "The timeout to detect client failures when using the consumer group protocol.")
            .define(ERRORS_DLQ_COPY_RECORD_ENABLE, Type.BOOLEAN, "false", M,
                    "Whether a share group's dead-letter queue gets a copy of the original record or only its "
                            + "context headers." + NOT_APPLIED)
            .define(ERRORS_DLQ_TOPIC_NAME, Type.STRING, "", M,
                    "The dead-letter queue topic of a share group; blank for none." + NOT_APPLIED)
            .define(SHARE_ASSIGNMENT_INTERVAL_MS, Type.INT, "1000", Range.atLeast(0), M,
                    "The interval between assignment updates for a share group." + NOT_APPLIED)
            .define(SHARE_AUTO_OFFSET_RESET, Type.STRING, "latest", autoOffsetReset(), M,
                    "Where a share partition starts: earliest, latest, or by_duration:<ISO-8601 duration>."
                            + NOT_APPLIED)
            .define(SHARE_DELIVERY_COUNT_LIMIT, Type.INT, "5", Range.atLeast(2), M,
                    "How many times a record of a share group may be delivered." + NOT_APPLIED)
            .define(SHARE_HEARTBEAT_INTERVAL_MS, Type.INT, "5000", Range.atLeast(1), M,
                    "The heartbeat interval given to the members of a share group." + NOT_APPLIED)
            .define(SHARE_ISOLATION_LEVEL, Type.STRING, "read_uncommitted",
                    ValidString.in("read_committed", "read_uncommitted"), M,
                    "Whether a share group delivers only committed transactional records." + NOT_APPLIED)
            .define(SHARE_PARTITION_MAX_RECORD_LOCKS, Type.INT, "2000", Range.atLeast(100), M,
                    "How many records of a share partition may be locked at once." + NOT_APPLIED)
            .define(SHARE_RECORD_LOCK_DURATION_MS, Type.INT, "30000", Range.atLeast(1000), M,
                    "How long a share-group member holds a record it was given." + NOT_APPLIED)
            .define(SHARE_RENEW_ACKNOWLEDGE_ENABLE, Type.BOOLEAN, "true", M,
                    "Whether the renew acknowledgement type is enabled for the share group." + NOT_APPLIED)
            .define(SHARE_SESSION_TIMEOUT_MS, Type.INT, "45000", Range.atLeast(1), M,
                    "The timeout to detect failed members of a share group." + NOT_APPLIED)
            .define(STREAMS_ACCEPTABLE_RECOVERY_LAG, Type.LONG, "10000", Range.atLeast(0), M,
                    "The changelog lag below which a streams task counts as caught up." + NOT_APPLIED)
            .define(STREAMS_ASSIGNMENT_INTERVAL_MS, Type.INT, "1000", Range.atLeast(0), M,
                    "The interval between assignment updates for a streams group." + NOT_APPLIED)
            .define(STREAMS_HEARTBEAT_INTERVAL_MS, Type.INT, "5000", Range.atLeast(1), M,
                    "The heartbeat interval given to the members of a streams group." + NOT_APPLIED)
            .define(STREAMS_INITIAL_REBALANCE_DELAY_MS, Type.INT, "3000", Range.atLeast(0), M,
                    "How long a new streams group waits for more members before its first assignment." + NOT_APPLIED)
            .define(STREAMS_NUM_STANDBY_REPLICAS, Type.INT, "0", Range.atLeast(0), M,
                    "The number of standby replicas of each streams task." + NOT_APPLIED)
            .define(STREAMS_NUM_WARMUP_REPLICAS, Type.INT, "2", Range.atLeast(0), M,
                    "The most warm-up replicas a streams group may have at once." + NOT_APPLIED)
            .define(STREAMS_SESSION_TIMEOUT_MS, Type.INT, "45000", Range.atLeast(1), M,
                    "The timeout to detect failed members of a streams group." + NOT_APPLIED)
            .define(STREAMS_TASK_OFFSET_INTERVAL_MS, Type.INT, "60000", Range.atLeast(1), M,
                    "How often streams members report their task offsets." + NOT_APPLIED)
            .allDynamic()
            .synonyms(CONSUMER_ASSIGNMENT_INTERVAL_MS, Synonym.of("group.consumer.assignment.interval.ms"))
            .synonyms(CONSUMER_HEARTBEAT_INTERVAL_MS, Synonym.of("group.consumer.heartbeat.interval.ms"))
            .synonyms(CONSUMER_SESSION_TIMEOUT_MS, Synonym.of("group.consumer.session.timeout.ms"))
            .synonyms(SHARE_ASSIGNMENT_INTERVAL_MS, Synonym.of("group.share.assignment.interval.ms"))
            .synonyms(SHARE_DELIVERY_COUNT_LIMIT, Synonym.of("group.share.delivery.count.limit"))
            .synonyms(SHARE_HEARTBEAT_INTERVAL_MS, Synonym.of("group.share.heartbeat.interval.ms"))
            .synonyms(SHARE_PARTITION_MAX_RECORD_LOCKS, Synonym.of("group.share.partition.max.record.locks"))
            .synonyms(SHARE_RECORD_LOCK_DURATION_MS, Synonym.of("group.share.record.lock.duration.ms"))
            .synonyms(SHARE_SESSION_TIMEOUT_MS, Synonym.of("group.share.session.timeout.ms"))
            .synonyms(STREAMS_ACCEPTABLE_RECOVERY_LAG, Synonym.of("group.streams.acceptable.recovery.lag"))
            .synonyms(STREAMS_ASSIGNMENT_INTERVAL_MS, Synonym.of("group.streams.assignment.interval.ms"))
            .synonyms(STREAMS_HEARTBEAT_INTERVAL_MS, Synonym.of("group.streams.heartbeat.interval.ms"))
            .synonyms(STREAMS_INITIAL_REBALANCE_DELAY_MS, Synonym.of("group.streams.initial.rebalance.delay.ms"))
            .synonyms(STREAMS_NUM_STANDBY_REPLICAS, Synonym.of("group.streams.num.standby.replicas"))
            .synonyms(STREAMS_NUM_WARMUP_REPLICAS, Synonym.of("group.streams.num.warmup.replicas"))
            .synonyms(STREAMS_SESSION_TIMEOUT_MS, Synonym.of("group.streams.session.timeout.ms"))
            .synonyms(STREAMS_TASK_OFFSET_INTERVAL_MS, Synonym.of("group.streams.task.offset.interval.ms"));

    private GroupConfigs() {
    }

    /** The definition of every group config. */
    public static ConfigDef definition() {
        return DEF;
    }

    /** Whether Runnel acts on {@code name} (the others are stored and described only). */
    public static boolean isApplied(String name) {
        return APPLIED.contains(name);
    }

    /**
     * Checks a group's complete set of overrides, as Kafka does before storing them.
     *
     * @throws ConfigException (INVALID_CONFIG) naming the offending key
     */
    public static void validate(Map<String, String> overrides, BrokerConfigLayers broker) {
        ConfigValues v = DEF.parse(overrides, unknown -> {
            throw new ConfigException(unknown, "Unknown group config name: " + unknown);
        });
        Bounds b = new Bounds(v, broker);
        b.range(CONSUMER_HEARTBEAT_INTERVAL_MS, "group.consumer.min.heartbeat.interval.ms", "group.consumer.max.heartbeat.interval.ms");
        b.range(CONSUMER_SESSION_TIMEOUT_MS, "group.consumer.min.session.timeout.ms", "group.consumer.max.session.timeout.ms");
        b.range(SHARE_HEARTBEAT_INTERVAL_MS, "group.share.min.heartbeat.interval.ms", "group.share.max.heartbeat.interval.ms");
        b.range(SHARE_SESSION_TIMEOUT_MS, "group.share.min.session.timeout.ms", "group.share.max.session.timeout.ms");
        b.range(SHARE_RECORD_LOCK_DURATION_MS, "group.share.min.record.lock.duration.ms", "group.share.max.record.lock.duration.ms");
        b.range(SHARE_DELIVERY_COUNT_LIMIT, "group.share.min.delivery.count.limit", "group.share.max.delivery.count.limit");
        b.range(SHARE_PARTITION_MAX_RECORD_LOCKS, "group.share.min.partition.max.record.locks",
                "group.share.max.partition.max.record.locks");
        b.range(STREAMS_HEARTBEAT_INTERVAL_MS, "group.streams.min.heartbeat.interval.ms", "group.streams.max.heartbeat.interval.ms");
        b.range(STREAMS_SESSION_TIMEOUT_MS, "group.streams.min.session.timeout.ms", "group.streams.max.session.timeout.ms");
        b.max(STREAMS_NUM_STANDBY_REPLICAS, "group.streams.max.standby.replicas");
        b.min(STREAMS_TASK_OFFSET_INTERVAL_MS, "group.streams.min.task.offset.interval.ms");
        b.max(STREAMS_NUM_WARMUP_REPLICAS, "group.streams.max.warmup.replicas");
        b.sessionAboveHeartbeat(CONSUMER_SESSION_TIMEOUT_MS, CONSUMER_HEARTBEAT_INTERVAL_MS);
        b.sessionAboveHeartbeat(SHARE_SESSION_TIMEOUT_MS, SHARE_HEARTBEAT_INTERVAL_MS);
        b.sessionAboveHeartbeat(STREAMS_SESSION_TIMEOUT_MS, STREAMS_HEARTBEAT_INTERVAL_MS);
        String dlq = v.getString(ERRORS_DLQ_TOPIC_NAME);
        if (v.isSet(ERRORS_DLQ_TOPIC_NAME) && dlq.startsWith("__")) {
            throw new ConfigException(ERRORS_DLQ_TOPIC_NAME, ERRORS_DLQ_TOPIC_NAME + ": DLQ topic name must not start with '__'");
        }
    }

    /** Every group config as DescribeConfigs reports it, in definition order. */
    public static List<ConfigEntry> describe(Map<String, String> overrides, BrokerConfigLayers broker) {
        List<ConfigEntry> out = new ArrayList<>();
        for (Key k : DEF.keys().values()) {
            List<ConfigEntry.Synonym> synonyms = new ArrayList<>();
            String override = overrides.get(k.name());
            if (override != null) {
                synonyms.add(new ConfigEntry.Synonym(k.name(), canonical(k, override), ConfigSource.DYNAMIC_GROUP_CONFIG));
            }
            for (Synonym s : k.synonyms()) {
                for (ConfigEntry.Synonym hit : broker.all(s.name())) {
                    synonyms.add(new ConfigEntry.Synonym(s.name(), canonical(k, hit.value()), hit.source()));
                }
                Key bk = BrokerConfigs.definition().key(s.name());
                if (bk.hasDefault()) synonyms.add(new ConfigEntry.Synonym(s.name(), bk.defaultText(), ConfigSource.DEFAULT_CONFIG));
            }
            ConfigEntry.Synonym first = synonyms.isEmpty()
                    ? new ConfigEntry.Synonym(k.name(), k.defaultText(), ConfigSource.DEFAULT_CONFIG) : synonyms.get(0);
            out.add(new ConfigEntry(k.name(), first.value(), first.source(), false, false, k.type(), k.documentation(), synonyms));
        }
        return out;
    }

    /** The effective int value of {@code name} for a group (see the precedence above). */
    public static int effectiveInt(String name, Map<String, String> overrides, BrokerConfigLayers broker) {
        Key k = DEF.key(name);
        String raw = overrides.get(name);
        if (raw == null) raw = brokerValue(k, broker);
        return (Integer) ConfigDef.parseValue(name, k.type(), raw);
    }

    private static String brokerValue(Key k, BrokerConfigLayers broker) {
        for (Synonym s : k.synonyms()) {
            ConfigEntry.Synonym hit = broker.lookup(s.name());
            if (hit != null) return hit.value();
            Key bk = BrokerConfigs.definition().key(s.name());
            if (bk.hasDefault()) return bk.defaultText();
        }
        return k.defaultText();
    }

    private static String canonical(Key k, String raw) {
        return ConfigDef.format(k.type(), ConfigDef.parseValue(k.name(), k.type(), raw));
    }

    /** The broker-bound checks of one validation: only keys the group overrides are checked. */
    private record Bounds(ConfigValues group, BrokerConfigLayers broker) {
        private int brokerInt(String key) {
            ConfigEntry.Synonym hit = broker.lookup(key);
            String raw = hit != null ? hit.value() : BrokerConfigs.definition().key(key).defaultText();
            return (Integer) ConfigDef.parseValue(key, Type.INT, raw);
        }

        void range(String key, String minKey, String maxKey) {
            if (!group.isSet(key)) return;
            int value = group.getInt(key), min = brokerInt(minKey), max = brokerInt(maxKey);
            if (value < min || value > max) {
                throw new ConfigException(key, key + " must be in the range " + min + " to " + max + " inclusive.");
            }
        }

        void max(String key, String maxKey) {
            if (!group.isSet(key)) return;
            int max = brokerInt(maxKey);
            if (group.getInt(key) > max) throw new ConfigException(key, key + " must be less than or equal to " + max);
        }

        void min(String key, String minKey) {
            if (!group.isSet(key)) return;
            int min = brokerInt(minKey);
            if (group.getInt(key) < min) throw new ConfigException(key, key + " must be greater than or equal to " + min);
        }

        void sessionAboveHeartbeat(String sessionKey, String heartbeatKey) {
            if (!group.isSet(sessionKey) && !group.isSet(heartbeatKey)) return;
            int session = group.isSet(sessionKey) ? group.getInt(sessionKey)
                    : (Integer) ConfigDef.parseValue(sessionKey, Type.INT, brokerValue(DEF.key(sessionKey), broker));
            int heartbeat = group.isSet(heartbeatKey) ? group.getInt(heartbeatKey)
                    : (Integer) ConfigDef.parseValue(heartbeatKey, Type.INT, brokerValue(DEF.key(heartbeatKey), broker));
            if (session <= heartbeat) {
                throw new ConfigException(sessionKey, sessionKey + " must be greater than " + heartbeatKey);
            }
        }
    }

    private static ConfigDef.Validator autoOffsetReset() {
        return ConfigDef.custom("[latest, earliest, by_duration:PnDTnHnMn.nS]", (name, value) -> {
            String s = (String) value;
            if (s.equals("latest") || s.equals("earliest")) return;
            if (s.startsWith("by_duration:")) {
                try {
                    if (!java.time.Duration.parse(s.substring("by_duration:".length())).isNegative()) return;
                } catch (java.time.format.DateTimeParseException e) {
                    // falls through to the error below
                }
            }
            throw ConfigException.invalidValue(name, value,
                    "must be latest, earliest or by_duration:<non-negative ISO-8601 duration>");
        });
    }
}
