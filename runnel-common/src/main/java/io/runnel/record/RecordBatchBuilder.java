package io.runnel.record;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;

/**
 * Builds one magic-v2 record batch (see {@link RecordBatch} for the byte layout): used by compaction,
 * internal topics, control markers and tests.
 *
 * <p>Records are encoded as they are appended; {@link #build()} writes the header, compresses the records
 * section as one stream if a codec is set, and stores the CRC. The batch's base timestamp is the delete
 * horizon when one is set, else the first record's timestamp; its max timestamp is the largest record
 * timestamp (also for a LogAppendTime batch: use {@link RecordBatch#setLogAppendTime} to stamp another).
 * An empty batch (as compaction keeps to preserve producer state) has base and max timestamp
 * {@link RecordBatch#NO_TIMESTAMP} (base = delete horizon when set) and covers
 * {@code [baseOffset, lastOffset]}, see {@link #lastOffset(long)}.
 *
 * <p>Batch-level settings must be made before the first append where they affect encoding
 * ({@link #deleteHorizonMs}); the others may be changed until {@link #build()}. {@link #build()} may be
 * called more than once. Not thread-safe.
 */
public final class RecordBatchBuilder {
    private final CompressionType compression;
    private final TimestampType timestampType;
    private final long baseOffset;

    private long producerId = RecordBatch.NO_PRODUCER_ID;
    private short producerEpoch = RecordBatch.NO_PRODUCER_EPOCH;
    private int baseSequence = RecordBatch.NO_SEQUENCE;
    private boolean transactional;
    private boolean control;
    private int partitionLeaderEpoch = RecordBatch.NO_PARTITION_LEADER_EPOCH;
    private long deleteHorizonMs = RecordBatch.NO_TIMESTAMP;
    private boolean hasDeleteHorizon;

    private final ByteWriter raw = new ByteWriter(256);
    private int count;
    private long lastAppendedOffset;
    private long explicitLastOffset = Long.MIN_VALUE;
    private long baseTimestamp = RecordBatch.NO_TIMESTAMP;
    private long maxTimestamp = RecordBatch.NO_TIMESTAMP;

    /**
     * @param compression   codec for the records section
     * @param timestampType CREATE_TIME or LOG_APPEND_TIME (NO_TIMESTAMP_TYPE does not exist in v2)
     * @param baseOffset    offset of the first record (offsets may be reassigned later by the validator)
     */
    public RecordBatchBuilder(CompressionType compression, TimestampType timestampType, long baseOffset) {
        this.compression = Objects.requireNonNull(compression, "compression");
        this.timestampType = Objects.requireNonNull(timestampType, "timestampType");
        if (timestampType == TimestampType.NO_TIMESTAMP_TYPE) {
            throw new IllegalArgumentException("A v2 batch is either CreateTime or LogAppendTime");
        }
        if (baseOffset < 0) throw new IllegalArgumentException("negative base offset " + baseOffset);
        this.baseOffset = baseOffset;
        this.lastAppendedOffset = baseOffset - 1;
    }

    /** Idempotent/transactional producer state: id, epoch and the sequence of the first record. */
    public RecordBatchBuilder producer(long producerId, short epoch, int baseSequence) {
        this.producerId = producerId;
        this.producerEpoch = epoch;
        this.baseSequence = baseSequence;
        return this;
    }

    public RecordBatchBuilder transactional(boolean transactional) {
        this.transactional = transactional;
        return this;
    }

    public RecordBatchBuilder controlBatch(boolean control) {
        this.control = control;
        return this;
    }

    public RecordBatchBuilder partitionLeaderEpoch(int epoch) {
        this.partitionLeaderEpoch = epoch;
        return this;
    }

    /**
     * Sets the delete horizon (KIP-534): the batch's base timestamp becomes {@code deleteHorizonMs} and the
     * delete-horizon attribute bit is set. Must precede the first append, since record timestamp deltas
     * are relative to the base timestamp.
     */
    public RecordBatchBuilder deleteHorizonMs(long deleteHorizonMs) {
        if (count > 0) throw new IllegalStateException("set the delete horizon before appending records");
        this.deleteHorizonMs = deleteHorizonMs;
        this.hasDeleteHorizon = true;
        this.baseTimestamp = deleteHorizonMs;
        return this;
    }

    /**
     * The last offset the batch covers, for a batch whose trailing records were removed by compaction
     * (default: the last appended offset, or the base offset when the batch is empty). Must not be below
     * the last appended offset.
     */
    public RecordBatchBuilder lastOffset(long lastOffset) {
        if (lastOffset < baseOffset || lastOffset - baseOffset > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("last offset " + lastOffset + " outside the batch starting at " + baseOffset);
        }
        this.explicitLastOffset = lastOffset;
        return this;
    }

    /** Appends a record at the next offset (the base offset for the first record). */
    public RecordBatchBuilder append(long timestamp, byte[] key, byte[] value, List<Header> headers) {
        return appendWithOffset(lastAppendedOffset + 1, timestamp, key, value, headers);
    }

    /**
     * Appends a record at {@code offset}, which must be above every offset appended so far (gaps are kept,
     * as compaction needs) and within {@code Integer.MAX_VALUE} of the base offset.
     */
    public RecordBatchBuilder appendWithOffset(long offset, long timestamp, byte[] key, byte[] value, List<Header> headers) {
        if (offset <= lastAppendedOffset) {
            throw new IllegalArgumentException("offset " + offset + " is not above the last appended offset " + lastAppendedOffset);
        }
        if (offset - baseOffset > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("offset " + offset + " too far from base offset " + baseOffset);
        }
        if (count == Integer.MAX_VALUE) throw new IllegalStateException("too many records");
        if (count == 0 && !hasDeleteHorizon) baseTimestamp = timestamp;
        int offsetDelta = (int) (offset - baseOffset);
        long timestampDelta = timestamp - baseTimestamp;
        int headerCount = headers == null ? 0 : headers.size();

        byte[][] headerKeys = headerCount == 0 ? null : new byte[headerCount][];
        int bodySize = 1 + ByteWriter.varlongSize(timestampDelta) + ByteWriter.varintSize(offsetDelta)
                + bytesSize(key) + bytesSize(value) + ByteWriter.varintSize(headerCount);
        for (int i = 0; i < headerCount; i++) {
            Header h = Objects.requireNonNull(headers.get(i), "header");
            headerKeys[i] = h.key().getBytes(StandardCharsets.UTF_8);
            bodySize += bytesSize(headerKeys[i]) + bytesSize(h.value());
        }

        raw.writeVarint(bodySize);
        raw.write(0); // record attributes: unused in v2
        raw.writeVarlong(timestampDelta);
        raw.writeVarint(offsetDelta);
        writeBytes(key);
        writeBytes(value);
        raw.writeVarint(headerCount);
        for (int i = 0; i < headerCount; i++) {
            writeBytes(headerKeys[i]);
            writeBytes(headers.get(i).value());
        }

        count++;
        lastAppendedOffset = offset;
        if (timestamp > maxTimestamp) maxTimestamp = timestamp;
        return this;
    }

    private static int bytesSize(byte[] b) {
        return b == null ? ByteWriter.varintSize(-1) : ByteWriter.varintSize(b.length) + b.length;
    }

    private void writeBytes(byte[] b) {
        if (b == null) {
            raw.writeVarint(-1);
        } else {
            raw.writeVarint(b.length);
            raw.writeBytes(b);
        }
    }

    /** Records appended so far. */
    public int recordCount() {
        return count;
    }

    public boolean isEmpty() {
        return count == 0;
    }

    /** Size the batch would have uncompressed: header plus encoded records. */
    public int uncompressedSizeInBytes() {
        return RecordBatch.HEADER_SIZE + raw.size();
    }

    /** The batch: a new buffer, position 0, limit = capacity = batch size, CRC set. */
    public ByteBuffer build() {
        ByteWriter out = new ByteWriter(RecordBatch.HEADER_SIZE
                + (compression == CompressionType.NONE ? raw.size() : raw.size() / 2 + 64));
        out.skip(RecordBatch.HEADER_SIZE);
        if (count > 0) {
            if (compression == CompressionType.NONE) {
                out.write(raw.array(), 0, raw.size());
            } else {
                try (OutputStream os = compression.wrapForOutput(out)) {
                    os.write(raw.array(), 0, raw.size());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        ByteBuffer b = ByteBuffer.wrap(out.array(), 0, out.size()).slice();
        long lastOffset = Math.max(explicitLastOffset, count == 0 ? baseOffset : lastAppendedOffset);
        int attributes = compression.id()
                | (timestampType == TimestampType.LOG_APPEND_TIME ? RecordBatch.TIMESTAMP_TYPE_MASK : 0)
                | (transactional ? RecordBatch.TRANSACTIONAL_FLAG_MASK : 0)
                | (control ? RecordBatch.CONTROL_FLAG_MASK : 0)
                | (hasDeleteHorizon ? RecordBatch.DELETE_HORIZON_FLAG_MASK : 0);
        b.putLong(RecordBatch.BASE_OFFSET_OFFSET, baseOffset);
        b.putInt(RecordBatch.LENGTH_OFFSET, out.size() - RecordBatch.LOG_OVERHEAD);
        b.putInt(RecordBatch.PARTITION_LEADER_EPOCH_OFFSET, partitionLeaderEpoch);
        b.put(RecordBatch.MAGIC_OFFSET, RecordBatch.MAGIC_VALUE_V2);
        b.putShort(RecordBatch.ATTRIBUTES_OFFSET, (short) attributes);
        b.putInt(RecordBatch.LAST_OFFSET_DELTA_OFFSET, (int) (lastOffset - baseOffset));
        b.putLong(RecordBatch.BASE_TIMESTAMP_OFFSET, count == 0 && !hasDeleteHorizon ? RecordBatch.NO_TIMESTAMP : baseTimestamp);
        b.putLong(RecordBatch.MAX_TIMESTAMP_OFFSET, maxTimestamp);
        b.putLong(RecordBatch.PRODUCER_ID_OFFSET, producerId);
        b.putShort(RecordBatch.PRODUCER_EPOCH_OFFSET, producerEpoch);
        b.putInt(RecordBatch.BASE_SEQUENCE_OFFSET, baseSequence);
        b.putInt(RecordBatch.RECORD_COUNT_OFFSET, count);
        RecordBatch.at(b, 0).updateChecksum();
        return b;
    }
}
