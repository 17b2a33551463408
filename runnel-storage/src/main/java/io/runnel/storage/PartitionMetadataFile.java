package io.runnel.storage;

import io.runnel.common.Uuid;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The {@code partition.metadata} file of a partition directory, recording the topic id the log
 * belongs to, so that a log of a deleted and re-created topic of the same name is recognised.
 *
 * <p>On disk (text): {@code version: 0} and {@code topic_id: <22-character base64 uuid>} lines.
 * Replaced atomically. Stateless; thread-safe.
 */
final class PartitionMetadataFile {
    static final String NAME = "partition.metadata";

    private PartitionMetadataFile() {
    }

    static void write(Path dir, Uuid topicId) throws IOException {
        String text = "version: 0\ntopic_id: " + topicId + "\n";
        // not fsynced (two fsyncs per partition made creating 100,000 partitions take minutes): the topic id
        // is in the metadata log, and a file lost or torn by a crash reads as absent and is written again
        CheckpointFiles.writeAtomically(dir.resolve(NAME), text.getBytes(StandardCharsets.UTF_8), false);
    }

    /** The recorded topic id; empty when the file is missing or unreadable. */
    static Optional<Uuid> read(Path dir) {
        try {
            List<String> lines = CheckpointFiles.readLines(dir.resolve(NAME));
            if (lines == null) return Optional.empty();
            for (String l : lines) {
                if (l.startsWith("topic_id:")) return Optional.of(Uuid.fromString(l.substring(9).trim()));
            }
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
