package io.runnel.metadata;

import java.util.Objects;

/**
 * The thing a dynamic configuration belongs to, as Kafka's config APIs name it: a type and a name. A
 * topic is named by its topic name; a broker by its id as text, or "" for the cluster-wide default of
 * all brokers; a group by its group id.
 */
public record ConfigResource(Type type, String name) {
    /** Kafka's ConfigResource types and their wire ids. */
    public enum Type {
        UNKNOWN(0), TOPIC(2), BROKER(4), BROKER_LOGGER(8), CLIENT_METRICS(16), GROUP(32);

        private final byte id;

        Type(int id) {
            this.id = (byte) id;
        }

        public byte id() {
            return id;
        }

        public static Type forId(byte id) {
            for (Type t : values()) if (t.id == id) return t;
            return UNKNOWN;
        }
    }

    public ConfigResource {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(name, "name");
    }

    public static ConfigResource topic(String name) {
        return new ConfigResource(Type.TOPIC, name);
    }

    public static ConfigResource broker(int id) {
        return new ConfigResource(Type.BROKER, Integer.toString(id));
    }

    /** A group's configs (KIP-848 group configs), named by group id. */
    public static ConfigResource group(String groupId) {
        return new ConfigResource(Type.GROUP, groupId);
    }

    /** The cluster-wide default for all brokers. */
    public static ConfigResource brokerDefault() {
        return new ConfigResource(Type.BROKER, "");
    }

    @Override
    public String toString() {
        return type + "(" + name + ")";
    }
}
