package io.runnel.storage;

import io.runnel.common.TopicPartition;
import io.runnel.common.Uuid;
import io.runnel.record.Batches;
import io.runnel.record.CompressionType;
import io.runnel.record.FileRecords;
import io.runnel.record.MemoryRecords;
import io.runnel.record.Record;
import io.runnel.record.RecordBatch;
import io.runnel.record.RecordBatchBuilder;
import io.runnel.record.TimestampType;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Test helpers: building produce batches, small configs, opening logs and reading them back. */
final class TestLogs {
    static final TopicPartition TP = new TopicPartition("topic", 0);
    static final Uuid TOPIC_ID = new Uuid(42L, 4242L);

    private TestLogs() {
    }

    static byte[] bytes(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }

    static String string(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    /** A small-segment config: segment.bytes as given, an index entry every 100 bytes. */
    static LogConfig smallConfig(int segmentBytes) {
        return config(Map.of(LogConfig.INTERNAL_SEGMENT_BYTES, Integer.toString(segmentBytes)));
    }

    static LogConfig config(Map<String, String> overrides) {
        Map<String, String> m = new HashMap<>();
        m.put(LogConfig.INDEX_INTERVAL_BYTES, "100");
        m.put(LogConfig.SEGMENT_INDEX_BYTES, "4096");
        m.put(LogConfig.FILE_DELETE_DELAY_MS, "0");
        m.put(LogConfig.MESSAGE_TIMESTAMP_AFTER_MAX_MS, Long.toString(Long.MAX_VALUE));
        m.putAll(overrides);
        return LogConfig.fromMap(m);
    }

    /** One client batch (base offset 0, CreateTime) of key/value pairs ({@code kvs}: k1, v1, k2, v2, ...). */
    static MemoryRecords kv(long timestamp, String... kvs) {
        RecordBatchBuilder b = new RecordBatchBuilder(CompressionType.NONE, TimestampType.CREATE_TIME, 0);
        for (int i = 0; i < kvs.length; i += 2) b.append(timestamp, bytes(kvs[i]), bytes(kvs[i + 1]), List.of());
        return new MemoryRecords(b.build());
    }

    /** One client batch of values without keys, all at {@code timestamp}. */
    static MemoryRecords values(long timestamp, String... values) {
        RecordBatchBuilder b = new RecordBatchBuilder(CompressionType.NONE, TimestampType.CREATE_TIME, 0);
        for (String v : values) b.append(timestamp, null, bytes(v), List.of());
        return new MemoryRecords(b.build());
    }

    /** One batch with {@code count} records, compressed as given. */
    static MemoryRecords compressed(CompressionType codec, long timestamp, int count, String prefix) {
        RecordBatchBuilder b = new RecordBatchBuilder(codec, TimestampType.CREATE_TIME, 0);
        for (int i = 0; i < count; i++) b.append(timestamp, bytes("k" + i), bytes(prefix + i), List.of());
        return new MemoryRecords(b.build());
    }

    /** An idempotent producer's batch of {@code count} records starting at sequence {@code seq}. */
    static MemoryRecords idempotent(long pid, short epoch, int seq, long timestamp, int count) {
        RecordBatchBuilder b = new RecordBatchBuilder(CompressionType.NONE, TimestampType.CREATE_TIME, 0)
                .producer(pid, epoch, seq);
        for (int i = 0; i < count; i++) b.append(timestamp, bytes("k" + (seq + i)), bytes("p" + pid + "-" + (seq + i)), List.of());
        return new MemoryRecords(b.build());
    }

    /** A transactional producer's batch of {@code count} records starting at sequence {@code seq}. */
    static MemoryRecords txn(long pid, short epoch, int seq, long timestamp, int count) {
        RecordBatchBuilder b = new RecordBatchBuilder(CompressionType.NONE, TimestampType.CREATE_TIME, 0)
                .producer(pid, epoch, seq).transactional(true);
        for (int i = 0; i < count; i++) b.append(timestamp, bytes("k" + (seq + i)), bytes("t" + pid + "-" + (seq + i)), List.of());
        return new MemoryRecords(b.build());
    }

    static PartitionLog open(Path dir, LogConfig config, MockTime time) throws IOException {
        return PartitionLog.open(dir, TP, TOPIC_ID, config, time, Scheduler.INLINE, true);
    }

    static PartitionLog reopen(Path dir, LogConfig config, MockTime time, boolean clean) throws IOException {
        return PartitionLog.open(dir, TP, TOPIC_ID, config, time, Scheduler.INLINE, clean);
    }

    /** Decodes the batches of a read result. */
    static List<Record> decode(FileRecords fr) {
        List<Record> out = new ArrayList<>();
        ByteBuffer buf = fr.readInto();
        var it = Batches.iterate(buf);
        while (it.hasNext()) {
            RecordBatch b = it.next();
            if (!b.isValid()) throw new AssertionError("invalid batch read back: " + b);
            if (!b.isControlBatch()) out.addAll(b.records());
        }
        if (it.hasInvalidTail()) throw new AssertionError("partial batch in a read result");
        return out;
    }

    /** Every record from {@code from} to the log end, read in steps of {@code maxBytes}. */
    static List<Record> readAll(PartitionLog log, long from, int maxBytes) {
        List<Record> out = new ArrayList<>();
        long next = from;
        while (next < log.logEndOffset()) {
            LogReadResult r = log.read(next, maxBytes, Long.MAX_VALUE, true);
            List<Record> recs = decode(r.records());
            long lastBatchEnd = lastOffsetIn(r.records());
            if (lastBatchEnd < 0) break;
            for (Record rec : recs) if (rec.offset() >= next) out.add(rec);
            next = lastBatchEnd + 1;
        }
        return out;
    }

    static List<Record> readAll(PartitionLog log) {
        return readAll(log, log.logStartOffset(), 1 << 20);
    }

    /** Last offset of the last batch in the region, or -1 when empty. */
    static long lastOffsetIn(FileRecords fr) {
        long last = -1;
        var it = Batches.iterate(fr.readInto());
        while (it.hasNext()) last = it.next().lastOffset();
        return last;
    }

    static List<String> valuesOf(List<Record> records) {
        List<String> out = new ArrayList<>();
        for (Record r : records) out.add(string(r.value()));
        return out;
    }

    static List<Long> offsetsOf(List<Record> records) {
        List<Long> out = new ArrayList<>();
        for (Record r : records) out.add(r.offset());
        return out;
    }

    /** Appends {@code n} single-record batches with values v0..v(n-1) and moves the HW to the end. */
    static void appendValues(PartitionLog log, MockTime time, int n, String prefix) {
        for (int i = 0; i < n; i++) log.appendAsLeader(values(time.milliseconds(), prefix + i), 0);
        log.updateHighWatermark(log.logEndOffset());
    }
}
