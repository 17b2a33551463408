package io.runnel.storage;

import io.runnel.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One per-log-directory checkpoint of an offset per partition: {@code recovery-point-offset-checkpoint},
 * {@code log-start-offset-checkpoint}, {@code replication-offset-checkpoint} (high watermarks) and
 * {@code cleaner-offset-checkpoint}.
 *
 * <p>On disk (text, UTF-8): a version line {@code 0}, a line with the number of entries, then one
 * {@code <topic> <partition> <offset>} line per entry (topic names cannot contain spaces). Replaced
 * atomically (see {@link CheckpointFiles}).
 *
 * <p>Threads: {@link #write} and {@link #read} are synchronized on the instance.
 */
final class OffsetCheckpointFile {
    private static final Logger LOG = LoggerFactory.getLogger(OffsetCheckpointFile.class);
    static final String RECOVERY_POINT = "recovery-point-offset-checkpoint";
    static final String LOG_START_OFFSET = "log-start-offset-checkpoint";
    static final String REPLICATION_OFFSET = "replication-offset-checkpoint";
    static final String CLEANER_OFFSET = "cleaner-offset-checkpoint";
    private static final int VERSION = 0;

    private final Path file;

    OffsetCheckpointFile(Path file) {
        this.file = file;
    }

    Path file() {
        return file;
    }

    synchronized void write(Map<TopicPartition, Long> offsets) throws IOException {
        List<String> lines = new ArrayList<>(offsets.size() + 2);
        lines.add(Integer.toString(VERSION));
        lines.add(Integer.toString(offsets.size()));
        for (Map.Entry<TopicPartition, Long> e : new TreeMap<>(offsets).entrySet()) {
            lines.add(e.getKey().topic() + " " + e.getKey().partition() + " " + e.getValue());
        }
        CheckpointFiles.writeLines(file, lines);
    }

    /**
     * The checkpointed offsets; empty when the file is missing. A malformed file is logged and read
     * as empty (its offsets are only hints: a lost recovery point means more recovery, a lost high
     * watermark is recomputed).
     */
    synchronized Map<TopicPartition, Long> read() {
        Map<TopicPartition, Long> out = new HashMap<>();
        try {
            List<String> lines = CheckpointFiles.readLines(file);
            if (lines == null) return out;
            if (lines.size() < 2 || Integer.parseInt(lines.get(0).trim()) != VERSION) {
                throw new IOException("unknown version or missing header");
            }
            int n = Integer.parseInt(lines.get(1).trim());
            if (lines.size() < n + 2) throw new IOException("expected " + n + " entries, found " + (lines.size() - 2));
            for (int i = 0; i < n; i++) {
                String[] parts = lines.get(i + 2).trim().split(" ");
                if (parts.length != 3) throw new IOException("malformed line: " + lines.get(i + 2));
                out.put(new TopicPartition(parts[0], Integer.parseInt(parts[1])), Long.parseLong(parts[2]));
            }
            return out;
        } catch (IOException | RuntimeException e) {
            LOG.warn("Ignoring malformed checkpoint file {}: {}", file, e.toString());
            return new HashMap<>();
        }
    }
}
