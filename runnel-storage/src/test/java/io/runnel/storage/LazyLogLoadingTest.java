package io.runnel.storage;

import io.runnel.common.TopicPartition;
import io.runnel.common.Uuid;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static io.runnel.storage.TestLogs.readAll;
import static io.runnel.storage.TestLogs.valuesOf;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Start-up loads logs in the background: {@link LogManager#startup} returns before they are loaded, a
 * log asked for is loaded at once on the asking thread, checkpoints keep the logs not loaded yet, and a
 * close before an unclean directory's logs are all loaded leaves them to be recovered at the next start.
 * The loader thread is held up by a clock that blocks it until the test releases it.
 */
class LazyLogLoadingTest {
    private static final int PARTITIONS = 5;
    private static final int RECORDS = 10;

    @TempDir
    Path root;
    final MockTime time = new MockTime();
    final LogConfig config = TestLogs.smallConfig(800);
    final LogManagerConfig managerConfig = LogManagerConfig.DEFAULT.withCleaner(false, 1 << 20, 100)
            .withRecoveryThreadsPerDataDir(1);
    final List<LogManager> managers = new ArrayList<>();
    final CountDownLatch release = new CountDownLatch(1);
    /** Loader threads held up so far. */
    final java.util.concurrent.atomic.AtomicInteger blocked = new java.util.concurrent.atomic.AtomicInteger();

    @AfterEach
    void tearDown() {
        release.countDown();
        for (LogManager m : managers) m.close();
    }

    /** {@link #time}, except that a loader thread asking it for the time waits until the test releases it. */
    private io.runnel.common.Time blockingLoaders() {
        return new io.runnel.common.Time() {
            @Override
            public long milliseconds() {
                if (Thread.currentThread().getName().startsWith("runnel-log-recovery-")) {
                    blocked.incrementAndGet();
                    try {
                        if (!release.await(60, TimeUnit.SECONDS)) throw new IllegalStateException("test never released the loaders");
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException(e);
                    }
                }
                return time.milliseconds();
            }

            @Override
            public long nanoseconds() {
                return time.nanoseconds();
            }
        };
    }

    private static TopicPartition tp(int i) {
        return new TopicPartition("t", i);
    }

    /** Writes {@link #RECORDS} records to each partition, then kills the manager (no clean-shutdown marker). */
    private Path writeAndKill() {
        Path dir = root.resolve("d");
        LogManager m = new LogManager(List.of(dir), time, managerConfig);
        m.startup(topic -> config);
        for (int i = 0; i < PARTITIONS; i++) {
            PartitionLog log = m.getOrCreate(tp(i), new Uuid(7, i), config);
            TestLogs.appendValues(log, time, RECORDS, "p" + i + "-");
            log.flush();
        }
        m.checkpointRecoveryPoints();
        m.checkpointHighWatermarks();
        m.haltForTesting();
        return dir;
    }

    private LogManager startBlocked(Path dir) throws InterruptedException {
        LogManager m = new LogManager(List.of(dir), blockingLoaders(), managerConfig);
        managers.add(m);
        m.startup(topic -> config); // returns although the loader thread cannot finish a single log
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (blocked.get() == 0 && System.nanoTime() < deadline) Thread.sleep(5);
        assertThat(blocked.get()).as("the loader thread is held up").isEqualTo(1);
        return m;
    }

    @Test
    void servesBeforeLogsAreLoadedAndLoadsAnAskedLogAtOnce() throws Exception {
        Path dir = writeAndKill();
        LogManager m = startBlocked(dir);
        assertThat(m.pendingLoads()).isEqualTo(PARTITIONS);
        assertThat(Files.exists(dir.resolve(LogManager.CLEAN_SHUTDOWN_FILE))).isFalse();

        // the one loader thread takes the partitions in directory-listing order: ask for the last one
        String last = null;
        try (var listing = Files.newDirectoryStream(dir, Files::isDirectory)) {
            for (Path p : listing) last = p.getFileName().toString();
        }
        int asked = Integer.parseInt(last.substring("t-".length()));
        assertThat(m.isPendingLoad(tp(asked))).isTrue();
        PartitionLog log = m.get(tp(asked)).orElseThrow(); // on this thread, while the loader is still blocked
        assertThat(log.logEndOffset()).isEqualTo(RECORDS);
        assertThat(valuesOf(readAll(log))).endsWith("p" + asked + "-" + (RECORDS - 1));
        assertThat(m.isPendingLoad(tp(asked))).isFalse();
        assertThat(m.pendingLoads()).isEqualTo(PARTITIONS - 1);

        // checkpoints written now keep the logs not loaded yet
        m.checkpointRecoveryPoints();
        m.checkpointHighWatermarks();
        for (String file : List.of(OffsetCheckpointFile.RECOVERY_POINT, OffsetCheckpointFile.REPLICATION_OFFSET)) {
            assertThat(new OffsetCheckpointFile(dir.resolve(file)).read()).as(file).hasSize(PARTITIONS)
                    .allSatisfy((tp, offset) -> assertThat(offset).isEqualTo(RECORDS));
        }

        release.countDown();
        assertThat(m.all()).hasSize(PARTITIONS); // waits for the background loads
        assertThat(m.pendingLoads()).isZero();
        for (int i = 0; i < PARTITIONS; i++) {
            PartitionLog l = m.get(tp(i)).orElseThrow();
            assertThat(l.logEndOffset()).isEqualTo(RECORDS);
            assertThat(l.topicId()).isEqualTo(new Uuid(7, i));
        }
    }

    @Test
    void closeBeforeUncleanLogsAreLoadedLeavesThemToBeRecoveredNextTime() throws Exception {
        Path dir = writeAndKill();
        LogManager m = startBlocked(dir);
        Thread closer = new Thread(m::close, "closer");
        closer.start();
        // close cancels the loads not begun, then waits for the blocked one
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (closer.getState() != Thread.State.TIMED_WAITING && closer.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        release.countDown();
        closer.join(TimeUnit.SECONDS.toMillis(60));
        assertThat(closer.isAlive()).isFalse();
        assertThat(Files.exists(dir.resolve(LogManager.CLEAN_SHUTDOWN_FILE)))
                .as("logs never recovered: the next start must recover them").isFalse();
        assertThat(new OffsetCheckpointFile(dir.resolve(OffsetCheckpointFile.RECOVERY_POINT)).read()).hasSize(PARTITIONS);

        LogManager again = new LogManager(List.of(dir), time, managerConfig);
        managers.add(again);
        again.startup(topic -> config);
        assertThat(again.all()).hasSize(PARTITIONS);
        for (int i = 0; i < PARTITIONS; i++) {
            PartitionLog l = again.get(tp(i)).orElseThrow();
            assertThat(l.logEndOffset()).isEqualTo(RECORDS);
            assertThat(valuesOf(readAll(l))).hasSize(RECORDS);
        }
    }
}
