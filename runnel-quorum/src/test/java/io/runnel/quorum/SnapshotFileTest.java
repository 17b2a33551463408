package io.runnel.quorum;

import io.runnel.common.Uuid;
import io.runnel.protocol.Message;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SnapshotFileTest {
    @TempDir
    Path dir;

    @Test
    void roundTripsAndLeavesNoTempFile() throws IOException {
        List<Message> records = new ArrayList<>(QuorumHarness.cluster(Uuid.random()));
        records.addAll(QuorumHarness.topic("a"));
        Path f = dir.resolve("snapshot.3_17");
        new SnapshotFile(3, 17, 42, records).write(f);
        SnapshotFile back = SnapshotFile.read(f);
        assertThat(back.term()).isEqualTo(3);
        assertThat(back.index()).isEqualTo(17);
        assertThat(back.recordOffset()).isEqualTo(42);
        assertThat(back.records()).isEqualTo(records);
        try (var s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString()).toList()).containsExactly("snapshot.3_17");
        }
    }

    @Test
    void aFlippedByteOrTruncationIsRefused() throws IOException {
        Path f = dir.resolve("snapshot.1_1");
        new SnapshotFile(1, 1, 1, QuorumHarness.topic("a")).write(f);
        byte[] b = Files.readAllBytes(f);
        b[30] ^= 1;
        Files.write(f, b);
        assertThatThrownBy(() -> SnapshotFile.read(f)).isInstanceOf(IOException.class).hasMessageContaining("CRC");
        Files.write(f, java.util.Arrays.copyOf(b, 20));
        assertThatThrownBy(() -> SnapshotFile.read(f)).isInstanceOf(IOException.class).hasMessageContaining("too short");
    }

    @Test
    void entryCodecRoundTripsAndRefusesUnknownFormats() {
        List<Message> records = QuorumHarness.topic("t");
        byte[] e = MetadataEntryCodec.encode(records);
        assertThat(MetadataEntryCodec.decode(ByteBuffer.wrap(e))).isEqualTo(records);
        e[0] = 9;
        assertThatThrownBy(() -> MetadataEntryCodec.decode(ByteBuffer.wrap(e)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("unknown metadata entry format 9");
    }
}
