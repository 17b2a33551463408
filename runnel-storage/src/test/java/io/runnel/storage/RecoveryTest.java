package io.runnel.storage;

import io.runnel.common.ApiException;
import io.runnel.common.Errors;
import io.runnel.record.Record;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static io.runnel.storage.TestLogs.readAll;
import static io.runnel.storage.TestLogs.values;
import static io.runnel.storage.TestLogs.valuesOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Crash recovery: every test abandons a log without closing it (as kill -9 would) and reopens it. */
class RecoveryTest {
    @TempDir
    Path dir;
    final MockTime time = new MockTime();
    final LogConfig config = TestLogs.smallConfig(1000);
    final List<PartitionLog> open = new ArrayList<>();

    @AfterEach
    void tearDown() {
        for (PartitionLog l : open) l.close();
    }

    private PartitionLog openLog(boolean clean) throws IOException {
        PartitionLog l = TestLogs.reopen(dir, config, time, clean);
        open.add(l);
        return l;
    }

    /** Appends n single-record batches, then "kills" the log (no close, no flush). */
    private List<String> writeAndKill(int n) throws IOException {
        PartitionLog l = TestLogs.open(dir, config, time);
        TestLogs.appendValues(l, time, n, "value-");
        return valuesOf(readAll(l));
    }

    private Path segmentFile(long base, String suffix) {
        return dir.resolve(LogSegment.fileStem(base) + suffix);
    }

    private List<Long> segmentBases() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".log"))
                    .map(n -> Long.parseLong(n.substring(0, 20))).sorted().toList();
        }
    }

    @Test
    void killWithoutCloseLosesNoCompleteBatch() throws IOException {
        List<String> written = writeAndKill(60);
        PartitionLog l = openLog(false);
        assertThat(l.logEndOffset()).isEqualTo(60);
        assertThat(valuesOf(readAll(l))).isEqualTo(written);
        // the active segment's preallocated index was rebuilt: lookups in the middle work
        long base = l.segmentBaseOffsets().get(l.numberOfSegments() - 1);
        assertThat(TestLogs.decode(l.read(base + 1, 1 << 20, Long.MAX_VALUE, true).records()).get(0).offset())
                .isEqualTo(base + 1);
        assertThat(l.appendAsLeader(values(time.milliseconds(), "more"), 0).firstOffset()).isEqualTo(60);
    }

    @Test
    void truncatedTailIsCut() throws IOException {
        List<String> written = writeAndKill(30);
        List<Long> bases = segmentBases();
        Path last = segmentFile(bases.get(bases.size() - 1), ".log");
        long len = Files.size(last);
        try (FileChannel ch = FileChannel.open(last, StandardOpenOption.WRITE)) {
            ch.truncate(len - 5); // tear the last batch
        }
        PartitionLog l = openLog(false);
        assertThat(l.logEndOffset()).isEqualTo(29);
        assertThat(valuesOf(readAll(l))).isEqualTo(written.subList(0, 29));
        assertThat(l.appendAsLeader(values(time.milliseconds(), "again"), 0).firstOffset()).isEqualTo(29);
    }

    @Test
    void garbageTailIsCutAfterUncleanShutdown() throws IOException {
        List<String> written = writeAndKill(30);
        List<Long> bases = segmentBases();
        Path last = segmentFile(bases.get(bases.size() - 1), ".log");
        long len = Files.size(last);
        byte[] garbage = new byte[77];
        new java.util.Random(7).nextBytes(garbage);
        Files.write(last, garbage, StandardOpenOption.APPEND);
        PartitionLog l = openLog(false);
        assertThat(Files.size(last)).isEqualTo(len);
        assertThat(l.logEndOffset()).isEqualTo(30);
        assertThat(valuesOf(readAll(l))).isEqualTo(written);
    }

    @Test
    void garbageTailIsCutEvenWithACleanShutdownMarker() throws IOException {
        PartitionLog first = TestLogs.open(dir, config, time);
        TestLogs.appendValues(first, time, 10, "v");
        first.close();
        List<Long> bases = segmentBases();
        Path last = segmentFile(bases.get(bases.size() - 1), ".log");
        ByteBuffer fake = ByteBuffer.allocate(20).putLong(9999).putInt(5000); // a header claiming 5000 bytes
        Files.write(last, fake.array(), StandardOpenOption.APPEND);
        PartitionLog l = openLog(true);
        assertThat(l.logEndOffset()).isEqualTo(10);
        assertThat(valuesOf(readAll(l))).hasSize(10);
    }

    @Test
    void corruptCrcMidLogTruncatesThereAndDropsLaterSegments() throws IOException {
        writeAndKill(60);
        List<Long> bases = segmentBases();
        assertThat(bases.size()).isGreaterThan(3);
        long victimBase = bases.get(1);
        Path victim = segmentFile(victimBase, ".log");
        // corrupt a value byte of the third batch of the second segment
        int pos = 0;
        try (RandomAccessFile raf = new RandomAccessFile(victim.toFile(), "rw")) {
            for (int i = 0; i < 2; i++) {
                raf.seek(pos + 8);
                pos += 12 + raf.readInt();
            }
            raf.seek(pos + 70);
            int b = raf.read();
            raf.seek(pos + 70);
            raf.write(b ^ 0x5a);
        }
        PartitionLog l = openLog(false);
        assertThat(l.logEndOffset()).isEqualTo(victimBase + 2);
        assertThat(l.segmentBaseOffsets()).containsExactly(bases.get(0), victimBase);
        for (long later : bases.subList(2, bases.size())) assertThat(Files.exists(segmentFile(later, ".log"))).isFalse();
        assertThat(readAll(l)).extracting(Record::offset)
                .containsExactlyElementsOf(Stream.iterate(0L, i -> i + 1).limit(victimBase + 2).toList());
    }

    @Test
    void corruptionBelowTheRecoveryPointIsNotRescanned() throws IOException {
        writeAndKill(60);
        List<Long> bases = segmentBases();
        Path victim = segmentFile(bases.get(0), ".log");
        try (RandomAccessFile raf = new RandomAccessFile(victim.toFile(), "rw")) {
            raf.seek(70);
            raf.write(0x77);
        }
        PartitionLog l = LogLoader.load(new LogLoader.Params(dir, TestLogs.TP, TestLogs.TOPIC_ID, config, time,
                Scheduler.INLINE, LogSegment.ChannelFactory.DEFAULT, bases.get(2), 0, 0, false));
        open.add(l);
        assertThat(l.logEndOffset()).isEqualTo(60);
        assertThat(l.recoveryPoint()).isEqualTo(bases.get(2));
    }

    @Test
    void missingIndexFilesAreRebuilt() throws IOException {
        PartitionLog first = TestLogs.open(dir, config, time);
        long t = time.milliseconds();
        for (int i = 0; i < 40; i++) first.appendAsLeader(values(t + i, String.format("v%02d", i)), 0);
        first.close();
        List<Long> bases = segmentBases();
        long base = bases.get(1);
        Files.delete(segmentFile(base, ".index"));
        Files.delete(segmentFile(base, ".timeindex"));
        PartitionLog l = openLog(true);
        assertThat(Files.exists(segmentFile(base, ".index"))).isTrue();
        assertThat(Files.size(segmentFile(base, ".index"))).isGreaterThan(0).isLessThan(4096);
        assertThat(l.segments.get(base).offsetIndex().entries()).isGreaterThan(0);
        assertThat(TestLogs.decode(l.read(base + 3, 1 << 20, Long.MAX_VALUE, true).records()).get(0).offset()).isEqualTo(base + 3);
        assertThat(l.offsetForTimestamp(t + base + 2)).contains(new TimestampAndOffset(t + base + 2, base + 2, 0));
        assertThat(valuesOf(readAll(l))).hasSize(40);
    }

    @Test
    void corruptIndexFilesAreRebuilt() throws IOException {
        PartitionLog first = TestLogs.open(dir, config, time);
        TestLogs.appendValues(first, time, 40, "v");
        first.close();
        long base = segmentBases().get(0);
        Files.write(segmentFile(base, ".index"), new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
        ByteBuffer bad = ByteBuffer.allocate(24).putLong(500).putInt(7).putLong(100).putInt(3); // decreasing timestamps
        Files.write(segmentFile(base, ".timeindex"), bad.array());
        PartitionLog l = openLog(true);
        l.segments.get(base).offsetIndex().sanityCheck();
        l.segments.get(base).timeIndex().sanityCheck();
        assertThat(valuesOf(readAll(l, 0, 150))).hasSize(40);
    }

    @Test
    void lostLeaderEpochCheckpointIsRebuiltFromBatchesOnRecovery() throws IOException {
        PartitionLog first = TestLogs.open(dir, config, time);
        for (int i = 0; i < 10; i++) first.appendAsLeader(values(time.milliseconds(), "v" + i), i < 5 ? 4 : 7);
        Files.delete(dir.resolve(LeaderEpochCache.FILE_NAME));
        PartitionLog l = openLog(false);
        assertThat(l.endOffsetForEpoch(4)).isEqualTo(new EpochEndOffset(4, 5));
        assertThat(l.endOffsetForEpoch(7)).isEqualTo(new EpochEndOffset(7, 10));
    }

    @Test
    void leftoverTemporaryFilesAreRemoved() throws IOException {
        PartitionLog first = TestLogs.open(dir, config, time);
        TestLogs.appendValues(first, time, 5, "v");
        first.close();
        Files.write(dir.resolve("00000000000000000003.log.cleaned"), new byte[10]);
        Files.write(dir.resolve("00000000000000000001.log.deleted"), new byte[10]);
        Files.write(dir.resolve("leader-epoch-checkpoint.tmp"), new byte[10]);
        Files.write(dir.resolve("00000000000000000099.index"), new byte[8]); // orphan
        Files.write(dir.resolve("00000000000000000000.index.swap"), new byte[8]); // swap already renamed live
        PartitionLog l = openLog(true);
        assertThat(Files.exists(dir.resolve("00000000000000000003.log.cleaned"))).isFalse();
        assertThat(Files.exists(dir.resolve("00000000000000000001.log.deleted"))).isFalse();
        assertThat(Files.exists(dir.resolve("leader-epoch-checkpoint.tmp"))).isFalse();
        assertThat(Files.exists(dir.resolve("00000000000000000099.index"))).isFalse();
        assertThat(Files.exists(dir.resolve("00000000000000000000.index.swap"))).isFalse();
        assertThat(l.logEndOffset()).isEqualTo(5);
    }

    @Test
    void cleanRestartKeepsOffsetsAndIndexes() throws IOException {
        PartitionLog first = TestLogs.open(dir, config, time);
        TestLogs.appendValues(first, time, 50, "v");
        first.deleteRecordsBefore(3);
        List<Long> bases = first.segmentBaseOffsets();
        first.close();
        PartitionLog l = LogLoader.load(new LogLoader.Params(dir, TestLogs.TP, TestLogs.TOPIC_ID, config, time,
                Scheduler.INLINE, LogSegment.ChannelFactory.DEFAULT, 50, 3, 50, true));
        open.add(l);
        assertThat(l.segmentBaseOffsets()).isEqualTo(bases);
        assertThat(l.logStartOffset()).isEqualTo(3);
        assertThat(l.highWatermark()).isEqualTo(50);
        assertThat(l.recoveryPoint()).isEqualTo(50);
        assertThat(readAll(l)).hasSize(47);
    }

    /** A channel whose writes fail once armed, like a full disk. */
    static final class FailingChannels implements LogSegment.ChannelFactory {
        volatile boolean fail;

        @Override
        public FileChannel open(Path file) throws IOException {
            FileChannel real = LogSegment.ChannelFactory.DEFAULT.open(file);
            return new DelegatingFileChannel(real) {
                @Override
                public int write(ByteBuffer src, long position) throws IOException {
                    if (fail) {
                        // write part of the data, then fail, as a filling disk does
                        ByteBuffer part = src.duplicate();
                        part.limit(part.position() + Math.min(part.remaining(), 10));
                        super.write(part, position);
                        throw new IOException("No space left on device");
                    }
                    return super.write(src, position);
                }
            };
        }
    }

    @Test
    void fullDiskSurfacesAsStorageErrorAndLeavesTheLogConsistent() throws IOException {
        FailingChannels channels = new FailingChannels();
        PartitionLog l = LogLoader.load(new LogLoader.Params(dir, TestLogs.TP, TestLogs.TOPIC_ID,
                TestLogs.smallConfig(100_000), time, Scheduler.INLINE, channels, 0, 0, 0, true));
        open.add(l);
        TestLogs.appendValues(l, time, 5, "v");
        long size = l.size();
        channels.fail = true;
        assertThatThrownBy(() -> l.appendAsLeader(values(time.milliseconds(), "lost"), 0))
                .isInstanceOf(ApiException.class)
                .satisfies(e -> assertThat(((ApiException) e).error()).isEqualTo(Errors.KAFKA_STORAGE_ERROR));
        assertThat(l.logEndOffset()).isEqualTo(5);
        assertThat(l.size()).isEqualTo(size);
        assertThat(Files.size(dir.resolve("00000000000000000000.log"))).isEqualTo(size);
        channels.fail = false;
        assertThat(l.appendAsLeader(values(time.milliseconds(), "ok"), 0).firstOffset()).isEqualTo(5);
        assertThat(valuesOf(readAll(l))).containsExactly("v0", "v1", "v2", "v3", "v4", "ok");
    }

    @Test
    void configWithDifferentIndexSizeStillLoads() throws IOException {
        writeAndKill(20);
        PartitionLog l = LogLoader.load(new LogLoader.Params(dir, TestLogs.TP, TestLogs.TOPIC_ID,
                TestLogs.config(Map.of("internal.segment.bytes", "1000", "segment.index.bytes", "800")), time,
                Scheduler.INLINE, LogSegment.ChannelFactory.DEFAULT, 0, 0, 0, false));
        open.add(l);
        assertThat(l.logEndOffset()).isEqualTo(20);
        TestLogs.appendValues(l, time, 20, "w");
        assertThat(readAll(l)).hasSize(40);
    }
}
