package io.runnel.storage;

import io.runnel.record.RecordBatch;
import io.runnel.storage.OffsetIndex.OffsetPosition;
import io.runnel.storage.TimeIndex.TimestampOffset;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.zip.CRC32C;

/**
 * One segment of a partition log: a {@code .log} file of whole v2 record batches starting at
 * {@link #baseOffset}, with its sparse {@link OffsetIndex} and {@link TimeIndex}.
 *
 * <p>On disk, in the partition directory: {@code <20-digit base offset>.log}, {@code .index} and
 * {@code .timeindex}, optionally with a transient suffix ({@code .cleaned}, {@code .swap},
 * {@code .deleted}) while the cleaner or retention replaces or removes the segment. With
 * {@code preallocate} the log file is created at segment.bytes and cut to its content on roll/close.
 *
 * <p>Threads: one writer at a time ({@link #append}, {@link #truncateTo}, {@link #recover}, rolls and
 * closes are made under the owning log's lock). Reads ({@link #read}, {@link #translateOffset},
 * lookups) are lock-free: the writer writes the bytes of a batch, then its index entries, then publishes
 * the new end through the volatile {@link #size()}; readers never look past the size they read, so
 * they only ever see whole batches. Positional reads and writes on one {@link FileChannel} are safe
 * concurrently.
 */
final class LogSegment implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(LogSegment.class);

    static final String LOG_SUFFIX = ".log";
    static final String INDEX_SUFFIX = ".index";
    static final String TIME_INDEX_SUFFIX = ".timeindex";

    /** Opens a segment's data file; tests substitute one that fails writes. */
    @FunctionalInterface
    interface ChannelFactory {
        ChannelFactory DEFAULT = p -> FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);

        FileChannel open(Path file) throws IOException;

        /** The cache bounding the descriptors of the files this factory's segments open. */
        default FileHandleCache handles() {
            return FileHandleCache.UNBOUNDED;
        }

        /** This factory, with its segments' descriptors bounded by {@code cache}. */
        default ChannelFactory boundedBy(FileHandleCache cache) {
            ChannelFactory self = this;
            return new ChannelFactory() {
                @Override
                public FileChannel open(Path file) throws IOException {
                    return self.open(file);
                }

                @Override
                public FileHandleCache handles() {
                    return cache;
                }
            };
        }
    }

    /** Called for every valid batch found by {@link #recover}; {@code header} holds its first 61 bytes. */
    @FunctionalInterface
    interface BatchVisitor {
        void visit(ByteBuffer header, int position);
    }

    /** A batch position in the file: where it starts, its size and its last offset. */
    record BatchPosition(int position, int size, long lastOffset) {
    }

    private final long baseOffset;
    private final Path dir;
    private volatile String suffix;
    private final CachedFileChannel channel;
    private final OffsetIndex offsetIndex;
    private final TimeIndex timeIndex;
    private final TransactionIndex txnIndex;
    private final int indexIntervalBytes;
    private final long rollJitterMs;
    private final long createdMs;
    private final boolean preallocated;

    private volatile int size;
    private int bytesSinceLastIndexEntry;
    private volatile TimestampOffset maxTimestampSoFar;
    private long rollingBasedTimestamp = Long.MIN_VALUE; // MIN_VALUE = not loaded
    private volatile boolean closed;
    /** The indexes were rebuilt by {@link #recover}: an inactive segment must finish them again. */
    private boolean indexesRebuilt;
    /** {@link #recover} emptied the transaction index: the loader refills it from the producer-state replay. */
    private boolean txnIndexNeedsRebuild;

    private LogSegment(Path dir, long baseOffset, String suffix, OffsetIndex offsetIndex,
                       TimeIndex timeIndex, int size, int indexIntervalBytes, long rollJitterMs,
                       long createdMs, boolean preallocated, ChannelFactory channels) {
        this.dir = dir;
        this.baseOffset = baseOffset;
        this.suffix = suffix;
        this.channel = new CachedFileChannel(channels.handles(), this::logPath, channels::open);
        this.offsetIndex = offsetIndex;
        this.timeIndex = timeIndex;
        this.txnIndex = new TransactionIndex(() -> txnIndexFile(dir, baseOffset, this.suffix));
        this.size = size;
        this.indexIntervalBytes = indexIntervalBytes;
        this.rollJitterMs = rollJitterMs;
        this.createdMs = createdMs;
        this.preallocated = preallocated;
    }

    /** The file name stem of a segment: the base offset as 20 zero-padded digits. */
    static String fileStem(long offset) {
        return String.format("%020d", offset);
    }

    static Path logFile(Path dir, long baseOffset, String suffix) {
        return dir.resolve(fileStem(baseOffset) + LOG_SUFFIX + suffix);
    }

    static Path indexFile(Path dir, long baseOffset, String suffix) {
        return dir.resolve(fileStem(baseOffset) + INDEX_SUFFIX + suffix);
    }

    static Path timeIndexFile(Path dir, long baseOffset, String suffix) {
        return dir.resolve(fileStem(baseOffset) + TIME_INDEX_SUFFIX + suffix);
    }

    static Path txnIndexFile(Path dir, long baseOffset, String suffix) {
        return dir.resolve(fileStem(baseOffset) + TransactionIndex.SUFFIX + suffix);
    }

    /**
     * Creates a new, empty segment (any files left at its names are replaced).
     *
     * @param suffix "" for a live segment, ".cleaned" for one the cleaner writes
     */
    static LogSegment create(Path dir, long baseOffset, LogConfig config, long nowMs, long rollJitterMs,
                             String suffix, ChannelFactory channels) throws IOException {
        Path logPath = logFile(dir, baseOffset, suffix);
        Files.deleteIfExists(logPath);
        Files.deleteIfExists(indexFile(dir, baseOffset, suffix));
        Files.deleteIfExists(timeIndexFile(dir, baseOffset, suffix));
        Files.deleteIfExists(txnIndexFile(dir, baseOffset, suffix));
        CachedFileChannel ch = null;
        try {
            Files.createFile(logPath);
            boolean preallocate = config.preallocate() && suffix.isEmpty();
            OffsetIndex oi = new OffsetIndex(indexFile(dir, baseOffset, suffix), baseOffset, config.segmentIndexBytes(),
                    channels.handles());
            TimeIndex ti = new TimeIndex(timeIndexFile(dir, baseOffset, suffix), baseOffset, config.segmentIndexBytes(),
                    channels.handles());
            LogSegment seg = new LogSegment(dir, baseOffset, suffix, oi, ti, 0, config.indexIntervalBytes(),
                    rollJitterMs, nowMs, preallocate, channels);
            ch = seg.channel;
            if (preallocate) ch.write(ByteBuffer.allocate(1), config.segmentBytes() - 1);
            seg.maxTimestampSoFar = TimestampOffset.UNKNOWN;
            return seg;
        } catch (IOException | RuntimeException e) {
            if (ch != null) closeQuietly(ch);
            Files.deleteIfExists(logPath);
            Files.deleteIfExists(indexFile(dir, baseOffset, suffix));
            Files.deleteIfExists(timeIndexFile(dir, baseOffset, suffix));
            throw e;
        }
    }

    /**
     * Opens an existing segment. Missing index files are created empty (callers then rebuild them with
     * {@link #recover}). The size is the file's length: after an unclean shutdown, {@link #recover}
     * finds the real end.
     */
    static LogSegment open(Path dir, long baseOffset, LogConfig config, long nowMs, String suffix,
                           ChannelFactory channels) throws IOException {
        Path logPath = logFile(dir, baseOffset, suffix);
        long len = Files.size(logPath);
        if (len > Integer.MAX_VALUE) throw new IOException("segment " + logPath + " larger than 2 GiB");
        OffsetIndex oi = new OffsetIndex(indexFile(dir, baseOffset, suffix), baseOffset, config.segmentIndexBytes(),
                channels.handles());
        TimeIndex ti = new TimeIndex(timeIndexFile(dir, baseOffset, suffix), baseOffset, config.segmentIndexBytes(),
                channels.handles());
        LogSegment seg = new LogSegment(dir, baseOffset, suffix, oi, ti, (int) len, config.indexIntervalBytes(),
                0, nowMs, config.preallocate(), channels);
        seg.maxTimestampSoFar = null; // loaded from the time index on first use
        return seg;
    }

    long baseOffset() {
        return baseOffset;
    }

    /** Bytes of whole batches in the segment (the published end). */
    int size() {
        return size;
    }

    FileChannel channel() {
        return channel;
    }

    /** The channel for a read result the network layer sends (see {@link CachedFileChannel#forTransfer}). */
    FileChannel transferChannel() throws IOException {
        return channel.forTransfer();
    }

    OffsetIndex offsetIndex() {
        return offsetIndex;
    }

    TimeIndex timeIndex() {
        return timeIndex;
    }

    TransactionIndex txnIndex() {
        return txnIndex;
    }

    /** Whether {@link #recover} emptied the transaction index since the loader last refilled it. */
    boolean txnIndexNeedsRebuild() {
        return txnIndexNeedsRebuild;
    }

    void txnIndexRebuilt() {
        txnIndexNeedsRebuild = false;
    }

    String suffix() {
        return suffix;
    }

    Path logPath() {
        return logFile(dir, baseOffset, suffix);
    }

    boolean isClosed() {
        return closed;
    }

    /** The largest timestamp seen and the last offset of the batch that first carried it. */
    TimestampOffset maxTimestampAndOffset() {
        TimestampOffset t = maxTimestampSoFar;
        if (t == null) {
            TimestampOffset last = timeIndex.lastEntry();
            t = last.timestamp() < 0 ? TimestampOffset.UNKNOWN : last;
            maxTimestampSoFar = t;
        }
        return t;
    }

    /** The segment's largest record timestamp, or its file's modification time when it has none. */
    long largestTimestamp() {
        TimestampOffset t = maxTimestampAndOffset();
        return t.timestamp() >= 0 ? t.timestamp() : lastModified();
    }

    long lastModified() {
        try {
            return Files.getLastModifiedTime(logPath()).toMillis();
        } catch (IOException e) {
            return 0;
        }
    }

    void setLastModified(long ms) throws IOException {
        Files.setLastModifiedTime(logPath(), FileTime.fromMillis(ms));
    }

    /**
     * Whether the active segment must roll before appending {@code messagesSize} bytes whose largest
     * timestamp is {@code maxTimestamp} and largest offset {@code maxOffset}: it would exceed
     * segment.bytes, its records would span more than segment.ms minus jitter, an index is full, or the
     * offset no longer fits the 4-byte relative offset of the indexes.
     */
    boolean shouldRoll(LogConfig config, int messagesSize, long maxTimestamp, long maxOffset, long nowMs) {
        int sz = size;
        boolean reachedRollMs = sz > 0 && timeWaitedForRoll(nowMs, maxTimestamp) > config.segmentMs() - rollJitterMs;
        return (long) sz > config.segmentBytes() - messagesSize
                || reachedRollMs
                || offsetIndex.isFull() || timeIndex.isFull()
                || !canConvertToRelativeOffset(maxOffset);
    }

    /** Time the segment has been open for rolling purposes, by record timestamps when it has any. */
    long timeWaitedForRoll(long nowMs, long messageTimestamp) {
        long first = firstBatchTimestamp();
        if (first >= 0) return messageTimestamp - first;
        return nowMs - createdMs;
    }

    private long firstBatchTimestamp() {
        if (rollingBasedTimestamp == Long.MIN_VALUE) {
            rollingBasedTimestamp = -1;
            if (size >= RecordBatch.HEADER_SIZE) {
                try {
                    ByteBuffer h = readHeader(0, RecordBatch.HEADER_SIZE);
                    if (h != null) rollingBasedTimestamp = RecordBatch.maxTimestamp(h, 0);
                } catch (IOException e) {
                    LOG.warn("Could not read the first batch of {}", logPath(), e);
                }
            }
        }
        return rollingBasedTimestamp;
    }

    boolean canConvertToRelativeOffset(long offset) {
        long rel = offset - baseOffset;
        return rel >= 0 && rel <= Integer.MAX_VALUE;
    }

    /**
     * Appends whole batches (already validated, offsets assigned) at the end, adds index entries every
     * index.interval.bytes, then publishes the new size. On an I/O error the file is cut back to its
     * previous end (best effort) and nothing is published.
     *
     * @param batches position..limit holds the batches; not modified
     */
    void append(ByteBuffer batches) throws IOException {
        ByteBuffer src = batches.duplicate();
        int start = size;
        int len = src.remaining();
        if (len == 0) return;
        long last = RecordBatch.lastOffset(src, src.limit() - lastBatchSize(src));
        if (!canConvertToRelativeOffset(last) || !canConvertToRelativeOffset(RecordBatch.baseOffset(src, src.position()))) {
            throw new IllegalArgumentException("offsets of the appended batches do not fit segment " + baseOffset);
        }
        try {
            long pos = start;
            while (src.hasRemaining()) pos += channel.write(src, pos);
        } catch (IOException e) {
            if (!preallocated) {
                try {
                    channel.truncate(start);
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
        ByteBuffer b = batches.duplicate();
        int p = b.position();
        while (p < b.limit()) {
            int batchSize = RecordBatch.sizeInBytes(b, p);
            if (start == 0 && p == b.position()) rollingBasedTimestamp = RecordBatch.maxTimestamp(b, p);
            indexBatch(start + (p - b.position()), batchSize, RecordBatch.lastOffset(b, p), RecordBatch.maxTimestamp(b, p));
            p += batchSize;
        }
        flushIndexes();
        size = start + len; // publish
    }

    /**
     * Writes the index entries staged by the last append. A failure is only logged: the entries stay
     * staged and are written with the next append, and lookups meanwhile start scanning further back.
     */
    private void flushIndexes() {
        try {
            offsetIndex.flushPending();
            timeIndex.flushPending();
        } catch (IOException | RuntimeException e) {
            LOG.warn("Could not write the index entries of {}: {}", this, e.toString());
        }
    }

    private static int lastBatchSize(ByteBuffer b) {
        int p = b.position();
        int lastStart = p;
        while (p < b.limit()) {
            lastStart = p;
            p += RecordBatch.sizeInBytes(b, p);
        }
        return b.limit() - lastStart;
    }

    /** Index bookkeeping for one batch stored at {@code position}. */
    private void indexBatch(int position, int batchSize, long lastOffset, long maxTimestamp) {
        TimestampOffset max = maxTimestampAndOffset();
        if (maxTimestamp > max.timestamp()) {
            max = new TimestampOffset(maxTimestamp, lastOffset);
            maxTimestampSoFar = max;
        }
        if (bytesSinceLastIndexEntry > indexIntervalBytes) {
            offsetIndex.append(lastOffset, position);
            timeIndex.maybeAppend(max.timestamp(), max.offset(), false);
            bytesSinceLastIndexEntry = 0;
        }
        bytesSinceLastIndexEntry += batchSize;
    }

    /**
     * Reads {@code n} bytes at {@code position} into a new buffer; null when the file ends first.
     */
    ByteBuffer readHeader(int position, int n) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(n);
        long pos = position;
        while (buf.hasRemaining()) {
            int r = channel.read(buf, pos);
            if (r < 0) return null;
            pos += r;
        }
        buf.flip();
        return buf;
    }

    /**
     * The first batch at or after {@code startPosition} (and before {@code maxPosition}) whose last
     * offset is &gt;= {@code offset}; null when there is none.
     */
    BatchPosition translateOffset(long offset, int startPosition, int maxPosition) throws IOException {
        return translateOffset(offset, startPosition, maxPosition, new HeaderWindow(channel));
    }

    private BatchPosition translateOffset(long offset, int startPosition, int maxPosition, HeaderWindow w) throws IOException {
        int pos = startPosition;
        while (pos + RecordBatch.OFFSETS_SIZE <= maxPosition) {
            int h = w.at(pos, RecordBatch.OFFSETS_SIZE);
            if (h < 0) return null;
            int batchSize = RecordBatch.sizeInBytes(w.buffer(), h);
            if (batchSize < RecordBatch.HEADER_SIZE) return null; // concurrent truncation; nothing valid here
            long last = RecordBatch.lastOffset(w.buffer(), h);
            if (last >= offset) return new BatchPosition(pos, batchSize, last);
            pos += batchSize;
        }
        return null;
    }

    /** {@link #translateOffset} starting from the offset index's hint. */
    BatchPosition translateOffset(long offset, int maxPosition) throws IOException {
        return translateOffset(offset, maxPosition, new HeaderWindow(channel));
    }

    private BatchPosition translateOffset(long offset, int maxPosition, HeaderWindow w) throws IOException {
        OffsetPosition hint = offsetIndex.lookup(offset);
        int start = hint.position() <= maxPosition ? hint.position() : 0;
        return translateOffset(offset, start, maxPosition, w);
    }

    /** A region of the segment file: whole batches from {@code position}, {@code size} bytes. */
    record Slice(int position, int size, long firstBatchLastOffset) {
    }

    /**
     * Whole batches starting at the batch holding {@code startOffset} (or the first batch after it),
     * at most {@code maxSize} bytes (at least one batch if {@code minOneBatch}), not past
     * {@code maxPosition}, and only batches whose last offset is below {@code maxOffsetExclusive}.
     *
     * @return null when no batch at or after startOffset lies below maxPosition; a slice of size 0 when
     *         there is one but it does not fit
     */
    Slice read(long startOffset, int maxSize, int maxPosition, boolean minOneBatch, long maxOffsetExclusive)
            throws IOException {
        HeaderWindow w = new HeaderWindow(channel); // one window for the whole read: its walks share it
        BatchPosition first = translateOffset(startOffset, maxPosition, w);
        if (first == null) return null;
        int start = first.position();
        int limit = maxPosition;
        if (maxOffsetExclusive != Long.MAX_VALUE) {
            if (first.lastOffset() >= maxOffsetExclusive) return new Slice(start, 0, first.lastOffset());
            OffsetPosition hint = offsetIndex.lookup(maxOffsetExclusive);
            int from = hint.position() > start && hint.position() <= maxPosition ? hint.position() : start;
            BatchPosition stop = translateOffset(maxOffsetExclusive, from, maxPosition, w);
            if (stop != null) limit = stop.position();
        }
        int end;
        if ((long) limit - start <= maxSize) {
            end = limit;
        } else {
            long budgetEnd = (long) start + Math.max(0, maxSize);
            // jump close to the budget's end with the index (entries point at batch starts), then walk
            OffsetPosition hint = offsetIndex.lookupByPosition((int) Math.min(budgetEnd, Integer.MAX_VALUE));
            int pos = Math.max(start, hint.position());
            if (pos > limit) pos = start;
            end = pos;
            while (end + RecordBatch.LOG_OVERHEAD <= limit) {
                int h = w.at(end, RecordBatch.LOG_OVERHEAD);
                if (h < 0) break;
                int batchSize = RecordBatch.sizeInBytes(w.buffer(), h);
                if (batchSize < RecordBatch.HEADER_SIZE || (long) end + batchSize > budgetEnd || end + batchSize > limit) break;
                end += batchSize;
            }
            if (end == start && minOneBatch) end = Math.min(limit, start + first.size());
        }
        return new Slice(start, end - start, first.lastOffset());
    }

    /**
     * The offset after the last batch (base offset when empty), by walking the batch headers from the
     * last index entry.
     *
     * @throws CorruptSegmentException when a header's length runs past the end of the file
     */
    long readNextOffset() throws IOException {
        int sz = size;
        OffsetPosition hint = offsetIndex.lastEntry();
        int pos = hint.position() <= sz ? hint.position() : 0;
        long next = baseOffset;
        while (pos < sz) {
            ByteBuffer h = pos + RecordBatch.HEADER_SIZE <= sz ? readHeader(pos, RecordBatch.HEADER_SIZE) : null;
            if (h == null) throw new CorruptSegmentException(logPath() + ": truncated batch at position " + pos);
            int batchSize = RecordBatch.sizeInBytes(h, 0);
            if (batchSize < RecordBatch.HEADER_SIZE || (long) pos + batchSize > sz
                    || RecordBatch.magic(h, 0) != RecordBatch.MAGIC_VALUE_V2 || RecordBatch.baseOffset(h, 0) < next) {
                throw new CorruptSegmentException(logPath() + ": invalid batch at position " + pos);
            }
            next = RecordBatch.lastOffset(h, 0) + 1;
            pos += batchSize;
        }
        return next;
    }

    /** A segment whose batches cannot be walked; the loader recovers it. */
    static final class CorruptSegmentException extends IOException {
        CorruptSegmentException(String message) {
            super(message);
        }
    }

    /**
     * Re-reads the whole segment validating every batch (length, magic, offsets, CRC-32C), rebuilds both
     * indexes, and cuts the file at the first invalid batch.
     *
     * @param visitor called for every valid batch, in order; may be null
     * @return bytes cut from the end (0 when the segment was intact)
     */
    int recover(BatchVisitor visitor) throws IOException {
        offsetIndex.reset();
        timeIndex.reset();
        txnIndex.reset();
        txnIndexNeedsRebuild = true;
        indexesRebuilt = true;
        maxTimestampSoFar = TimestampOffset.UNKNOWN;
        bytesSinceLastIndexEntry = 0;
        rollingBasedTimestamp = -1;
        long fileSize = channel.size();
        int pos = 0;
        long prevLast = baseOffset - 1;
        // sized to the file: after a crash every partition is recovered, most of them empty or small
        ByteBuffer chunk = ByteBuffer.allocate((int) Math.min(64 * 1024, Math.max(0, fileSize)));
        String problem = null;
        while (true) {
            if (pos + RecordBatch.HEADER_SIZE > fileSize) {
                if (pos < fileSize) problem = "truncated batch header";
                break;
            }
            ByteBuffer h = readHeader(pos, RecordBatch.HEADER_SIZE);
            if (h == null) {
                problem = "truncated batch header";
                break;
            }
            int batchSize = RecordBatch.sizeInBytes(h, 0);
            long base = RecordBatch.baseOffset(h, 0);
            int lastDelta = RecordBatch.lastOffsetDelta(h, 0);
            if (batchSize < RecordBatch.HEADER_SIZE) {
                problem = batchSize == RecordBatch.LOG_OVERHEAD && base == 0 ? "zero bytes" : "invalid batch length " + (batchSize - 12);
                break;
            }
            if (pos + (long) batchSize > fileSize) {
                problem = "batch of " + batchSize + " bytes runs past the end of the file";
                break;
            }
            if (RecordBatch.magic(h, 0) != RecordBatch.MAGIC_VALUE_V2) {
                problem = "unsupported magic " + RecordBatch.magic(h, 0);
                break;
            }
            if (base <= prevLast || lastDelta < 0 || !canConvertToRelativeOffset(base + lastDelta)) {
                problem = "batch offsets " + base + ".." + (base + lastDelta) + " out of order";
                break;
            }
            if (!crcMatches(pos, batchSize, h, chunk)) {
                problem = "CRC mismatch";
                break;
            }
            long last = base + lastDelta;
            if (pos == 0) rollingBasedTimestamp = RecordBatch.maxTimestamp(h, 0);
            indexBatch(pos, batchSize, last, RecordBatch.maxTimestamp(h, 0));
            if (visitor != null) visitor.visit(h, pos);
            prevLast = last;
            pos += batchSize;
        }
        int truncated = (int) (fileSize - pos);
        if (truncated > 0) {
            if (problem != null && !problem.equals("zero bytes")) {
                LOG.warn("Found invalid data in {} at position {} ({}); truncating {} bytes", logPath(), pos, problem, truncated);
            } else {
                LOG.info("Truncating {} trailing bytes of {} at position {}", truncated, logPath(), pos);
            }
            channel.truncate(pos);
        }
        offsetIndex.flushPending();
        timeIndex.flushPending();
        size = pos;
        return preallocated && problem != null && problem.equals("zero bytes") ? 0 : truncated;
    }

    private boolean crcMatches(int pos, int batchSize, ByteBuffer header, ByteBuffer chunk) throws IOException {
        CRC32C crc = new CRC32C();
        ByteBuffer hd = header.duplicate();
        hd.position(RecordBatch.ATTRIBUTES_OFFSET).limit(RecordBatch.HEADER_SIZE);
        crc.update(hd);
        long p = pos + RecordBatch.HEADER_SIZE;
        long end = (long) pos + batchSize;
        while (p < end) {
            chunk.clear();
            chunk.limit((int) Math.min(chunk.capacity(), end - p));
            int r = channel.read(chunk, p);
            if (r < 0) return false;
            chunk.flip();
            crc.update(chunk);
            p += r;
        }
        return (int) crc.getValue() == header.getInt(RecordBatch.CRC_OFFSET);
    }

    /**
     * Removes every batch whose last offset is &gt;= {@code offset} (the batch holding {@code offset}
     * goes entirely) and the index entries pointing at them.
     *
     * @return bytes removed
     */
    int truncateTo(long offset) throws IOException {
        int sz = size;
        BatchPosition at = translateOffset(offset, sz);
        if (at == null) return 0;
        offsetIndex.truncateTo(offset);
        timeIndex.truncateTo(offset);
        txnIndex.truncateTo(offset);
        offsetIndex.truncateToPosition(at.position());
        size = at.position();
        channel.truncate(at.position());
        TimestampOffset last = timeIndex.lastEntry();
        maxTimestampSoFar = last.timestamp() < 0 ? TimestampOffset.UNKNOWN : last;
        // recompute the exact maximum from the remaining batches after the last time index entry
        int pos = offsetIndex.lookup(last.offset()).position();
        while (pos < size) {
            ByteBuffer h = readHeader(pos, RecordBatch.HEADER_SIZE);
            if (h == null) break;
            if (RecordBatch.maxTimestamp(h, 0) > maxTimestampSoFar.timestamp()) {
                maxTimestampSoFar = new TimestampOffset(RecordBatch.maxTimestamp(h, 0), RecordBatch.lastOffset(h, 0));
            }
            pos += RecordBatch.sizeInBytes(h, 0);
        }
        bytesSinceLastIndexEntry = 0;
        if (size == 0) rollingBasedTimestamp = -1;
        return sz - at.position();
    }

    /** Whether {@link #recover} rebuilt the indexes since the segment was opened. */
    boolean indexesRebuilt() {
        return indexesRebuilt;
    }

    /**
     * The segment stops being active: writes the final time index entry (the segment's largest
     * timestamp), trims the indexes and, if preallocated, the log file.
     */
    void onBecomeInactive() throws IOException {
        TimestampOffset max = maxTimestampAndOffset();
        if (max.timestamp() >= 0) timeIndex.maybeAppend(max.timestamp(), max.offset(), true);
        offsetIndex.flushPending();
        timeIndex.flushPending();
        indexesRebuilt = false;
        if (channel.size() > size) channel.truncate(size);
    }

    /** Forces the log file and the indexes to disk. */
    void flush() throws IOException {
        if (closed) return;
        channel.force(true);
        offsetIndex.flush();
        timeIndex.flush();
        txnIndex.flush();
    }

    /** Renames the segment's files (log, indexes, transaction index) from the current suffix to {@code newSuffix}. */
    void changeFileSuffix(String newSuffix) throws IOException {
        String old = suffix;
        if (old.equals(newSuffix)) return;
        // pinned: a reader reopening the file between the move and the suffix change would open a stale name
        channel.runPinned(() -> {
            Files.move(logFile(dir, baseOffset, old), logFile(dir, baseOffset, newSuffix),
                    StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            suffix = newSuffix;
        });
        offsetIndex.renameTo(indexFile(dir, baseOffset, newSuffix));
        timeIndex.renameTo(timeIndexFile(dir, baseOffset, newSuffix));
        TransactionIndex.rename(txnIndexFile(dir, baseOffset, old), txnIndexFile(dir, baseOffset, newSuffix));
    }

    /** Flushes nothing; finishes the time index, trims indexes and the file, closes the channel. */
    @Override
    public void close() throws IOException {
        if (closed) return;
        closed = true;
        try {
            TimestampOffset max = maxTimestampAndOffset();
            if (max.timestamp() >= 0) timeIndex.maybeAppend(max.timestamp(), max.offset(), true);
            offsetIndex.close();
            timeIndex.close();
            if (channel.size() > size) channel.truncate(size);
        } finally {
            channel.close();
        }
    }

    /** Closes the channel and deletes the segment's files (whatever their suffix). */
    void deleteFiles() throws IOException {
        closed = true;
        closeQuietly(channel);
        offsetIndex.deleteIfExists();
        timeIndex.deleteIfExists();
        txnIndex.deleteIfExists();
        Files.deleteIfExists(logPath());
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // nothing useful to do
        }
    }

    @Override
    public String toString() {
        return "LogSegment(" + dir.getFileName() + "/" + fileStem(baseOffset) + suffix + ", size=" + size + ")";
    }
}
