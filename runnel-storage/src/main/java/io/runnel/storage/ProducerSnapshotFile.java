package io.runnel.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * Reads and writes producer-state snapshots, {@code <20-digit offset>.snapshot} in the partition
 * directory. A snapshot at offset {@code N} holds the state after applying every batch below {@code N}.
 *
 * <p>On disk (big-endian): version int16 (1), CRC-32C int32 of everything after it, producer count
 * int32, then per producer: producerId int64, epoch int16, coordinatorEpoch int32, lastTimestamp int64,
 * currentTxnFirstOffset int64 (-1 = none), batch count int8, and per batch (oldest first): firstSeq
 * int32, lastSeq int32, firstOffset int64, lastOffset int64, timestamp int64. Written atomically.
 *
 * <p>Stateless; thread-safe.
 */
final class ProducerSnapshotFile {
    static final String SUFFIX = ".snapshot";
    private static final short VERSION = 1;
    private static final int PRODUCER_FIXED = 8 + 2 + 4 + 8 + 8 + 1;
    private static final int BATCH_SIZE = 4 + 4 + 8 + 8 + 8;

    private ProducerSnapshotFile() {
    }

    static Path path(Path dir, long offset) {
        return dir.resolve(LogSegment.fileStem(offset) + SUFFIX);
    }

    static void write(Path file, Collection<ProducerEntry> entries) throws IOException {
        int size = 2 + 4 + 4;
        for (ProducerEntry e : entries) size += PRODUCER_FIXED + e.batches.size() * BATCH_SIZE;
        ByteBuffer buf = ByteBuffer.allocate(size);
        buf.putShort(VERSION).putInt(0).putInt(entries.size());
        for (ProducerEntry e : entries) {
            buf.putLong(e.producerId).putShort(e.epoch).putInt(e.coordinatorEpoch).putLong(e.lastTimestamp)
                    .putLong(e.currentTxnFirstOffset).put((byte) e.batches.size());
            for (ProducerEntry.BatchMetadata b : e.batches) {
                buf.putInt(b.firstSeq()).putInt(b.lastSeq()).putLong(b.firstOffset()).putLong(b.lastOffset())
                        .putLong(b.timestamp());
            }
        }
        CRC32C crc = new CRC32C();
        crc.update(buf.array(), 6, size - 6);
        buf.putInt(2, (int) crc.getValue());
        CheckpointFiles.writeAtomically(file, buf.array());
    }

    /**
     * @throws IOException when the file is unreadable, of an unknown version, or fails its CRC
     */
    static Map<Long, ProducerEntry> read(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        if (bytes.length < 10) throw new IOException("producer snapshot " + file + " is truncated");
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        short version = buf.getShort();
        if (version != VERSION) throw new IOException("producer snapshot " + file + " has unknown version " + version);
        int storedCrc = buf.getInt();
        CRC32C crc = new CRC32C();
        crc.update(bytes, 6, bytes.length - 6);
        if ((int) crc.getValue() != storedCrc) throw new IOException("producer snapshot " + file + " fails its CRC");
        try {
            int n = buf.getInt();
            Map<Long, ProducerEntry> out = new HashMap<>();
            for (int i = 0; i < n; i++) {
                long pid = buf.getLong();
                short epoch = buf.getShort();
                int coordinatorEpoch = buf.getInt();
                long lastTs = buf.getLong();
                long txnFirst = buf.getLong();
                int nb = buf.get();
                ArrayDeque<ProducerEntry.BatchMetadata> batches = new ArrayDeque<>();
                for (int j = 0; j < nb; j++) {
                    batches.add(new ProducerEntry.BatchMetadata(buf.getInt(), buf.getInt(), buf.getLong(), buf.getLong(),
                            buf.getLong()));
                }
                out.put(pid, new ProducerEntry(pid, epoch, coordinatorEpoch, lastTs, txnFirst, batches));
            }
            return out;
        } catch (RuntimeException e) {
            throw new IOException("producer snapshot " + file + " is malformed", e);
        }
    }

    /** The offset a snapshot file name stands for, or -1 when the name is not a snapshot's. */
    static long offsetOf(Path file) {
        String name = file.getFileName().toString();
        if (!name.endsWith(SUFFIX) || name.length() != 20 + SUFFIX.length()) return -1;
        try {
            return Long.parseLong(name.substring(0, 20));
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
