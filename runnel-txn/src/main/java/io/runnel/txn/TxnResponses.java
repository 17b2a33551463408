package io.runnel.txn;

import io.runnel.common.Errors;

/** The response values of coordinator commands. */
public final class TxnResponses {
    private TxnResponses() {
    }

    /** InitProducerId and EndTxn: the error, and the producer id and epoch the client uses next (-1 on error). */
    public record ProducerIdAndEpoch(Errors error, long producerId, short producerEpoch) {
        public static ProducerIdAndEpoch error(Errors e) {
            return new ProducerIdAndEpoch(e, TransactionMetadata.NO_PRODUCER_ID, TransactionMetadata.NO_PRODUCER_EPOCH);
        }

        public static ProducerIdAndEpoch ok(long producerId, short producerEpoch) {
            return new ProducerIdAndEpoch(Errors.NONE, producerId, producerEpoch);
        }
    }

    /** One entry of ListTransactions. */
    public record Listing(String transactionalId, long producerId, TransactionState state) {
    }
}
