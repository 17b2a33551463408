package io.runnel.broker.partition;

import io.runnel.config.BrokerConfigs;

/**
 * The broker's replica.* settings (Kafka's keys and defaults).
 *
 * @param lagTimeMaxMs          replica.lag.time.max.ms: a follower not caught up for this long leaves the ISR
 * @param fetchWaitMaxMs        replica.fetch.wait.max.ms: how long a follower's fetch waits at the leader for data
 * @param fetchMinBytes         replica.fetch.min.bytes
 * @param fetchMaxBytes         replica.fetch.max.bytes: per partition
 * @param fetchResponseMaxBytes replica.fetch.response.max.bytes: per fetch
 * @param fetchBackoffMs        replica.fetch.backoff.ms: pause after a failed fetch
 * @param socketTimeoutMs       replica.socket.timeout.ms
 * @param numFetchers           num.replica.fetchers: fetcher threads per source broker
 */
public record ReplicationConfig(long lagTimeMaxMs, int fetchWaitMaxMs, int fetchMinBytes, int fetchMaxBytes,
                                int fetchResponseMaxBytes, int fetchBackoffMs, int socketTimeoutMs, int numFetchers) {

    public static final ReplicationConfig DEFAULTS = new ReplicationConfig(30_000, 500, 1, 1_048_576, 10_485_760, 1000, 30_000, 1);

    public static ReplicationConfig from(BrokerConfigs config) {
        var v = config.values();
        return new ReplicationConfig(v.getLong("replica.lag.time.max.ms"), v.getInt("replica.fetch.wait.max.ms"),
                v.getInt("replica.fetch.min.bytes"), v.getInt("replica.fetch.max.bytes"),
                v.getInt("replica.fetch.response.max.bytes"), v.getInt("replica.fetch.backoff.ms"),
                v.getInt("replica.socket.timeout.ms"), v.getInt("num.replica.fetchers"));
    }
}
