package io.runnel.txn;

import io.runnel.txn.records.TxnRecord;

import java.util.List;

/**
 * What a coordinator command decided: the records to append to the shard's partition of
 * {@code __transaction_state}, the response, and the markers to send.
 *
 * <p>Contract for the caller (the coordinator runtime): append {@code records} as one batch; once it is durable,
 * {@link TransactionCoordinatorShard#replay} each of them, then send {@code response} and start {@code markers}.
 * If the append fails, nothing is replayed, no marker is sent and the response is replaced by the append's error
 * (mapped as for groups: NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE, ...). The next command of the same shard must
 * not run before this result's records are replayed or failed, so that every command sees all earlier writes. A
 * result without records is answered at once.
 */
public record TxnResult<R>(List<TxnRecord> records, R response, List<MarkerRequest> markers) {
    public TxnResult {
        records = List.copyOf(records);
        markers = List.copyOf(markers);
    }

    public static <R> TxnResult<R> of(R response) {
        return new TxnResult<>(List.of(), response, List.of());
    }

    public static <R> TxnResult<R> write(TxnRecord record, R response) {
        return new TxnResult<>(List.of(record), response, List.of());
    }
}
