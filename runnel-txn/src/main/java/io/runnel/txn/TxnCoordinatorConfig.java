package io.runnel.txn;

import io.runnel.config.BrokerConfigs;
import io.runnel.config.ConfigValues;

import java.util.Map;

/**
 * The transaction coordinator's settings. Their keys, defaults and valid ranges (Kafka's) are defined once, in
 * {@link BrokerConfigs}; {@link #from} reads them and {@link #DEFAULT} is an empty server.properties.
 *
 * @param stateLogPartitions        {@code transaction.state.log.num.partitions} (50): partitions of __transaction_state
 * @param maxTimeoutMs              {@code transaction.max.timeout.ms} (15 minutes): the largest transaction.timeout.ms a
 *                                  producer may ask for; larger gets INVALID_TRANSACTION_TIMEOUT
 * @param idExpirationMs            {@code transactional.id.expiration.ms} (7 days): an id with no transaction in
 *                                  progress and no update for this long is removed
 * @param abortTimedOutIntervalMs   {@code transaction.abort.timed.out.transaction.cleanup.interval.ms} (10 s)
 * @param removeExpiredIntervalMs   {@code transaction.remove.expired.transaction.cleanup.interval.ms} (1 hour)
 * @param offsetsTopicPartitions    {@code offsets.topic.num.partitions} (50): AddOffsetsToTxn adds the group's
 *                                  partition of __consumer_offsets to the transaction
 * @param transactionVersion        the finalized {@code transaction.version} feature level (2): 0 writes
 *                                  TransactionLogValue v0, 1 and 2 write v1
 */
public record TxnCoordinatorConfig(int stateLogPartitions, int maxTimeoutMs, long idExpirationMs, long abortTimedOutIntervalMs,
                                   long removeExpiredIntervalMs, int offsetsTopicPartitions, short transactionVersion) {
    /** An empty server.properties, at the newest transaction.version. */
    public static final TxnCoordinatorConfig DEFAULT = from(BrokerConfigs.definition().parse(Map.of()), (short) 2);

    public TxnCoordinatorConfig {
        positive(BrokerConfigs.TRANSACTION_STATE_LOG_NUM_PARTITIONS, stateLogPartitions);
        positive(BrokerConfigs.TRANSACTION_MAX_TIMEOUT_MS, maxTimeoutMs);
        positive(BrokerConfigs.TRANSACTIONAL_ID_EXPIRATION_MS, idExpirationMs);
        positive(BrokerConfigs.TRANSACTION_ABORT_TIMED_OUT_CLEANUP_INTERVAL_MS, abortTimedOutIntervalMs);
        positive(BrokerConfigs.TRANSACTION_REMOVE_EXPIRED_CLEANUP_INTERVAL_MS, removeExpiredIntervalMs);
        positive(BrokerConfigs.OFFSETS_TOPIC_NUM_PARTITIONS, offsetsTopicPartitions);
        if (transactionVersion < 0 || transactionVersion > 2) {
            throw new IllegalArgumentException("transaction.version must be 0, 1 or 2, not " + transactionVersion);
        }
    }

    /** The settings from a broker's parsed configuration and the finalized transaction.version. */
    public static TxnCoordinatorConfig from(ConfigValues c, short transactionVersion) {
        return new TxnCoordinatorConfig(
                c.getInt(BrokerConfigs.TRANSACTION_STATE_LOG_NUM_PARTITIONS),
                c.getInt(BrokerConfigs.TRANSACTION_MAX_TIMEOUT_MS),
                c.getInt(BrokerConfigs.TRANSACTIONAL_ID_EXPIRATION_MS),
                c.getInt(BrokerConfigs.TRANSACTION_ABORT_TIMED_OUT_CLEANUP_INTERVAL_MS),
                c.getInt(BrokerConfigs.TRANSACTION_REMOVE_EXPIRED_CLEANUP_INTERVAL_MS),
                c.getInt(BrokerConfigs.OFFSETS_TOPIC_NUM_PARTITIONS),
                transactionVersion);
    }

    private static void positive(String key, long v) {
        if (v < 1) throw new IllegalArgumentException(key + " must be at least 1, not " + v);
    }

    /** Whether a producer's transaction.timeout.ms is acceptable (Kafka: 1 to transaction.max.timeout.ms). */
    public boolean validTimeout(int timeoutMs) {
        return timeoutMs > 0 && timeoutMs <= maxTimeoutMs;
    }
}
