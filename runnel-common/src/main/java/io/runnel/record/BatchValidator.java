package io.runnel.record;

import io.runnel.common.ApiException;
import io.runnel.common.Errors;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Broker-side validation of the records of one partition in a Produce request, following Kafka's rules
 * for magic-v2 batches, and in-place offset assignment.
 *
 * <p>Validation runs over every batch before anything is modified, so a rejected request leaves the
 * buffer untouched. Then, for each batch in order: the base offset is set so that offsets continue from
 * {@code firstOffset}, the partition leader epoch is stamped, and for a LogAppendTime topic the timestamp
 * type bit and max timestamp are set to {@code nowMs} (for CreateTime the max timestamp field is set to the
 * largest record timestamp if the producer stored another). The CRC is recomputed only when a field it
 * covers changed (base offset and leader epoch lie outside the CRC range). Codecs are kept as sent
 * (compression.type=producer) unless a target codec is given: then batches in another codec are rewritten
 * in it after validation ({@link BatchTranscoder}: one stream per batch, nothing per record), so each
 * batch's CRC is checked once on the producer's bytes and computed once on the stored ones.
 *
 * <p>Checks, in order, per batch, with the error each raises:
 * <ul>
 *   <li>fewer bytes than the batch framing or than the batch claims, or a length below the v2 header:
 *       CORRUPT_MESSAGE;</li>
 *   <li>magic 0 or 1 (legacy message format, not accepted): INVALID_RECORD; any other magic but 2:
 *       CORRUPT_MESSAGE;</li>
 *   <li>batch larger than {@code maxMessageBytes}: MESSAGE_TOO_LARGE;</li>
 *   <li>CRC-32C mismatch: CORRUPT_MESSAGE;</li>
 *   <li>codec id 5-7: UNSUPPORTED_COMPRESSION_TYPE;</li>
 *   <li>base offset not 0 (clients always send 0), a control batch (only the broker writes those), a
 *       producer id without a base sequence, a transactional batch without producer id: INVALID_RECORD;</li>
 *   <li>the batch claims LogAppendTime (only the broker may set it): INVALID_TIMESTAMP;</li>
 *   <li>record count not positive, lastOffsetDelta not recordCount - 1, fewer records than the count
 *       or bytes after the last one: INVALID_RECORD (as Kafka: an inconsistent batch, not a corrupt one);</li>
 *   <li>per record (decompressed once, streaming), structure: a length that does not match the record's
 *       content, negative key/value lengths other than -1, negative header count: CORRUPT_MESSAGE; a
 *       null header key: INVALID_RECORD;</li>
 *   <li>per record, content (KIP-467 record errors: every such record of the batch is listed with its
 *       index in a {@link RecordValidationException}): an offset delta other than its index, a null key on
 *       a compacted topic: INVALID_RECORD; for a CreateTime topic a timestamp (other than -1, "none")
 *       before {@code nowMs - timestampBeforeMaxMs} or after {@code nowMs + timestampAfterMaxMs}:
 *       INVALID_TIMESTAMP (the batch's code when any of its record errors is a timestamp).</li>
 * </ul>
 * The one-batch-per-partition rule of Produce v3+ is left to the request layer: this class accepts
 * several batches and assigns them consecutive offsets.
 *
 * <p>Uncompressed batches are walked in place without allocating per record; a compressed batch is
 * decompressed once through a reusable window (its records are never materialised; lz4 block by block straight from
 * the request's buffer, the other codecs through their streams, 16 KiB at a time). Stateless and
 * thread-safe; the records' buffer must not be used concurrently.
 */
public final class BatchValidator {
    private BatchValidator() {}

    /**
     * Outcome of a successful validation.
     *
     * @param firstOffset          offset of the first record (the {@code firstOffset} argument)
     * @param lastOffset           offset of the last record ({@code firstOffset - 1} when there was no batch)
     * @param maxTimestamp         largest record timestamp ({@code nowMs} for LogAppendTime), or -1
     * @param offsetOfMaxTimestamp offset of the first record carrying {@code maxTimestamp}, or -1
     * @param batchCount           number of batches
     * @param logAppendTime        {@code nowMs} for a LogAppendTime topic, else -1
     * @param records              the records to store: the validated ones, stamped in place, or their
     *                             rewrite in the target codec
     */
    public record Result(long firstOffset, long lastOffset, long maxTimestamp, long offsetOfMaxTimestamp,
                         int batchCount, long logAppendTime, MemoryRecords records) {}

    /**
     * Validates every batch in {@code records} and assigns offsets from {@code firstOffset}, mutating the
     * records' buffer in place (base offsets, leader epoch, LogAppendTime, CRC).
     *
     * @param records              the partition's records from a Produce request
     * @param firstOffset          the log end offset: offset to give the first record
     * @param partitionLeaderEpoch epoch to stamp on every batch
     * @param topicTimestampType   the topic's message.timestamp.type
     * @param nowMs                the broker's clock
     * @param timestampBeforeMaxMs message.timestamp.before.max.ms
     * @param timestampAfterMaxMs  message.timestamp.after.max.ms
     * @param maxMessageBytes      max.message.bytes: limit on one batch's size
     * @param compactedTopic       whether cleanup.policy includes compact (keys required)
     * @throws ApiException as listed in the class description
     */
    public static Result validateAndAssignOffsets(MemoryRecords records, long firstOffset, int partitionLeaderEpoch,
                                                  TimestampType topicTimestampType, long nowMs,
                                                  long timestampBeforeMaxMs, long timestampAfterMaxMs,
                                                  int maxMessageBytes, boolean compactedTopic) {
        return validateAndAssignOffsets(records, firstOffset, partitionLeaderEpoch, topicTimestampType, nowMs,
                timestampBeforeMaxMs, timestampAfterMaxMs, maxMessageBytes, compactedTopic, null);
    }

    /**
     * As {@link #validateAndAssignOffsets(MemoryRecords, long, int, TimestampType, long, long, long, int, boolean)},
     * then stores every batch in {@code targetCodec} ({@code null}: as sent). A rewritten batch larger than
     * {@code maxMessageBytes} is MESSAGE_TOO_LARGE. The producer's buffer is left untouched when batches
     * are rewritten: {@link Result#records()} is a new buffer then.
     */
    public static Result validateAndAssignOffsets(MemoryRecords records, long firstOffset, int partitionLeaderEpoch,
                                                  TimestampType topicTimestampType, long nowMs,
                                                  long timestampBeforeMaxMs, long timestampAfterMaxMs,
                                                  int maxMessageBytes, boolean compactedTopic,
                                                  CompressionType targetCodec) {
        if (firstOffset < 0) throw new IllegalArgumentException("negative first offset " + firstOffset);
        if (topicTimestampType == TimestampType.NO_TIMESTAMP_TYPE) {
            throw new IllegalArgumentException("a topic's timestamp type is CreateTime or LogAppendTime");
        }
        boolean logAppendTime = topicTimestampType == TimestampType.LOG_APPEND_TIME;
        long logAppendTimeResult = logAppendTime ? nowMs : RecordBatch.NO_TIMESTAMP;
        ByteBuffer buf = records.buffer();
        int end = buf.limit();
        if (end == 0) {
            return new Result(firstOffset, firstOffset - 1, RecordBatch.NO_TIMESTAMP, -1, 0, logAppendTimeResult, records);
        }

        Run run = new Run(compactedTopic, !logAppendTime,
                saturatedSubtract(nowMs, timestampBeforeMaxMs), saturatedAdd(nowMs, timestampAfterMaxMs),
                maxMessageBytes);

        // Pass 1: validate everything; nothing is modified yet.
        long[] batchMax = new long[4];
        int batches = 0;
        long nextOffset = firstOffset;
        long maxTimestamp = RecordBatch.NO_TIMESTAMP;
        long offsetOfMaxTimestamp = -1;
        for (int pos = 0; pos < end; ) {
            RecordBatch batch = run.checkBatch(buf, pos, end);
            if (batches == batchMax.length) batchMax = Arrays.copyOf(batchMax, batches * 2);
            batchMax[batches++] = run.batchMaxTimestamp;
            if (run.batchMaxTimestamp > maxTimestamp) {
                maxTimestamp = run.batchMaxTimestamp;
                offsetOfMaxTimestamp = nextOffset + run.batchMaxOffsetDelta;
            }
            nextOffset += batch.recordCount();
            pos += batch.sizeInBytes();
        }

        boolean transcoded = targetCodec != null && BatchTranscoder.needed(buf, 0, end, targetCodec);
        if (transcoded) {
            buf = BatchTranscoder.transcode(buf, 0, end, targetCodec, maxMessageBytes);
            end = buf.limit();
            records = new MemoryRecords(buf);
        }

        // Pass 2: assign offsets and stamp the batches.
        nextOffset = firstOffset;
        int i = 0;
        for (int pos = 0; pos < end; i++) {
            RecordBatch batch = RecordBatch.at(buf, pos);
            batch.setBaseOffset(nextOffset);
            batch.setPartitionLeaderEpoch(partitionLeaderEpoch);
            if (logAppendTime) {
                batch.setLogAppendTime(nowMs);
                batch.updateChecksum();
            } else if (batch.maxTimestamp() != batchMax[i]) {
                batch.setMaxTimestamp(batchMax[i]);
                batch.updateChecksum();
            } else if (transcoded) {
                batch.updateChecksum();
            }
            nextOffset = batch.nextOffset();
            pos += batch.sizeInBytes();
        }

        if (logAppendTime) {
            maxTimestamp = nowMs;
            offsetOfMaxTimestamp = firstOffset;
        }
        return new Result(firstOffset, nextOffset - 1, maxTimestamp, offsetOfMaxTimestamp, batches, logAppendTimeResult, records);
    }

    private static long saturatedSubtract(long a, long b) {
        long r = a - b;
        return ((a ^ b) & (a ^ r)) < 0 ? Long.MIN_VALUE : r;
    }

    private static long saturatedAdd(long a, long b) {
        long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
    }

    private static final ThreadLocal<RecordScanner> SCANNERS = ThreadLocal.withInitial(RecordScanner::new);

    /** The state of one validation call: settings, a reusable scanner, and the last batch's findings. */
    private static final class Run {
        private final boolean compacted;
        private final boolean checkCreateTime;
        private final long minTimestamp;
        private final long maxAllowedTimestamp;
        private final int maxMessageBytes;
        /** The thread's scanner: its window is reused across calls (validation runs on the few network threads). */
        private final RecordScanner scanner = SCANNERS.get();

        long batchMaxTimestamp;
        int batchMaxOffsetDelta;

        Run(boolean compacted, boolean checkCreateTime, long minTimestamp, long maxAllowedTimestamp, int maxMessageBytes) {
            this.compacted = compacted;
            this.checkCreateTime = checkCreateTime;
            this.minTimestamp = minTimestamp;
            this.maxAllowedTimestamp = maxAllowedTimestamp;
            this.maxMessageBytes = maxMessageBytes;
        }

        /** Checks the batch at {@code pos}; sets batchMaxTimestamp/batchMaxOffsetDelta. */
        RecordBatch checkBatch(ByteBuffer buf, int pos, int end) {
            int remaining = end - pos;
            if (remaining < RecordBatch.LOG_OVERHEAD) {
                throw corrupt("Truncated record batch: " + remaining + " bytes left at position " + pos
                        + ", fewer than the " + RecordBatch.LOG_OVERHEAD + "-byte batch framing");
            }
            int length = buf.getInt(pos + RecordBatch.LENGTH_OFFSET);
            if (remaining > RecordBatch.MAGIC_OFFSET) {
                byte magic = buf.get(pos + RecordBatch.MAGIC_OFFSET);
                if (magic == 0 || magic == 1) {
                    throw new ApiException(Errors.INVALID_RECORD, "Legacy message format v" + magic
                            + " (magic " + magic + ") is not supported: only record batch format v2 (magic 2)"
                            + " is accepted; use a client that writes record batches v2 (Kafka 0.11 or later)");
                }
                if (magic != RecordBatch.MAGIC_VALUE_V2) {
                    throw corrupt("Invalid magic " + magic + " in record batch at position " + pos);
                }
            }
            if (length < RecordBatch.MIN_BATCH_LENGTH) {
                throw corrupt("Record batch length " + length + " at position " + pos
                        + " is smaller than a batch header (" + RecordBatch.MIN_BATCH_LENGTH + ")");
            }
            if (length > remaining - RecordBatch.LOG_OVERHEAD) {
                throw corrupt("Truncated record batch at position " + pos + ": it claims "
                        + (RecordBatch.LOG_OVERHEAD + (long) length) + " bytes, only " + remaining + " are present");
            }
            RecordBatch batch = RecordBatch.at(buf, pos);
            int size = batch.sizeInBytes();
            if (size > maxMessageBytes) {
                throw new ApiException(Errors.MESSAGE_TOO_LARGE, "Record batch of " + size
                        + " bytes is larger than the topic's max.message.bytes " + maxMessageBytes);
            }
            long stored = batch.checksum();
            long computed = batch.computeChecksum();
            if (stored != computed) {
                throw corrupt("Record batch is corrupt: stored CRC " + stored + " does not match computed CRC " + computed);
            }
            short attributes = batch.attributes();
            int codecId = attributes & RecordBatch.COMPRESSION_CODEC_MASK;
            if (codecId > CompressionType.ZSTD.id()) {
                throw new ApiException(Errors.UNSUPPORTED_COMPRESSION_TYPE, "Unknown compression type id " + codecId);
            }
            if (batch.baseOffset() != 0) {
                throw new ApiException(Errors.INVALID_RECORD, "The base offset of a produced record batch must be 0, but it is "
                        + batch.baseOffset());
            }
            if (batch.isControlBatch()) {
                throw new ApiException(Errors.INVALID_RECORD, "Clients may not write control batches");
            }
            long producerId = batch.producerId();
            if (producerId >= 0 && batch.baseSequence() < 0) {
                throw new ApiException(Errors.INVALID_RECORD, "Invalid sequence number " + batch.baseSequence()
                        + " in record batch with producer id " + producerId);
            }
            if (batch.isTransactional() && producerId < 0) {
                throw new ApiException(Errors.INVALID_RECORD, "Transactional record batch without a producer id");
            }
            if ((attributes & RecordBatch.TIMESTAMP_TYPE_MASK) != 0) {
                throw new ApiException(Errors.INVALID_TIMESTAMP,
                        "Producers may not set the timestamp type to LogAppendTime");
            }
            int count = batch.recordCount();
            if (count <= 0) {
                throw invalid("Invalid record count " + count + " in record batch");
            }
            if (batch.lastOffsetDelta() != count - 1) {
                throw invalid("Inconsistent record batch: last offset delta " + batch.lastOffsetDelta()
                        + " does not match its record count " + count);
            }

            int recordsStart = pos + RecordBatch.RECORDS_OFFSET;
            int recordsEnd = pos + size;
            try {
                if (codecId == CompressionType.NONE.id()) {
                    walkRecords(scanner.reset(buf, recordsStart, recordsEnd), count, batch.baseTimestamp());
                } else if (codecId == CompressionType.LZ4.id()) {
                    walkRecords(scanner.resetLz4(buf, recordsStart, recordsEnd), count, batch.baseTimestamp());
                } else {
                    CompressionType codec = CompressionType.forId(codecId);
                    try (InputStream in = RecordBatch.openDecompressed(codec, buf, recordsStart, recordsEnd)) {
                        walkRecords(scanner.reset(in), count, batch.baseTimestamp());
                    } catch (IOException e) {
                        throw corrupt("Failed to close " + codec.configName() + " stream: " + e.getMessage());
                    }
                }
            } finally {
                scanner.release(); // the thread keeps the scanner, not the request's buffer or stream
            }
            return batch;
        }

        /**
         * Walks {@code count} records without allocating (unless records are invalid); checks structure,
         * keys and timestamps. Structural faults stop the walk; content faults are collected per record
         * and thrown together at the end of the batch.
         */
        private void walkRecords(RecordScanner s, int count, long baseTimestamp) {
            long max = RecordBatch.NO_TIMESTAMP;
            int maxDelta = -1;
            List<RecordValidationException.RecordError> errors = null;
            boolean timestampError = false;
            for (int i = 0; i < count; i++) {
                if (s.atEnd()) {
                    throw invalid("Inconsistent record batch: it declares " + count + " records but holds " + i);
                }
                int length = s.readVarint();
                if (length < 0 || (!s.isStreaming() && length > s.knownRemaining())) {
                    throw corrupt("Invalid length " + length + " of record " + i);
                }
                long start = s.position();
                s.readByte(); // attributes
                long timestampDelta = s.readVarlong();
                int offsetDelta = s.readVarint();
                String recordError = null;
                if (offsetDelta != i) {
                    recordError = "offset delta " + offsetDelta + " where " + i + " was expected (offsets inside a batch run 0, 1, 2, ...)";
                }
                int keyLength = s.readVarint();
                if (keyLength < 0) {
                    if (keyLength != -1) throw corrupt("Invalid key length " + keyLength + " of record " + i);
                    if (compacted && recordError == null) {
                        recordError = "a compacted topic cannot accept a record without key";
                    }
                } else {
                    s.skip(keyLength);
                }
                int valueLength = s.readVarint();
                if (valueLength < -1) throw corrupt("Invalid value length " + valueLength + " of record " + i);
                if (valueLength > 0) s.skip(valueLength);
                int headerCount = s.readVarint();
                if (headerCount < 0) throw corrupt("Invalid header count " + headerCount + " of record " + i);
                for (int h = 0; h < headerCount; h++) {
                    int headerKeyLength = s.readVarint();
                    if (headerKeyLength < 0) {
                        throw new ApiException(Errors.INVALID_RECORD, "Null header key (length " + headerKeyLength + ") in record " + i);
                    }
                    s.skip(headerKeyLength);
                    int headerValueLength = s.readVarint();
                    if (headerValueLength < -1) throw corrupt("Invalid header value length " + headerValueLength + " in record " + i);
                    if (headerValueLength > 0) s.skip(headerValueLength);
                }
                long read = s.position() - start;
                if (read != length) {
                    throw corrupt("Record " + i + " declares " + length + " bytes but its content takes " + read);
                }
                long timestamp = baseTimestamp + timestampDelta;
                if (recordError == null && checkCreateTime && timestamp != RecordBatch.NO_TIMESTAMP
                        && (timestamp < minTimestamp || timestamp > maxAllowedTimestamp)) {
                    recordError = "timestamp " + timestamp + " is out of range: allowed is [" + minTimestamp + ", "
                            + maxAllowedTimestamp + "] (message.timestamp.before.max.ms / message.timestamp.after.max.ms)";
                    timestampError = true;
                }
                if (recordError != null) {
                    if (errors == null) errors = new ArrayList<>();
                    errors.add(new RecordValidationException.RecordError(i, recordError));
                }
                if (timestamp > max) {
                    max = timestamp;
                    maxDelta = i;
                }
            }
            if (!s.atEnd()) {
                throw invalid("Inconsistent record batch: bytes follow its last record (" + count + " records declared)");
            }
            if (errors != null) {
                throw new RecordValidationException(timestampError ? Errors.INVALID_TIMESTAMP : Errors.INVALID_RECORD, errors);
            }
            batchMaxTimestamp = max;
            batchMaxOffsetDelta = maxDelta;
        }

        private static ApiException invalid(String message) {
            return new ApiException(Errors.INVALID_RECORD, message);
        }

        private static ApiException corrupt(String message) {
            return new ApiException(Errors.CORRUPT_MESSAGE, message);
        }
    }
}
