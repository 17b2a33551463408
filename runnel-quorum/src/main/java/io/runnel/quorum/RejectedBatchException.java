package io.runnel.quorum;

/**
 * A committed batch did not replay on the image (for example a topic created twice by two proposals
 * that raced): every node skipped it in the same way, so the image is unchanged and the records are
 * not in the state. The controller is expected to validate before proposing, so this is a bug or a race.
 */
public final class RejectedBatchException extends QuorumException {
    private final long index;

    public RejectedBatchException(long index, String reason) {
        super("metadata batch at log index " + index + " was committed but rejected by replay: " + reason);
        this.index = index;
    }

    public long index() {
        return index;
    }
}
