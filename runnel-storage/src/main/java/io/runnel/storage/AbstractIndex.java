package io.runnel.storage;

import java.io.Closeable;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * A memory-mapped file of fixed-size entries sorted by a key, the common part of the offset index and
 * the time index of a segment.
 *
 * <p>On disk: a file of {@code entries * entrySize} meaningful bytes. While the segment is active the
 * file is preallocated to {@code segment.index.bytes} (rounded down to whole entries) and mapped whole;
 * {@link #trimToValidSize} (on roll and close) cuts it to the entries written. After an unclean
 * shutdown a preallocated file is read as full of entries; its zero tail fails
 * {@link #sanityCheck} and the segment rebuilds its indexes.
 *
 * <p>Threads: mutations ({@code append}, truncation, resize, close) are {@code synchronized} and, in
 * practice, made by the log's appending thread under the log lock. Lookups do not lock: they read the
 * volatile entry count, then the volatile mapping, and only use absolute reads, so a lookup concurrent
 * with an append sees either the old or the new set of entries. Mappings that are replaced are left
 * for the garbage collector to unmap; they are only read below the entry count they were published
 * with, which is always inside the (possibly trimmed) file.
 */
abstract class AbstractIndex implements Closeable {
    protected final long baseOffset;
    private final int entrySize;
    private volatile Path file;
    private volatile MappedByteBuffer mmap;
    private volatile int entries;
    private volatile int maxEntries;
    private boolean closed;

    /**
     * Opens or creates the index file. A new (or empty) file is preallocated to {@code maxIndexSize};
     * an existing file keeps its length and is read as {@code length / entrySize} entries.
     */
    protected AbstractIndex(Path file, long baseOffset, int maxIndexSize, int entrySize) throws IOException {
        this.file = file;
        this.baseOffset = baseOffset;
        this.entrySize = entrySize;
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            long len = raf.length();
            int validEntries;
            if (len == 0) {
                len = roundDown(maxIndexSize);
                raf.setLength(len);
                validEntries = 0;
            } else {
                validEntries = (int) (len / entrySize);
            }
            this.mmap = raf.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, len);
            this.maxEntries = (int) (len / entrySize);
            this.entries = validEntries;
        }
    }

    private int roundDown(long size) {
        long n = Math.max(size, entrySize) / entrySize;
        return (int) Math.min(n * entrySize, (Integer.MAX_VALUE / entrySize) * (long) entrySize);
    }

    Path file() {
        return file;
    }

    int entries() {
        return entries;
    }

    int maxEntries() {
        return maxEntries;
    }

    /** True when no further entry fits. */
    boolean isFull() {
        return entries >= maxEntries;
    }

    /** Bytes of valid entries. */
    int sizeInBytes() {
        return entries * entrySize;
    }

    protected MappedByteBuffer buffer() {
        return mmap;
    }

    /** Stores one entry at the end: {@code writer} writes {@code entrySize} bytes at the given position. */
    protected synchronized boolean appendEntry(EntryWriter writer) {
        if (closed) throw new IllegalStateException("index closed: " + file);
        int n = entries;
        if (n >= maxEntries) return false;
        writer.write(mmap, n * entrySize);
        entries = n + 1; // publishes the entry
        return true;
    }

    @FunctionalInterface
    protected interface EntryWriter {
        void write(MappedByteBuffer buf, int position);
    }

    /** Drops entries from index {@code n} on. */
    protected synchronized void truncateToEntries(int n) {
        if (n < entries) entries = Math.max(0, n);
    }

    /** Drops every entry. */
    synchronized void reset() {
        entries = 0;
    }

    /**
     * Remaps the file at {@code newSize} bytes (rounded down to whole entries, never below the valid
     * entries). Used to reopen an active segment's index for appends, and to trim.
     */
    synchronized void resize(int newSize) throws IOException {
        int rounded = Math.max(roundDown(newSize), entries * entrySize);
        if (rounded == maxEntries * entrySize && mmap.capacity() == rounded) return;
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(rounded);
            MappedByteBuffer m = raf.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, rounded);
            this.mmap = m;
            this.maxEntries = rounded / entrySize;
        }
    }

    /** Cuts the file to exactly the valid entries; no further appends fit. */
    synchronized void trimToValidSize() throws IOException {
        if (closed) return;
        int size = entries * entrySize;
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(size);
            // A zero-length mapping is legal and keeps lookups simple.
            this.mmap = raf.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, size);
            this.maxEntries = entries;
        }
    }

    synchronized void flush() {
        if (!closed) mmap.force();
    }

    /** Renames the file (the mapping stays valid). */
    synchronized void renameTo(Path target) throws IOException {
        Files.move(file, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        file = target;
    }

    /** Trims and stops appends; the mapping stays readable for lookups already under way. */
    @Override
    public synchronized void close() throws IOException {
        if (closed) return;
        if (Files.exists(file)) trimToValidSize();
        closed = true;
    }

    /** Closes without trimming (the file is being deleted). */
    synchronized void closeHandler() {
        closed = true;
    }

    synchronized void deleteIfExists() throws IOException {
        closed = true;
        Files.deleteIfExists(file);
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
        checkEntries();
    }

    protected abstract void checkEntries();

    /**
     * Binary search over entries [0, n): the largest index whose key is &lt;= target, or -1.
     */
    protected int largestLowerBound(MappedByteBuffer buf, int n, long target, KeyReader key) {
        if (n == 0 || key.key(buf, 0) > target) return -1;
        int lo = 0;
        int hi = n - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (key.key(buf, mid * entrySize) <= target) lo = mid;
            else hi = mid - 1;
        }
        return lo;
    }

    @FunctionalInterface
    protected interface KeyReader {
        long key(MappedByteBuffer buf, int position);
    }

    /** An index whose contents cannot be trusted; the segment rebuilds it from the log. */
    static final class CorruptIndexException extends IOException {
        CorruptIndexException(String message) {
            super(message);
        }
    }
}
