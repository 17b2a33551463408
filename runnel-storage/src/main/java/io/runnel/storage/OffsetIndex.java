package io.runnel.storage;

import java.io.IOException;
import java.nio.MappedByteBuffer;
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
        super(file, baseOffset, maxIndexSize, ENTRY_SIZE);
    }

    /** Adds an entry; ignored when {@code offset} is not above the last entry or the index is full. */
    boolean append(long offset, int position) {
        long rel = offset - baseOffset;
        if (rel < 0 || rel > Integer.MAX_VALUE) throw new IllegalArgumentException("offset " + offset + " not in segment " + baseOffset);
        int n = entries();
        if (n > 0 && relativeOffset(buffer(), n - 1) >= rel) return false;
        return appendEntry((buf, pos) -> {
            buf.putInt(pos, (int) rel);
            buf.putInt(pos + 4, position);
        });
    }

    private static int relativeOffset(MappedByteBuffer buf, int i) {
        return buf.getInt(i * ENTRY_SIZE);
    }

    private static int physical(MappedByteBuffer buf, int i) {
        return buf.getInt(i * ENTRY_SIZE + 4);
    }

    /**
     * The entry with the largest offset &lt;= {@code target}, or {@code (baseOffset, 0)} when there is
     * none: scanning batches from the returned position finds the batch holding {@code target}.
     */
    OffsetPosition lookup(long target) {
        int n = entries();
        MappedByteBuffer buf = buffer();
        int i = largestLowerBound(buf, n, target - baseOffset, (b, p) -> b.getInt(p));
        if (i < 0) return new OffsetPosition(baseOffset, 0);
        return new OffsetPosition(baseOffset + relativeOffset(buf, i), physical(buf, i));
    }

    /** The entry with the largest position &lt;= {@code maxPosition}, or {@code (baseOffset, 0)}. */
    OffsetPosition lookupByPosition(int maxPosition) {
        int n = entries();
        MappedByteBuffer buf = buffer();
        int i = largestLowerBound(buf, n, maxPosition, (b, p) -> b.getInt(p + 4));
        if (i < 0) return new OffsetPosition(baseOffset, 0);
        return new OffsetPosition(baseOffset + relativeOffset(buf, i), physical(buf, i));
    }

    /** The last entry, or {@code (baseOffset, 0)} when empty. */
    OffsetPosition lastEntry() {
        int n = entries();
        MappedByteBuffer buf = buffer();
        if (n == 0) return new OffsetPosition(baseOffset, 0);
        return new OffsetPosition(baseOffset + relativeOffset(buf, n - 1), physical(buf, n - 1));
    }

    /** Removes the entries whose offset is &gt;= {@code offset}. */
    void truncateTo(long offset) {
        int n = entries();
        MappedByteBuffer buf = buffer();
        int i = largestLowerBound(buf, n, offset - baseOffset - 1, (b, p) -> b.getInt(p));
        truncateToEntries(i + 1);
    }

    /** Removes the entries whose position is &gt;= {@code position}. */
    void truncateToPosition(int position) {
        int n = entries();
        MappedByteBuffer buf = buffer();
        int i = largestLowerBound(buf, n, position - 1L, (b, p) -> b.getInt(p + 4));
        truncateToEntries(i + 1);
    }

    @Override
    protected void checkEntries() {
        int n = entries();
        if (n == 0) return;
        MappedByteBuffer buf = buffer();
        int first = relativeOffset(buf, 0);
        int last = relativeOffset(buf, n - 1);
        if (first < 0 || last < 0 || (n > 1 && last <= first)
                || physical(buf, 0) < 0 || (n > 1 && physical(buf, n - 1) <= physical(buf, 0))) {
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
