package io.runnel.record;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.MutableRecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Byte compatibility with the reference implementation (kafka-clients 4.1, test scope): batches written by
 * Kafka are read by us and vice versa, for every codec.
 */
class KafkaCompatibilityTest {

    private static byte[] b(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }

    private static Compression kafka(CompressionType c) {
        return Compression.of(org.apache.kafka.common.record.CompressionType.forId(c.id())).build();
    }

    private static byte[] bytes(ByteBuffer b) {
        if (b == null) return null;
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    private static SimpleRecord[] sampleKafkaRecords() {
        byte[] big = new byte[70_000]; // spans more than one 64 KiB LZ4 block
        Arrays.fill(big, (byte) 'x');
        big[12_345] = 7;
        return new SimpleRecord[] {
            new SimpleRecord(1_700_000_000_000L, b("key-0"), b("value-0"),
                    new org.apache.kafka.common.header.Header[] {new RecordHeader("trace", b("abc")), new RecordHeader("empty", (byte[]) null)}),
            new SimpleRecord(1_700_000_000_005L, null, b("no key")),
            new SimpleRecord(1_699_999_999_000L, b("tombstone"), null),
            new SimpleRecord(1_700_000_000_001L, b("big"), big),
        };
    }

    private static Record expected(long offset, SimpleRecord r) {
        List<Header> headers = new ArrayList<>();
        for (org.apache.kafka.common.header.Header h : r.headers()) headers.add(new Header(h.key(), h.value()));
        return new Record(offset, r.timestamp(), bytes(r.key()), bytes(r.value()), headers);
    }

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void weReadBatchesKafkaWrites(CompressionType codec) {
        SimpleRecord[] kafkaRecords = sampleKafkaRecords();
        org.apache.kafka.common.record.MemoryRecords written =
                org.apache.kafka.common.record.MemoryRecords.withRecords(kafka(codec), kafkaRecords);

        ByteBuffer buf = written.buffer();
        BatchIterator it = Batches.iterate(buf);
        RecordBatch batch = it.next();
        assertThat(it.hasNext()).isFalse();
        assertThat(it.validBytes()).isEqualTo(buf.remaining());

        assertThat(batch.isValid()).isTrue();
        assertThat(batch.compressionType()).isEqualTo(codec);
        assertThat(batch.recordCount()).isEqualTo(kafkaRecords.length);
        assertThat(batch.baseTimestamp()).isEqualTo(kafkaRecords[0].timestamp());
        assertThat(batch.maxTimestamp()).isEqualTo(1_700_000_000_005L);
        List<Record> expected = new ArrayList<>();
        for (int i = 0; i < kafkaRecords.length; i++) expected.add(expected(i, kafkaRecords[i]));
        assertThat(batch.records()).isEqualTo(expected);
    }

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void weReadKafkaIdempotentLogAppendTimeBatchesWithLeaderEpoch(CompressionType codec) {
        ByteBuffer buffer = ByteBuffer.allocate(1024);
        MemoryRecordsBuilder kb = org.apache.kafka.common.record.MemoryRecords.builder(buffer, (byte) 2, kafka(codec),
                org.apache.kafka.common.record.TimestampType.LOG_APPEND_TIME, 500L, 9_999L,
                42L, (short) 3, 77, true, 12);
        kb.append(100L, b("a"), b("1"));
        kb.append(101L, b("b"), b("2"));
        ByteBuffer buf = kb.build().buffer();

        RecordBatch batch = RecordBatch.at(buf, buf.position());
        assertThat(batch.isValid()).isTrue();
        assertThat(batch.baseOffset()).isEqualTo(500);
        assertThat(batch.partitionLeaderEpoch()).isEqualTo(12);
        assertThat(batch.timestampType()).isEqualTo(TimestampType.LOG_APPEND_TIME);
        assertThat(batch.maxTimestamp()).isEqualTo(9_999L);
        assertThat(batch.producerId()).isEqualTo(42);
        assertThat(batch.producerEpoch()).isEqualTo((short) 3);
        assertThat(batch.baseSequence()).isEqualTo(77);
        assertThat(batch.lastSequence()).isEqualTo(78);
        assertThat(batch.isTransactional()).isTrue();
        assertThat(batch.records()).containsExactly(
                new Record(500, 9_999L, b("a"), b("1"), List.of()),
                new Record(501, 9_999L, b("b"), b("2"), List.of()));
    }

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void kafkaReadsBatchesWeBuild(CompressionType codec) {
        byte[] big = new byte[70_000];
        Arrays.fill(big, (byte) 'y');
        ByteBuffer ours = new RecordBatchBuilder(codec, TimestampType.CREATE_TIME, 1_000)
                .producer(7L, (short) 2, 30)
                .transactional(true)
                .partitionLeaderEpoch(4)
                .append(5_000, b("k1"), b("v1"), List.of(new Header("h", b("hv")), new Header("n", null)))
                .append(4_000, null, big, List.of())
                .appendWithOffset(1_005, 6_000, b("k3"), null, List.of())
                .build();

        org.apache.kafka.common.record.MemoryRecords theirs = org.apache.kafka.common.record.MemoryRecords.readableRecords(ours);
        List<MutableRecordBatch> batches = new ArrayList<>();
        theirs.batches().forEach(batches::add);
        assertThat(batches).hasSize(1);
        MutableRecordBatch kb = batches.get(0);
        kb.ensureValid();
        assertThat(kb.isValid()).isTrue();
        assertThat(kb.magic()).isEqualTo((byte) 2);
        assertThat((int) kb.compressionType().id).isEqualTo(codec.id());
        assertThat(kb.baseOffset()).isEqualTo(1_000);
        assertThat(kb.lastOffset()).isEqualTo(1_005);
        assertThat(kb.partitionLeaderEpoch()).isEqualTo(4);
        assertThat(kb.producerId()).isEqualTo(7);
        assertThat(kb.producerEpoch()).isEqualTo((short) 2);
        assertThat(kb.baseSequence()).isEqualTo(30);
        assertThat(kb.lastSequence()).isEqualTo(35);
        assertThat(kb.isTransactional()).isTrue();
        assertThat(kb.maxTimestamp()).isEqualTo(6_000);
        assertThat(kb.countOrNull()).isEqualTo(3);
        assertThat(kb.checksum()).isEqualTo(RecordBatch.at(ours, 0).checksum());

        List<org.apache.kafka.common.record.Record> records = new ArrayList<>();
        kb.forEach(records::add);
        assertThat(records).hasSize(3);
        assertThat(records).extracting(org.apache.kafka.common.record.Record::offset).containsExactly(1_000L, 1_001L, 1_005L);
        assertThat(records).extracting(org.apache.kafka.common.record.Record::timestamp).containsExactly(5_000L, 4_000L, 6_000L);
        org.apache.kafka.common.record.Record first = records.get(0);
        first.ensureValid();
        assertThat(bytes(first.key())).isEqualTo(b("k1"));
        assertThat(bytes(first.value())).isEqualTo(b("v1"));
        assertThat(first.headers()).hasSize(2);
        assertThat(first.headers()[0].key()).isEqualTo("h");
        assertThat(first.headers()[0].value()).isEqualTo(b("hv"));
        assertThat(first.headers()[1].key()).isEqualTo("n");
        assertThat(first.headers()[1].value()).isNull();
        assertThat(records.get(1).hasKey()).isFalse();
        assertThat(bytes(records.get(1).value())).isEqualTo(big);
        assertThat(records.get(2).hasValue()).isFalse();
    }

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void kafkaAcceptsBatchesAfterOurValidatorStampedThem(CompressionType codec) {
        ByteBuffer ours = new RecordBatchBuilder(codec, TimestampType.CREATE_TIME, 0)
                .append(1_000, b("a"), b("1"), List.of())
                .append(1_001, b("b"), b("2"), List.of())
                .build();
        MemoryRecords records = new MemoryRecords(ours);
        BatchValidator.validateAndAssignOffsets(records, 300, 8, TimestampType.LOG_APPEND_TIME,
                50_000, Long.MAX_VALUE, Long.MAX_VALUE, 1 << 20, false);

        MutableRecordBatch kb = org.apache.kafka.common.record.MemoryRecords.readableRecords(records.buffer())
                .batches().iterator().next();
        kb.ensureValid();
        assertThat(kb.baseOffset()).isEqualTo(300);
        assertThat(kb.lastOffset()).isEqualTo(301);
        assertThat(kb.partitionLeaderEpoch()).isEqualTo(8);
        assertThat(kb.timestampType()).isEqualTo(org.apache.kafka.common.record.TimestampType.LOG_APPEND_TIME);
        assertThat(kb.maxTimestamp()).isEqualTo(50_000);
        List<Long> timestamps = new ArrayList<>();
        kb.forEach(r -> timestamps.add(r.timestamp()));
        assertThat(timestamps).containsExactly(50_000L, 50_000L);
    }
}
