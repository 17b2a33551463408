package io.runnel.quorum;

import io.runnel.metadata.MetadataRecordSerde;
import io.runnel.protocol.GrowableWritable;
import io.runnel.protocol.Message;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * One snapshot of the metadata state machine: the records that rebuild the image, the record offset
 * of that image, and the Raft term and index of the last entry it reflects. The applied index is in
 * the same file as the state, so the two can never disagree after a crash. All integers big-endian:
 *
 * <pre>
 * int32 magic 'RNQS'   int16 version (1)   int64 term   int64 index   int64 recordOffset   int32 count
 * count x { int16 type, int16 version, int32 size, payload }
 * int32 crc32c of everything before it
 * </pre>
 *
 * <p>{@link #write} writes {@code <target>.tmp}, fsyncs it, renames it atomically onto the target
 * and fsyncs the directory: a reader sees the old snapshot or the complete new one.
 */
public record SnapshotFile(long term, long index, long recordOffset, List<Message> records) {
    static final int MAGIC = 0x524E5153; // "RNQS"
    static final short VERSION = 1;
    static final String TMP_SUFFIX = ".tmp";

    /** Encodes this snapshot. */
    public byte[] encode() {
        GrowableWritable out = new GrowableWritable(4096);
        out.writeInt(MAGIC);
        out.writeShort(VERSION);
        out.writeLong(term);
        out.writeLong(index);
        out.writeLong(recordOffset);
        out.writeInt(records.size());
        for (Message m : records) MetadataRecordSerde.write(m, out);
        CRC32C crc = new CRC32C();
        crc.update(out.toByteBuffer());
        out.writeInt((int) crc.getValue());
        return out.toArray();
    }

    /** Writes this snapshot to {@code target} atomically (temp file, fsync, rename, fsync dir). */
    public void write(Path target) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + TMP_SUFFIX);
        ByteBuffer b = ByteBuffer.wrap(encode());
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            while (b.hasRemaining()) ch.write(b);
            ch.force(true);
        }
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
        fsyncDir(target.getParent());
    }

    /**
     * Reads and checks a snapshot file.
     *
     * @throws IOException when it is unreadable, truncated, fails its CRC or holds records this build
     *                     cannot read
     */
    public static SnapshotFile read(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file));
        try {
            if (b.remaining() < 38) throw new IllegalStateException("file of " + b.remaining() + " bytes is too short");
            int end = b.limit() - 4;
            CRC32C crc = new CRC32C();
            crc.update(b.slice(0, end));
            if ((int) crc.getValue() != b.getInt(end)) throw new IllegalStateException("CRC mismatch");
            ByteBuffer body = b.slice(0, end);
            if (body.getInt() != MAGIC) throw new IllegalStateException("not a Runnel metadata snapshot");
            short version = body.getShort();
            if (version != VERSION) throw new IllegalStateException("snapshot format " + version + " is unknown to this build");
            long term = body.getLong();
            long index = body.getLong();
            long recordOffset = body.getLong();
            int count = body.getInt();
            List<Message> records = new ArrayList<>(Math.max(0, Math.min(count, 1 << 16)));
            for (int i = 0; i < count; i++) records.add(MetadataRecordSerde.read(body));
            if (body.hasRemaining()) throw new IllegalStateException(body.remaining() + " bytes after the last record");
            return new SnapshotFile(term, index, recordOffset, records);
        } catch (IllegalStateException | IndexOutOfBoundsException | java.nio.BufferUnderflowException e) {
            throw new IOException("corrupt metadata snapshot " + file + ": " + e.getMessage(), e);
        }
    }

    private static void fsyncDir(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            // some platforms cannot open or sync a directory; the file itself is synced regardless
        }
    }
}
