package io.runnel.broker.partition;

import io.runnel.config.BrokerConfigs;

/**
 * The broker's replica.* settings, read from {@link BrokerConfigs} (which owns their keys and Kafka's defaults).
 *
 * @param lagTimeMaxMs          replica.lag.time.max.ms: a follower not caught up for this long leaves the ISR
 * @param fetchWaitMaxMs        replica.fetch.wait.max.ms: how long a follower's fetch waits at the leader for data
 * @param fetchMinBytes         replica.fetch.min.bytes
 * @param fetchMaxBytes         replica.fetch.max.bytes: per partition
 * @param fetchResponseMaxBytes replica.fetch.response.max.bytes: per fetch
 * @param fetchBackoffMs        replica.fetch.backoff.ms: pause after a failed fetch
 * @param socketTimeoutMs       replica.socket.timeout.ms
 * @param numFetchers           num.replica.fetchers: fetcher threads per source broker
 * @param quotaWindows          replication.quota.window.num: samples of a replication throttle's rate
 * @param quotaWindowMs         replication.quota.window.size.seconds, in ms
 */
public record ReplicationConfig(long lagTimeMaxMs, int fetchWaitMaxMs, int fetchMinBytes, int fetchMaxBytes,
                                int fetchResponseMaxBytes, int fetchBackoffMs, int socketTimeoutMs, int numFetchers,
                                int quotaWindows, long quotaWindowMs) {

    /** An empty server.properties (BrokerConfigs defines every key and its default). */
    public static final ReplicationConfig DEFAULTS = from(BrokerConfigs.defaults());

    /** The settings with the default throttle windows. */
    public ReplicationConfig(long lagTimeMaxMs, int fetchWaitMaxMs, int fetchMinBytes, int fetchMaxBytes, int fetchResponseMaxBytes,
                             int fetchBackoffMs, int socketTimeoutMs, int numFetchers) {
        this(lagTimeMaxMs, fetchWaitMaxMs, fetchMinBytes, fetchMaxBytes, fetchResponseMaxBytes, fetchBackoffMs, socketTimeoutMs,
                numFetchers, DEFAULTS.quotaWindows, DEFAULTS.quotaWindowMs);
    }

    public static ReplicationConfig from(BrokerConfigs config) {
        var v = config.values();
        return new ReplicationConfig(v.getLong("replica.lag.time.max.ms"), v.getInt("replica.fetch.wait.max.ms"),
                v.getInt("replica.fetch.min.bytes"), v.getInt("replica.fetch.max.bytes"),
                v.getInt("replica.fetch.response.max.bytes"), v.getInt("replica.fetch.backoff.ms"),
                v.getInt("replica.socket.timeout.ms"), v.getInt("num.replica.fetchers"), v.getInt("replication.quota.window.num"),
                v.getInt("replication.quota.window.size.seconds") * 1000L);
    }
}
