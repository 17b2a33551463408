package io.runnel.protocol;

import io.runnel.common.Uuid;
import io.runnel.record.Records;

/** The primitive reads that generated codecs use. Implementations throw {@link MalformedMessageException} on underflow. */
public interface Readable {
    byte readByte();

    short readShort();

    int readInt();

    long readLong();

    double readDouble();

    int readUnsignedVarint();

    int readVarint();

    long readVarlong();

    Uuid readUuid();

    byte[] readBytes(int length);

    String readString(int length);

    /** A view of the next {@code length} bytes as records, without copying where possible. */
    Records readRecords(int length);

    void skip(int length);

    int remaining();
}
