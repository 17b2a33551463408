package io.runnel.record;

import io.runnel.common.ApiException;
import io.runnel.common.Errors;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BatchValidatorTest {
    private static final long NOW = 1_700_000_000_000L;
    private static final long HOUR = 3_600_000L;

    private static byte[] b(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }

    private static ByteBuffer batch(CompressionType codec, long... timestamps) {
        RecordBatchBuilder builder = new RecordBatchBuilder(codec, TimestampType.CREATE_TIME, 0);
        for (int i = 0; i < timestamps.length; i++) builder.append(timestamps[i], b("k" + i), b("v" + i), List.of());
        return builder.build();
    }

    private static BatchValidator.Result validate(ByteBuffer buf) {
        return validate(new MemoryRecords(buf), TimestampType.CREATE_TIME, false);
    }

    private static BatchValidator.Result validate(MemoryRecords records, TimestampType type, boolean compacted) {
        return BatchValidator.validateAndAssignOffsets(records, 1_000, 7, type, NOW, HOUR, HOUR, 1 << 20, compacted);
    }

    private static void assertError(Errors expected, ThrowingCallable call) {
        assertThatThrownBy(call).isInstanceOf(ApiException.class)
                .satisfies(e -> assertThat(((ApiException) e).error()).as(e.getMessage()).isEqualTo(expected));
    }

    // ---- offset assignment, epoch stamping, timestamps ----

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void assignsOffsetsAndStampsLeaderEpochAcrossBatches(CompressionType codec) {
        ByteBuffer all = RawBatches.concat(batch(codec, NOW - 5, NOW - 1, NOW - 3), batch(codec, NOW - 2, NOW - 4));
        MemoryRecords records = new MemoryRecords(all);

        BatchValidator.Result r = validate(records, TimestampType.CREATE_TIME, false);

        assertThat(r.firstOffset()).isEqualTo(1_000);
        assertThat(r.lastOffset()).isEqualTo(1_004);
        assertThat(r.batchCount()).isEqualTo(2);
        assertThat(r.maxTimestamp()).isEqualTo(NOW - 1);
        assertThat(r.offsetOfMaxTimestamp()).isEqualTo(1_001);
        assertThat(r.logAppendTime()).isEqualTo(-1);

        BatchIterator it = Batches.iterate(records);
        RecordBatch first = it.next();
        RecordBatch second = it.next();
        assertThat(first.baseOffset()).isEqualTo(1_000);
        assertThat(second.baseOffset()).isEqualTo(1_003);
        assertThat(first.partitionLeaderEpoch()).isEqualTo(7);
        assertThat(second.partitionLeaderEpoch()).isEqualTo(7);
        assertThat(first.isValid()).isTrue();
        assertThat(second.isValid()).isTrue();
        assertThat(first.timestampType()).isEqualTo(TimestampType.CREATE_TIME);
        assertThat(second.records()).extracting(Record::offset).containsExactly(1_003L, 1_004L);
        assertThat(second.records()).extracting(Record::timestamp).containsExactly(NOW - 2, NOW - 4);
    }

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void logAppendTimeTopicStampsBrokerTime(CompressionType codec) {
        MemoryRecords records = new MemoryRecords(batch(codec, 5, 6, 7));
        BatchValidator.Result r = validate(records, TimestampType.LOG_APPEND_TIME, false);

        assertThat(r.logAppendTime()).isEqualTo(NOW);
        assertThat(r.maxTimestamp()).isEqualTo(NOW);
        assertThat(r.offsetOfMaxTimestamp()).isEqualTo(1_000);
        RecordBatch batch = Batches.iterate(records).next();
        assertThat(batch.isValid()).as("CRC recomputed").isTrue();
        assertThat(batch.timestampType()).isEqualTo(TimestampType.LOG_APPEND_TIME);
        assertThat(batch.maxTimestamp()).isEqualTo(NOW);
        assertThat(batch.records()).extracting(Record::timestamp).containsExactly(NOW, NOW, NOW);
    }

    @Test
    void fixesAMaxTimestampThatDisagreesWithTheRecords() {
        ByteBuffer buf = batch(CompressionType.NONE, NOW - 10, NOW - 20);
        RecordBatch.at(buf, 0).setMaxTimestamp(NOW - 30);
        RecordBatch.at(buf, 0).updateChecksum();
        MemoryRecords records = new MemoryRecords(buf);
        validate(records, TimestampType.CREATE_TIME, false);
        RecordBatch batch = Batches.iterate(records).next();
        assertThat(batch.maxTimestamp()).isEqualTo(NOW - 10);
        assertThat(batch.isValid()).isTrue();
    }

    @Test
    void recordsWithoutTimestampAreAcceptedAndNotCountedAsMax() {
        BatchValidator.Result r = validate(batch(CompressionType.NONE, -1, -1));
        assertThat(r.maxTimestamp()).isEqualTo(-1);
        assertThat(r.offsetOfMaxTimestamp()).isEqualTo(-1);
        assertThat(r.lastOffset()).isEqualTo(1_001);
    }

    @Test
    void emptyRecordsAreANoOp() {
        BatchValidator.Result r = validate(MemoryRecords.EMPTY, TimestampType.CREATE_TIME, false);
        assertThat(r.batchCount()).isZero();
        assertThat(r.lastOffset()).isEqualTo(r.firstOffset() - 1);
    }

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void timestampsOutsideTheConfiguredWindowAreRejected(CompressionType codec) {
        assertError(Errors.INVALID_TIMESTAMP, () -> validate(batch(codec, NOW, NOW - HOUR - 1)));
        assertError(Errors.INVALID_TIMESTAMP, () -> validate(batch(codec, NOW + HOUR + 1)));
        // the window's edges are inclusive
        validate(batch(codec, NOW - HOUR, NOW + HOUR));
        // a LogAppendTime topic does not look at producer timestamps
        validate(new MemoryRecords(batch(codec, 0)), TimestampType.LOG_APPEND_TIME, false);
    }

    @Test
    void defaultUnboundedWindowDoesNotOverflow() {
        BatchValidator.validateAndAssignOffsets(new MemoryRecords(batch(CompressionType.NONE, 0, Long.MAX_VALUE / 2)),
                0, 0, TimestampType.CREATE_TIME, NOW, Long.MAX_VALUE, Long.MAX_VALUE, 1 << 20, false);
    }

    @Test
    void producerMayNotClaimLogAppendTime() {
        ByteBuffer buf = new RecordBatchBuilder(CompressionType.NONE, TimestampType.LOG_APPEND_TIME, 0)
                .append(NOW, b("k"), b("v"), List.of()).build();
        assertError(Errors.INVALID_TIMESTAMP, () -> validate(buf));
    }

    // ---- batch-level errors ----

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void corruptCrcIsRejectedAndNothingIsModified(CompressionType codec) {
        ByteBuffer good = batch(codec, NOW);
        ByteBuffer bad = batch(codec, NOW);
        bad.put(bad.limit() - 1, (byte) (bad.get(bad.limit() - 1) ^ 0x10));
        ByteBuffer all = RawBatches.concat(good, bad);
        byte[] before = new MemoryRecords(all).toArray();
        assertError(Errors.CORRUPT_MESSAGE, () -> validate(all));
        assertThat(new MemoryRecords(all).toArray()).as("first batch not stamped").isEqualTo(before);
    }

    @Test
    void truncatedDataIsRejected() {
        ByteBuffer full = batch(CompressionType.NONE, NOW, NOW);
        for (int cut : new int[] {1, 10, full.remaining() - 61, full.remaining() - 17, full.remaining() - 12, full.remaining() - 5}) {
            ByteBuffer truncated = full.duplicate().limit(full.limit() - cut);
            assertError(Errors.CORRUPT_MESSAGE, () -> validate(truncated));
        }
        ByteBuffer trailing = RawBatches.concat(full, ByteBuffer.wrap(new byte[] {0, 0, 0}));
        assertError(Errors.CORRUPT_MESSAGE, () -> validate(trailing));
    }

    @Test
    void batchLengthBelowHeaderIsRejected() {
        ByteBuffer buf = batch(CompressionType.NONE, NOW);
        buf.putInt(8, 20);
        assertError(Errors.CORRUPT_MESSAGE, () -> validate(buf));
    }

    @Test
    void legacyMessageFormatsAreRejectedByName() {
        for (byte magic : new byte[] {0, 1}) {
            // a v0/v1 message set entry: offset, size, crc, magic, attributes, [timestamp], key, value
            int size = magic == 0 ? 16 : 24;
            ByteBuffer legacy = ByteBuffer.allocate(12 + size);
            legacy.putLong(0).putInt(size).putInt(0x12345678).put(magic).put((byte) 0);
            if (magic == 1) legacy.putLong(NOW);
            legacy.putInt(-1).putInt(2).put((byte) 'h').put((byte) 'i');
            legacy.clear();
            assertThatThrownBy(() -> validate(legacy)).isInstanceOf(ApiException.class)
                    .hasMessageContaining("Legacy message format v" + magic)
                    .satisfies(e -> assertThat(((ApiException) e).error()).isEqualTo(Errors.INVALID_RECORD));
        }
        ByteBuffer future = batch(CompressionType.NONE, NOW);
        future.put(16, (byte) 3);
        assertError(Errors.CORRUPT_MESSAGE, () -> validate(future));
    }

    @Test
    void batchLargerThanMaxMessageBytesIsRejected() {
        ByteBuffer buf = new RecordBatchBuilder(CompressionType.NONE, TimestampType.CREATE_TIME, 0)
                .append(NOW, b("k"), new byte[2_000], List.of()).build();
        int size = buf.remaining();
        assertError(Errors.MESSAGE_TOO_LARGE, () -> BatchValidator.validateAndAssignOffsets(new MemoryRecords(buf),
                0, 0, TimestampType.CREATE_TIME, NOW, HOUR, HOUR, size - 1, false));
        BatchValidator.validateAndAssignOffsets(new MemoryRecords(buf), 0, 0, TimestampType.CREATE_TIME, NOW, HOUR, HOUR, size, false);
    }

    @Test
    void unknownCompressionCodecIsRejected() {
        ByteBuffer buf = batch(CompressionType.NONE, NOW);
        buf.putShort(21, (short) 6);
        RawBatches.fixCrc(buf, 0);
        assertError(Errors.UNSUPPORTED_COMPRESSION_TYPE, () -> validate(buf));
    }

    @Test
    void nonZeroBaseOffsetControlBatchesAndBadProducerStateAreRejected() {
        ByteBuffer offset = new RecordBatchBuilder(CompressionType.NONE, TimestampType.CREATE_TIME, 5)
                .append(NOW, b("k"), b("v"), List.of()).build();
        assertError(Errors.INVALID_RECORD, () -> validate(offset));

        ByteBuffer control = new RecordBatchBuilder(CompressionType.NONE, TimestampType.CREATE_TIME, 0)
                .producer(1, (short) 0, 0).transactional(true).controlBatch(true)
                .append(NOW, new byte[] {0, 0, 0, 1}, new byte[] {0, 0, 0, 0, 0, 0}, List.of()).build();
        assertError(Errors.INVALID_RECORD, () -> validate(control));

        ByteBuffer noSequence = new RecordBatchBuilder(CompressionType.NONE, TimestampType.CREATE_TIME, 0)
                .producer(1, (short) 0, -1).append(NOW, b("k"), b("v"), List.of()).build();
        assertError(Errors.INVALID_RECORD, () -> validate(noSequence));

        ByteBuffer txnNoProducer = new RecordBatchBuilder(CompressionType.NONE, TimestampType.CREATE_TIME, 0)
                .transactional(true).append(NOW, b("k"), b("v"), List.of()).build();
        assertError(Errors.INVALID_RECORD, () -> validate(txnNoProducer));

        ByteBuffer idempotent = new RecordBatchBuilder(CompressionType.NONE, TimestampType.CREATE_TIME, 0)
                .producer(1, (short) 0, 0).transactional(true).append(NOW, b("k"), b("v"), List.of()).build();
        validate(idempotent);
    }

    // ---- counts and offset deltas ----

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void inconsistentRecordCountsAreInvalidRecordsNotCorruption(CompressionType codec) {
        byte[] plain = new RawBatches.RecordsWriter().record(0, 0, b("a"), b("1")).record(0, 1, b("b"), b("2")).toByteArray();
        assertError(Errors.INVALID_RECORD, () -> validate(RawBatches.batch(codec, 2, NOW, 2, plain)));  // delta 2, count 2
        assertError(Errors.INVALID_RECORD, () -> validate(RawBatches.batch(codec, 2, NOW, 3, plain)));  // count 3, only 2 present
        assertError(Errors.INVALID_RECORD, () -> validate(RawBatches.batch(codec, 0, NOW, 1, plain)));  // count 1, one record extra
        assertError(Errors.INVALID_RECORD, () -> validate(RawBatches.batch(codec, -1, NOW, 0, new byte[0])));
        validate(RawBatches.batch(codec, 1, NOW, 2, plain));
    }

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void offsetDeltasOutOfOrderAreRecordErrors(CompressionType codec) {
        byte[] gap = new RawBatches.RecordsWriter().record(0, 0, b("a"), b("1")).record(0, 2, b("b"), b("2")).toByteArray();
        assertThat(recordErrors(Errors.INVALID_RECORD, () -> validate(RawBatches.batch(codec, 1, NOW, 2, gap))))
                .extracting(RecordValidationException.RecordError::batchIndex).containsExactly(1);
        byte[] swapped = new RawBatches.RecordsWriter().record(0, 1, b("a"), b("1")).record(0, 0, b("b"), b("2")).toByteArray();
        List<RecordValidationException.RecordError> errors =
                recordErrors(Errors.INVALID_RECORD, () -> validate(RawBatches.batch(codec, 1, NOW, 2, swapped)));
        assertThat(errors).extracting(RecordValidationException.RecordError::batchIndex).containsExactly(0, 1);
        assertThat(errors.get(0).message()).contains("offset delta 1 where 0 was expected");
    }

    private static List<RecordValidationException.RecordError> recordErrors(Errors expected, ThrowingCallable call) {
        Throwable t = org.assertj.core.api.Assertions.catchThrowable(call);
        assertThat(t).isInstanceOf(RecordValidationException.class);
        RecordValidationException e = (RecordValidationException) t;
        assertThat(e.error()).as(e.getMessage()).isEqualTo(expected);
        return e.recordErrors();
    }

    // ---- record-level structure ----

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void recordLengthMustMatchItsContent(CompressionType codec) {
        byte[] body = new RawBatches.RecordsWriter().record(0, 0, b("a"), b("1")).toByteArray();
        byte[] inner = java.util.Arrays.copyOfRange(body, 1, body.length); // drop the length varint (1 byte)
        byte[] tooLong = new RawBatches.RecordsWriter().rawRecord(inner.length + 1, inner).rawBytes((byte) 0).toByteArray();
        assertError(Errors.CORRUPT_MESSAGE, () -> validate(RawBatches.batch(codec, 0, NOW, 1, tooLong)));
        byte[] tooShort = new RawBatches.RecordsWriter().rawRecord(inner.length - 1, inner).toByteArray();
        assertError(Errors.CORRUPT_MESSAGE, () -> validate(RawBatches.batch(codec, 0, NOW, 1, tooShort)));
        byte[] negative = new RawBatches.RecordsWriter().rawRecord(-5, inner).toByteArray();
        assertError(Errors.CORRUPT_MESSAGE, () -> validate(RawBatches.batch(codec, 0, NOW, 1, negative)));
        byte[] exact = new RawBatches.RecordsWriter().rawRecord(inner.length, inner).toByteArray();
        validate(RawBatches.batch(codec, 0, NOW, 1, exact));
    }

    @Test
    void keyLengthBeyondTheBatchIsRejected() {
        // attributes, tsDelta 0, offsetDelta 0, key length 1000 (zig-zag 2000 = 0xD0 0x0F), no key bytes
        byte[] inner = {0, 0, 0, (byte) 0xD0, 0x0F, 0, 0};
        byte[] plain = new RawBatches.RecordsWriter().rawRecord(inner.length, inner).toByteArray();
        assertError(Errors.CORRUPT_MESSAGE, () -> validate(RawBatches.batch(CompressionType.NONE, 0, NOW, 1, plain)));
        assertError(Errors.CORRUPT_MESSAGE, () -> validate(RawBatches.batch(CompressionType.GZIP, 0, NOW, 1, plain)));
    }

    @Test
    void negativeLengthsOtherThanNullAndNegativeHeaderCountsAreRejected() {
        // key length -2 (zig-zag 3)
        byte[] badKey = {0, 0, 0, 3, 2, 'v', 0};
        assertError(Errors.CORRUPT_MESSAGE, () -> validate(RawBatches.batch(CompressionType.NONE, 0, NOW, 1,
                new RawBatches.RecordsWriter().rawRecord(badKey.length, badKey).toByteArray())));
        // header count -1 (zig-zag 1)
        byte[] badHeaders = {0, 0, 0, 1, 1, 1};
        assertError(Errors.CORRUPT_MESSAGE, () -> validate(RawBatches.batch(CompressionType.NONE, 0, NOW, 1,
                new RawBatches.RecordsWriter().rawRecord(badHeaders.length, badHeaders).toByteArray())));
        // header key null (length -1)
        byte[] nullHeaderKey = {0, 0, 0, 1, 1, 2, 1, 1};
        assertError(Errors.INVALID_RECORD, () -> validate(RawBatches.batch(CompressionType.NONE, 0, NOW, 1,
                new RawBatches.RecordsWriter().rawRecord(nullHeaderKey.length, nullHeaderKey).toByteArray())));
    }

    @Test
    void overlongVarintIsRejected() {
        byte[] inner = {0, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80,
                (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0};
        assertError(Errors.CORRUPT_MESSAGE, () -> validate(RawBatches.batch(CompressionType.NONE, 0, NOW, 1,
                new RawBatches.RecordsWriter().rawRecord(inner.length, inner).toByteArray())));
    }

    @Test
    void garbageCompressedStreamIsRejected() {
        for (CompressionType codec : new CompressionType[] {CompressionType.GZIP, CompressionType.SNAPPY, CompressionType.LZ4, CompressionType.ZSTD}) {
            byte[] garbage = new byte[64];
            for (int i = 0; i < garbage.length; i++) garbage[i] = (byte) (i * 37 + 11);
            ByteBuffer buf = RawBatches.batch(CompressionType.NONE, 0, NOW, 1, garbage);
            buf.putShort(21, (short) codec.id());
            RawBatches.fixCrc(buf, 0);
            assertError(Errors.CORRUPT_MESSAGE, () -> validate(buf));
        }
    }

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void nullKeysOnCompactedTopicAreRecordErrorsNamingEachRecord(CompressionType codec) {
        ByteBuffer buf = new RecordBatchBuilder(codec, TimestampType.CREATE_TIME, 0)
                .append(NOW, b("k"), b("v"), List.of())
                .append(NOW, null, b("v"), List.of())
                .append(NOW, b("k"), b("v"), List.of())
                .append(NOW, null, b("v"), List.of()).build();
        ByteBuffer before = copy(buf);
        List<RecordValidationException.RecordError> errors = recordErrors(Errors.INVALID_RECORD,
                () -> validate(new MemoryRecords(buf.duplicate()), TimestampType.CREATE_TIME, true));
        assertThat(errors).extracting(RecordValidationException.RecordError::batchIndex).containsExactly(1, 3);
        assertThat(errors).allSatisfy(e -> assertThat(e.message()).contains("without key"));
        assertThat(buf).as("nothing modified").isEqualTo(before);
        validate(new MemoryRecords(buf), TimestampType.CREATE_TIME, false);
    }

    @Test
    void timestampRecordErrorsMakeTheBatchInvalidTimestamp() {
        ByteBuffer buf = new RecordBatchBuilder(CompressionType.NONE, TimestampType.CREATE_TIME, 0)
                .append(NOW, null, b("v"), List.of())
                .append(NOW - 2 * HOUR, b("k"), b("v"), List.of()).build();
        List<RecordValidationException.RecordError> errors = recordErrors(Errors.INVALID_TIMESTAMP,
                () -> validate(new MemoryRecords(buf), TimestampType.CREATE_TIME, true));
        assertThat(errors).extracting(RecordValidationException.RecordError::batchIndex).containsExactly(0, 1);
        assertThat(errors.get(1).message()).contains("out of range");
    }

    @Test
    void messageQuotesTheFirstRecordErrorsAndCountsAll() {
        RecordBatchBuilder builder = new RecordBatchBuilder(CompressionType.NONE, TimestampType.CREATE_TIME, 0);
        for (int i = 0; i < 10; i++) builder.append(NOW, null, b("v"), List.of());
        Throwable t = org.assertj.core.api.Assertions.catchThrowable(
                () -> validate(new MemoryRecords(builder.build()), TimestampType.CREATE_TIME, true));
        assertThat(((RecordValidationException) t).recordErrors()).hasSize(10);
        assertThat(t.getMessage()).startsWith("10 records of the batch rejected, the first 3: record 0: ")
                .contains("record 2: ").doesNotContain("record 3: ");
    }

    private static ByteBuffer copy(ByteBuffer b) {
        ByteBuffer c = ByteBuffer.allocate(b.remaining());
        c.put(b.duplicate()).flip();
        return c;
    }

    @Test
    void tombstonesWithKeysAreFineOnCompactedTopics() {
        ByteBuffer buf = new RecordBatchBuilder(CompressionType.NONE, TimestampType.CREATE_TIME, 0)
                .append(NOW, b("k"), null, List.of()).build();
        validate(new MemoryRecords(buf), TimestampType.CREATE_TIME, true);
    }

    // ---- performance contract ----

    @Test
    void uncompressedValidationDoesNotAllocatePerRecord() {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        org.junit.jupiter.api.Assumptions.assumeTrue(mx.isThreadAllocatedMemorySupported());
        mx.setThreadAllocatedMemoryEnabled(true);
        ByteBuffer small = manyRecords(10);
        ByteBuffer large = manyRecords(20_000);
        for (int i = 0; i < 20; i++) { // warm up
            validateCopyInPlace(small);
            validateCopyInPlace(large);
        }
        long tid = Thread.currentThread().threadId();
        long smallBytes = Long.MAX_VALUE;
        long largeBytes = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            long a = mx.getThreadAllocatedBytes(tid);
            validateCopyInPlace(small);
            long c = mx.getThreadAllocatedBytes(tid);
            validateCopyInPlace(large);
            long d = mx.getThreadAllocatedBytes(tid);
            smallBytes = Math.min(smallBytes, c - a);
            largeBytes = Math.min(largeBytes, d - c);
        }
        // 20,000 more records must not cost even one byte each
        assertThat(largeBytes - smallBytes).isLessThan(2_000);
    }

    private static ByteBuffer manyRecords(int n) {
        RecordBatchBuilder builder = new RecordBatchBuilder(CompressionType.NONE, TimestampType.CREATE_TIME, 0);
        for (int i = 0; i < n; i++) builder.append(NOW - i, b("key" + i), b("value" + i), List.of(new Header("h", b("x"))));
        return builder.build();
    }

    private static void validateCopyInPlace(ByteBuffer batch) {
        // the same bytes are validated repeatedly; the validator only rewrites offsets/epoch (outside the CRC)
        BatchValidator.validateAndAssignOffsets(new MemoryRecords(batch), 0, 1, TimestampType.CREATE_TIME, NOW,
                Long.MAX_VALUE, Long.MAX_VALUE, Integer.MAX_VALUE, true);
        batch.putLong(0, 0L);
    }

    // ---- a topic's compression.type ----

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void batchesAreRewrittenInTheTargetCodecKeepingEverythingElse(CompressionType target) {
        for (CompressionType source : CompressionType.values()) {
            ByteBuffer sent = new RecordBatchBuilder(source, TimestampType.CREATE_TIME, 0)
                    .producer(42, (short) 3, 17)
                    .appendWithOffset(0, NOW - 2, b("k0"), b("v0"), List.of(new Header("h", b("x"))))
                    .appendWithOffset(1, NOW - 1, null, null, List.of())
                    .appendWithOffset(2, NOW - 3, b("k2"), b("v2".repeat(500)), List.of()).build();
            ByteBuffer original = copy(sent);
            MemoryRecords in = new MemoryRecords(sent);

            BatchValidator.Result r = BatchValidator.validateAndAssignOffsets(in, 1_000, 7, TimestampType.CREATE_TIME,
                    NOW, HOUR, HOUR, 1 << 20, false, target);

            RecordBatch out = Batches.iterate(r.records()).next();
            assertThat(out.compressionType()).as(source + " -> " + target).isEqualTo(target);
            assertThat(out.isValid()).as("CRC of the stored batch").isTrue();
            assertThat(out.baseOffset()).isEqualTo(1_000);
            assertThat(out.partitionLeaderEpoch()).isEqualTo(7);
            assertThat(out.producerId()).isEqualTo(42);
            assertThat(out.producerEpoch()).isEqualTo((short) 3);
            assertThat(out.baseSequence()).isEqualTo(17);
            assertThat(out.maxTimestamp()).isEqualTo(NOW - 1);
            assertThat(out.records()).extracting(Record::offset).containsExactly(1_000L, 1_001L, 1_002L);
            assertThat(out.records()).extracting(Record::timestamp).containsExactly(NOW - 2, NOW - 1, NOW - 3);
            assertThat(out.records().get(0).headers()).containsExactly(new Header("h", b("x")));
            assertThat(out.records().get(1).key()).isNull();
            assertThat(out.records().get(2).value()).isEqualTo(b("v2".repeat(500)));
            if (source == target) {
                assertThat(r.records()).as("nothing to rewrite: stamped in place").isSameAs(in);
            } else {
                assertThat(sent).as("the producer's buffer is left alone").isEqualTo(original);
            }
        }
    }

    @Test
    void aCorruptBatchIsRejectedBeforeItIsRewritten() {
        ByteBuffer bad = batch(CompressionType.GZIP, NOW);
        bad.put(bad.limit() - 1, (byte) (bad.get(bad.limit() - 1) ^ 0x10));
        assertError(Errors.CORRUPT_MESSAGE, () -> BatchValidator.validateAndAssignOffsets(new MemoryRecords(bad), 0, 0,
                TimestampType.CREATE_TIME, NOW, HOUR, HOUR, 1 << 20, false, CompressionType.LZ4));
    }

    @Test
    void aRewrittenBatchOverMaxMessageBytesIsTooLarge() {
        RecordBatchBuilder builder = new RecordBatchBuilder(CompressionType.GZIP, TimestampType.CREATE_TIME, 0);
        for (int i = 0; i < 100; i++) builder.append(NOW, b("k"), b("x".repeat(100)), List.of());
        ByteBuffer small = builder.build();
        assertThat(small.remaining()).isLessThan(2_000);
        assertError(Errors.MESSAGE_TOO_LARGE, () -> BatchValidator.validateAndAssignOffsets(new MemoryRecords(small), 0, 0,
                TimestampType.CREATE_TIME, NOW, HOUR, HOUR, 2_000, false, CompressionType.NONE));
    }

    @Test
    void rewritingDoesNotAllocatePerRecord() {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        org.junit.jupiter.api.Assumptions.assumeTrue(mx.isThreadAllocatedMemorySupported());
        mx.setThreadAllocatedMemoryEnabled(true);
        ByteBuffer small = manyRecords(10);
        ByteBuffer large = manyRecords(20_000);
        long tid = Thread.currentThread().threadId();
        long smallBytes = Long.MAX_VALUE;
        long largeBytes = Long.MAX_VALUE;
        for (int i = 0; i < 25; i++) { // the first rounds warm up
            long a = mx.getThreadAllocatedBytes(tid);
            BatchValidator.Result rs = rewrite(small);
            long c = mx.getThreadAllocatedBytes(tid);
            BatchValidator.Result rl = rewrite(large);
            long d = mx.getThreadAllocatedBytes(tid);
            // the output buffer is sized for the input up front (it only grows when the target codec expands)
            smallBytes = Math.min(smallBytes, c - a - Math.max(small.remaining(), rs.records().sizeInBytes()));
            largeBytes = Math.min(largeBytes, d - c - Math.max(large.remaining(), rl.records().sizeInBytes()));
        }
        // beyond the output buffer, 20,000 more records must not cost even one byte each
        assertThat(largeBytes - smallBytes).isLessThan(20_000);
    }

    private static BatchValidator.Result rewrite(ByteBuffer batch) {
        return BatchValidator.validateAndAssignOffsets(new MemoryRecords(batch.duplicate()), 0, 1, TimestampType.CREATE_TIME,
                NOW, Long.MAX_VALUE, Long.MAX_VALUE, Integer.MAX_VALUE, false, CompressionType.LZ4);
    }
}
