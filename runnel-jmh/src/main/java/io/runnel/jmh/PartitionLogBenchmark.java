package io.runnel.jmh;

import io.runnel.common.Time;
import io.runnel.common.TopicPartition;
import io.runnel.common.Uuid;
import io.runnel.record.CompressionType;
import io.runnel.record.MemoryRecords;
import io.runnel.storage.AppendResult;
import io.runnel.storage.LogConfig;
import io.runnel.storage.LogReadResult;
import io.runnel.storage.PartitionLog;
import io.runnel.storage.Scheduler;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The partition log's append and read paths, on a real file in a temp directory (page cache, no fsync: the
 * broker's default flush policy), with 64 KiB batches of 100-byte records.
 *
 * <ul>
 *   <li>{@code append}: {@link PartitionLog#appendAsLeader} of one uncompressed batch, validation included.
 *       To bound the disk used, the log is emptied whenever it passes 256 MiB (amortised over ~4,000 appends).</li>
 *   <li>{@code readRegion}: {@link PartitionLog#read} of up to 1 MiB at a random offset of a 64 MiB log: the
 *       index lookup that precedes a zero-copy send.</li>
 *   <li>{@code readAndCopy}: the same, then copying the region into a heap buffer (what a non-zero-copy
 *       path would pay).</li>
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"})
public class PartitionLogBenchmark {
    static final long APPEND_CAP_BYTES = 256L * 1024 * 1024;
    static final long READ_LOG_BYTES = 64L * 1024 * 1024;
    static final int FETCH_MAX_BYTES = 1024 * 1024;

    /** A log in its own temp directory, with a background thread for deferred deletes and flushes. */
    abstract static class LogState {
        Path root;
        PartitionLog log;
        ScheduledExecutorService background;
        ByteBuffer batch;

        void open() throws IOException {
            root = Files.createTempDirectory("runnel-jmh-log-");
            background = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "log-background");
                t.setDaemon(true);
                return t;
            });
            Scheduler scheduler = (name, task, delayMs) -> background.schedule(task, delayMs, TimeUnit.MILLISECONDS);
            LogConfig config = LogConfig.DEFAULT.with(Map.of(
                    LogConfig.SEGMENT_BYTES, Long.toString(128L * 1024 * 1024),
                    LogConfig.FILE_DELETE_DELAY_MS, "0"));
            log = PartitionLog.open(root.resolve("bench-0"), new TopicPartition("bench", 0), Uuid.random(), config,
                    Time.SYSTEM, scheduler, true);
            batch = Fixtures.batch(CompressionType.NONE, 100, Fixtures.BATCH_BYTES, System.currentTimeMillis(), 7);
        }

        /** Appends the batch again: clients always send base offset 0, and the validator stamps it in place. */
        AppendResult appendOnce() {
            batch.putLong(0, 0L);
            return log.appendAsLeader(new MemoryRecords(batch), 0);
        }

        void close() throws IOException {
            background.shutdownNow();
            try (Stream<Path> s = Files.walk(root)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @State(Scope.Benchmark)
    public static class AppendState extends LogState {
        @Setup(Level.Trial)
        public void setup() throws IOException {
            open();
        }

        @TearDown(Level.Trial)
        public void tearDown() throws IOException {
            close();
        }
    }

    @State(Scope.Benchmark)
    public static class ReadState extends LogState {
        long[] offsets;
        int next;

        @Setup(Level.Trial)
        public void setup() throws IOException {
            open();
            while (log.size() < READ_LOG_BYTES) appendOnce();
            long leo = log.logEndOffset();
            log.updateHighWatermark(leo);
            Random rnd = new Random(1);
            offsets = new long[4096];
            for (int i = 0; i < offsets.length; i++) offsets[i] = (long) (rnd.nextDouble() * leo);
        }

        long nextOffset() {
            long o = offsets[next];
            next = (next + 1) & (offsets.length - 1);
            return o;
        }

        @TearDown(Level.Trial)
        public void tearDown() throws IOException {
            close();
        }
    }

    @Benchmark
    public AppendResult append(AppendState s) {
        if (s.log.size() > APPEND_CAP_BYTES) s.log.truncateFullyAndStartAt(s.log.logEndOffset());
        return s.appendOnce();
    }

    @Benchmark
    public LogReadResult readRegion(ReadState s) {
        return s.log.read(s.nextOffset(), FETCH_MAX_BYTES, s.log.highWatermark(), true);
    }

    @Benchmark
    public ByteBuffer readAndCopy(ReadState s) {
        return s.log.read(s.nextOffset(), FETCH_MAX_BYTES, s.log.highWatermark(), true).records().readInto();
    }
}
