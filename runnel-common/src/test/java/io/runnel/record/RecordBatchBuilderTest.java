package io.runnel.record;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RecordBatchBuilderTest {

    private static byte[] b(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void roundTripsEveryCompressionType(CompressionType codec) {
        List<Header> headers = List.of(new Header("h1", b("v1")), new Header("nullValue", null), new Header("ü", new byte[0]));
        RecordBatchBuilder builder = new RecordBatchBuilder(codec, TimestampType.CREATE_TIME, 100)
                .append(1_000, b("k0"), b("v0"), headers)
                .append(999, null, b("value without key"), List.of())
                .append(1_005, b("tombstone"), null, null)
                .append(1_002, new byte[0], new byte[0], List.of());
        ByteBuffer buf = builder.build();

        assertThat(buf.position()).isZero();
        RecordBatch batch = RecordBatch.at(buf, 0);
        assertThat(buf.limit()).isEqualTo(batch.sizeInBytes());
        assertThat(batch.isValid()).isTrue();
        assertThat(batch.magic()).isEqualTo((byte) 2);
        assertThat(batch.compressionType()).isEqualTo(codec);
        assertThat(batch.timestampType()).isEqualTo(TimestampType.CREATE_TIME);
        assertThat(batch.baseOffset()).isEqualTo(100);
        assertThat(batch.lastOffsetDelta()).isEqualTo(3);
        assertThat(batch.lastOffset()).isEqualTo(103);
        assertThat(batch.nextOffset()).isEqualTo(104);
        assertThat(batch.recordCount()).isEqualTo(4);
        assertThat(batch.baseTimestamp()).isEqualTo(1_000);
        assertThat(batch.maxTimestamp()).isEqualTo(1_005);
        assertThat(batch.producerId()).isEqualTo(RecordBatch.NO_PRODUCER_ID);
        assertThat(batch.producerEpoch()).isEqualTo(RecordBatch.NO_PRODUCER_EPOCH);
        assertThat(batch.baseSequence()).isEqualTo(RecordBatch.NO_SEQUENCE);
        assertThat(batch.lastSequence()).isEqualTo(RecordBatch.NO_SEQUENCE);
        assertThat(batch.partitionLeaderEpoch()).isEqualTo(RecordBatch.NO_PARTITION_LEADER_EPOCH);
        assertThat(batch.isTransactional()).isFalse();
        assertThat(batch.isControlBatch()).isFalse();
        assertThat(batch.hasDeleteHorizon()).isFalse();
        assertThat(batch.deleteHorizonMs()).isEqualTo(RecordBatch.NO_TIMESTAMP);

        assertThat(batch.records()).containsExactly(
                new Record(100, 1_000, b("k0"), b("v0"), headers),
                new Record(101, 999, null, b("value without key"), List.of()),
                new Record(102, 1_005, b("tombstone"), null, List.of()),
                new Record(103, 1_002, new byte[0], new byte[0], List.of()));
    }

    @ParameterizedTest
    @EnumSource(value = CompressionType.class, names = {"NONE", "ZSTD"})
    void roundTripsLargeBatches(CompressionType codec) {
        RecordBatchBuilder builder = new RecordBatchBuilder(codec, TimestampType.CREATE_TIME, 0);
        List<Record> expected = new ArrayList<>();
        byte[] big = new byte[100_000];
        for (int i = 0; i < big.length; i++) big[i] = (byte) (i * 31 >>> 3);
        for (int i = 0; i < 300; i++) {
            byte[] value = i % 50 == 0 ? big : b("value-" + i);
            builder.append(5_000 + i, b("key-" + i), value, List.of());
            expected.add(new Record(i, 5_000 + i, b("key-" + i), value, List.of()));
        }
        RecordBatch batch = RecordBatch.at(builder.build(), 0);
        assertThat(batch.isValid()).isTrue();
        assertThat(batch.records()).isEqualTo(expected);
    }

    @Test
    void uncompressedEncodingMatchesHandWrittenBytes() {
        byte[] plain = new RawBatches.RecordsWriter()
                .record(0, 0, b("a"), b("1"), "h", "x")
                .record(-3, 1, null, b("22"))
                .record(7, 2, b("c"), null, "n", null)
                .toByteArray();
        ByteBuffer expected = RawBatches.batch(CompressionType.NONE, 0, 42, 2, 500, 507, 9L, (short) 3, 11, 3, plain);
        expected.putInt(12, 5); // leader epoch
        RawBatches.fixCrc(expected, 0);

        ByteBuffer built = new RecordBatchBuilder(CompressionType.NONE, TimestampType.CREATE_TIME, 42)
                .producer(9L, (short) 3, 11)
                .partitionLeaderEpoch(5)
                .append(500, b("a"), b("1"), List.of(new Header("h", b("x"))))
                .append(497, null, b("22"), List.of())
                .append(507, b("c"), null, List.of(new Header("n", null)))
                .build();
        assertThat(built).isEqualTo(expected);
    }

    @Test
    void producerTransactionalControlAndEpochFieldsAreStored() {
        ByteBuffer buf = new RecordBatchBuilder(CompressionType.LZ4, TimestampType.LOG_APPEND_TIME, 7)
                .producer(123_456_789_012L, (short) 17, 1000)
                .transactional(true)
                .controlBatch(true)
                .partitionLeaderEpoch(33)
                .append(10, b("k"), b("v"), List.of())
                .append(11, b("k"), b("v"), List.of())
                .build();
        RecordBatch batch = RecordBatch.at(buf, 0);
        assertThat(batch.isValid()).isTrue();
        assertThat(batch.producerId()).isEqualTo(123_456_789_012L);
        assertThat(batch.producerEpoch()).isEqualTo((short) 17);
        assertThat(batch.baseSequence()).isEqualTo(1000);
        assertThat(batch.lastSequence()).isEqualTo(1001);
        assertThat(batch.isTransactional()).isTrue();
        assertThat(batch.isControlBatch()).isTrue();
        assertThat(batch.partitionLeaderEpoch()).isEqualTo(33);
        assertThat(batch.timestampType()).isEqualTo(TimestampType.LOG_APPEND_TIME);
        assertThat(batch.attributes()).isEqualTo((short) (3 | 0x08 | 0x10 | 0x20));
        // LogAppendTime: every record reports the batch's max timestamp
        assertThat(batch.records()).extracting(Record::timestamp).containsExactly(11L, 11L);
    }

    @Test
    void lastSequenceWrapsAroundIntegerMax() {
        RecordBatchBuilder builder = new RecordBatchBuilder(CompressionType.NONE, TimestampType.CREATE_TIME, 0)
                .producer(1, (short) 0, Integer.MAX_VALUE - 1);
        for (int i = 0; i < 4; i++) builder.append(i, null, b("v"), List.of());
        RecordBatch batch = RecordBatch.at(builder.build(), 0);
        assertThat(batch.lastSequence()).isEqualTo(1); // MAX-1, MAX, 0, 1
    }

    @Test
    void appendWithOffsetKeepsGapsAndLastOffsetCanExtendTheRange() {
        ByteBuffer buf = new RecordBatchBuilder(CompressionType.GZIP, TimestampType.CREATE_TIME, 1000)
                .appendWithOffset(1002, 5, b("a"), b("1"), List.of())
                .appendWithOffset(1010, 6, b("b"), b("2"), List.of())
                .lastOffset(1015)
                .build();
        RecordBatch batch = RecordBatch.at(buf, 0);
        assertThat(batch.recordCount()).isEqualTo(2);
        assertThat(batch.lastOffset()).isEqualTo(1015);
        assertThat(batch.records()).extracting(Record::offset).containsExactly(1002L, 1010L);
    }

    @Test
    void appendWithOffsetRejectsNonIncreasingOffsets() {
        RecordBatchBuilder builder = new RecordBatchBuilder(CompressionType.NONE, TimestampType.CREATE_TIME, 10)
                .appendWithOffset(12, 0, null, null, List.of());
        assertThatThrownBy(() -> builder.appendWithOffset(12, 0, null, null, List.of()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RecordBatchBuilder(CompressionType.NONE, TimestampType.CREATE_TIME, 10)
                .appendWithOffset(9, 0, null, null, List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RecordBatchBuilder(CompressionType.NONE, TimestampType.NO_TIMESTAMP_TYPE, 0))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void deleteHorizonBecomesBaseTimestampAndRecordTimestampsSurvive() {
        ByteBuffer buf = new RecordBatchBuilder(CompressionType.SNAPPY, TimestampType.CREATE_TIME, 0)
                .deleteHorizonMs(2_000_000)
                .append(1_000, b("k"), null, List.of())
                .append(1_500, b("j"), b("v"), List.of())
                .build();
        RecordBatch batch = RecordBatch.at(buf, 0);
        assertThat(batch.hasDeleteHorizon()).isTrue();
        assertThat(batch.deleteHorizonMs()).isEqualTo(2_000_000);
        assertThat(batch.baseTimestamp()).isEqualTo(2_000_000);
        assertThat(batch.maxTimestamp()).isEqualTo(1_500);
        assertThat(batch.records()).extracting(Record::timestamp).containsExactly(1_000L, 1_500L);
        assertThatThrownBy(() -> new RecordBatchBuilder(CompressionType.NONE, TimestampType.CREATE_TIME, 0)
                .append(1, null, null, List.of()).deleteHorizonMs(5)).isInstanceOf(IllegalStateException.class);
    }

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void emptyBatchKeepsProducerStateAndDecodesToNoRecords(CompressionType codec) {
        ByteBuffer buf = new RecordBatchBuilder(codec, TimestampType.CREATE_TIME, 50)
                .producer(5, (short) 1, 20).transactional(true).lastOffset(54).build();
        RecordBatch batch = RecordBatch.at(buf, 0);
        assertThat(batch.isValid()).isTrue();
        assertThat(batch.sizeInBytes()).isEqualTo(RecordBatch.HEADER_SIZE);
        assertThat(batch.recordCount()).isZero();
        assertThat(batch.lastOffset()).isEqualTo(54);
        assertThat(batch.baseTimestamp()).isEqualTo(RecordBatch.NO_TIMESTAMP);
        assertThat(batch.maxTimestamp()).isEqualTo(RecordBatch.NO_TIMESTAMP);
        assertThat(batch.records()).isEmpty();
    }

    @Test
    void flyweightReadsAndWritesInPlaceWithoutCopying() {
        ByteBuffer buf = new RecordBatchBuilder(CompressionType.NONE, TimestampType.CREATE_TIME, 0)
                .append(1, b("k"), b("v"), List.of()).build();
        // place the batch at an offset inside a larger buffer
        ByteBuffer big = ByteBuffer.allocate(buf.remaining() + 20);
        big.position(20);
        big.put(buf.duplicate());
        big.clear();
        RecordBatch batch = RecordBatch.at(big, 20);
        assertThat(batch.isValid()).isTrue();

        batch.setBaseOffset(77);
        batch.setPartitionLeaderEpoch(9);
        assertThat(big.getLong(20)).isEqualTo(77);
        assertThat(big.getInt(32)).isEqualTo(9);
        assertThat(batch.isValid()).as("offset and epoch are outside the CRC").isTrue();

        batch.setLogAppendTime(12_345);
        assertThat(batch.isValid()).as("attributes changed, CRC stale").isFalse();
        batch.updateChecksum();
        assertThat(batch.isValid()).isTrue();
        assertThat(batch.timestampType()).isEqualTo(TimestampType.LOG_APPEND_TIME);
        assertThat(batch.maxTimestamp()).isEqualTo(12_345);
        assertThat(batch.records()).containsExactly(new Record(77, 12_345, b("k"), b("v"), List.of()));

        ByteBuffer slice = batch.slice();
        assertThat(slice.position()).isZero();
        assertThat(slice.remaining()).isEqualTo(batch.sizeInBytes());
        slice.putLong(0, 5);
        assertThat(batch.baseOffset()).as("slice shares content").isEqualTo(5);
        assertThat(big.position()).isZero();
        assertThat(big.limit()).isEqualTo(big.capacity());
    }

    @Test
    void readsLittleEndianBuffersAsBigEndian() {
        ByteBuffer buf = new RecordBatchBuilder(CompressionType.NONE, TimestampType.CREATE_TIME, 3)
                .append(1, b("k"), b("v"), List.of()).build().order(ByteOrder.LITTLE_ENDIAN);
        RecordBatch batch = RecordBatch.at(buf, 0);
        assertThat(batch.baseOffset()).isEqualTo(3);
        assertThat(batch.isValid()).isTrue();
    }

    @Test
    void isValidDetectsCorruptionAndBadStructure() {
        ByteBuffer buf = new RecordBatchBuilder(CompressionType.NONE, TimestampType.CREATE_TIME, 0)
                .append(1, b("k"), b("value"), List.of()).build();
        RecordBatch batch = RecordBatch.at(buf, 0);
        assertThat(batch.isValid()).isTrue();
        long crc = batch.checksum();
        assertThat(crc).isEqualTo(batch.computeChecksum()).isNotNegative();

        buf.put(buf.limit() - 2, (byte) (buf.get(buf.limit() - 2) ^ 1));
        assertThat(batch.isValid()).isFalse();
        buf.put(buf.limit() - 2, (byte) (buf.get(buf.limit() - 2) ^ 1));
        assertThat(batch.isValid()).isTrue();

        assertThat(RecordBatch.at(buf.duplicate().limit(buf.limit() - 1), 0).isValid()).as("truncated").isFalse();
        buf.put(16, (byte) 1);
        assertThat(batch.isValid()).as("wrong magic").isFalse();
    }
}
