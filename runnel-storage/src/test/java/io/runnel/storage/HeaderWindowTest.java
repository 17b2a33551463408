package io.runnel.storage;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static org.assertj.core.api.Assertions.assertThat;

class HeaderWindowTest {
    @TempDir
    Path dir;

    /** File of {@code n} big-endian ints 0, 1, 2, ...: the int at byte position 4k is k. */
    private FileChannel counting(int n) throws Exception {
        ByteBuffer b = ByteBuffer.allocate(4 * n);
        for (int i = 0; i < n; i++) b.putInt(i);
        Path f = dir.resolve("ints");
        Files.write(f, b.array());
        return FileChannel.open(f, StandardOpenOption.READ);
    }

    @Test
    void servesEveryPositionFromTheWindowOrRereadsAcrossItsEnd() throws Exception {
        int n = 3 * HeaderWindow.WINDOW / 4; // three windows of ints
        try (FileChannel ch = counting(n)) {
            HeaderWindow w = new HeaderWindow(ch);
            for (int k = 0; k < n - 15; k += 7) {
                int i = w.at(4L * k, 61);
                assertThat(i).isNotNegative();
                assertThat(w.buffer().getInt(i)).as("int at %d", k).isEqualTo(k);
                assertThat(w.buffer().getInt(i + 56)).isEqualTo(k + 14);
            }
            // going backwards outside the window reads again
            int i = w.at(8, 12);
            assertThat(w.buffer().getInt(i)).isEqualTo(2);
        }
    }

    @Test
    void answersMinusOneWhenTheFileEndsFirst() throws Exception {
        try (FileChannel ch = counting(10)) {
            HeaderWindow w = new HeaderWindow(ch);
            assertThat(w.at(36, 4)).isNotNegative();
            assertThat(w.at(36, 8)).isEqualTo(-1);
            assertThat(w.at(40, 1)).isEqualTo(-1);
            int i = w.at(0, 40);
            assertThat(w.buffer().getInt(i + 36)).isEqualTo(9);
        }
    }

    @Test
    void aWalkOverSmallBatchesReadsOncePerWindow() throws Exception {
        int n = 2 * HeaderWindow.WINDOW / 4;
        try (FileChannel real = counting(n)) {
            int[] reads = {0};
            FileChannel ch = new DelegatingFileChannel(real) {
                @Override
                public int read(ByteBuffer dst, long position) throws java.io.IOException {
                    reads[0]++;
                    return super.read(dst, position);
                }
            };
            HeaderWindow w = new HeaderWindow(ch);
            // headers every 100 bytes (small batches) over two windows
            for (long p = 0; p + 61 <= 4L * n; p += 100) assertThat(w.at(p, 61)).isNotNegative();
            assertThat(reads[0]).isLessThanOrEqualTo(3); // was one read per header: 164
        }
    }
}
