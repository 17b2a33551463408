package io.runnel.config;

/**
 * Where the value of a configuration comes from, as DescribeConfigs (v1+) reports it; {@link #id()}
 * is the wire value.
 */
public enum ConfigSource {
    UNKNOWN(0),
    /** An override set on the topic (CreateTopics configs or AlterConfigs on the topic). */
    DYNAMIC_TOPIC_CONFIG(1),
    /** A dynamic config set for this one broker (AlterConfigs on broker resource "&lt;id&gt;"). */
    DYNAMIC_BROKER_CONFIG(2),
    /** A dynamic config set for all brokers (AlterConfigs on broker resource ""). */
    DYNAMIC_DEFAULT_BROKER_CONFIG(3),
    /** A value from the broker's server.properties. */
    STATIC_BROKER_CONFIG(4),
    /** The built-in default. */
    DEFAULT_CONFIG(5),
    DYNAMIC_BROKER_LOGGER_CONFIG(6),
    CLIENT_METRICS_CONFIG(7),
    /** An override set on a group (AlterConfigs on group resource "&lt;group id&gt;"). */
    DYNAMIC_GROUP_CONFIG(8);

    private final byte id;

    ConfigSource(int id) {
        this.id = (byte) id;
    }

    public byte id() {
        return id;
    }

    public static ConfigSource forId(byte id) {
        for (ConfigSource s : values()) if (s.id == id) return s;
        return UNKNOWN;
    }
}
