package io.runnel.group;

import io.runnel.config.BrokerConfigs;
import io.runnel.config.ConfigValues;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The broker settings the group coordinator obeys. Their keys and defaults (Kafka 4.x's) are defined once,
 * in {@link BrokerConfigs}; {@link #from} reads them and {@link #defaults()} is an empty server.properties.
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

    /**
     * The coordinator settings of a broker with an empty server.properties. The defaults are stated once, in
     * {@link BrokerConfigs} (Kafka's keys and defaults); this reads them from there.
     */
    public static GroupCoordinatorConfig defaults() {
        return DEFAULTS;
    }

    private static final GroupCoordinatorConfig DEFAULTS = from(BrokerConfigs.definition().parse(Map.of()));

    /** Reads the group settings of a broker configuration ({@link BrokerConfigs} defines every key used here). */
    public static GroupCoordinatorConfig from(ConfigValues c) {
        List<String> protocols = c.getList("group.coordinator.rebalance.protocols");
        List<String> assignors = c.getList("group.consumer.assignors").stream()
                .map(GroupCoordinatorConfig::assignorName).toList();
        return new GroupCoordinatorConfig(
                c.getInt(BrokerConfigs.OFFSETS_TOPIC_NUM_PARTITIONS),
                TimeUnit.MINUTES.toMillis(c.getInt(BrokerConfigs.OFFSETS_RETENTION_MINUTES)),
                c.getLong("offsets.retention.check.interval.ms"),
                c.getInt("offset.metadata.max.bytes"),
                c.getInt(BrokerConfigs.GROUP_INITIAL_REBALANCE_DELAY_MS),
                c.getInt(BrokerConfigs.GROUP_MIN_SESSION_TIMEOUT_MS),
                c.getInt(BrokerConfigs.GROUP_MAX_SESSION_TIMEOUT_MS),
                c.getInt(BrokerConfigs.GROUP_MAX_SIZE),
                c.getInt("group.consumer.session.timeout.ms"),
                c.getInt("group.consumer.heartbeat.interval.ms"),
                c.getInt("group.consumer.max.size"),
                assignors,
                protocols.contains("classic"),
                protocols.contains("consumer"),
                c.getString("group.consumer.migration.policy"));
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
}
