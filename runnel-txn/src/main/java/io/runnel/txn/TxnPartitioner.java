package io.runnel.txn;

/**
 * Which partition of {@code __transaction_state} (or {@code __consumer_offsets}) owns a key: exactly Kafka's
 * {@code Utils.abs(key.hashCode()) % partitions}, where {@code abs(Integer.MIN_VALUE)} is 0 (Kafka masks the sign
 * bit rather than negating), so an id maps to the same partition as on a Kafka broker.
 */
public final class TxnPartitioner {
    private TxnPartitioner() {
    }

    public static int partitionFor(String key, int partitions) {
        if (partitions < 1) throw new IllegalArgumentException("partitions must be at least 1");
        return abs(key.hashCode()) % partitions;
    }

    /** Kafka's Utils.abs: the absolute value, and 0 for Integer.MIN_VALUE. */
    static int abs(int n) {
        return n == Integer.MIN_VALUE ? 0 : Math.abs(n);
    }
}
