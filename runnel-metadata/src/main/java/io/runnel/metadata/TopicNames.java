package io.runnel.metadata;

import io.runnel.common.ApiException;
import io.runnel.common.Errors;

import java.util.Collection;

/**
 * Kafka's rules for topic names: 1 to 249 characters from {@code [a-zA-Z0-9._-]}, not "." or "..".
 * Because metric names replace '.' with '_', two topics whose names differ only there would collide;
 * such a second topic is refused. Stateless.
 */
public final class TopicNames {
    public static final int MAX_LENGTH = 249;

    private TopicNames() {
    }

    /** Throws INVALID_TOPIC_EXCEPTION with Kafka's wording when {@code name} is not a legal topic name. */
    public static void validate(String name) {
        if (name == null || name.isEmpty()) {
            throw new ApiException(Errors.INVALID_TOPIC_EXCEPTION, "Topic name is illegal, it can't be empty");
        }
        if (name.equals(".") || name.equals("..")) {
            throw new ApiException(Errors.INVALID_TOPIC_EXCEPTION, "Topic name cannot be \".\" or \"..\"");
        }
        if (name.length() > MAX_LENGTH) {
            throw new ApiException(Errors.INVALID_TOPIC_EXCEPTION, "Topic name is illegal, it can't be longer than "
                    + MAX_LENGTH + " characters, topic name: " + name);
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '_' || c == '-';
            if (!ok) {
                throw new ApiException(Errors.INVALID_TOPIC_EXCEPTION, "Topic name \"" + name
                        + "\" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'");
            }
        }
    }

    /** Whether the name contains '.' or '_', the characters that can collide. */
    public static boolean hasCollisionChars(String name) {
        return name.indexOf('.') >= 0 || name.indexOf('_') >= 0;
    }

    /** The name with '.' replaced by '_': two names collide when these are equal. */
    public static String unifyCollisionChars(String name) {
        return name.replace('.', '_');
    }

    /**
     * Throws INVALID_TOPIC_EXCEPTION when {@code name} collides with one of {@code existing} (but is
     * not equal to it).
     */
    public static void checkCollision(String name, Collection<String> existing) {
        if (!hasCollisionChars(name)) return;
        String unified = unifyCollisionChars(name);
        for (String other : existing) {
            if (!other.equals(name) && hasCollisionChars(other) && unifyCollisionChars(other).equals(unified)) {
                throw new ApiException(Errors.INVALID_TOPIC_EXCEPTION,
                        "Topic '" + name + "' collides with existing topic: " + other);
            }
        }
    }

    /** Whether the name is one of Kafka's internal topics. */
    public static boolean isInternal(String name) {
        return name.equals("__consumer_offsets") || name.equals("__transaction_state") || name.equals("__share_group_state");
    }
}
