package io.runnel.checker;

/**
 * One observation of a run. Which fields matter depends on the type:
 * <ul>
 *   <li>{@link Type#SEND_OK}: {@code value} was acknowledged at {@code topic}/{@code partition}/{@code offset};
 *       {@code txn} names the producer's transaction, or is null for a non-transactional send;</li>
 *   <li>{@link Type#SEND_FAILED}: a definite failure (the value was not written); {@link Type#SEND_UNKNOWN}: the
 *       outcome is unknown (timeout, connection lost); offset -1;</li>
 *   <li>{@link Type#POLL}: a consumer read {@code value} at topic/partition/offset; {@code readCommitted} is its
 *       isolation level; {@code txn} is the transaction the consumer's process was in when it read (read-process-write
 *       chains), or null;</li>
 *   <li>{@link Type#RESET}: the process's consumer lost its position (restart, rebalance, seek): poll order checks
 *       start afresh;</li>
 *   <li>{@link Type#COMMIT}, {@link Type#ABORT}: the transaction {@code txn} committed or aborted (acknowledged).</li>
 * </ul>
 * Values identify writes: a run must give every logical write its own value.
 */
public record Event(Type type, String process, String txn, String topic, int partition, long offset, String value,
                    boolean readCommitted) {
    public enum Type { SEND_OK, SEND_FAILED, SEND_UNKNOWN, POLL, RESET, COMMIT, ABORT }

    public Event {
        if (type == null || process == null) throw new IllegalArgumentException("an event needs a type and a process");
    }

    /** The partition as "topic-partition". */
    public String topicPartition() {
        return topic + "-" + partition;
    }

    @Override
    public String toString() {
        return switch (type) {
            case SEND_OK -> process + " sent " + value + " -> " + topicPartition() + "@" + offset + txnSuffix();
            case SEND_FAILED, SEND_UNKNOWN -> process + " send of " + value + " " + (type == Type.SEND_FAILED ? "failed" : "unknown") + txnSuffix();
            case POLL -> process + " polled " + value + " at " + topicPartition() + "@" + offset + (readCommitted ? " (read_committed)" : "")
                    + txnSuffix();
            case RESET -> process + " reset its position";
            case COMMIT -> process + " committed " + txn;
            case ABORT -> process + " aborted " + txn;
        };
    }

    private String txnSuffix() {
        return txn == null ? "" : " in " + txn;
    }
}
