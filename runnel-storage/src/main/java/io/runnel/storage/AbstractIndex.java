package io.runnel.storage;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * A file of fixed-size entries sorted by a key, the common part of the offset index and the time index
 * of a segment.
 *
 * <p>On disk: exactly {@code entries * entrySize} bytes; the file grows by appends and is never
 * preallocated, so an index costs nothing until it has entries. Files written by older versions, which
 * preallocated the active segment's index and were not trimmed before a crash, are read as full of
 * entries; their zero tail fails {@link #sanityCheck} and the segment rebuilds its indexes.
 *
 * <p>Access: positional reads and writes through a {@link CachedFileChannel} (no memory mapping), so an
 * index holds neither a descriptor nor a mapping while idle. Lookups binary-search the file, except
 * that the last entry is kept in memory: a lookup at or beyond it (reads at the log's tail, the common
 * case) costs no I/O. Appends are staged in memory and written with one write per {@link #flushPending}
 * (the segment calls it once per append of batches), so index maintenance adds at most one write per
 * index per produce request.
 *
 * <p>Threads: mutations ({@code append}, truncation, {@link #flushPending}, close) are
 * {@code synchronized} and, in practice, made by the log's appending thread under the log lock.
 * Lookups do not lock: they read the volatile published entry count and only read entries below it,
 * which are on disk before the count is published. Staged entries are seen only by the writer.
 */
abstract class AbstractIndex implements Closeable {
    /** Flush staged entries once this many bytes are staged (a recovery of a big segment). */
    private static final int MAX_STAGED_BYTES = 64 * 1024;

    protected final long baseOffset;
    private final int entrySize;
    private final int maxEntries;
    private final FileHandleCache handles;
    /**
     * Created on first use: most indexes of a broker with many partitions are never read or written, and
     * a channel object costs about 100 bytes of heap each (see docs/benchmarks.md, partition scale).
     */
    private volatile CachedFileChannel channel;
    private volatile Path file;
    /** Entries on disk and visible to readers. */
    private volatile int entries;
    /** The last published entry, kept so tail lookups read no file; null when unknown. */
    private volatile CachedEntry last;
    /** Entries appended but not yet written (writer only). */
    private ByteBuffer staged;
    private boolean closed;

    private record CachedEntry(int index, ByteBuffer bytes) {
    }

    /**
     * Opens or creates (empty) the index file. An existing file is read as {@code length / entrySize}
     * entries; no descriptor is opened until the first read or write.
     *
     * @param maxIndexSize the most bytes of entries the index takes before its segment must roll
     */
    protected AbstractIndex(Path file, long baseOffset, int maxIndexSize, int entrySize, FileHandleCache handles)
            throws IOException {
        this.file = file;
        this.baseOffset = baseOffset;
        this.entrySize = entrySize;
        this.maxEntries = Math.max(1, maxIndexSize / entrySize);
        long len;
        if (Files.exists(file)) {
            len = Files.size(file);
        } else {
            Files.newByteChannel(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE).close();
            len = 0;
        }
        this.entries = (int) Math.min(Integer.MAX_VALUE, len / entrySize);
        this.handles = handles;
    }

    /** The index's channel, created on first use; a closed index that never had one gets a closed one. */
    private CachedFileChannel channel() throws IOException {
        CachedFileChannel c = channel;
        if (c != null) return c;
        synchronized (this) {
            if (channel == null) {
                c = new CachedFileChannel(handles, () -> this.file,
                        p -> FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE));
                if (closed) c.close();
                channel = c;
            }
            return channel;
        }
    }

    Path file() {
        return file;
    }

    /** Entries visible to readers. */
    int entries() {
        return entries;
    }

    /** Entries including those staged by the writer and not yet flushed (writer only). */
    protected int entriesIncludingStaged() {
        return entries + stagedCount();
    }

    private int stagedCount() {
        ByteBuffer s = staged;
        return s == null ? 0 : s.position() / entrySize;
    }

    int maxEntries() {
        return maxEntries;
    }

    /** True when no further entry fits (staged ones included). */
    boolean isFull() {
        return entriesIncludingStaged() >= maxEntries;
    }

    /** Bytes of valid entries on disk. */
    int sizeInBytes() {
        return entries * entrySize;
    }

    /**
     * Entry {@code i} (0-based) as a buffer of {@code entrySize} bytes at position 0: from the staged
     * entries, the cached last entry, or the file.
     */
    protected ByteBuffer entry(int i) {
        int published = entries;
        if (i >= published) {
            ByteBuffer s = staged; // only the writer gets here
            return s.duplicate().position((i - published) * entrySize).limit((i - published + 1) * entrySize).slice();
        }
        CachedEntry c = last;
        if (c != null && c.index() == i) return c.bytes().duplicate();
        ByteBuffer buf = ByteBuffer.allocate(entrySize);
        try {
            long pos = (long) i * entrySize;
            while (buf.hasRemaining()) {
                int n = channel().read(buf, pos + buf.position());
                if (n < 0) throw new UncheckedIOException(new IOException("index " + file + " ends before entry " + i));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read index " + file, e);
        }
        buf.flip();
        if (i == published - 1) last = new CachedEntry(i, buf.asReadOnlyBuffer());
        return buf;
    }

    /** Stages one entry at the end: {@code writer} writes {@code entrySize} bytes at the given position. */
    protected synchronized boolean appendEntry(EntryWriter writer) {
        if (closed) throw new IllegalStateException("index closed: " + file);
        if (entriesIncludingStaged() >= maxEntries) return false;
        if (staged == null) staged = ByteBuffer.allocate(16 * entrySize);
        if (staged.remaining() < entrySize) {
            if (staged.capacity() >= MAX_STAGED_BYTES) {
                flushPendingUnchecked();
                staged = ByteBuffer.allocate(16 * entrySize);
            } else {
                ByteBuffer bigger = ByteBuffer.allocate(staged.capacity() * 2);
                bigger.put(staged.flip());
                staged = bigger;
            }
        }
        int p = staged.position();
        writer.write(staged, p);
        staged.position(p + entrySize);
        return true;
    }

    @FunctionalInterface
    protected interface EntryWriter {
        void write(ByteBuffer buf, int position);
    }

    /** Writes the staged entries and publishes them to readers. */
    synchronized void flushPending() throws IOException {
        ByteBuffer s = staged;
        if (s == null || s.position() == 0) return;
        int n = s.position() / entrySize;
        ByteBuffer out = s.duplicate().flip();
        long pos = (long) entries * entrySize;
        CachedFileChannel c = channel();
        while (out.hasRemaining()) pos += c.write(out, pos);
        ByteBuffer lastBytes = ByteBuffer.allocate(entrySize);
        lastBytes.put(s.duplicate().position((n - 1) * entrySize).limit(n * entrySize)).flip();
        int published = entries + n;
        last = new CachedEntry(published - 1, lastBytes.asReadOnlyBuffer());
        staged = null; // an idle index keeps no buffer
        entries = published; // publishes the entries
    }

    private void flushPendingUnchecked() {
        try {
            flushPending();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write index " + file, e);
        }
    }

    /** Drops entries from index {@code n} on (staged entries are written first). */
    protected synchronized void truncateToEntries(int n) {
        flushPendingUnchecked();
        if (n >= entries) return;
        int keep = Math.max(0, n);
        entries = keep;
        last = null;
        try {
            channel().truncate((long) keep * entrySize);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot truncate index " + file, e);
        }
    }

    /** Drops every entry. */
    synchronized void reset() throws IOException {
        staged = null;
        entries = 0;
        last = null;
        if (channel().size() > 0) channel().truncate(0); // an empty index is not even opened
    }

    synchronized void flush() throws IOException {
        if (closed) return;
        flushPending();
        CachedFileChannel c = channel;
        if (c != null) c.force(true); // without a channel, this index wrote nothing
    }

    /** Renames the file; an open descriptor stays valid, later opens use the new name. */
    synchronized void renameTo(Path target) throws IOException {
        channel().runPinned(() -> {
            Files.move(file, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            file = target;
        });
    }

    /** Writes staged entries and releases the descriptor; later appends fail. */
    @Override
    public synchronized void close() throws IOException {
        if (closed) return;
        try {
            if (Files.exists(file)) flushPending();
        } finally {
            closed = true;
            CachedFileChannel c = channel;
            if (c != null) c.close();
        }
    }

    /** Closes without writing staged entries (the file is being deleted). */
    synchronized void closeHandler() {
        closed = true;
        try {
            CachedFileChannel c = channel;
            if (c != null) c.close();
        } catch (IOException ignored) {
            // nothing to undo
        }
    }

    synchronized void deleteIfExists() throws IOException {
        closeHandler();
        Files.deleteIfExists(file);
    }

    /** Whether the index holds a descriptor right now. */
    boolean hasOpenDescriptor() {
        CachedFileChannel c = channel;
        return c != null && c.hasOpenDescriptor();
    }

    /**
     * Throws {@link CorruptIndexException} when the file cannot be a valid index for its segment: its
     * length is not a whole number of entries, or its first and last entries are not in order.
     */
    void sanityCheck() throws IOException {
        long len = Files.size(file);
        if (len % entrySize != 0) {
            throw new CorruptIndexException("index file " + file + " has length " + len
                    + ", not a multiple of the entry size " + entrySize);
        }
        try {
            checkEntries();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    protected abstract void checkEntries();

    /**
     * Binary search over entries [0, n): the largest index whose key is &lt;= target, or -1. The last
     * entry is tried first, so searches at the tail read no file.
     */
    protected int largestLowerBound(int n, long target, KeyReader key) {
        if (n == 0) return -1;
        if (key.key(entry(n - 1)) <= target) return n - 1;
        if (key.key(entry(0)) > target) return -1;
        int lo = 0;
        int hi = n - 2;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (key.key(entry(mid)) <= target) lo = mid;
            else hi = mid - 1;
        }
        return lo;
    }

    @FunctionalInterface
    protected interface KeyReader {
        long key(ByteBuffer entry);
    }

    /** An index whose contents cannot be trusted; the segment rebuilds it from the log. */
    static final class CorruptIndexException extends IOException {
        CorruptIndexException(String message) {
            super(message);
        }
    }
}
