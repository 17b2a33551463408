package io.runnel.storage;

import io.runnel.common.ApiException;
import io.runnel.common.Errors;
import io.runnel.record.Batches;
import io.runnel.record.MemoryRecords;
import io.runnel.record.Record;
import io.runnel.record.RecordBatch;
import io.runnel.record.RecordBatchBuilder;
import io.runnel.record.CompressionType;
import io.runnel.record.TimestampType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Lock-free readers against a writer that appends, rolls, applies retention and DeleteRecords, and a
 * cleaner compacting at the same time: every read must return whole, valid batches whose records are
 * exactly what was written at those offsets.
 */
class ConcurrentReadTest {
    @TempDir
    Path dir;

    @Test
    void readersOnlySeeWholeCorrectBatches() throws Exception {
        MockTime time = new MockTime();
        LogConfig config = TestLogs.config(Map.of("internal.segment.bytes", "4000", "cleanup.policy", "compact,delete",
                "retention.bytes", "40000", "file.delete.delay.ms", "2000", "min.cleanable.dirty.ratio", "0.01"));
        StorageScheduler scheduler = new StorageScheduler(2);
        PartitionLog log = PartitionLog.open(dir, TestLogs.TP, TestLogs.TOPIC_ID, config, time, scheduler, true);
        LogCleaner cleaner = new LogCleaner(LogManagerConfig.DEFAULT.withCleaner(false, 1 << 20, 10), time, () -> List.of(log));
        AtomicBoolean stop = new AtomicBoolean();
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        AtomicLong reads = new AtomicLong();
        AtomicLong records = new AtomicLong();

        Thread writer = new Thread(() -> {
            try {
                ThreadLocalRandom rnd = ThreadLocalRandom.current();
                while (!stop.get()) {
                    long base = log.logEndOffset();
                    int n = 1 + rnd.nextInt(5);
                    RecordBatchBuilder b = new RecordBatchBuilder(rnd.nextBoolean() ? CompressionType.NONE : CompressionType.LZ4,
                            TimestampType.CREATE_TIME, 0);
                    for (int i = 0; i < n; i++) {
                        long o = base + i;
                        b.append(time.milliseconds(), TestLogs.bytes("k" + (o % 13)), TestLogs.bytes("v" + o), List.of());
                    }
                    log.appendAsLeader(new MemoryRecords(b.build()), 0);
                    log.updateHighWatermark(log.logEndOffset());
                    int action = rnd.nextInt(100);
                    if (action < 3) log.roll();
                    else if (action < 8) log.deleteOldSegments();
                    else if (action < 9) log.deleteRecordsBefore(log.logStartOffset() + rnd.nextLong(Math.max(1, log.highWatermark() - log.logStartOffset())));
                }
            } catch (Throwable t) {
                failures.add(t);
            }
        }, "writer");
        Thread compactor = new Thread(() -> {
            try {
                while (!stop.get()) {
                    cleaner.cleanLog(log);
                    Thread.sleep(5);
                }
            } catch (Throwable t) {
                failures.add(t);
            }
        }, "compactor");
        Runnable reader = () -> {
            ThreadLocalRandom rnd = ThreadLocalRandom.current();
            while (!stop.get()) {
                long start = log.logStartOffset();
                long end = log.logEndOffset();
                long fetch = start + (end > start ? rnd.nextLong(end - start + 1) : 0);
                try {
                    LogReadResult r = log.read(fetch, 200 + rnd.nextInt(3000), Long.MAX_VALUE, rnd.nextBoolean());
                    ByteBuffer bytes = r.records().readInto();
                    var it = Batches.iterate(bytes);
                    long prev = -1;
                    boolean first = true;
                    while (it.hasNext()) {
                        RecordBatch batch = it.next();
                        assertThat(batch.isValid()).isTrue();
                        if (first) assertThat(batch.lastOffset()).isGreaterThanOrEqualTo(fetch);
                        first = false;
                        for (Record rec : batch.records()) {
                            assertThat(rec.offset()).isGreaterThan(prev);
                            prev = rec.offset();
                            assertThat(TestLogs.string(rec.value())).isEqualTo("v" + rec.offset());
                            records.incrementAndGet();
                        }
                    }
                    assertThat(it.hasInvalidTail()).isFalse();
                    assertThat(r.logEndOffset()).isGreaterThanOrEqualTo(fetch);
                    reads.incrementAndGet();
                } catch (ApiException e) {
                    // retention or DeleteRecords moved the start past the fetch offset meanwhile
                    if (e.error() != Errors.OFFSET_OUT_OF_RANGE) failures.add(e);
                } catch (Throwable t) {
                    failures.add(t);
                }
            }
        };
        Thread r1 = new Thread(reader, "reader-1");
        Thread r2 = new Thread(reader, "reader-2");
        writer.start();
        compactor.start();
        r1.start();
        r2.start();
        Thread.sleep(1500);
        stop.set(true);
        for (Thread t : List.of(writer, compactor, r1, r2)) t.join(10_000);
        scheduler.shutdown();
        log.close();
        if (!failures.isEmpty()) {
            AssertionError e = new AssertionError(failures.size() + " failures; first: " + failures.peek(), failures.peek());
            throw e;
        }
        assertThat(reads.get()).isGreaterThan(100);
        assertThat(records.get()).isGreaterThan(100);
        assertThat(cleaner.checkpoint(TestLogs.TP)).as("the cleaner ran").isPresent();
        assertThat(log.logStartOffset()).as("retention ran").isGreaterThan(0);
    }
}
