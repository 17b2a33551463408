package io.runnel.quorum;

/** A proposal or quorum operation failed. */
public class QuorumException extends RuntimeException {
    public QuorumException(String message) {
        super(message);
    }

    public QuorumException(String message, Throwable cause) {
        super(message, cause);
    }
}
