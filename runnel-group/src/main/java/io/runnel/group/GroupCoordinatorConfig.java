package io.runnel.group;

import io.runnel.config.ConfigValues;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The broker settings the group coordinator obeys. Defaults are Kafka 4.x's.
 *
 * @param offsetsTopicPartitions       offsets.topic.num.partitions: the shards; a group lives in partition
 *                                     {@link GroupCoordinator#partitionFor}. Must never change once the topic exists.
 * @param offsetsRetentionMs           offsets.retention.minutes (as ms): how long the offsets of an empty group live
 * @param offsetsRetentionCheckIntervalMs offsets.retention.check.interval.ms
 * @param offsetMetadataMaxBytes       offset.metadata.max.bytes: longer commit metadata is refused (OFFSET_METADATA_TOO_LARGE)
 * @param initialRebalanceDelayMs      group.initial.rebalance.delay.ms: how long the first rebalance of an empty
 *                                     classic group waits for more members
 * @param minSessionTimeoutMs          group.min.session.timeout.ms (classic)
 * @param maxSessionTimeoutMs          group.max.session.timeout.ms (classic)
 * @param classicMaxSize               group.max.size: members of a classic group
 * @param consumerSessionTimeoutMs     group.consumer.session.timeout.ms (KIP-848 groups)
 * @param consumerHeartbeatIntervalMs  group.consumer.heartbeat.interval.ms (KIP-848 groups)
 * @param consumerMaxSize              group.consumer.max.size
 * @param consumerAssignors            group.consumer.assignors: the server-side assignors by name ("uniform",
 *                                     "range"); the first is the default
 * @param classicProtocolEnabled       "classic" in group.coordinator.rebalance.protocols
 * @param consumerProtocolEnabled      "consumer" in group.coordinator.rebalance.protocols
 */
public record GroupCoordinatorConfig(
        int offsetsTopicPartitions,
        long offsetsRetentionMs,
        long offsetsRetentionCheckIntervalMs,
        int offsetMetadataMaxBytes,
        int initialRebalanceDelayMs,
        int minSessionTimeoutMs,
        int maxSessionTimeoutMs,
        int classicMaxSize,
        int consumerSessionTimeoutMs,
        int consumerHeartbeatIntervalMs,
        int consumerMaxSize,
        List<String> consumerAssignors,
        boolean classicProtocolEnabled,
        boolean consumerProtocolEnabled,
        String migrationPolicy) {

    public GroupCoordinatorConfig {
        if (offsetsTopicPartitions < 1) throw new IllegalArgumentException("offsets.topic.num.partitions must be >= 1");
        if (consumerAssignors.isEmpty()) throw new IllegalArgumentException("group.consumer.assignors is empty");
        consumerAssignors = List.copyOf(consumerAssignors);
        migrationPolicy = migrationPolicy == null ? "bidirectional" : migrationPolicy.trim().toLowerCase(java.util.Locale.ROOT);
        if (!List.of("bidirectional", "upgrade", "downgrade", "disabled").contains(migrationPolicy)) {
            throw new IllegalArgumentException("group.consumer.migration.policy must be one of bidirectional, upgrade, downgrade, disabled");
        }
    }

    /** group.consumer.migration.policy allows converting a non-empty classic group to the consumer protocol. */
    public boolean upgradeAllowed() {
        return migrationPolicy.equals("bidirectional") || migrationPolicy.equals("upgrade");
    }

    /** group.consumer.migration.policy allows converting a consumer group left with classic members only back. */
    public boolean downgradeAllowed() {
        return migrationPolicy.equals("bidirectional") || migrationPolicy.equals("downgrade");
    }

    public GroupCoordinatorConfig withMigrationPolicy(String policy) {
        return new GroupCoordinatorConfig(offsetsTopicPartitions, offsetsRetentionMs, offsetsRetentionCheckIntervalMs,
                offsetMetadataMaxBytes, initialRebalanceDelayMs, minSessionTimeoutMs, maxSessionTimeoutMs, classicMaxSize,
                consumerSessionTimeoutMs, consumerHeartbeatIntervalMs, consumerMaxSize, consumerAssignors, classicProtocolEnabled,
                consumerProtocolEnabled, policy);
    }

    public static GroupCoordinatorConfig defaults() {
        return new GroupCoordinatorConfig(50, TimeUnit.MINUTES.toMillis(10080), 600_000L, 4096, 3000, 6000, 1_800_000,
                Integer.MAX_VALUE, 45_000, 5000, Integer.MAX_VALUE, List.of("uniform", "range"), true, true, "bidirectional");
    }

    /** Reads the group settings of a broker configuration (keys it does not define keep their defaults). */
    public static GroupCoordinatorConfig from(ConfigValues c) {
        GroupCoordinatorConfig d = defaults();
        List<String> protocols = listOr(c, "group.coordinator.rebalance.protocols", List.of("classic", "consumer"));
        List<String> assignors = listOr(c, "group.consumer.assignors", d.consumerAssignors).stream()
                .map(GroupCoordinatorConfig::assignorName).toList();
        return new GroupCoordinatorConfig(
                intOr(c, "offsets.topic.num.partitions", d.offsetsTopicPartitions),
                TimeUnit.MINUTES.toMillis(intOr(c, "offsets.retention.minutes", 10080)),
                longOr(c, "offsets.retention.check.interval.ms", d.offsetsRetentionCheckIntervalMs),
                intOr(c, "offset.metadata.max.bytes", d.offsetMetadataMaxBytes),
                intOr(c, "group.initial.rebalance.delay.ms", d.initialRebalanceDelayMs),
                intOr(c, "group.min.session.timeout.ms", d.minSessionTimeoutMs),
                intOr(c, "group.max.session.timeout.ms", d.maxSessionTimeoutMs),
                intOr(c, "group.max.size", d.classicMaxSize),
                intOr(c, "group.consumer.session.timeout.ms", d.consumerSessionTimeoutMs),
                intOr(c, "group.consumer.heartbeat.interval.ms", d.consumerHeartbeatIntervalMs),
                intOr(c, "group.consumer.max.size", d.consumerMaxSize),
                assignors,
                protocols.contains("classic"),
                protocols.contains("consumer"),
                stringOr(c, "group.consumer.migration.policy", d.migrationPolicy));
    }

    /** Kafka accepts assignor class names too; they map to the short names. */
    private static String assignorName(String s) {
        String t = s.trim();
        if (t.endsWith("UniformAssignor")) return "uniform";
        if (t.endsWith("RangeAssignor")) return "range";
        return t;
    }

    public GroupCoordinatorConfig withOffsetsTopicPartitions(int n) {
        return new GroupCoordinatorConfig(n, offsetsRetentionMs, offsetsRetentionCheckIntervalMs, offsetMetadataMaxBytes,
                initialRebalanceDelayMs, minSessionTimeoutMs, maxSessionTimeoutMs, classicMaxSize, consumerSessionTimeoutMs,
                consumerHeartbeatIntervalMs, consumerMaxSize, consumerAssignors, classicProtocolEnabled, consumerProtocolEnabled, migrationPolicy);
    }

    public GroupCoordinatorConfig withInitialRebalanceDelayMs(int ms) {
        return new GroupCoordinatorConfig(offsetsTopicPartitions, offsetsRetentionMs, offsetsRetentionCheckIntervalMs,
                offsetMetadataMaxBytes, ms, minSessionTimeoutMs, maxSessionTimeoutMs, classicMaxSize, consumerSessionTimeoutMs,
                consumerHeartbeatIntervalMs, consumerMaxSize, consumerAssignors, classicProtocolEnabled, consumerProtocolEnabled, migrationPolicy);
    }

    public GroupCoordinatorConfig withClassicMaxSize(int n) {
        return new GroupCoordinatorConfig(offsetsTopicPartitions, offsetsRetentionMs, offsetsRetentionCheckIntervalMs,
                offsetMetadataMaxBytes, initialRebalanceDelayMs, minSessionTimeoutMs, maxSessionTimeoutMs, n, consumerSessionTimeoutMs,
                consumerHeartbeatIntervalMs, consumerMaxSize, consumerAssignors, classicProtocolEnabled, consumerProtocolEnabled, migrationPolicy);
    }

    public GroupCoordinatorConfig withConsumerMaxSize(int n) {
        return new GroupCoordinatorConfig(offsetsTopicPartitions, offsetsRetentionMs, offsetsRetentionCheckIntervalMs,
                offsetMetadataMaxBytes, initialRebalanceDelayMs, minSessionTimeoutMs, maxSessionTimeoutMs, classicMaxSize,
                consumerSessionTimeoutMs, consumerHeartbeatIntervalMs, n, consumerAssignors, classicProtocolEnabled, consumerProtocolEnabled, migrationPolicy);
    }

    public GroupCoordinatorConfig withOffsetsRetention(long retentionMs, long checkIntervalMs) {
        return new GroupCoordinatorConfig(offsetsTopicPartitions, retentionMs, checkIntervalMs, offsetMetadataMaxBytes,
                initialRebalanceDelayMs, minSessionTimeoutMs, maxSessionTimeoutMs, classicMaxSize, consumerSessionTimeoutMs,
                consumerHeartbeatIntervalMs, consumerMaxSize, consumerAssignors, classicProtocolEnabled, consumerProtocolEnabled, migrationPolicy);
    }

    public GroupCoordinatorConfig withConsumerTimeouts(int sessionTimeoutMs, int heartbeatIntervalMs) {
        return new GroupCoordinatorConfig(offsetsTopicPartitions, offsetsRetentionMs, offsetsRetentionCheckIntervalMs,
                offsetMetadataMaxBytes, initialRebalanceDelayMs, minSessionTimeoutMs, maxSessionTimeoutMs, classicMaxSize,
                sessionTimeoutMs, heartbeatIntervalMs, consumerMaxSize, consumerAssignors, classicProtocolEnabled, consumerProtocolEnabled, migrationPolicy);
    }

    public GroupCoordinatorConfig withConsumerAssignors(List<String> assignors) {
        return new GroupCoordinatorConfig(offsetsTopicPartitions, offsetsRetentionMs, offsetsRetentionCheckIntervalMs,
                offsetMetadataMaxBytes, initialRebalanceDelayMs, minSessionTimeoutMs, maxSessionTimeoutMs, classicMaxSize,
                consumerSessionTimeoutMs, consumerHeartbeatIntervalMs, consumerMaxSize, assignors, classicProtocolEnabled, consumerProtocolEnabled, migrationPolicy);
    }

    private static String stringOr(ConfigValues c, String key, String dflt) {
        try {
            Object v = c.get(key);
            return v == null ? dflt : String.valueOf(v);
        } catch (IllegalArgumentException undefined) {
            return dflt;
        }
    }

    private static int intOr(ConfigValues c, String key, int dflt) {
        try {
            Object v = c.get(key);
            return v == null ? dflt : ((Number) v).intValue();
        } catch (IllegalArgumentException undefined) {
            return dflt;
        }
    }

    private static long longOr(ConfigValues c, String key, long dflt) {
        try {
            Object v = c.get(key);
            return v == null ? dflt : ((Number) v).longValue();
        } catch (IllegalArgumentException undefined) {
            return dflt;
        }
    }

    private static List<String> listOr(ConfigValues c, String key, List<String> dflt) {
        try {
            List<String> v = c.getList(key);
            return v == null || v.isEmpty() ? dflt : v;
        } catch (IllegalArgumentException undefined) {
            return dflt;
        }
    }
}
