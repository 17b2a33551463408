package io.runnel.group;

import io.runnel.config.GroupConfigs;

import java.util.Map;

/**
 * The per-group config overrides (KIP-848 group configs, {@link GroupConfigs}) the coordinator applies: a
 * consumer group's session timeout and heartbeat interval. The broker implements it over its metadata
 * image, where the overrides are stored as config records of resource type GROUP. Values were validated
 * when they were written. Reads must be cheap and thread-safe: the coordinator calls it on its event thread
 * for every consumer-group heartbeat.
 */
public interface GroupConfigView {
    /** The overrides of {@code groupId} (config name to raw value); empty when it has none. */
    Map<String, String> overrides(String groupId);

    /** No group has overrides. */
    GroupConfigView NONE = groupId -> Map.of();

    /** The group's consumer.session.timeout.ms, else the broker's {@code dflt}. */
    default int consumerSessionTimeoutMs(String groupId, int dflt) {
        return intOr(groupId, GroupConfigs.CONSUMER_SESSION_TIMEOUT_MS, dflt);
    }

    /** The group's consumer.heartbeat.interval.ms, else the broker's {@code dflt}. */
    default int consumerHeartbeatIntervalMs(String groupId, int dflt) {
        return intOr(groupId, GroupConfigs.CONSUMER_HEARTBEAT_INTERVAL_MS, dflt);
    }

    private int intOr(String groupId, String key, int dflt) {
        String v = overrides(groupId).get(key);
        if (v == null) return dflt;
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            return dflt; // cannot happen for a validated value; the broker's setting is the safe answer
        }
    }
}
