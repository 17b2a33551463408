package io.runnel.record;

/**
 * What a batch's timestamps mean: stamped by the producer ({@code CreateTime}) or by the broker when
 * appending ({@code LogAppendTime}). In a v2 batch this is bit 3 of the attributes. Immutable.
 */
public enum TimestampType {
    NO_TIMESTAMP_TYPE(-1, "NoTimestampType"),
    CREATE_TIME(0, "CreateTime"),
    LOG_APPEND_TIME(1, "LogAppendTime");

    private final int id;
    private final String configName;

    TimestampType(int id, String configName) {
        this.id = id;
        this.configName = configName;
    }

    public int id() { return id; }

    /** The spelling used by {@code message.timestamp.type} and {@code log.message.timestamp.type}. */
    public String configName() { return configName; }

    /**
     * The type named {@code CreateTime}, {@code LogAppendTime} or {@code NoTimestampType} (exact spelling).
     *
     * @throws IllegalArgumentException for any other name
     */
    public static TimestampType forName(String name) {
        for (TimestampType t : values()) {
            if (t.configName.equals(name)) return t;
        }
        throw new IllegalArgumentException("Unknown timestamp type: " + name);
    }

    public static TimestampType forId(int id) {
        for (TimestampType t : values()) {
            if (t.id == id) return t;
        }
        throw new IllegalArgumentException("Unknown timestamp type id: " + id);
    }

    @Override
    public String toString() {
        return configName;
    }
}
