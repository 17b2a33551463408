package io.runnel.common;

/**
 * A failure that maps to one Kafka error code. Thrown by storage, metadata and coordinators; the
 * request handler turns it into the error code (and, where the API has one, the error message) of
 * the response.
 */
public class ApiException extends RuntimeException {
    private final Errors error;

    public ApiException(Errors error, String message) {
        super(message == null ? error.message() : message, null, false, false);
        this.error = error;
    }

    public ApiException(Errors error, String message, Throwable cause) {
        super(message == null ? error.message() : message, cause, false, false);
        this.error = error;
    }

    public Errors error() {
        return error;
    }
}
