package io.runnel.metadata;

import io.runnel.common.Uuid;
import io.runnel.protocol.Message;
import io.runnel.protocol.message.TopicRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FileMetadataLogTest {
    @TempDir
    Path dir;

    static TopicRecord rec(String name) {
        TopicRecord t = new TopicRecord();
        t.name = name;
        t.topicId = Uuid.random();
        return t;
    }

    /** Everything load() delivers: snapshot records first (if any), then batches. */
    static final class Collected implements MetadataLog.Visitor {
        long snapshotOffset = -1;
        final List<Message> snapshot = new ArrayList<>();
        final List<Long> bases = new ArrayList<>();
        final List<Message> records = new ArrayList<>();

        @Override
        public void snapshot(long offset, List<Message> r) {
            snapshotOffset = offset;
            snapshot.addAll(r);
        }

        @Override
        public void batch(long baseOffset, List<Message> r) {
            bases.add(baseOffset);
            records.addAll(r);
        }
    }

    static Collected load(MetadataLog l) throws IOException {
        Collected c = new Collected();
        l.load(c);
        return c;
    }

    private Path onlySegment() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> segs = s.filter(p -> p.toString().endsWith(".log")).sorted().toList();
            return segs.get(segs.size() - 1);
        }
    }

    @Test
    void appendsAreReadBackInOrderAfterReopen() throws IOException {
        List<Message> all = new ArrayList<>();
        try (FileMetadataLog l = FileMetadataLog.open(dir)) {
            assertThat(l.endOffset()).isZero();
            for (int i = 0; i < 5; i++) {
                List<Message> batch = List.of(rec("a" + i), rec("b" + i));
                assertThat(l.append(batch)).isEqualTo(2L * i);
                all.addAll(batch);
            }
            assertThat(l.endOffset()).isEqualTo(10);
            assertThat(l.append(List.of())).isEqualTo(10);
        }
        try (FileMetadataLog l = FileMetadataLog.open(dir)) {
            assertThat(l.endOffset()).isEqualTo(10);
            Collected c = load(l);
            assertThat(c.snapshotOffset).isEqualTo(-1);
            assertThat(c.bases).containsExactly(0L, 2L, 4L, 6L, 8L);
            assertThat(c.records).isEqualTo(all);
            assertThat(l.bytesSinceSnapshot()).isEqualTo(Files.size(onlySegment()));
        }
    }

    @Test
    void tornTailIsTruncatedAndAppendsContinue() throws IOException {
        long goodSize;
        try (FileMetadataLog l = FileMetadataLog.open(dir)) {
            l.append(List.of(rec("x")));
            goodSize = Files.size(onlySegment());
            l.append(List.of(rec("y"), rec("z")));
        }
        // cut the last batch in the middle, as a crash during the write would
        long full = Files.size(onlySegment());
        try (RandomAccessFile f = new RandomAccessFile(onlySegment().toFile(), "rw")) {
            f.setLength(full - 5);
        }
        try (FileMetadataLog l = FileMetadataLog.open(dir)) {
            assertThat(l.endOffset()).isEqualTo(1);
            assertThat(Files.size(onlySegment())).isEqualTo(goodSize);
            assertThat(load(l).records).extracting(m -> ((TopicRecord) m).name).containsExactly("x");
            l.append(List.of(rec("w")));
        }
        try (FileMetadataLog l = FileMetadataLog.open(dir)) {
            assertThat(load(l).records).extracting(m -> ((TopicRecord) m).name).containsExactly("x", "w");
        }
    }

    @Test
    void tornTailVariants() throws IOException {
        try (FileMetadataLog l = FileMetadataLog.open(dir)) {
            l.append(List.of(rec("x")));
        }
        long good = Files.size(onlySegment());
        // 1: a partial length field
        Files.write(onlySegment(), new byte[] {0, 0}, java.nio.file.StandardOpenOption.APPEND);
        reopenExpecting(1, good);
        // 2: zeros left by a file extended before the crash
        Files.write(onlySegment(), new byte[4096], java.nio.file.StandardOpenOption.APPEND);
        reopenExpecting(1, good);
        // 3: a complete-length last frame whose bytes did not all reach the disk (bad CRC)
        try (FileMetadataLog l = FileMetadataLog.open(dir)) {
            l.append(List.of(rec("y")));
        }
        long withY = Files.size(onlySegment());
        flipByte(onlySegment(), withY - 3);
        reopenExpecting(1, good);
    }

    private void reopenExpecting(long endOffset, long size) throws IOException {
        try (FileMetadataLog l = FileMetadataLog.open(dir)) {
            assertThat(l.endOffset()).isEqualTo(endOffset);
        }
        assertThat(Files.size(onlySegment())).isEqualTo(size);
    }

    private static void flipByte(Path p, long pos) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.seek(pos);
            int b = f.read();
            f.seek(pos);
            f.write(b ^ 0xff);
        }
    }

    @Test
    void corruptionBeforeTheTailFailsInsteadOfLosingData() throws IOException {
        try (FileMetadataLog l = FileMetadataLog.open(dir)) {
            l.append(List.of(rec("x")));
            l.append(List.of(rec("y")));
        }
        flipByte(onlySegment(), 30); // inside the first of two batches
        long size = Files.size(onlySegment());
        assertThatThrownBy(() -> FileMetadataLog.open(dir)).isInstanceOf(IOException.class).hasMessageContaining("corrupt");
        assertThat(Files.size(onlySegment())).isEqualTo(size);
    }

    @Test
    void snapshotRollsTheLogAndIsLoadedFirst() throws IOException {
        try (FileMetadataLog l = FileMetadataLog.open(dir)) {
            l.append(List.of(rec("a"), rec("b")));
            l.append(List.of(rec("c")));
            l.snapshot(3, List.of(rec("snap")));
            assertThat(l.bytesSinceSnapshot()).isZero();
            l.append(List.of(rec("d")));
        }
        try (Stream<Path> s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString()).filter(n -> !n.equals(".lock")).sorted().toList())
                    .containsExactly("00000000000000000003.checkpoint", "00000000000000000003.log");
        }
        try (FileMetadataLog l = FileMetadataLog.open(dir)) {
            assertThat(l.endOffset()).isEqualTo(4);
            assertThat(l.snapshotOffset()).isEqualTo(3);
            Collected c = load(l);
            assertThat(c.snapshotOffset).isEqualTo(3);
            assertThat(c.snapshot).extracting(m -> ((TopicRecord) m).name).containsExactly("snap");
            assertThat(c.bases).containsExactly(3L);
            assertThat(c.records).extracting(m -> ((TopicRecord) m).name).containsExactly("d");
        }
    }

    @Test
    void emptySnapshotAndSnapshotOfEmptyLog() throws IOException {
        try (FileMetadataLog l = FileMetadataLog.open(dir)) {
            l.snapshot(0, List.of());
        }
        try (FileMetadataLog l = FileMetadataLog.open(dir)) {
            Collected c = load(l);
            assertThat(c.snapshotOffset).isZero();
            assertThat(c.snapshot).isEmpty();
            assertThat(l.endOffset()).isZero();
        }
    }

    @Test
    void leftoverTempFilesAreRemovedAndSecondOpenIsRefused() throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("00000000000000000005.checkpoint.tmp"), "partial");
        try (FileMetadataLog l = FileMetadataLog.open(dir)) {
            assertThat(dir.resolve("00000000000000000005.checkpoint.tmp")).doesNotExist();
            assertThatThrownBy(() -> FileMetadataLog.open(dir)).isInstanceOf(IOException.class).hasMessageContaining("in use");
            l.append(List.of(rec("a")));
        }
        try (FileMetadataLog l = FileMetadataLog.open(dir)) {
            assertThat(l.endOffset()).isEqualTo(1);
        }
    }

    @Test
    void aMissingStartWithoutSnapshotIsCorruption() throws IOException {
        try (FileMetadataLog l = FileMetadataLog.open(dir)) {
            l.append(List.of(rec("a")));
            l.snapshot(1, List.of(rec("s")));
            l.append(List.of(rec("b")));
        }
        Files.delete(dir.resolve("00000000000000000001.checkpoint"));
        assertThatThrownBy(() -> FileMetadataLog.open(dir)).isInstanceOf(IOException.class)
                .hasMessageContaining("no snapshot");
    }

    @Test
    void snapshotBeyondTheEndIsRefused() throws IOException {
        try (FileMetadataLog l = FileMetadataLog.open(dir)) {
            assertThatThrownBy(() -> l.snapshot(5, List.of())).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
