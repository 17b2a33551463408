package io.runnel.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * The sparse offset index of one segment ({@code <baseOffset>.index}): maps an offset to the file
 * position of a batch at or before the batch holding it, so a read starts scanning close to its target.
 *
 * <p>On disk: 8-byte entries, big-endian: 4-byte offset relative to the segment's base offset, 4-byte
 * position in the {@code .log} file. Entry offsets strictly increase. An entry {@code (o, p)} says the
 * batch starting at position {@code p} ends with offset {@code o}; one is written every
 * {@code index.interval.bytes} of appended batches (never for the segment's first batch).
 *
 * <p>Threads: see {@link AbstractIndex}; lookups are lock-free.
 */
final class OffsetIndex extends AbstractIndex {
    static final int ENTRY_SIZE = 8;

    /** An offset and the file position of the batch to start scanning from. */
    record OffsetPosition(long offset, int position) {
    }

    OffsetIndex(Path file, long baseOffset, int maxIndexSize) throws IOException {
        this(file, baseOffset, maxIndexSize, FileHandleCache.UNBOUNDED);
    }

    OffsetIndex(Path file, long baseOffset, int maxIndexSize, FileHandleCache handles) throws IOException {
        super(file, baseOffset, maxIndexSize, ENTRY_SIZE, handles);
    }

    /** Adds an entry; ignored when {@code offset} is not above the last entry or the index is full. */
    boolean append(long offset, int position) {
        long rel = offset - baseOffset;
        if (rel < 0 || rel > Integer.MAX_VALUE) throw new IllegalArgumentException("offset " + offset + " not in segment " + baseOffset);
        int n = entriesIncludingStaged();
        if (n > 0 && entry(n - 1).getInt(0) >= rel) return false;
        return appendEntry((buf, pos) -> {
            buf.putInt(pos, (int) rel);
            buf.putInt(pos + 4, position);
        });
    }

    private OffsetPosition toPosition(ByteBuffer e) {
        return new OffsetPosition(baseOffset + e.getInt(0), e.getInt(4));
    }

    /**
     * The entry with the largest offset &lt;= {@code target}, or {@code (baseOffset, 0)} when there is
     * none: scanning batches from the returned position finds the batch holding {@code target}.
     */
    OffsetPosition lookup(long target) {
        int i = largestLowerBound(entries(), target - baseOffset, e -> e.getInt(0));
        if (i < 0) return new OffsetPosition(baseOffset, 0);
        return toPosition(entry(i));
    }

    /** The entry with the largest position &lt;= {@code maxPosition}, or {@code (baseOffset, 0)}. */
    OffsetPosition lookupByPosition(int maxPosition) {
        int i = largestLowerBound(entries(), maxPosition, e -> e.getInt(4));
        if (i < 0) return new OffsetPosition(baseOffset, 0);
        return toPosition(entry(i));
    }

    /** The last entry, or {@code (baseOffset, 0)} when empty. */
    OffsetPosition lastEntry() {
        int n = entries();
        if (n == 0) return new OffsetPosition(baseOffset, 0);
        return toPosition(entry(n - 1));
    }

    /** Removes the entries whose offset is &gt;= {@code offset}. */
    synchronized void truncateTo(long offset) {
        truncateToEntries(entriesIncludingStaged());
        int i = largestLowerBound(entries(), offset - baseOffset - 1, e -> e.getInt(0));
        truncateToEntries(i + 1);
    }

    /** Removes the entries whose position is &gt;= {@code position}. */
    synchronized void truncateToPosition(int position) {
        truncateToEntries(entriesIncludingStaged());
        int i = largestLowerBound(entries(), position - 1L, e -> e.getInt(4));
        truncateToEntries(i + 1);
    }

    @Override
    protected void checkEntries() {
        int n = entries();
        if (n == 0) return;
        ByteBuffer first = entry(0);
        ByteBuffer last = entry(n - 1);
        if (first.getInt(0) < 0 || last.getInt(0) < 0 || (n > 1 && last.getInt(0) <= first.getInt(0))
                || first.getInt(4) < 0 || (n > 1 && last.getInt(4) <= first.getInt(4))) {
            throw new IllegalStateException("corrupt");
        }
    }

    @Override
    void sanityCheck() throws IOException {
        try {
            super.sanityCheck();
        } catch (IllegalStateException e) {
            throw new CorruptIndexException("offset index " + file() + " has entries out of order (last entry "
                    + lastEntry() + ", base offset " + baseOffset + ")");
        }
    }
}
