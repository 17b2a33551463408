package io.runnel.storage;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class LeaderEpochCacheTest {
    @TempDir
    Path dir;

    @Test
    void endOffsetsFollowOffsetForLeaderEpochSemantics() throws IOException {
        LeaderEpochCache c = new LeaderEpochCache(dir);
        assertThat(c.endOffsetFor(0, 10)).isEqualTo(EpochEndOffset.UNDEFINED);
        c.assign(2, 5);
        c.assign(4, 20);
        c.assign(7, 30);
        assertThat(c.endOffsetFor(7, 42)).isEqualTo(new EpochEndOffset(7, 42));
        assertThat(c.endOffsetFor(4, 42)).isEqualTo(new EpochEndOffset(4, 30));
        assertThat(c.endOffsetFor(5, 42)).isEqualTo(new EpochEndOffset(4, 30));
        assertThat(c.endOffsetFor(1, 42)).isEqualTo(new EpochEndOffset(1, 5));
        assertThat(c.endOffsetFor(8, 42)).isEqualTo(EpochEndOffset.UNDEFINED);
        assertThat(c.endOffsetFor(-1, 42)).isEqualTo(EpochEndOffset.UNDEFINED);
    }

    @Test
    void assignKeepsTheCacheMonotonicAndPersists() throws IOException {
        LeaderEpochCache c = new LeaderEpochCache(dir);
        assertThat(c.assign(1, 0)).isTrue();
        assertThat(c.assign(1, 5)).isFalse();     // same epoch, later offset: no change
        assertThat(c.assign(0, 7)).isFalse();     // stale epoch
        assertThat(c.assign(3, 10)).isTrue();
        assertThat(c.assign(-1, 12)).isFalse();
        assertThat(c.assign(5, 8)).isTrue();      // new epoch starting before epoch 3's start: 3 is dropped
        assertThat(c.entries()).containsExactly(java.util.Map.entry(1, 0L), java.util.Map.entry(5, 8L));
        assertThat(Files.readAllLines(dir.resolve(LeaderEpochCache.FILE_NAME))).containsExactly("0", "2", "1 0", "5 8");
        assertThat(new LeaderEpochCache(dir).entries()).isEqualTo(c.entries());
    }

    @Test
    void assignIfNewerOnlyExtendsTheCache() throws IOException {
        LeaderEpochCache c = new LeaderEpochCache(dir);
        assertThat(c.assignIfNewer(1, 0)).isTrue();
        assertThat(c.assignIfNewer(3, 10)).isTrue();
        assertThat(c.assignIfNewer(1, 5)).isFalse();  // assign would move epoch 1 to 5 and drop 3
        assertThat(c.assignIfNewer(3, 4)).isFalse();  // nor move the latest epoch's start
        assertThat(c.assignIfNewer(-1, 12)).isFalse();
        assertThat(c.assignIfNewer(4, 10)).isTrue();  // a new epoch at the same offset replaces one with no records
        assertThat(c.entries()).containsExactly(java.util.Map.entry(1, 0L), java.util.Map.entry(4, 10L));
        assertThat(new LeaderEpochCache(dir).entries()).isEqualTo(c.entries());
    }

    @Test
    void truncation() throws IOException {
        LeaderEpochCache c = new LeaderEpochCache(dir);
        c.assign(1, 0);
        c.assign(2, 10);
        c.assign(3, 20);
        c.truncateFromEnd(20);
        assertThat(c.latestEpoch()).hasValue(2);
        c.truncateFromStart(15);
        assertThat(c.entries()).containsExactly(java.util.Map.entry(2, 15L));
        c.truncateFromStart(3); // below the first entry: nothing to do
        assertThat(c.entries()).containsExactly(java.util.Map.entry(2, 15L));
    }

    @Test
    void malformedFileIsIgnored() throws IOException {
        Files.write(dir.resolve(LeaderEpochCache.FILE_NAME), List.of("0", "3", "1 0", "garbage"));
        assertThat(new LeaderEpochCache(dir).entries()).isEmpty();
    }
}
