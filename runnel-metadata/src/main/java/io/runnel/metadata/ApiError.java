package io.runnel.metadata;

import io.runnel.common.ApiException;
import io.runnel.common.Errors;

import java.util.Objects;

/** A Kafka error code and message for one item of a response; {@link #NONE} for success. */
public record ApiError(Errors error, String message) {
    public static final ApiError NONE = new ApiError(Errors.NONE, null);

    public ApiError {
        Objects.requireNonNull(error, "error");
    }

    public static ApiError of(Errors error, String message) {
        return new ApiError(error, message);
    }

    /** The code and message of an {@link ApiException}; any other throwable is UNKNOWN_SERVER_ERROR. */
    public static ApiError fromThrowable(Throwable t) {
        Throwable c = t;
        while (c != null) {
            if (c instanceof ApiException a) return new ApiError(a.error(), a.getMessage());
            c = c.getCause();
        }
        return new ApiError(Errors.UNKNOWN_SERVER_ERROR, t == null ? null : t.toString());
    }

    public boolean isSuccess() {
        return error == Errors.NONE;
    }

    public ApiException exception() {
        return new ApiException(error, message);
    }
}
