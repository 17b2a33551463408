package io.runnel.txn;

import io.runnel.common.TopicPartition;

import java.util.Collection;
import java.util.Collections;
import java.util.Set;
import java.util.TreeSet;

/**
 * The coordinator's view of one transactional id: an immutable value, exactly what one {@code TransactionLogValue}
 * record holds (plus {@code lastProducerEpoch}, which Kafka does not store either: it is the epoch before the
 * last InitProducerId or EndTxn bump, kept for KIP-360 retries while the coordinator stays here, and -1 after a
 * reload).
 *
 * @param producerId             the producer id in use
 * @param previousProducerId     the id before the last transition (differs from producerId after a rotation)
 * @param nextProducerId         the id the producer gets when the transaction in PrepareCommit/PrepareAbort
 *                               completes (epoch exhausted under transaction.version 2), else -1
 * @param producerEpoch          the current epoch; -1 only before the first InitProducerId completes
 * @param lastProducerEpoch      see above; -1 for none
 * @param timeoutMs              transaction.timeout.ms of the producer
 * @param state                  the transaction's state
 * @param partitions             the partitions of the open transaction (empty outside one), sorted
 * @param startTimestamp         when the open transaction started, -1 outside one
 * @param lastUpdateTimestamp    when this id last changed (expiry counts from here)
 * @param clientTransactionVersion the transaction.version the client used for the current/last transaction
 */
public record TransactionMetadata(String transactionalId, long producerId, long previousProducerId, long nextProducerId,
                                  short producerEpoch, short lastProducerEpoch, int timeoutMs, TransactionState state,
                                  Set<TopicPartition> partitions, long startTimestamp, long lastUpdateTimestamp,
                                  short clientTransactionVersion) {
    public static final long NO_PRODUCER_ID = -1;
    public static final short NO_PRODUCER_EPOCH = -1;

    public TransactionMetadata {
        partitions = Collections.unmodifiableSortedSet(new TreeSet<>(partitions));
    }

    /** Epochs at or above {@code Short.MAX_VALUE - 1} are exhausted: the coordinator must keep one epoch to fence with. */
    public static boolean isEpochExhausted(short epoch) {
        return epoch >= Short.MAX_VALUE - 1;
    }

    public boolean epochExhausted() {
        return isEpochExhausted(producerEpoch);
    }

    /** A copy in another state, with the same producer identity. */
    TransactionMetadata withState(TransactionState s, long now) {
        return new TransactionMetadata(transactionalId, producerId, producerId, nextProducerId, producerEpoch, lastProducerEpoch,
                timeoutMs, s, partitions, startTimestamp, now, clientTransactionVersion);
    }

    TransactionMetadata withPartitions(Collection<TopicPartition> more, long start, long now, short clientVersion) {
        TreeSet<TopicPartition> all = new TreeSet<>(partitions);
        all.addAll(more);
        return new TransactionMetadata(transactionalId, producerId, producerId, NO_PRODUCER_ID, producerEpoch, lastProducerEpoch,
                timeoutMs, TransactionState.ONGOING, all, start, now, clientVersion);
    }

    /** The same value as it reads back from the log: {@code lastProducerEpoch} is not stored. */
    public TransactionMetadata asStored() {
        if (lastProducerEpoch == NO_PRODUCER_EPOCH) return this;
        return new TransactionMetadata(transactionalId, producerId, previousProducerId, nextProducerId, producerEpoch,
                NO_PRODUCER_EPOCH, timeoutMs, state, partitions, startTimestamp, lastUpdateTimestamp, clientTransactionVersion);
    }
}
