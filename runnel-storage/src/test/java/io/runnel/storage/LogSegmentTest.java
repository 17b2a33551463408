package io.runnel.storage;

import io.runnel.record.MemoryRecords;
import io.runnel.record.RecordBatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class LogSegmentTest {
    @TempDir
    Path dir;
    final LogConfig config = TestLogs.config(Map.of("internal.segment.bytes", "100000"));
    final List<Integer> batchStarts = new ArrayList<>();
    LogSegment seg;

    @AfterEach
    void tearDown() throws IOException {
        if (seg != null) seg.close();
    }

    /** A batch with offsets [base, base + n) and max timestamp ts, as the log would write it. */
    private static ByteBuffer batch(long base, int n, long ts) {
        String[] vals = new String[n];
        for (int i = 0; i < n; i++) vals[i] = "value-" + (base + i);
        MemoryRecords r = TestLogs.values(ts, vals);
        ByteBuffer b = r.buffer();
        RecordBatch.at(b, 0).setBaseOffset(base);
        return b;
    }

    private void append(long base, int n, long ts) throws IOException {
        batchStarts.add(seg.size());
        seg.append(batch(base, n, ts));
    }

    @Test
    void appendTranslateAndRead() throws IOException {
        seg = LogSegment.create(dir, 100, config, 0, 0, "", LogSegment.ChannelFactory.DEFAULT);
        assertThat(Files.exists(dir.resolve("00000000000000000100.log"))).isTrue();
        for (int i = 0; i < 20; i++) append(100 + i * 2L, 2, 1000 + i);
        assertThat(seg.offsetIndex().entries()).isGreaterThan(0);
        assertThat(seg.readNextOffset()).isEqualTo(140);
        LogSegment.BatchPosition p = seg.translateOffset(117, seg.size());
        assertThat(p.position()).isEqualTo(batchStarts.get(8));
        assertThat(p.lastOffset()).isEqualTo(117);
        assertThat(seg.translateOffset(140, seg.size())).isNull();
        LogSegment.Slice s = seg.read(101, 1 << 20, seg.size(), false, Long.MAX_VALUE);
        assertThat(s.position()).isZero();
        assertThat(s.size()).isEqualTo(seg.size());
        // budget of two and a half batches → two batches
        int bs = batchStarts.get(1);
        s = seg.read(104, bs * 5 / 2, seg.size(), false, Long.MAX_VALUE);
        assertThat(s.position()).isEqualTo(batchStarts.get(2));
        assertThat(s.size()).isEqualTo(2 * bs);
        // max position (as the log end offset metadata bounds the active segment)
        s = seg.read(100, 1 << 20, batchStarts.get(3), false, Long.MAX_VALUE);
        assertThat(s.size()).isEqualTo(batchStarts.get(3));
        assertThat(seg.maxTimestampAndOffset()).isEqualTo(new TimeIndex.TimestampOffset(1019, 139));
    }

    @Test
    void recoverRebuildsIndexesAndCutsGarbage() throws IOException {
        seg = LogSegment.create(dir, 0, config, 0, 0, "", LogSegment.ChannelFactory.DEFAULT);
        for (int i = 0; i < 30; i++) append(i * 3L, 3, 5000 + i);
        int entries = seg.offsetIndex().entries();
        int timeEntries = seg.timeIndex().entries();
        int size = seg.size();
        seg.channel().write(ByteBuffer.wrap(new byte[] {0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 1, 0}), size);
        int truncated = seg.recover(null);
        assertThat(truncated).isEqualTo(12);
        assertThat(seg.size()).isEqualTo(size);
        assertThat(seg.offsetIndex().entries()).isEqualTo(entries);
        assertThat(seg.timeIndex().entries()).isEqualTo(timeEntries);
        assertThat(seg.readNextOffset()).isEqualTo(90);
    }

    @Test
    void truncateToRemovesTheBatchHoldingTheOffset() throws IOException {
        seg = LogSegment.create(dir, 0, config, 0, 0, "", LogSegment.ChannelFactory.DEFAULT);
        for (int i = 0; i < 30; i++) append(i * 3L, 3, 5000 + i);
        int removed = seg.truncateTo(31);
        assertThat(seg.size()).isEqualTo(batchStarts.get(10));
        assertThat(removed).isGreaterThan(0);
        assertThat(seg.readNextOffset()).isEqualTo(30);
        assertThat(seg.offsetIndex().lastEntry().offset()).isLessThan(30);
        assertThat(seg.maxTimestampAndOffset()).isEqualTo(new TimeIndex.TimestampOffset(5009, 29));
        assertThat(seg.truncateTo(1000)).isZero();
    }

    @Test
    void shouldRollConditions() throws IOException {
        LogConfig small = TestLogs.config(Map.of("internal.segment.bytes", "1000", "segment.ms", "100"));
        seg = LogSegment.create(dir, 0, small, 10_000, 0, "", LogSegment.ChannelFactory.DEFAULT);
        assertThat(seg.shouldRoll(small, 500, 1, 0, 99_999_999)).isFalse(); // empty: never by time
        append(0, 1, 1000);
        assertThat(seg.shouldRoll(small, 100, 1050, 1, 10_000)).isFalse();
        assertThat(seg.shouldRoll(small, 100, 1101, 1, 10_000)).isTrue();    // record time span
        assertThat(seg.shouldRoll(small, 1000 - seg.size() + 1, 1000, 1, 10_000)).isTrue(); // size
        assertThat(seg.shouldRoll(small, 10, 1000, (long) Integer.MAX_VALUE + 1, 10_000)).isTrue(); // relative offset
    }

    @Test
    void changeSuffixAndReopen() throws IOException {
        seg = LogSegment.create(dir, 5, config, 0, 0, ".cleaned", LogSegment.ChannelFactory.DEFAULT);
        append(5, 2, 1);
        seg.changeFileSuffix(".swap");
        assertThat(Files.exists(dir.resolve("00000000000000000005.log.swap"))).isTrue();
        assertThat(Files.exists(dir.resolve("00000000000000000005.index.swap"))).isTrue();
        seg.changeFileSuffix("");
        seg.close();
        seg = LogSegment.open(dir, 5, config, 0, "", LogSegment.ChannelFactory.DEFAULT);
        assertThat(seg.readNextOffset()).isEqualTo(7);
        seg.offsetIndex().sanityCheck();
    }
}
