package io.runnel.config;

import java.util.Objects;

/**
 * A secret configuration value. {@link #toString()} never reveals it, so logging a config map or a
 * {@link ConfigValues} does not leak passwords; call {@link #value()} where the secret is needed.
 */
public final class Password {
    /** What {@link #toString()} prints instead of the secret. */
    public static final String HIDDEN = "[hidden]";

    private final String value;

    public Password(String value) {
        this.value = Objects.requireNonNull(value, "value");
    }

    public String value() {
        return value;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Password p && p.value.equals(value);
    }

    @Override
    public int hashCode() {
        return value.hashCode();
    }

    @Override
    public String toString() {
        return HIDDEN;
    }
}
