package io.runnel.txn;

import io.runnel.common.Errors;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class TxnErrorsTest {
    @Test
    void olderVersionsGetTheErrorsTheyKnow() {
        assertThat(TxnErrors.forVersion(TxnErrors.INIT_PRODUCER_ID, (short) 3, Errors.PRODUCER_FENCED)).isEqualTo(Errors.INVALID_PRODUCER_EPOCH);
        assertThat(TxnErrors.forVersion(TxnErrors.INIT_PRODUCER_ID, (short) 4, Errors.PRODUCER_FENCED)).isEqualTo(Errors.PRODUCER_FENCED);
        assertThat(TxnErrors.forVersion(TxnErrors.END_TXN, (short) 1, Errors.PRODUCER_FENCED)).isEqualTo(Errors.INVALID_PRODUCER_EPOCH);
        assertThat(TxnErrors.forVersion(TxnErrors.END_TXN, (short) 2, Errors.PRODUCER_FENCED)).isEqualTo(Errors.PRODUCER_FENCED);
        assertThat(TxnErrors.forVersion(TxnErrors.TXN_OFFSET_COMMIT, (short) 2, Errors.PRODUCER_FENCED)).isEqualTo(Errors.INVALID_PRODUCER_EPOCH);
        assertThat(TxnErrors.forVersion(TxnErrors.ADD_PARTITIONS_TO_TXN, (short) 4, Errors.TRANSACTION_ABORTABLE)).isEqualTo(Errors.INVALID_TXN_STATE);
        assertThat(TxnErrors.forVersion(TxnErrors.ADD_PARTITIONS_TO_TXN, (short) 5, Errors.TRANSACTION_ABORTABLE)).isEqualTo(Errors.TRANSACTION_ABORTABLE);
        assertThat(TxnErrors.forVersion(TxnErrors.PRODUCE, (short) 10, Errors.TRANSACTION_ABORTABLE)).isEqualTo(Errors.INVALID_TXN_STATE);
        assertThat(TxnErrors.forVersion(TxnErrors.END_TXN, (short) 0, Errors.CONCURRENT_TRANSACTIONS)).isEqualTo(Errors.CONCURRENT_TRANSACTIONS);
    }
}
