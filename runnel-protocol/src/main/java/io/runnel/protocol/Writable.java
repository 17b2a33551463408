package io.runnel.protocol;

import io.runnel.common.Uuid;
import io.runnel.record.Records;

/**
 * The primitive writes that generated codecs use. {@link #writeRecords} lets the network layer splice a
 * file region into the output instead of copying it.
 */
public interface Writable {
    void writeByte(byte v);

    void writeShort(short v);

    void writeInt(int v);

    void writeLong(long v);

    void writeDouble(double v);

    void writeUnsignedVarint(int v);

    void writeVarint(int v);

    void writeVarlong(long v);

    void writeUuid(Uuid v);

    void writeBytes(byte[] b, int offset, int length);

    default void writeBytes(byte[] b) {
        writeBytes(b, 0, b.length);
    }

    /** Writes the raw bytes of {@code records}; the caller has written the length prefix. */
    void writeRecords(Records records);
}
