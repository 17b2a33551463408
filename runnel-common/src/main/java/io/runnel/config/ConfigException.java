package io.runnel.config;

import io.runnel.common.ApiException;
import io.runnel.common.Errors;

/**
 * A configuration key that is unknown where unknown keys are not allowed, or a value that does not
 * parse or validate. Always carries {@link Errors#INVALID_CONFIG}, so a request handler answers with
 * that code and this message; at broker start it aborts start-up with the same message.
 *
 * <p>The message always names the key. For a bad value it reads
 * {@code Invalid value <value> for configuration <key>: <reason>}.
 */
public final class ConfigException extends ApiException {
    private final String key;

    public ConfigException(String key, String message) {
        super(Errors.INVALID_CONFIG, message);
        this.key = key;
    }

    /** A value that failed to parse or validate. */
    public static ConfigException invalidValue(String key, Object value, String reason) {
        return new ConfigException(key, "Invalid value " + value + " for configuration " + key + ": " + reason);
    }

    /** The configuration key the failure is about; null when it is about several. */
    public String key() {
        return key;
    }
}
