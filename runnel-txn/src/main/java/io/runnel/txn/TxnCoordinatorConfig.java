package io.runnel.txn;

import java.util.Map;

/**
 * The transaction coordinator's settings, with Apache Kafka's broker config names and defaults.
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
    public static final String STATE_LOG_PARTITIONS = "transaction.state.log.num.partitions";
    public static final String MAX_TIMEOUT_MS = "transaction.max.timeout.ms";
    public static final String ID_EXPIRATION_MS = "transactional.id.expiration.ms";
    public static final String ABORT_TIMED_OUT_INTERVAL_MS = "transaction.abort.timed.out.transaction.cleanup.interval.ms";
    public static final String REMOVE_EXPIRED_INTERVAL_MS = "transaction.remove.expired.transaction.cleanup.interval.ms";
    public static final String OFFSETS_TOPIC_PARTITIONS = "offsets.topic.num.partitions";

    public static final TxnCoordinatorConfig DEFAULT = new TxnCoordinatorConfig(50, 15 * 60_000, 7L * 24 * 3600_000, 10_000,
            3600_000, 50, (short) 2);

    public TxnCoordinatorConfig {
        positive(STATE_LOG_PARTITIONS, stateLogPartitions);
        positive(MAX_TIMEOUT_MS, maxTimeoutMs);
        positive(ID_EXPIRATION_MS, idExpirationMs);
        positive(ABORT_TIMED_OUT_INTERVAL_MS, abortTimedOutIntervalMs);
        positive(REMOVE_EXPIRED_INTERVAL_MS, removeExpiredIntervalMs);
        positive(OFFSETS_TOPIC_PARTITIONS, offsetsTopicPartitions);
        if (transactionVersion < 0 || transactionVersion > 2) {
            throw new IllegalArgumentException("transaction.version must be 0, 1 or 2, not " + transactionVersion);
        }
    }

    /**
     * The config from broker properties; keys that are absent keep their defaults.
     *
     * @throws IllegalArgumentException naming the key, for a value that is not a number or is below 1
     */
    public static TxnCoordinatorConfig from(Map<String, String> props, short transactionVersion) {
        return new TxnCoordinatorConfig(
                (int) number(props, STATE_LOG_PARTITIONS, DEFAULT.stateLogPartitions, Integer.MAX_VALUE),
                (int) number(props, MAX_TIMEOUT_MS, DEFAULT.maxTimeoutMs, Integer.MAX_VALUE),
                number(props, ID_EXPIRATION_MS, DEFAULT.idExpirationMs, Integer.MAX_VALUE),
                number(props, ABORT_TIMED_OUT_INTERVAL_MS, DEFAULT.abortTimedOutIntervalMs, Integer.MAX_VALUE),
                number(props, REMOVE_EXPIRED_INTERVAL_MS, DEFAULT.removeExpiredIntervalMs, Integer.MAX_VALUE),
                (int) number(props, OFFSETS_TOPIC_PARTITIONS, DEFAULT.offsetsTopicPartitions, Integer.MAX_VALUE),
                transactionVersion);
    }

    private static long number(Map<String, String> props, String key, long dflt, long max) {
        String v = props.get(key);
        if (v == null) return dflt;
        long n;
        try {
            n = Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Invalid value " + v + " for configuration " + key + ": not a number");
        }
        if (n < 1 || n > max) throw new IllegalArgumentException("Invalid value " + v + " for configuration " + key + ": must be between 1 and " + max);
        return n;
    }

    private static void positive(String key, long v) {
        if (v < 1) throw new IllegalArgumentException(key + " must be at least 1, not " + v);
    }

    /** Whether a producer's transaction.timeout.ms is acceptable (Kafka: 1 to transaction.max.timeout.ms). */
    public boolean validTimeout(int timeoutMs) {
        return timeoutMs > 0 && timeoutMs <= maxTimeoutMs;
    }
}
