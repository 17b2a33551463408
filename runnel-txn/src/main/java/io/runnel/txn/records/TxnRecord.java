package io.runnel.txn.records;

import io.runnel.txn.TransactionMetadata;

/**
 * One record of {@code __transaction_state} in typed form: the transactional id (the key) and its metadata (the
 * value), or a null value for a tombstone (the id expired). Replaying a partition's records in offset order, each
 * replacing the previous value of its key, rebuilds that partition's coordinator state.
 */
public record TxnRecord(String transactionalId, TransactionMetadata value) {
    public TxnRecord {
        if (transactionalId == null || transactionalId.isEmpty()) throw new IllegalArgumentException("a transaction record needs a transactional id");
        if (value != null && !value.transactionalId().equals(transactionalId)) {
            throw new IllegalArgumentException("record key " + transactionalId + " does not match value " + value.transactionalId());
        }
    }

    public boolean isTombstone() {
        return value == null;
    }
}
