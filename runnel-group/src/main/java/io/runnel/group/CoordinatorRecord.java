package io.runnel.group;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * One record of the {@code __consumer_offsets} topic as the coordinator reads and writes it: the key and
 * value bytes in Kafka's layout (each starts with an int16: the record type for keys, the schema version
 * for values; see {@link io.runnel.group.records.RecordSerde}). A null value is a tombstone: compaction
 * eventually removes the key.
 */
public record CoordinatorRecord(byte[] key, byte[] value) {
    public CoordinatorRecord {
        if (key == null) throw new IllegalArgumentException("a coordinator record needs a key");
    }

    public boolean isTombstone() {
        return value == null;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CoordinatorRecord r && Arrays.equals(key, r.key) && Arrays.equals(value, r.value);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(key) + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        return "CoordinatorRecord(key=" + HexFormat.of().formatHex(key) + ", value="
                + (value == null ? "null" : value.length + " bytes") + ")";
    }
}
