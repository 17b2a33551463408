package io.runnel.cli;

import io.runnel.common.Errors;

/**
 * A failure that ends a command with exit code 1: a Kafka error code in a response ({@link #error()} set), or
 * a connection, timeout or protocol problem ({@link #error()} null). The message is meant for the user.
 */
public final class CliException extends RuntimeException {
    private final Errors error;

    public CliException(String message) {
        this(null, message, null);
    }

    public CliException(String message, Throwable cause) {
        this(null, message, cause);
    }

    public CliException(Errors error, String message) {
        this(error, message, null);
    }

    public CliException(Errors error, String message, Throwable cause) {
        super(message, cause);
        this.error = error;
    }

    /** The Kafka error the broker answered with, or null for a failure on this side or on the connection. */
    public Errors error() {
        return error;
    }

    /** A Kafka error: the message is the error's default text unless {@code detail} says more. */
    public static CliException of(Errors error, String detail) {
        String text = detail == null || detail.isBlank() ? error.message() : detail;
        return new CliException(error, text == null ? error.name() : text);
    }

    /** The line printed to stderr: "Error: NAME: message" for Kafka errors, "Error: message" otherwise. */
    public String describe() {
        return error == null ? "Error: " + getMessage() : "Error: " + error.name() + ": " + getMessage();
    }
}
