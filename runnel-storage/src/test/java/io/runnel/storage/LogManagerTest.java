package io.runnel.storage;

import io.runnel.common.ApiException;
import io.runnel.common.Errors;
import io.runnel.common.TopicPartition;
import io.runnel.common.Uuid;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static io.runnel.storage.TestLogs.readAll;
import static io.runnel.storage.TestLogs.valuesOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;


class LogManagerTest {
    @TempDir
    Path root;
    final MockTime time = new MockTime();
    final LogConfig config = TestLogs.smallConfig(800);
    final LogManagerConfig managerConfig = LogManagerConfig.DEFAULT.withCleaner(false, 1 << 20, 100);
    final List<LogManager> managers = new ArrayList<>();
    final TopicPartition tp0 = new TopicPartition("orders", 0);
    final TopicPartition tp1 = new TopicPartition("my-topic-with-dashes", 12);
    final Uuid ordersId = new Uuid(1, 2);

    @AfterEach
    void tearDown() {
        for (LogManager m : managers) m.close();
    }

    private LogManager start(List<Path> dirs) {
        LogManager m = new LogManager(dirs, time, managerConfig);
        managers.add(m);
        m.startup(topic -> config);
        return m;
    }

    private List<Path> dirs(int n) {
        List<Path> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(root.resolve("dir" + i));
        return out;
    }

    @Test
    void createsLogsAcrossDirectoriesAndReloadsThemAfterCleanShutdown() throws IOException {
        List<Path> dirs = dirs(2);
        LogManager m = start(dirs);
        PartitionLog a = m.getOrCreate(tp0, ordersId, config);
        PartitionLog b = m.getOrCreate(tp1, Uuid.ZERO, config);
        assertThat(a.dir().getParent()).isNotEqualTo(b.dir().getParent());
        assertThat(a.dir().getFileName().toString()).isEqualTo("orders-0");
        assertThat(m.getOrCreate(tp0, ordersId, config)).isSameAs(a);
        TestLogs.appendValues(a, time, 30, "a");
        TestLogs.appendValues(b, time, 5, "b");
        a.deleteRecordsBefore(3);
        m.close();
        for (Path d : dirs) {
            assertThat(Files.exists(d.resolve(LogManager.CLEAN_SHUTDOWN_FILE))).isTrue();
            assertThat(Files.exists(d.resolve("recovery-point-offset-checkpoint"))).isTrue();
            assertThat(Files.exists(d.resolve("log-start-offset-checkpoint"))).isTrue();
            assertThat(Files.exists(d.resolve("replication-offset-checkpoint"))).isTrue();
        }
        assertThat(Files.readAllLines(a.dir().getParent().resolve("log-start-offset-checkpoint")))
                .containsExactly("0", "1", "orders 0 3");

        LogManager m2 = start(dirs);
        for (Path d : dirs) assertThat(Files.exists(d.resolve(LogManager.CLEAN_SHUTDOWN_FILE))).isFalse();
        PartitionLog a2 = m2.get(tp0).orElseThrow();
        assertThat(a2.topicId()).isEqualTo(ordersId);
        assertThat(a2.logStartOffset()).isEqualTo(3);
        assertThat(a2.logEndOffset()).isEqualTo(30);
        assertThat(a2.highWatermark()).isEqualTo(30);
        assertThat(a2.recoveryPoint()).isEqualTo(30);
        assertThat(valuesOf(readAll(a2))).hasSize(27);
        assertThat(m2.get(tp1).orElseThrow().logEndOffset()).isEqualTo(5);
        assertThat(m2.all()).hasSize(2);
    }

    @Test
    void uncleanShutdownRecoversFromTheCheckpointedRecoveryPoint() throws IOException {
        List<Path> dirs = dirs(1);
        LogManager m = start(dirs);
        PartitionLog a = m.getOrCreate(tp0, ordersId, config);
        TestLogs.appendValues(a, time, 40, "a");
        a.flush();
        m.checkpointRecoveryPoints();
        TestLogs.appendValues(a, time, 10, "b");
        m.haltForTesting(); // kill -9
        assertThat(Files.exists(dirs.get(0).resolve(LogManager.CLEAN_SHUTDOWN_FILE))).isFalse();

        LogManager m2 = start(dirs);
        PartitionLog a2 = m2.get(tp0).orElseThrow();
        assertThat(a2.logEndOffset()).isEqualTo(50);
        assertThat(a2.recoveryPoint()).isEqualTo(40);
        assertThat(valuesOf(readAll(a2))).endsWith("b9");
    }

    @Test
    void directoryLockPreventsASecondManager() {
        List<Path> dirs = dirs(1);
        start(dirs);
        LogManager other = new LogManager(dirs, time, managerConfig);
        assertThatThrownBy(() -> other.startup())
                .isInstanceOf(ApiException.class)
                .satisfies(e -> assertThat(((ApiException) e).error()).isEqualTo(Errors.KAFKA_STORAGE_ERROR));
    }

    @Test
    void inconsistentTopicIdIsRejectedAndConfigIsUpdated() {
        LogManager m = start(dirs(1));
        PartitionLog a = m.getOrCreate(tp0, ordersId, config);
        assertThatThrownBy(() -> m.getOrCreate(tp0, new Uuid(9, 9), config))
                .satisfies(e -> assertThat(((ApiException) e).error()).isEqualTo(Errors.INCONSISTENT_TOPIC_ID));
        LogConfig other = TestLogs.config(Map.of("retention.ms", "5"));
        assertThat(m.getOrCreate(tp0, ordersId, other)).isSameAs(a);
        assertThat(a.config()).isEqualTo(other);
    }

    @Test
    void topicIdLearnedLaterIsRecorded() {
        LogManager m = start(dirs(1));
        PartitionLog a = m.getOrCreate(tp0, Uuid.ZERO, config);
        assertThat(PartitionMetadataFile.read(a.dir())).isEmpty();
        m.getOrCreate(tp0, ordersId, config);
        assertThat(a.topicId()).isEqualTo(ordersId);
        assertThat(PartitionMetadataFile.read(a.dir())).contains(ordersId);
    }

    @Test
    void deleteRenamesTheDirectoryAndRemovesItLater() throws IOException {
        List<Path> dirs = dirs(1);
        LogManager m = start(dirs);
        PartitionLog a = m.getOrCreate(tp0, ordersId, TestLogs.config(Map.of("file.delete.delay.ms", "60000")));
        TestLogs.appendValues(a, time, 5, "a");
        Path original = a.dir();
        m.delete(tp0);
        assertThat(m.get(tp0)).isEmpty();
        assertThat(Files.exists(original)).isFalse();
        List<Path> marked;
        try (Stream<Path> s = Files.list(dirs.get(0))) {
            marked = s.filter(p -> p.getFileName().toString().matches("orders-0\\.[0-9a-f]{32}-delete")).toList();
        }
        assertThat(marked).hasSize(1);
        m.close();
        // a restart leaves what is still marked to deleteMarkedDirsInBackground, which the broker calls
        // once it serves: start-up itself does not spend time on it
        LogManager m2 = start(dirs);
        assertThat(marked.get(0)).exists();
        m2.deleteMarkedDirsInBackground();
        Await.until(() -> !Files.exists(marked.get(0)));
        assertThat(m2.get(tp0)).isEmpty();
        // and the name can be reused
        assertThat(m2.getOrCreate(tp0, new Uuid(5, 5), config).logEndOffset()).isZero();
    }

    @Test
    void deleteWithoutDelayRemovesTheFilesPromptly() {
        LogManager m = start(dirs(1));
        PartitionLog a = m.getOrCreate(tp0, ordersId, TestLogs.config(Map.of("file.delete.delay.ms", "0")));
        TestLogs.appendValues(a, time, 5, "a");
        m.delete(tp0);
        Await.until(() -> !Files.exists(a.dir()));
    }

    @Test
    void describeLogDirsReportsSizesAndLag() {
        List<Path> dirs = dirs(2);
        LogManager m = start(dirs);
        PartitionLog a = m.getOrCreate(tp0, ordersId, config);
        TestLogs.appendValues(a, time, 5, "a");
        List<LogDirDescription> desc = m.describeLogDirs();
        assertThat(desc).hasSize(2);
        assertThat(desc).extracting(LogDirDescription::path).containsExactlyElementsOf(m.logDirs());
        LogDirDescription withLog = desc.stream().filter(d -> !d.replicas().isEmpty()).findFirst().orElseThrow();
        assertThat(withLog.error()).isEqualTo(Errors.NONE);
        assertThat(withLog.totalBytes()).isGreaterThan(0);
        assertThat(withLog.usableBytes()).isGreaterThan(0);
        assertThat(withLog.replicas()).containsExactly(new LogDirDescription.Replica(tp0, a.size(), 0, false));
        assertThat(m.logDirOf(tp0)).contains(withLog.path());
    }

    @Test
    void retentionRunsOnTheSchedulerThread() {
        LogManagerConfig fast = managerConfig.withRetentionCheckIntervalMs(20).withInitialTaskDelayMs(0);
        LogManager m = new LogManager(dirs(1), time, fast);
        managers.add(m);
        m.startup();
        PartitionLog a = m.getOrCreate(tp0, ordersId, TestLogs.config(Map.of("internal.segment.bytes", "800",
                "retention.ms", "1000")));
        TestLogs.appendValues(a, time, 40, "a");
        int segments = a.numberOfSegments();
        assertThat(segments).isGreaterThan(2);
        time.sleep(2000);
        Await.until(() -> a.numberOfSegments() == 1);
        assertThat(a.logStartOffset()).isEqualTo(40);
    }

    @Test
    void unexpectedDirectoriesAreIgnored() throws IOException {
        List<Path> dirs = dirs(1);
        Files.createDirectories(dirs.get(0).resolve("lost+found"));
        LogManager m = start(dirs);
        assertThat(m.all()).isEmpty();
        assertThat(LogManager.parseTopicPartition("a-b-c-7")).contains(new TopicPartition("a-b-c", 7));
        assertThat(LogManager.parseTopicPartition("noPartition")).isEmpty();
    }
}
