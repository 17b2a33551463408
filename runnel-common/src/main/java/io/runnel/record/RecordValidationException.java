package io.runnel.record;

import io.runnel.common.ApiException;
import io.runnel.common.Errors;

import java.util.List;

/**
 * A record batch rejected because some of its records are invalid (KIP-467): besides the error code it
 * names each offending record by its index in the batch, so a Produce v8+ response can list them in
 * {@code RecordErrors} and a client can fail exactly those records (the others of the batch are failed
 * too, but as collateral, and none is retried: the error codes used are not retriable).
 */
public final class RecordValidationException extends ApiException {
    /** Most record errors quoted in the exception's message (the list itself is complete). */
    static final int QUOTED_IN_MESSAGE = 3;

    /**
     * One invalid record.
     *
     * @param batchIndex the record's index in its batch (its offset delta when the batch is well formed)
     * @param message    why it was rejected
     */
    public record RecordError(int batchIndex, String message) {}

    private final List<RecordError> recordErrors;

    /**
     * @param error        INVALID_RECORD, or INVALID_TIMESTAMP when a timestamp is among the causes
     * @param recordErrors at least one, in batch order
     */
    public RecordValidationException(Errors error, List<RecordError> recordErrors) {
        super(error, describe(recordErrors));
        if (recordErrors.isEmpty()) throw new IllegalArgumentException("no record errors");
        this.recordErrors = List.copyOf(recordErrors);
    }

    /** Every invalid record of the batch, in batch order. */
    public List<RecordError> recordErrors() {
        return recordErrors;
    }

    private static String describe(List<RecordError> errors) {
        StringBuilder sb = new StringBuilder().append(errors.size())
                .append(errors.size() == 1 ? " record" : " records").append(" of the batch rejected");
        int quoted = Math.min(errors.size(), QUOTED_IN_MESSAGE);
        sb.append(quoted < errors.size() ? ", the first " + quoted + ": " : ": ");
        for (int i = 0; i < quoted; i++) {
            if (i > 0) sb.append("; ");
            sb.append("record ").append(errors.get(i).batchIndex()).append(": ").append(errors.get(i).message());
        }
        return sb.toString();
    }
}
