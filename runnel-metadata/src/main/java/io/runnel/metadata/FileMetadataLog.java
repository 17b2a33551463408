package io.runnel.metadata;

import io.runnel.protocol.GrowableWritable;
import io.runnel.protocol.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * The metadata log of a single node, in files under one directory (by default
 * {@code <first log dir>/__cluster_metadata-0}).
 *
 * <h2>On-disk layout</h2>
 * <pre>
 * .lock                          held (OS file lock) while the log is open, so one process owns it
 * 00000000000000000000.log       a segment: batches whose first offset is the file name, in order
 * 00000000000000000137.log       the next segment, started when a snapshot at offset 137 was taken
 * 00000000000000000137.checkpoint a snapshot: records rebuilding the state of offsets 0..136
 * *.tmp                          a snapshot being written; deleted at open
 * </pre>
 * Segment and snapshot files are sequences of frames, all integers big-endian:
 * <pre>
 * int32 length       bytes that follow this field
 * int32 crc          CRC32C of the bytes that follow this field
 * int64 baseOffset   offset of the first record (in a snapshot: index of the first record in the file)
 * int32 count        number of records
 * count x { int16 type, int16 version, int32 size, size bytes payload }   see {@link MetadataRecordSerde}
 * </pre>
 * A batch is one frame, so it is appended all or nothing: {@link #append} writes the frame and
 * fsyncs before returning. At open, the last segment is scanned; a frame that is incomplete (cut off
 * by a crash), fails its CRC as the last frame of the file, or is followed only by zeros is a torn
 * tail and is truncated away. Any other damage (bad CRC in the middle, offsets out of order, a torn
 * frame in an older segment) is corruption and open fails rather than losing committed metadata.
 *
 * <p>A snapshot is written to a temporary file, fsynced and atomically renamed; then a new segment
 * starts at its offset and older segments and snapshots are deleted. A crash at any point leaves
 * either the old or the new state readable.
 *
 * <p>Threads: not thread-safe; one thread (the controller's) uses an instance.
 */
public final class FileMetadataLog implements MetadataLog {
    private static final Logger log = LoggerFactory.getLogger(FileMetadataLog.class);

    static final String LOG_SUFFIX = ".log";
    static final String SNAPSHOT_SUFFIX = ".checkpoint";
    static final String TMP_SUFFIX = ".tmp";
    /** Bytes of a frame before the records: length, crc, baseOffset, count. */
    static final int FRAME_HEADER = 4 + 4 + 8 + 4;
    /** Largest frame accepted on read or write. */
    static final int MAX_FRAME_BYTES = 64 * 1024 * 1024;
    private static final int SNAPSHOT_FRAME_TARGET = 1024 * 1024;

    private final Path dir;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private FileChannel active;
    private long activeBase;
    private long endOffset;
    private long snapshotOffset;     // -1 when there is no snapshot
    private long bytesSinceSnapshot;
    private boolean failed;

    private FileMetadataLog(Path dir, FileChannel lockChannel, FileLock lock) {
        this.dir = dir;
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    /**
     * Opens (creating if needed) the log in {@code dir}, recovering a torn tail.
     *
     * @throws IOException when the directory is in use by another process, unreadable or corrupt
     */
    public static FileMetadataLog open(Path dir) throws IOException {
        Files.createDirectories(dir);
        FileChannel lc = FileChannel.open(dir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock fl;
        try {
            fl = lc.tryLock();
        } catch (OverlappingFileLockException e) {
            fl = null;
        }
        if (fl == null) {
            lc.close();
            throw new IOException("metadata log directory " + dir + " is in use by another Runnel process");
        }
        FileMetadataLog l = new FileMetadataLog(dir, lc, fl);
        try {
            l.recover();
        } catch (IOException | RuntimeException e) {
            l.closeQuietly();
            throw e;
        }
        return l;
    }

    public Path directory() {
        return dir;
    }

    // ---------------------------------------------------------------- recovery

    private void recover() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.toList()) {
                if (p.getFileName().toString().endsWith(TMP_SUFFIX)) Files.delete(p);
            }
        }
        List<Long> snapshots = offsets(SNAPSHOT_SUFFIX);
        snapshotOffset = -1;
        for (int i = snapshots.size() - 1; i >= 0 && snapshotOffset < 0; i--) {
            long off = snapshots.get(i);
            try {
                readSnapshot(off);
                snapshotOffset = off;
            } catch (IOException e) {
                log.error("Ignoring unreadable metadata snapshot {}: {}", snapshotPath(off), e.getMessage());
            }
        }
        List<Long> segments = offsets(LOG_SUFFIX);
        long expected = -1;
        bytesSinceSnapshot = 0;
        for (int i = 0; i < segments.size(); i++) {
            long base = segments.get(i);
            boolean last = i == segments.size() - 1;
            if (expected >= 0 && base != expected) {
                throw new IOException("metadata log segment " + segmentPath(base) + " starts at " + base
                        + " but the previous segment ends at " + expected);
            }
            if (expected < 0 && snapshotOffset >= 0 && base > snapshotOffset) {
                throw new IOException("metadata log starts at " + base + " but the newest snapshot only covers "
                        + snapshotOffset + " records");
            }
            if (expected < 0 && snapshotOffset < 0 && base != 0) {
                throw new IOException("metadata log starts at " + base + " and there is no snapshot");
            }
            Scan scan = scan(segmentPath(base), base, last);
            if (scan.tornAt >= 0) {
                long size = Files.size(segmentPath(base));
                log.warn("Truncating torn tail of metadata log {} at byte {} ({} bytes dropped)",
                        segmentPath(base), scan.tornAt, size - scan.tornAt);
                try (FileChannel ch = FileChannel.open(segmentPath(base), StandardOpenOption.WRITE)) {
                    ch.truncate(scan.tornAt);
                    ch.force(true);
                }
            }
            for (Frame f : scan.frames) {
                if (f.baseOffset < snapshotOffset && f.baseOffset + f.count > snapshotOffset) {
                    throw new IOException("batch at offset " + f.baseOffset + " straddles snapshot " + snapshotOffset);
                }
                if (f.baseOffset >= snapshotOffset) bytesSinceSnapshot += f.bytes;
            }
            expected = scan.endOffset;
        }
        if (segments.isEmpty()) {
            endOffset = Math.max(0, snapshotOffset);
            activeBase = endOffset;
            active = openSegment(activeBase, true);
        } else {
            if (snapshotOffset > expected) {
                throw new IOException("snapshot at " + snapshotOffset + " is beyond the end of the log (" + expected + ")");
            }
            endOffset = expected;
            activeBase = segments.get(segments.size() - 1);
            active = openSegment(activeBase, false);
        }
    }

    private List<Long> offsets(String suffix) throws IOException {
        List<Long> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.toList()) {
                String n = p.getFileName().toString();
                if (!n.endsWith(suffix)) continue;
                String digits = n.substring(0, n.length() - suffix.length());
                if (digits.length() != 20 || !digits.chars().allMatch(Character::isDigit)) continue;
                out.add(Long.parseLong(digits));
            }
        }
        out.sort(null);
        return out;
    }

    private Path segmentPath(long base) {
        return dir.resolve(String.format("%020d", base) + LOG_SUFFIX);
    }

    private Path snapshotPath(long offset) {
        return dir.resolve(String.format("%020d", offset) + SNAPSHOT_SUFFIX);
    }

    private FileChannel openSegment(long base, boolean create) throws IOException {
        Path p = segmentPath(base);
        boolean existed = Files.exists(p);
        FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ);
        ch.position(ch.size());
        if (!existed || create) {
            ch.force(true);
            fsyncDir();
        }
        return ch;
    }

    private record Frame(long position, int bytes, long baseOffset, int count, ByteBuffer records) {
    }

    private record Scan(List<Frame> frames, long endOffset, long tornAt) {
    }

    /**
     * Reads and checks every frame of a segment. {@code tornAt} is the position to truncate at, or -1.
     * Throws for damage that is not a torn tail (or any damage when {@code mayBeTorn} is false).
     */
    private static Scan scan(Path file, long base, boolean mayBeTorn) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(Files.readAllBytes(file));
        List<Frame> frames = new ArrayList<>();
        long expected = base;
        int size = buf.limit();
        int p = 0;
        while (p < size) {
            String problem = null;
            boolean torn = false;
            int remaining = size - p;
            int length = remaining >= 4 ? buf.getInt(p) : -1;
            if (remaining < 4) {
                torn = true;
                problem = "incomplete frame header";
            } else if (length < FRAME_HEADER - 4 || length > MAX_FRAME_BYTES) {
                torn = allZero(buf, p);
                problem = "invalid frame length " + length;
            } else if ((long) p + 4 + length > size) {
                torn = true;
                problem = "frame of " + length + " bytes cut off at end of file";
            } else {
                int crc = buf.getInt(p + 4);
                CRC32C c = new CRC32C();
                c.update(buf.slice(p + 8, length - 4));
                if ((int) c.getValue() != crc) {
                    torn = p + 4 + length == size;
                    problem = "CRC mismatch";
                } else {
                    long frameBase = buf.getLong(p + 8);
                    int count = buf.getInt(p + 16);
                    if (frameBase != expected || count < 0) {
                        throw new IOException("corrupt metadata log " + file + " at byte " + p + ": batch offset "
                                + frameBase + " where " + expected + " was expected");
                    }
                    frames.add(new Frame(p, 4 + length, frameBase, count, buf.slice(p + FRAME_HEADER, length + 4 - FRAME_HEADER)));
                    expected += count;
                    p += 4 + length;
                    continue;
                }
            }
            if (torn && mayBeTorn) return new Scan(frames, expected, p);
            throw new IOException("corrupt metadata log " + file + " at byte " + p + ": " + problem);
        }
        return new Scan(frames, expected, -1);
    }

    private static boolean allZero(ByteBuffer buf, int from) {
        for (int i = from; i < buf.limit(); i++) if (buf.get(i) != 0) return false;
        return true;
    }

    private static List<Message> decode(Path file, Frame f) throws IOException {
        List<Message> out = new ArrayList<>(f.count);
        ByteBuffer b = f.records.duplicate();
        try {
            for (int i = 0; i < f.count; i++) out.add(MetadataRecordSerde.read(b));
            if (b.hasRemaining()) throw new IllegalStateException(b.remaining() + " bytes after the last record");
        } catch (IllegalStateException e) {
            throw new IOException("corrupt metadata batch at offset " + f.baseOffset + " in " + file + ": " + e.getMessage(), e);
        }
        return out;
    }

    private List<Message> readSnapshot(long offset) throws IOException {
        Path p = snapshotPath(offset);
        Scan scan = scan(p, 0, false);
        List<Message> out = new ArrayList<>();
        for (Frame f : scan.frames) out.addAll(decode(p, f));
        return out;
    }

    // ---------------------------------------------------------------- MetadataLog

    @Override
    public void load(Visitor visitor) throws IOException {
        if (snapshotOffset >= 0) visitor.snapshot(snapshotOffset, readSnapshot(snapshotOffset));
        long from = Math.max(0, snapshotOffset);
        for (long base : offsets(LOG_SUFFIX)) {
            Path p = segmentPath(base);
            Scan scan = scan(p, base, false);
            for (Frame f : scan.frames) {
                if (f.baseOffset >= from) visitor.batch(f.baseOffset, decode(p, f));
            }
        }
    }

    @Override
    public long append(List<? extends Message> records) throws IOException {
        if (failed) throw new IOException("metadata log " + dir + " failed earlier and is read-only until restart");
        if (records.isEmpty()) return endOffset;
        ByteBuffer frame = frame(endOffset, records);
        long before = active.size();
        try {
            active.position(before);
            while (frame.hasRemaining()) active.write(frame);
            active.force(false);
        } catch (IOException e) {
            try {
                active.truncate(before);
                active.force(true);
            } catch (IOException e2) {
                failed = true;
                e.addSuppressed(e2);
            }
            throw e;
        }
        long base = endOffset;
        endOffset += records.size();
        bytesSinceSnapshot += frame.limit();
        return base;
    }

    /** Encodes one frame holding {@code records} with first offset {@code base}. */
    static ByteBuffer frame(long base, List<? extends Message> records) {
        GrowableWritable body = new GrowableWritable(256);
        body.writeLong(base);
        body.writeInt(records.size());
        for (Message m : records) MetadataRecordSerde.write(m, body);
        ByteBuffer b = body.toByteBuffer();
        if (b.remaining() + 8 > MAX_FRAME_BYTES) {
            throw new IllegalArgumentException("metadata batch of " + b.remaining() + " bytes exceeds " + MAX_FRAME_BYTES);
        }
        CRC32C crc = new CRC32C();
        crc.update(b.duplicate());
        ByteBuffer out = ByteBuffer.allocate(8 + b.remaining());
        out.putInt(4 + b.remaining());
        out.putInt((int) crc.getValue());
        out.put(b);
        return out.flip();
    }

    @Override
    public long endOffset() {
        return endOffset;
    }

    @Override
    public void snapshot(long offset, List<? extends Message> records) throws IOException {
        if (offset > endOffset || offset < 0) {
            throw new IllegalArgumentException("snapshot offset " + offset + " outside [0, " + endOffset + "]");
        }
        Path target = snapshotPath(offset);
        Path tmp = dir.resolve(target.getFileName() + TMP_SUFFIX);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            List<Message> chunk = new ArrayList<>();
            long index = 0;
            int chunkBytes = 0;
            for (Message m : records) {
                chunk.add(m);
                chunkBytes += 64; // rough: flush roughly every SNAPSHOT_FRAME_TARGET bytes
                if (chunkBytes >= SNAPSHOT_FRAME_TARGET) {
                    writeFully(ch, frame(index, chunk));
                    index += chunk.size();
                    chunk.clear();
                    chunkBytes = 0;
                }
            }
            if (!chunk.isEmpty() || index == 0) writeFully(ch, frame(index, chunk));
            ch.force(true);
        }
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
        fsyncDir();
        snapshotOffset = offset;
        if (offset == endOffset) {
            // start a new segment at the snapshot and drop what the snapshot replaces
            if (activeBase != offset) {
                active.close();
                activeBase = offset;
                active = openSegment(offset, true);
            }
            for (long base : offsets(LOG_SUFFIX)) if (base < offset) Files.deleteIfExists(segmentPath(base));
            bytesSinceSnapshot = 0;
        }
        for (long s : offsets(SNAPSHOT_SUFFIX)) if (s < offset) Files.deleteIfExists(snapshotPath(s));
        fsyncDir();
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) ch.write(b);
    }

    @Override
    public long bytesSinceSnapshot() {
        return bytesSinceSnapshot;
    }

    /** The offset of the newest snapshot, or -1. */
    public long snapshotOffset() {
        return snapshotOffset;
    }

    private void fsyncDir() {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            // some platforms cannot open or sync a directory; file contents are synced regardless
            log.debug("Could not fsync directory {}: {}", dir, e.getMessage());
        }
    }

    @Override
    public void close() throws IOException {
        try {
            if (active != null) active.close();
        } finally {
            try {
                lock.release();
            } finally {
                lockChannel.close();
            }
        }
    }

    private void closeQuietly() {
        try {
            close();
        } catch (IOException e) {
            log.debug("close after failed open", e);
        }
    }
}
