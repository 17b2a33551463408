package io.runnel.record;

import io.runnel.common.ApiException;
import io.runnel.common.Errors;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * A flyweight over one record batch (magic v2) that starts at an absolute position of a ByteBuffer.
 * Accessors read the header fields straight from the buffer and setters write them in place; nothing is
 * copied and the buffer's position and limit are never changed.
 *
 * <p>Byte layout (big-endian; offsets from the batch start):
 * <pre>
 *  @0  baseOffset            int64
 *  @8  batchLength           int32   bytes after this field; whole batch = 12 + batchLength
 *  @12 partitionLeaderEpoch  int32
 *  @16 magic                 int8    2 (0 and 1 are the legacy message formats)
 *  @17 crc                   uint32  CRC-32C of the bytes from @21 to the end of the batch
 *  @21 attributes            int16   bits 0-2 codec, 3 timestamp type (1 = LogAppendTime),
 *                                    4 transactional, 5 control, 6 delete horizon in baseTimestamp
 *  @23 lastOffsetDelta       int32
 *  @27 baseTimestamp         int64
 *  @35 maxTimestamp          int64
 *  @43 producerId            int64
 *  @51 producerEpoch         int16
 *  @53 baseSequence          int32
 *  @57 recordCount           int32
 *  @61 records               (compressed as one stream when the codec is not none)
 * </pre>
 * Each record: length varint, attributes int8, timestampDelta varlong, offsetDelta varint, key length
 * varint (-1 = null), key, value length varint (-1 = null), value, header count varint, then per header
 * key length varint, UTF-8 key, value length varint (-1 = null), value. Varints are zig-zag encoded.
 *
 * <p>Since baseOffset, batchLength and partitionLeaderEpoch precede the CRC range, {@link #setBaseOffset}
 * and {@link #setPartitionLeaderEpoch} keep the batch valid; {@link #setLogAppendTime} and
 * {@link #setMaxTimestamp} must be followed by {@link #updateChecksum()}.
 *
 * <p>This class is the one owner of the batch layout. Code that walks many batches without wanting a
 * flyweight per batch (storage walks files by headers) uses the static readers, e.g.
 * {@link #sizeInBytes(ByteBuffer, int)}, which take a big-endian buffer and the batch's absolute position;
 * the instance accessors are the same readers bound to one position.
 *
 * <p>{@link #at} does not check anything: callers obtain batches from {@link Batches#iterate} (whole
 * batches only) or the {@link BatchValidator}; accessing a field past the buffer's limit throws
 * {@link IndexOutOfBoundsException}. Not thread-safe: it is as safe as the buffer under it.
 */
public final class RecordBatch {
    public static final int LOG_OVERHEAD = 12;
    public static final int HEADER_SIZE = 61;
    public static final byte MAGIC_VALUE_V2 = 2;

    public static final long NO_PRODUCER_ID = -1;
    public static final short NO_PRODUCER_EPOCH = -1;
    public static final int NO_SEQUENCE = -1;
    public static final int NO_PARTITION_LEADER_EPOCH = -1;
    public static final long NO_TIMESTAMP = -1;

    public static final int BASE_OFFSET_OFFSET = 0;
    public static final int LENGTH_OFFSET = 8;
    public static final int PARTITION_LEADER_EPOCH_OFFSET = 12;
    public static final int MAGIC_OFFSET = 16;
    public static final int CRC_OFFSET = 17;
    public static final int ATTRIBUTES_OFFSET = 21;
    public static final int LAST_OFFSET_DELTA_OFFSET = 23;
    public static final int BASE_TIMESTAMP_OFFSET = 27;
    public static final int MAX_TIMESTAMP_OFFSET = 35;
    public static final int PRODUCER_ID_OFFSET = 43;
    public static final int PRODUCER_EPOCH_OFFSET = 51;
    public static final int BASE_SEQUENCE_OFFSET = 53;
    public static final int RECORD_COUNT_OFFSET = 57;
    public static final int RECORDS_OFFSET = HEADER_SIZE;
    /** Bytes needed to know a batch's size and offsets (through lastOffsetDelta). */
    public static final int OFFSETS_SIZE = LAST_OFFSET_DELTA_OFFSET + 4;

    static final int COMPRESSION_CODEC_MASK = 0x07;
    static final int TIMESTAMP_TYPE_MASK = 0x08;
    public static final int TRANSACTIONAL_FLAG_MASK = 0x10;
    public static final int CONTROL_FLAG_MASK = 0x20;
    static final int DELETE_HORIZON_FLAG_MASK = 0x40;

    /** Smallest legal batchLength of a v2 batch (a header and no records). */
    static final int MIN_BATCH_LENGTH = HEADER_SIZE - LOG_OVERHEAD;

    private final ByteBuffer buf;
    private final int pos;

    private RecordBatch(ByteBuffer buf, int pos) {
        this.buf = buf;
        this.pos = pos;
    }

    /**
     * The batch starting at absolute {@code position} of {@code buffer}. The flyweight shares the
     * buffer's content (a big-endian duplicate is taken only if the buffer is little-endian).
     */
    public static RecordBatch at(ByteBuffer buffer, int position) {
        ByteBuffer b = buffer.order() == ByteOrder.BIG_ENDIAN ? buffer : buffer.duplicate().order(ByteOrder.BIG_ENDIAN);
        return new RecordBatch(b, position);
    }

    /** Absolute position of the batch in {@link #buffer()}. */
    public int position() { return pos; }

    /** The buffer the flyweight reads (shared, not a copy). */
    public ByteBuffer buffer() { return buf; }

    // ---- static readers: absolute reads at pos of a big-endian buffer holding (at least) the header ----

    public static long baseOffset(ByteBuffer b, int pos) { return b.getLong(pos + BASE_OFFSET_OFFSET); }

    /** Bytes of the whole batch at {@code pos}: {@code LOG_OVERHEAD + batchLength}. */
    public static int sizeInBytes(ByteBuffer b, int pos) { return LOG_OVERHEAD + b.getInt(pos + LENGTH_OFFSET); }

    public static int partitionLeaderEpoch(ByteBuffer b, int pos) { return b.getInt(pos + PARTITION_LEADER_EPOCH_OFFSET); }

    public static byte magic(ByteBuffer b, int pos) { return b.get(pos + MAGIC_OFFSET); }

    public static short attributes(ByteBuffer b, int pos) { return b.getShort(pos + ATTRIBUTES_OFFSET); }

    public static int lastOffsetDelta(ByteBuffer b, int pos) { return b.getInt(pos + LAST_OFFSET_DELTA_OFFSET); }

    public static long lastOffset(ByteBuffer b, int pos) { return baseOffset(b, pos) + lastOffsetDelta(b, pos); }

    public static long maxTimestamp(ByteBuffer b, int pos) { return b.getLong(pos + MAX_TIMESTAMP_OFFSET); }

    public static long producerId(ByteBuffer b, int pos) { return b.getLong(pos + PRODUCER_ID_OFFSET); }

    public static short producerEpoch(ByteBuffer b, int pos) { return b.getShort(pos + PRODUCER_EPOCH_OFFSET); }

    public static int baseSequence(ByteBuffer b, int pos) { return b.getInt(pos + BASE_SEQUENCE_OFFSET); }

    public static int recordCount(ByteBuffer b, int pos) { return b.getInt(pos + RECORD_COUNT_OFFSET); }

    public static boolean isTransactional(ByteBuffer b, int pos) { return (attributes(b, pos) & TRANSACTIONAL_FLAG_MASK) != 0; }

    public static boolean isControlBatch(ByteBuffer b, int pos) { return (attributes(b, pos) & CONTROL_FLAG_MASK) != 0; }

    /** See {@link #lastSequence()}. */
    public static int lastSequence(ByteBuffer b, int pos) {
        int base = baseSequence(b, pos);
        if (base == NO_SEQUENCE) return NO_SEQUENCE;
        return incrementSequence(base, lastOffsetDelta(b, pos));
    }

    /**
     * CRC-32C of the bytes from attributes to the end of the batch at {@code pos}, as an unsigned 32-bit
     * value; {@code b} must hold the whole batch.
     */
    public static long computeChecksum(ByteBuffer b, int pos) {
        CRC32C crc = new CRC32C();
        crc.update(b.duplicate().limit(pos + sizeInBytes(b, pos)).position(pos + ATTRIBUTES_OFFSET));
        return crc.getValue();
    }

    /** Whether the stored CRC of the whole batch at {@code pos} matches its content. */
    public static boolean checksumMatches(ByteBuffer b, int pos) {
        return computeChecksum(b, pos) == Integer.toUnsignedLong(b.getInt(pos + CRC_OFFSET));
    }

    // ---- the flyweight ----

    public long baseOffset() { return buf.getLong(pos + BASE_OFFSET_OFFSET); }

    public void setBaseOffset(long baseOffset) { buf.putLong(pos + BASE_OFFSET_OFFSET, baseOffset); }

    public int batchLength() { return buf.getInt(pos + LENGTH_OFFSET); }

    /** Bytes of the whole batch: {@code LOG_OVERHEAD + batchLength()}. */
    public int sizeInBytes() { return sizeInBytes(buf, pos); }

    public int partitionLeaderEpoch() { return buf.getInt(pos + PARTITION_LEADER_EPOCH_OFFSET); }

    public void setPartitionLeaderEpoch(int epoch) { buf.putInt(pos + PARTITION_LEADER_EPOCH_OFFSET, epoch); }

    public byte magic() { return buf.get(pos + MAGIC_OFFSET); }

    /** The stored CRC, as an unsigned 32-bit value. */
    public long checksum() { return Integer.toUnsignedLong(buf.getInt(pos + CRC_OFFSET)); }

    /** CRC-32C of the bytes from attributes to the end of the batch, as an unsigned 32-bit value. */
    public long computeChecksum() { return computeChecksum(buf, pos); }

    /**
     * True when the batch is structurally whole (magic 2, length at least a header, all bytes inside the
     * buffer's limit) and its stored CRC matches. Never throws.
     */
    public boolean isValid() {
        if (pos < 0 || buf.limit() - pos < HEADER_SIZE) return false;
        int length = batchLength();
        if (magic() != MAGIC_VALUE_V2 || length < MIN_BATCH_LENGTH || length > buf.limit() - pos - LOG_OVERHEAD) return false;
        return checksum() == computeChecksum();
    }

    /** Writes {@link #computeChecksum()} into the CRC field. */
    public void updateChecksum() { buf.putInt(pos + CRC_OFFSET, (int) computeChecksum()); }

    public short attributes() { return buf.getShort(pos + ATTRIBUTES_OFFSET); }

    /**
     * @throws ApiException UNSUPPORTED_COMPRESSION_TYPE when the codec bits hold an unknown id (5-7)
     */
    public CompressionType compressionType() { return CompressionType.forId(attributes() & COMPRESSION_CODEC_MASK); }

    public TimestampType timestampType() {
        return (attributes() & TIMESTAMP_TYPE_MASK) != 0 ? TimestampType.LOG_APPEND_TIME : TimestampType.CREATE_TIME;
    }

    public boolean isTransactional() { return (attributes() & TRANSACTIONAL_FLAG_MASK) != 0; }

    public boolean isControlBatch() { return (attributes() & CONTROL_FLAG_MASK) != 0; }

    public boolean hasDeleteHorizon() { return (attributes() & DELETE_HORIZON_FLAG_MASK) != 0; }

    public int lastOffsetDelta() { return buf.getInt(pos + LAST_OFFSET_DELTA_OFFSET); }

    public long lastOffset() { return baseOffset() + lastOffsetDelta(); }

    public long nextOffset() { return lastOffset() + 1; }

    /** The timestamp record deltas are relative to (the delete horizon when {@link #hasDeleteHorizon()}). */
    public long baseTimestamp() { return buf.getLong(pos + BASE_TIMESTAMP_OFFSET); }

    public long maxTimestamp() { return buf.getLong(pos + MAX_TIMESTAMP_OFFSET); }

    /** The delete horizon (KIP-534) when the flag is set, else {@link #NO_TIMESTAMP}. */
    public long deleteHorizonMs() { return hasDeleteHorizon() ? baseTimestamp() : NO_TIMESTAMP; }

    /**
     * Marks the batch as LogAppendTime and stores {@code timestamp} as its max timestamp (which readers then
     * report as every record's timestamp). Call {@link #updateChecksum()} afterwards.
     */
    public void setLogAppendTime(long timestamp) {
        buf.putShort(pos + ATTRIBUTES_OFFSET, (short) (attributes() | TIMESTAMP_TYPE_MASK));
        buf.putLong(pos + MAX_TIMESTAMP_OFFSET, timestamp);
    }

    /** Overwrites the max timestamp field only. Call {@link #updateChecksum()} afterwards. */
    public void setMaxTimestamp(long timestamp) { buf.putLong(pos + MAX_TIMESTAMP_OFFSET, timestamp); }

    public long producerId() { return buf.getLong(pos + PRODUCER_ID_OFFSET); }

    public short producerEpoch() { return buf.getShort(pos + PRODUCER_EPOCH_OFFSET); }

    public int baseSequence() { return buf.getInt(pos + BASE_SEQUENCE_OFFSET); }

    /**
     * The sequence of the last record: {@code baseSequence + lastOffsetDelta}, wrapping past
     * {@code Integer.MAX_VALUE} to 0 as producers do; {@link #NO_SEQUENCE} without a base sequence.
     */
    public int lastSequence() { return lastSequence(buf, pos); }

    /** {@code sequence + increment} in the sequence space [0, Integer.MAX_VALUE], wrapping to 0. */
    public static int incrementSequence(int sequence, int increment) {
        long next = (long) sequence + increment;
        if (next > Integer.MAX_VALUE) next -= (long) Integer.MAX_VALUE + 1;
        return (int) next;
    }

    public int recordCount() { return buf.getInt(pos + RECORD_COUNT_OFFSET); }

    /** The batch's bytes as an independent view (position 0, limit = size; shares content, big-endian). */
    public ByteBuffer slice() {
        return buf.slice(pos, sizeInBytes()).order(ByteOrder.BIG_ENDIAN);
    }

    /**
     * Decodes every record (decompressing if needed). Offsets are absolute ({@code baseOffset + delta});
     * timestamps are {@code baseTimestamp + delta}, or the max timestamp for a LogAppendTime batch.
     *
     * Returns a new mutable list (empty for an empty batch).
     *
     * @throws ApiException CORRUPT_MESSAGE when the records cannot be decoded,
     *         UNSUPPORTED_COMPRESSION_TYPE for an unknown codec
     */
    public List<Record> records() {
        int count = recordCount();
        if (count < 0) throw RecordScanner.corrupt("Negative record count " + count, null);
        if (count == 0) return new ArrayList<>();
        CompressionType codec = compressionType();
        long baseOffset = baseOffset();
        long baseTimestamp = baseTimestamp();
        long logAppendTime = timestampType() == TimestampType.LOG_APPEND_TIME ? maxTimestamp() : NO_TIMESTAMP;
        int start = pos + RECORDS_OFFSET;
        int end = pos + sizeInBytes();
        RecordScanner s = new RecordScanner();
        // a count cannot exceed the bytes available when uncompressed: each record takes at least 7 bytes
        List<Record> out = new ArrayList<>(Math.min(count, codec == CompressionType.NONE ? (end - start) / 7 + 1 : 1024));
        if (codec == CompressionType.NONE) {
            s.reset(buf, start, end);
            for (int i = 0; i < count; i++) out.add(decodeRecord(s, baseOffset, baseTimestamp, logAppendTime));
            return out;
        }
        if (codec == CompressionType.LZ4) {
            s.resetLz4(buf, start, end);
            for (int i = 0; i < count; i++) out.add(decodeRecord(s, baseOffset, baseTimestamp, logAppendTime));
            return out;
        }
        try (InputStream in = openDecompressed(codec, buf, start, end)) {
            s.reset(in);
            for (int i = 0; i < count; i++) out.add(decodeRecord(s, baseOffset, baseTimestamp, logAppendTime));
        } catch (IOException e) {
            throw RecordScanner.corrupt("Failed to close decompression stream: " + e.getMessage(), e);
        }
        return out;
    }

    /**
     * Opens the codec's input over {@code buffer[start, end)}, mapping codec failures to CORRUPT_MESSAGE. lz4 is read by
     * {@link Lz4FrameReader} straight from the buffer, as validation reads it.
     */
    static InputStream openDecompressed(CompressionType codec, ByteBuffer buffer, int start, int end) {
        if (codec == CompressionType.LZ4) return new RecordScanner().resetLz4(buffer, start, end).asStream();
        try {
            return codec.wrapForInput(new ByteBufferInputStream(buffer, start, end));
        } catch (UncheckedIOException e) {
            throw RecordScanner.corrupt("Invalid " + codec.configName() + " stream in record batch: " + e.getCause().getMessage(), e);
        } catch (ApiException e) {
            throw e;
        } catch (RuntimeException e) {
            throw RecordScanner.corrupt("Invalid " + codec.configName() + " stream in record batch: " + e, e);
        }
    }

    private static Record decodeRecord(RecordScanner s, long baseOffset, long baseTimestamp, long logAppendTime) {
        int length = s.readVarint();
        if (length < 0) throw RecordScanner.corrupt("Negative record length " + length, null);
        long start = s.position();
        s.readByte(); // record attributes: unused in v2
        long timestampDelta = s.readVarlong();
        int offsetDelta = s.readVarint();
        byte[] key = readNullableBytes(s, "key");
        byte[] value = readNullableBytes(s, "value");
        int headerCount = s.readVarint();
        if (headerCount < 0) throw RecordScanner.corrupt("Negative header count " + headerCount, null);
        List<Header> headers;
        if (headerCount == 0) {
            headers = List.of();
        } else {
            Header[] hs = new Header[Math.min(headerCount, 1024)];
            int n = 0;
            for (int i = 0; i < headerCount; i++) {
                int keyLength = s.readVarint();
                if (keyLength < 0) throw new ApiException(Errors.INVALID_RECORD, "Header key is null (length " + keyLength + ")");
                String hk = new String(s.readBytes(keyLength), StandardCharsets.UTF_8);
                byte[] hv = readNullableBytes(s, "header value");
                if (n == hs.length) hs = java.util.Arrays.copyOf(hs, n * 2);
                hs[n++] = new Header(hk, hv);
            }
            headers = List.of(n == hs.length ? hs : java.util.Arrays.copyOf(hs, n));
        }
        if (s.position() - start != length) {
            throw RecordScanner.corrupt("Record length " + length + " does not match its content (" + (s.position() - start) + " bytes)", null);
        }
        long timestamp = logAppendTime != NO_TIMESTAMP ? logAppendTime : baseTimestamp + timestampDelta;
        return new Record(baseOffset + offsetDelta, timestamp, key, value, headers);
    }

    private static byte[] readNullableBytes(RecordScanner s, String what) {
        int n = s.readVarint();
        if (n == -1) return null;
        if (n < -1) throw RecordScanner.corrupt("Invalid " + what + " length " + n, null);
        return s.readBytes(n);
    }

    @Override
    public String toString() {
        return "RecordBatch(position=" + pos + ", baseOffset=" + baseOffset() + ", lastOffset=" + lastOffset()
                + ", size=" + sizeInBytes() + ", magic=" + magic() + ", count=" + recordCount()
                + ", attributes=0x" + Integer.toHexString(attributes() & 0xFFFF) + ")";
    }
}
