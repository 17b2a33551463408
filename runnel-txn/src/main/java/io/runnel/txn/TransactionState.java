package io.runnel.txn;

import java.util.EnumSet;
import java.util.Set;

/**
 * The states of a transactional id at its coordinator, with Kafka's ids (the {@code transactionStatus} byte of
 * {@code TransactionLogValue}) and names (as DescribeTransactions and ListTransactions report them).
 *
 * <pre>
 *  Empty ──add──▶ Ongoing ──EndTxn(commit)──▶ PrepareCommit ──markers written──▶ CompleteCommit
 *    ▲              │ ▲    ──EndTxn(abort), timeout, fence──▶ PrepareAbort ──markers written──▶ CompleteAbort
 *    │              └─┘ add                                                                       │
 *    └── InitProducerId from Empty / CompleteCommit / CompleteAbort; add from them starts Ongoing ◀┘
 * </pre>
 * With transaction.version 2, EndTxn(abort) is also accepted in Empty, CompleteCommit and CompleteAbort (the
 * client may not know whether its transaction had started). Dead is the state of an expired id (its record is a
 * tombstone). PrepareEpochFence exists for Kafka's layout only: Runnel, like Kafka, never writes it; a fence is
 * written directly as PrepareAbort with the bumped epoch.
 */
public enum TransactionState {
    EMPTY(0, "Empty", true),
    ONGOING(1, "Ongoing", false),
    PREPARE_COMMIT(2, "PrepareCommit", false),
    PREPARE_ABORT(3, "PrepareAbort", false),
    COMPLETE_COMMIT(4, "CompleteCommit", true),
    COMPLETE_ABORT(5, "CompleteAbort", true),
    DEAD(6, "Dead", false),
    PREPARE_EPOCH_FENCE(7, "PrepareEpochFence", false);

    private final byte id;
    private final String displayName;
    private final boolean expirationAllowed;

    TransactionState(int id, String displayName, boolean expirationAllowed) {
        this.id = (byte) id;
        this.displayName = displayName;
        this.expirationAllowed = expirationAllowed;
    }

    public byte id() {
        return id;
    }

    /** Kafka's name of the state ("Ongoing", "CompleteCommit", ...). */
    public String displayName() {
        return displayName;
    }

    /** Whether an id in this state may expire after {@code transactional.id.expiration.ms} without updates. */
    public boolean expirationAllowed() {
        return expirationAllowed;
    }

    /** True for the states in which a transaction is open (partitions may hold its uncommitted records). */
    public boolean inTransaction() {
        return this == ONGOING || this == PREPARE_COMMIT || this == PREPARE_ABORT;
    }

    /** The states this one may be entered from (Kafka's transition table). */
    public Set<TransactionState> validPrevious() {
        return switch (this) {
            case EMPTY -> EnumSet.of(EMPTY, COMPLETE_COMMIT, COMPLETE_ABORT);
            case ONGOING -> EnumSet.of(ONGOING, EMPTY, COMPLETE_COMMIT, COMPLETE_ABORT);
            case PREPARE_COMMIT -> EnumSet.of(ONGOING);
            case PREPARE_ABORT -> EnumSet.of(ONGOING, PREPARE_EPOCH_FENCE, EMPTY, COMPLETE_COMMIT, COMPLETE_ABORT);
            case COMPLETE_COMMIT -> EnumSet.of(PREPARE_COMMIT);
            case COMPLETE_ABORT -> EnumSet.of(PREPARE_ABORT);
            case DEAD -> EnumSet.of(EMPTY, COMPLETE_COMMIT, COMPLETE_ABORT);
            case PREPARE_EPOCH_FENCE -> EnumSet.of(ONGOING);
        };
    }

    public static TransactionState fromId(byte id) {
        for (TransactionState s : values()) if (s.id == id) return s;
        throw new IllegalArgumentException("unknown transaction state id " + id);
    }

    /** The state of a Kafka name, case-insensitive (ListTransactions filters); null if none. */
    public static TransactionState fromDisplayName(String name) {
        for (TransactionState s : values()) if (s.displayName.equalsIgnoreCase(name)) return s;
        return null;
    }
}
