package io.runnel.protocol;

/** A request that cannot be decoded: truncated, a negative or oversized length, an illegal null. */
public final class MalformedMessageException extends RuntimeException {
    public MalformedMessageException(String message) {
        super(message);
    }

    public MalformedMessageException(String message, Throwable cause) {
        super(message, cause);
    }
}
