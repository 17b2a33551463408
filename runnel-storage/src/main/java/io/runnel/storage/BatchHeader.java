package io.runnel.storage;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * Byte offsets of the fields of a v2 record batch header, and readers over them. The storage layer
 * walks files by these headers only (positions, offsets, timestamps, producer fields): batches stay
 * opaque bytes and records are never decoded on the append or read paths.
 *
 * <p>Layout (big-endian): baseOffset int64 @0, batchLength int32 @8 (bytes after this field),
 * partitionLeaderEpoch int32 @12, magic int8 @16, crc uint32 @17 (CRC-32C of bytes 21..end),
 * attributes int16 @21, lastOffsetDelta int32 @23, baseTimestamp int64 @27, maxTimestamp int64 @35,
 * producerId int64 @43, producerEpoch int16 @51, baseSequence int32 @53, recordCount int32 @57,
 * records @61.
 *
 * <p>Stateless; all methods use absolute reads and are safe on buffers shared between threads as long
 * as nobody writes the bytes concurrently.
 */
final class BatchHeader {
    static final int BASE_OFFSET = 0;
    static final int LENGTH = 8;
    static final int PARTITION_LEADER_EPOCH = 12;
    static final int MAGIC = 16;
    static final int CRC = 17;
    static final int ATTRIBUTES = 21;
    static final int LAST_OFFSET_DELTA = 23;
    static final int BASE_TIMESTAMP = 27;
    static final int MAX_TIMESTAMP = 35;
    static final int PRODUCER_ID = 43;
    static final int PRODUCER_EPOCH = 51;
    static final int BASE_SEQUENCE = 53;
    static final int RECORD_COUNT = 57;
    /** Size of the fixed header; the smallest possible batch (no records). */
    static final int HEADER_SIZE = 61;
    /** baseOffset + batchLength: bytes not counted by batchLength. */
    static final int LOG_OVERHEAD = 12;
    /** Bytes needed to know a batch's offsets (through lastOffsetDelta). */
    static final int OFFSETS_SIZE = 27;
    static final byte MAGIC_V2 = 2;

    static final int TRANSACTIONAL_FLAG = 0x10;
    static final int CONTROL_FLAG = 0x20;

    static final long NO_PRODUCER_ID = -1L;
    static final short NO_PRODUCER_EPOCH = -1;
    static final int NO_SEQUENCE = -1;

    private BatchHeader() {
    }

    static long baseOffset(ByteBuffer b, int pos) {
        return b.getLong(pos + BASE_OFFSET);
    }

    static int batchLength(ByteBuffer b, int pos) {
        return b.getInt(pos + LENGTH);
    }

    /** Whole size of the batch including the 12-byte log overhead. */
    static int sizeInBytes(ByteBuffer b, int pos) {
        return LOG_OVERHEAD + b.getInt(pos + LENGTH);
    }

    static int partitionLeaderEpoch(ByteBuffer b, int pos) {
        return b.getInt(pos + PARTITION_LEADER_EPOCH);
    }

    static byte magic(ByteBuffer b, int pos) {
        return b.get(pos + MAGIC);
    }

    static short attributes(ByteBuffer b, int pos) {
        return b.getShort(pos + ATTRIBUTES);
    }

    static long lastOffset(ByteBuffer b, int pos) {
        return b.getLong(pos + BASE_OFFSET) + b.getInt(pos + LAST_OFFSET_DELTA);
    }

    static long maxTimestamp(ByteBuffer b, int pos) {
        return b.getLong(pos + MAX_TIMESTAMP);
    }

    static long producerId(ByteBuffer b, int pos) {
        return b.getLong(pos + PRODUCER_ID);
    }

    static short producerEpoch(ByteBuffer b, int pos) {
        return b.getShort(pos + PRODUCER_EPOCH);
    }

    static int baseSequence(ByteBuffer b, int pos) {
        return b.getInt(pos + BASE_SEQUENCE);
    }

    static int lastOffsetDelta(ByteBuffer b, int pos) {
        return b.getInt(pos + LAST_OFFSET_DELTA);
    }

    static int recordCount(ByteBuffer b, int pos) {
        return b.getInt(pos + RECORD_COUNT);
    }

    static boolean isTransactional(ByteBuffer b, int pos) {
        return (attributes(b, pos) & TRANSACTIONAL_FLAG) != 0;
    }

    static boolean isControl(ByteBuffer b, int pos) {
        return (attributes(b, pos) & CONTROL_FLAG) != 0;
    }

    /**
     * Last sequence number of the batch: base + lastOffsetDelta, wrapping past Integer.MAX_VALUE to 0
     * as Kafka's sequences do; NO_SEQUENCE for a batch without one.
     */
    static int lastSequence(ByteBuffer b, int pos) {
        int base = baseSequence(b, pos);
        if (base == NO_SEQUENCE) return NO_SEQUENCE;
        return incrementSequence(base, lastOffsetDelta(b, pos));
    }

    static int incrementSequence(int sequence, int increment) {
        if (sequence > Integer.MAX_VALUE - increment) return increment - (Integer.MAX_VALUE - sequence) - 1;
        return sequence + increment;
    }

    /** CRC-32C over attributes..end, compared to the stored CRC. {@code b} must hold the whole batch. */
    static boolean crcMatches(ByteBuffer b, int pos) {
        int size = sizeInBytes(b, pos);
        CRC32C crc = new CRC32C();
        ByteBuffer region = b.duplicate();
        region.limit(pos + size).position(pos + ATTRIBUTES);
        crc.update(region);
        return (int) crc.getValue() == b.getInt(pos + CRC);
    }
}
