package io.runnel.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * The sparse time index of one segment ({@code <baseOffset>.timeindex}): maps a timestamp to an offset
 * so that ListOffsets by timestamp starts scanning close to its target.
 *
 * <p>On disk: 12-byte entries, big-endian: 8-byte timestamp, 4-byte offset relative to the segment's
 * base offset. An entry {@code (t, o)} says the largest timestamp among the records up to and including
 * the batch ending at offset {@code o} is {@code t}, reached first in that batch. Timestamps strictly
 * increase. An entry is added at most every {@code index.interval.bytes}, and once more when the
 * segment stops being active (so the last entry holds the segment's largest timestamp); one slot is
 * kept free for that final entry.
 *
 * <p>Threads: see {@link AbstractIndex}; lookups are lock-free.
 */
final class TimeIndex extends AbstractIndex {
    static final int ENTRY_SIZE = 12;

    /** A timestamp and an offset; {@code timestamp} is -1 when unknown. */
    record TimestampOffset(long timestamp, long offset) {
        static final TimestampOffset UNKNOWN = new TimestampOffset(-1, -1);
    }

    TimeIndex(Path file, long baseOffset, int maxIndexSize) throws IOException {
        this(file, baseOffset, maxIndexSize, FileHandleCache.UNBOUNDED);
    }

    TimeIndex(Path file, long baseOffset, int maxIndexSize, FileHandleCache handles) throws IOException {
        super(file, baseOffset, maxIndexSize, ENTRY_SIZE, handles);
    }

    /** Full one entry early: the last slot is reserved for the entry written when the segment rolls. */
    @Override
    boolean isFull() {
        return entriesIncludingStaged() >= maxEntries() - 1;
    }

    /**
     * Adds {@code (timestamp, offset)} when {@code timestamp} is larger than the last entry's. Unless
     * {@code finalEntry}, the reserved last slot is not used.
     */
    void maybeAppend(long timestamp, long offset, boolean finalEntry) {
        if (timestamp < 0) return;
        if (!finalEntry && isFull()) return;
        long rel = offset - baseOffset;
        if (rel < 0 || rel > Integer.MAX_VALUE) throw new IllegalArgumentException("offset " + offset + " not in segment " + baseOffset);
        int n = entriesIncludingStaged();
        if (n > 0) {
            ByteBuffer last = entry(n - 1);
            if (timestamp <= last.getLong(0) || rel < last.getInt(8)) return;
        }
        appendEntry((buf, pos) -> {
            buf.putLong(pos, timestamp);
            buf.putInt(pos + 8, (int) rel);
        });
    }

    /** The last published entry, or {@code (-1, baseOffset)} when empty. */
    TimestampOffset lastEntry() {
        int n = entries();
        if (n == 0) return new TimestampOffset(-1, baseOffset);
        return toTimestampOffset(entry(n - 1));
    }

    /** The last entry including staged ones (writer only), or {@code (-1, baseOffset)} when empty. */
    TimestampOffset lastEntryIncludingStaged() {
        int n = entriesIncludingStaged();
        if (n == 0) return new TimestampOffset(-1, baseOffset);
        return toTimestampOffset(entry(n - 1));
    }

    private TimestampOffset toTimestampOffset(ByteBuffer e) {
        return new TimestampOffset(e.getLong(0), baseOffset + e.getInt(8));
    }

    /**
     * The entry with the largest timestamp &lt;= {@code target}, or {@code (-1, baseOffset)}. The first
     * record with a timestamp &gt;= {@code target} is in the batch ending at the returned offset or later.
     */
    TimestampOffset lookup(long target) {
        int i = largestLowerBound(entries(), target, e -> e.getLong(0));
        if (i < 0) return new TimestampOffset(-1, baseOffset);
        return toTimestampOffset(entry(i));
    }

    /** Removes the entries whose offset is &gt;= {@code offset}. */
    synchronized void truncateTo(long offset) {
        truncateToEntries(entriesIncludingStaged());
        // offsets in the time index are non-decreasing, so a search by offset is valid
        int i = largestLowerBound(entries(), offset - baseOffset - 1, e -> e.getInt(8));
        truncateToEntries(i + 1);
    }

    @Override
    protected void checkEntries() {
        int n = entries();
        if (n == 0) return;
        TimestampOffset first = toTimestampOffset(entry(0));
        TimestampOffset last = toTimestampOffset(entry(n - 1));
        if (last.offset() < baseOffset || first.offset() < baseOffset || first.timestamp() < 0
                || (n > 1 && (last.timestamp() <= first.timestamp() || last.offset() < first.offset()))) {
            throw new IllegalStateException("corrupt");
        }
    }

    @Override
    void sanityCheck() throws IOException {
        try {
            super.sanityCheck();
        } catch (IllegalStateException e) {
            throw new CorruptIndexException("time index " + file() + " has entries out of order (last entry "
                    + lastEntry() + ", base offset " + baseOffset + ")");
        }
    }
}
