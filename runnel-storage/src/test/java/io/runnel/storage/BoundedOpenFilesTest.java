package io.runnel.storage;

import io.runnel.common.TopicPartition;
import io.runnel.common.Uuid;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static io.runnel.storage.TestLogs.readAll;
import static io.runnel.storage.TestLogs.valuesOf;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Partition count does not cost descriptors: with {@code log.max.open.files} far below the number of
 * segment files, appends, reads, rolls, crash recovery and clean restarts stay correct, and no more
 * files are open than the bound.
 */
class BoundedOpenFilesTest {
    private static final int PARTITIONS = 1000;
    private static final int MAX_OPEN = 8;

    @TempDir
    Path root;
    final MockTime time = new MockTime();
    final LogConfig config = TestLogs.smallConfig(600); // rolls every few appends: many segments and index entries
    final List<LogManager> managers = new ArrayList<>();

    @AfterEach
    void tearDown() {
        for (LogManager m : managers) m.close();
    }

    private LogManager start(int maxOpen) {
        LogManager m = new LogManager(List.of(root), time, LogManagerConfig.DEFAULT.withCleaner(false, 1 << 20, 100)
                .withMaxOpenFiles(maxOpen));
        managers.add(m);
        m.startup(topic -> config);
        return m;
    }

    private static TopicPartition tp(int i) {
        return new TopicPartition("t" + (i % 10), i / 10);
    }

    @Test
    void thousandPartitionsStayCorrectWithEightOpenFiles() {
        long seed = new Random().nextLong();
        Random random = new Random(seed);
        LogManager m = start(MAX_OPEN);
        Map<TopicPartition, List<String>> model = new HashMap<>();
        for (int i = 0; i < PARTITIONS; i++) {
            m.getOrCreate(tp(i), new Uuid(1, i % 10 + 1), config);
            model.put(tp(i), new ArrayList<>());
        }
        assertThat(m.openFiles()).as("empty partitions hold no descriptor").isZero();
        for (int op = 0; op < 6000; op++) {
            TopicPartition tp = tp(random.nextInt(PARTITIONS));
            PartitionLog log = m.get(tp).orElseThrow();
            if (random.nextInt(4) > 0) {
                String v = tp + "#" + model.get(tp).size();
                log.appendAsLeader(TestLogs.values(time.milliseconds(), v), 0);
                log.updateHighWatermark(log.logEndOffset());
                model.get(tp).add(v);
            } else {
                assertThat(valuesOf(readAll(log))).as("seed %d, %s", seed, tp).isEqualTo(model.get(tp));
            }
            assertThat(m.openFiles()).as("seed %d", seed).isLessThanOrEqualTo(MAX_OPEN);
        }
        // a killed process: no flush, no checkpoints, no clean-shutdown marker
        m.haltForTesting();
        LogManager recovered = start(MAX_OPEN);
        assertThat(recovered.openFiles()).isLessThanOrEqualTo(MAX_OPEN);
        verify(recovered, model, seed);
        recovered.close();
        LogManager clean = start(MAX_OPEN);
        verify(clean, model, seed);
        // still writable after both restarts
        PartitionLog log = clean.get(tp(7)).orElseThrow();
        log.appendAsLeader(TestLogs.values(time.milliseconds(), "after"), 0);
        log.updateHighWatermark(log.logEndOffset());
        model.get(tp(7)).add("after");
        assertThat(valuesOf(readAll(log))).isEqualTo(model.get(tp(7)));
        assertThat(clean.openFiles()).isLessThanOrEqualTo(MAX_OPEN);
    }

    private void verify(LogManager m, Map<TopicPartition, List<String>> model, long seed) {
        assertThat(m.all()).hasSize(PARTITIONS);
        for (Map.Entry<TopicPartition, List<String>> e : model.entrySet()) {
            PartitionLog log = m.get(e.getKey()).orElseThrow();
            assertThat(log.logEndOffset()).as("seed %d, %s", seed, e.getKey()).isEqualTo(e.getValue().size());
            log.updateHighWatermark(log.logEndOffset());
            assertThat(valuesOf(readAll(log))).as("seed %d, %s", seed, e.getKey()).isEqualTo(e.getValue());
            assertThat(m.openFiles()).isLessThanOrEqualTo(MAX_OPEN);
        }
    }

    /**
     * Reads stay correct while other partitions' appends evict the read file's descriptor over and over;
     * read results are read some time after the read, as the network layer does.
     */
    @Test
    void readsStayCorrectWhileAppendsEvictTheirFiles() throws Exception {
        LogManager m = start(16);
        List<PartitionLog> logs = new ArrayList<>();
        for (int i = 0; i < 50; i++) logs.add(m.getOrCreate(tp(i), Uuid.ZERO, config));
        PartitionLog watched = logs.get(0);
        TestLogs.appendValues(watched, time, 20, "w");
        watched.updateHighWatermark(watched.logEndOffset());
        List<String> expected = valuesOf(readAll(watched));
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        java.util.concurrent.atomic.AtomicInteger good = new java.util.concurrent.atomic.AtomicInteger();
        Thread reader = new Thread(() -> {
            try {
                while (!stop.get()) {
                    var held = watched.read(0, 1 << 20, Long.MAX_VALUE, true).records();
                    Thread.sleep(1);
                    List<String> first = valuesOf(TestLogs.decode(held)); // the first segment's batches
                    assertThat(first).isNotEmpty().isEqualTo(expected.subList(0, first.size()));
                    assertThat(valuesOf(readAll(watched))).isEqualTo(expected);
                    good.incrementAndGet();
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        }, "reader");
        reader.start();
        for (int round = 0; round < 300 && failure.get() == null; round++) {
            for (int i = 1; i < logs.size(); i++) {
                logs.get(i).appendAsLeader(TestLogs.values(time.milliseconds(), "x" + round), 0);
            }
            assertThat(m.openFiles()).isLessThanOrEqualTo(16);
        }
        while (good.get() < 20 && failure.get() == null) Thread.sleep(10);
        stop.set(true);
        reader.join(30_000);
        assertThat(failure.get()).isNull();
        assertThat(good.get()).isGreaterThanOrEqualTo(20);
    }

    /** Half of the bound at most is lent for zero-copy sends; beyond that reads get the reopening channel. */
    @Test
    void aFetchTouchingMoreFilesThanTheBoundStillReadsEverything() {
        LogManager m = start(16);
        List<PartitionLog> logs = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            PartitionLog l = m.getOrCreate(tp(i), Uuid.ZERO, config);
            l.appendAsLeader(TestLogs.values(time.milliseconds(), "v" + i), 0);
            l.updateHighWatermark(l.logEndOffset());
            logs.add(l);
        }
        // one "fetch response": every read result is held, then all are read
        List<io.runnel.record.FileRecords> held = new ArrayList<>();
        for (PartitionLog l : logs) held.add(l.read(0, 1 << 20, Long.MAX_VALUE, true).records());
        assertThat(m.openFiles()).isLessThanOrEqualTo(16);
        long lent = held.stream().filter(f -> !(f.channel() instanceof CachedFileChannel)).count();
        assertThat(lent).isBetween(1L, 8L);
        for (int i = 0; i < held.size(); i++) {
            assertThat(valuesOf(TestLogs.decode(held.get(i)))).containsExactly("v" + i);
        }
    }

    @Test
    void idlePartitionsHoldNoDescriptorAndFlushOpensNone() {
        LogManager m = start(4096);
        List<PartitionLog> logs = new ArrayList<>();
        for (int i = 0; i < 200; i++) logs.add(m.getOrCreate(tp(i), Uuid.ZERO, config));
        assertThat(m.openFiles()).isZero();
        for (PartitionLog l : logs) l.appendAsLeader(TestLogs.values(time.milliseconds(), "v"), 0);
        assertThat(m.openFiles()).as("one log file per partition; indexes without entries stay closed").isEqualTo(200);
        for (PartitionLog l : logs) l.flush();
        m.close();
        LogManager again = start(4096);
        assertThat(again.all()).hasSize(200);
        assertThat(again.openFiles()).as("a clean restart reads each log's end and checks its time index")
                .isLessThanOrEqualTo(400);
    }
}
