package io.runnel.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * Crash-safe replacement of small files: the new content goes to {@code <name>.tmp}, is forced to
 * disk, and is renamed over the old file atomically, so a reader finds either the old or the new
 * content, never a mix. Used by every checkpoint, the partition metadata file and producer snapshots.
 *
 * <p>Stateless and thread-safe; callers serialise writes to the same file.
 */
final class CheckpointFiles {
    private CheckpointFiles() {
    }

    /** Atomically replaces {@code file} with {@code content}, fsyncing the file and (best effort) its directory. */
    static void writeAtomically(Path file, byte[] content) throws IOException {
        writeAtomically(file, content, true);
    }

    /**
     * As {@link #writeAtomically(Path, byte[])}; without {@code durable} nothing is fsynced: for files that
     * can be rebuilt when a crash loses them (a reader sees the old content, the new one, or no file).
     */
    static void writeAtomically(Path file, byte[] content, boolean durable) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buf = ByteBuffer.wrap(content);
            while (buf.hasRemaining()) ch.write(buf);
            if (durable) ch.force(true);
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        if (durable) fsyncDir(file.getParent());
    }

    static void writeLines(Path file, List<String> lines) throws IOException {
        writeLines(file, lines, true);
    }

    static void writeLines(Path file, List<String> lines, boolean durable) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (String l : lines) sb.append(l).append('\n');
        writeAtomically(file, sb.toString().getBytes(StandardCharsets.UTF_8), durable);
    }

    /** The file's lines, or null when it does not exist. */
    static List<String> readLines(Path file) throws IOException {
        // checked first: most partitions have no leader-epoch file, and an exception per partition is
        // measurable when 100,000 of them load
        if (!Files.exists(file)) return null;
        try {
            // not Files.readAllLines: its reader allocates ~24 KB of buffers per file, which for 100,000
            // small partition files at start-up is gigabytes of garbage that grows the heap
            return new String(Files.readAllBytes(file), StandardCharsets.UTF_8).lines().toList();
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /** Forces a directory entry change (create, rename, delete) to disk where the platform allows it. */
    static void fsyncDir(Path dir) {
        if (dir == null) return;
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // not supported on every platform/filesystem; the rename itself is still atomic
        }
    }
}
