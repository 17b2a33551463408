package io.runnel.storage;

import io.runnel.storage.OffsetIndex.OffsetPosition;
import io.runnel.storage.TimeIndex.TimestampOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class IndexTest {
    @TempDir
    Path dir;

    @Test
    void offsetIndexLookups() throws IOException {
        OffsetIndex idx = new OffsetIndex(dir.resolve("a.index"), 100, 80);
        assertThat(idx.maxEntries()).isEqualTo(10);
        assertThat(idx.lookup(150)).isEqualTo(new OffsetPosition(100, 0));
        idx.append(110, 1000);
        idx.append(120, 2000);
        idx.append(130, 3000);
        assertThat(idx.append(125, 4000)).isFalse(); // not increasing
        assertThat(idx.lookup(1_000_000)).isEqualTo(new OffsetPosition(100, 0)); // staged: not visible yet
        idx.flushPending();
        assertThat(idx.lookup(99)).isEqualTo(new OffsetPosition(100, 0));
        assertThat(idx.lookup(109)).isEqualTo(new OffsetPosition(100, 0));
        assertThat(idx.lookup(110)).isEqualTo(new OffsetPosition(110, 1000));
        assertThat(idx.lookup(125)).isEqualTo(new OffsetPosition(120, 2000));
        assertThat(idx.lookup(1_000_000)).isEqualTo(new OffsetPosition(130, 3000));
        assertThat(idx.lookupByPosition(2500)).isEqualTo(new OffsetPosition(120, 2000));
        assertThat(idx.lookupByPosition(999)).isEqualTo(new OffsetPosition(100, 0));
        assertThat(idx.lastEntry()).isEqualTo(new OffsetPosition(130, 3000));
    }

    @Test
    void offsetIndexFillsTrimsAndReopens() throws IOException {
        Path f = dir.resolve("b.index");
        OffsetIndex idx = new OffsetIndex(f, 0, 32);
        for (int i = 1; i <= 4; i++) assertThat(idx.append(i * 10, i * 100)).isTrue();
        assertThat(idx.isFull()).isTrue();
        assertThat(idx.append(50, 500)).isFalse();
        idx.flushPending();
        assertThat(Files.size(f)).isEqualTo(32);
        idx.truncateTo(30);
        assertThat(idx.entries()).isEqualTo(2);
        idx.close();
        assertThat(Files.size(f)).isEqualTo(16);
        OffsetIndex again = new OffsetIndex(f, 0, 32);
        assertThat(again.entries()).isEqualTo(2);
        assertThat(again.lastEntry()).isEqualTo(new OffsetPosition(20, 200));
        again.sanityCheck();
        assertThat(again.append(30, 300)).isTrue();
        again.truncateToPosition(200);
        assertThat(again.entries()).isEqualTo(1);
    }

    @Test
    void preallocatedZeroTailFailsTheSanityCheck() throws IOException {
        Path f = dir.resolve("c.index");
        OffsetIndex idx = new OffsetIndex(f, 0, 800);
        idx.append(5, 100);
        idx.append(9, 200);
        idx.flush();
        assertThat(Files.size(f)).isEqualTo(16); // never preallocated
        idx.close();
        // as older versions left an active segment's index after a crash: preallocated, zero tail
        try (var ch = java.nio.channels.FileChannel.open(f, java.nio.file.StandardOpenOption.WRITE)) {
            ch.truncate(800);
            ch.write(java.nio.ByteBuffer.allocate(1), 799);
        }
        OffsetIndex reopened = new OffsetIndex(f, 0, 800);
        assertThat(reopened.entries()).isEqualTo(100);
        assertThatThrownBy(reopened::sanityCheck).isInstanceOf(AbstractIndex.CorruptIndexException.class);
    }

    @Test
    void oddLengthFailsTheSanityCheck() throws IOException {
        Path f = dir.resolve("d.index");
        Files.write(f, new byte[13]);
        OffsetIndex idx = new OffsetIndex(f, 0, 800);
        assertThatThrownBy(idx::sanityCheck).isInstanceOf(AbstractIndex.CorruptIndexException.class);
    }

    @Test
    void timeIndexLookupsAndReservedSlot() throws IOException {
        TimeIndex idx = new TimeIndex(dir.resolve("a.timeindex"), 100, 48);
        assertThat(idx.maxEntries()).isEqualTo(4);
        assertThat(idx.lookup(5)).isEqualTo(new TimestampOffset(-1, 100));
        idx.maybeAppend(1000, 105, false);
        idx.maybeAppend(1000, 107, false); // not larger: ignored
        idx.maybeAppend(2000, 110, false);
        idx.maybeAppend(3000, 120, false);
        idx.flushPending();
        assertThat(idx.entries()).isEqualTo(3);
        assertThat(idx.isFull()).isTrue(); // the last slot is reserved
        idx.maybeAppend(4000, 130, false);
        assertThat(idx.entriesIncludingStaged()).isEqualTo(3);
        idx.maybeAppend(4000, 130, true);
        idx.flushPending();
        assertThat(idx.entries()).isEqualTo(4);
        assertThat(idx.lookup(999)).isEqualTo(new TimestampOffset(-1, 100));
        assertThat(idx.lookup(1000)).isEqualTo(new TimestampOffset(1000, 105));
        assertThat(idx.lookup(2500)).isEqualTo(new TimestampOffset(2000, 110));
        assertThat(idx.lookup(99999)).isEqualTo(new TimestampOffset(4000, 130));
        idx.truncateTo(111);
        assertThat(idx.lastEntry()).isEqualTo(new TimestampOffset(2000, 110));
        idx.sanityCheck();
    }
}
