package io.runnel.txn;

import io.runnel.common.Errors;

/**
 * The error a response of a given version may carry, for errors newer than the version (Kafka's compatibility
 * rules). PRODUCER_FENCED (KIP-588) exists from InitProducerId v4, AddPartitionsToTxn v2, AddOffsetsToTxn v2,
 * EndTxn v2 and TxnOffsetCommit v3; older versions get INVALID_PRODUCER_EPOCH. TRANSACTION_ABORTABLE (KIP-890) exists
 * from InitProducerId v5, AddPartitionsToTxn v5, AddOffsetsToTxn v4, EndTxn v4, TxnOffsetCommit v4 and Produce v11;
 * older versions get INVALID_TXN_STATE. The coordinator decides with the newest codes; handlers call this when they
 * encode.
 */
public final class TxnErrors {
    public static final short PRODUCE = 0;
    public static final short TXN_OFFSET_COMMIT = 28;
    public static final short INIT_PRODUCER_ID = 22;
    public static final short ADD_PARTITIONS_TO_TXN = 24;
    public static final short ADD_OFFSETS_TO_TXN = 25;
    public static final short END_TXN = 26;

    private TxnErrors() {
    }

    public static Errors forVersion(short apiKey, short version, Errors error) {
        if (error == Errors.PRODUCER_FENCED && version < fencedSince(apiKey)) return Errors.INVALID_PRODUCER_EPOCH;
        if (error == Errors.TRANSACTION_ABORTABLE && version < abortableSince(apiKey)) return Errors.INVALID_TXN_STATE;
        return error;
    }

    private static int fencedSince(short apiKey) {
        return switch (apiKey) {
            case INIT_PRODUCER_ID -> 4;
            case ADD_PARTITIONS_TO_TXN, ADD_OFFSETS_TO_TXN, END_TXN -> 2;
            case TXN_OFFSET_COMMIT -> 3;
            default -> Integer.MAX_VALUE;
        };
    }

    private static int abortableSince(short apiKey) {
        return switch (apiKey) {
            case INIT_PRODUCER_ID, ADD_PARTITIONS_TO_TXN -> 5;
            case ADD_OFFSETS_TO_TXN, END_TXN, TXN_OFFSET_COMMIT -> 4;
            case PRODUCE -> 11;
            default -> Integer.MAX_VALUE;
        };
    }
}
