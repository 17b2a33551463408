package io.runnel.storage;

import io.runnel.common.Time;
import io.runnel.record.Record;
import io.runnel.record.RecordBatch;
import io.runnel.record.RecordBatchBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Compacts one partition log: keeps, for every key, only its latest record.
 *
 * <p>One pass over a log, given its first dirty offset and the first offset that may not be cleaned
 * (the active segment, an ongoing transaction, the high watermark, min.compaction.lag.ms):
 * <ol>
 *   <li>builds an {@link OffsetMap} of key → latest offset from the dirty segments, as many whole
 *       segments as the map holds;</li>
 *   <li>rewrites every segment from the start of the log up to the end of the mapped range, in groups
 *       whose total fits one segment, keeping a record iff it has a key and is the latest for it;
 *       offsets are preserved (gaps remain); a batch left empty is kept (as an empty batch) when it is its
 *       producer's last one, so the producer state survives; batches are rebuilt with their original codec,
 *       producer fields, leader epoch and last offset;</li>
 *   <li>transactions ({@link CleanerTxnTracker}): batches of aborted transactions (from the transaction
 *       index) are removed and never enter the offset map; a marker is kept while batches of its transaction
 *       remain, then stamped with a delete horizon and dropped after delete.retention.ms; aborted
 *       transactions whose marker stays are indexed in the cleaned segment's transaction index;</li>
 *   <li>tombstones (null values): the first time a batch holding one is cleaned it is stamped with a
 *       delete horizon of now + delete.retention.ms (KIP-534); once a later pass runs after the horizon
 *       the tombstones are dropped;</li>
 *   <li>each group is written to {@code <base>.log.cleaned} (+ indexes), forced to disk, renamed
 *       {@code .swap}, and swapped into the log under the log lock: the old segments are renamed
 *       {@code .deleted} (deleted after file.delete.delay.ms) and the swap file becomes live. A crash in
 *       between is repaired by the {@link LogLoader}.</li>
 * </ol>
 * Only records are decoded here; the active segment is never touched.
 *
 * <p>Not thread-safe: one instance per cleaner thread (it owns the offset map and I/O buffer).
 */
final class Cleaner {
    private static final Logger LOG = LoggerFactory.getLogger(Cleaner.class);

    /** What a pass did. */
    record Result(long firstDirtyOffset, long endOffset, long bytesBefore, long bytesAfter, long earliestDeleteHorizon) {
    }

    /** The pass was abandoned because the log changed or was closed underneath it. */
    static final class AbortedException extends Exception {
        AbortedException(String message) {
            super(message, null, false, false);
        }
    }

    /** log.cleaner.dedupe.buffer.size: the most memory one offset map may take. */
    private final long maxMapBytes;
    private final Time time;
    /**
     * Sized for the dirty section of each pass (at most {@link #maxMapBytes}) and dropped after it, so an
     * idle cleaner holds no memory: a broker without compacted topics never pays for the 128 MiB default.
     */
    private OffsetMap map;

    Cleaner(long dedupeBufferBytes, Time time) {
        this.maxMapBytes = dedupeBufferBytes;
        this.time = time;
    }

    /**
     * Cleans {@code log} from {@code firstDirtyOffset} up to at most {@code uncleanableOffset}.
     *
     * @return the outcome; {@code endOffset} is the new first dirty offset (equal to
     *         {@code firstDirtyOffset} when nothing could be cleaned)
     */
    Result clean(PartitionLog log, long firstDirtyOffset, long uncleanableOffset, boolean rewriteCleanSection)
            throws IOException, AbortedException {
        try {
            return doClean(log, firstDirtyOffset, uncleanableOffset, rewriteCleanSection);
        } finally {
            map = null;
        }
    }

    private Result doClean(PartitionLog log, long firstDirtyOffset, long uncleanableOffset, boolean rewriteCleanSection)
            throws IOException, AbortedException {
        LogConfig cfg = log.config();
        long now = time.milliseconds();
        // segments that may be cleaned: not active, and ending at or below the uncleanable offset
        List<LogSegment> candidates = new ArrayList<>();
        List<Long> ends = new ArrayList<>();
        List<LogSegment> all = new ArrayList<>(log.segments.values());
        for (int i = 0; i + 1 < all.size(); i++) {
            long end = all.get(i + 1).baseOffset();
            if (end > uncleanableOffset) break;
            candidates.add(all.get(i));
            ends.add(end);
        }
        long mapEnd = buildOffsetMap(log, candidates, ends, firstDirtyOffset, uncleanableOffset);
        if (mapEnd <= firstDirtyOffset && !rewriteCleanSection) {
            return new Result(firstDirtyOffset, firstDirtyOffset, 0, 0, Long.MAX_VALUE);
        }
        long cleanEnd = Math.max(mapEnd, firstDirtyOffset);

        Map<Long, Long> producerLastOffsets = new HashMap<>();
        log.lock.lock();
        try {
            if (log.isClosed()) throw new AbortedException("log closed");
            log.producerState.producers().forEach((pid, e) -> producerLastOffsets.put(pid, e.lastDataOffset()));
        } finally {
            log.lock.unlock();
        }

        List<List<LogSegment>> groups = group(candidates, ends, cleanEnd, cfg);
        long before = 0;
        long after = 0;
        long[] earliestHorizon = {Long.MAX_VALUE};
        // one tracker for the whole pass: groups are cleaned in offset order, so a marker knows whether any
        // batch of its transaction is left anywhere before it
        CleanerTxnTracker txns = groups.isEmpty() ? null
                : new CleanerTxnTracker(log.abortedTransactions(groups.get(0).get(0).baseOffset(), cleanEnd));
        for (List<LogSegment> g : groups) {
            for (LogSegment s : g) before += s.size();
            after += cleanGroup(log, g, cfg, now, producerLastOffsets, earliestHorizon, txns);
        }
        LOG.info("Cleaned {}: offsets {} to {} ({} segments, {} bytes → {} bytes)", log.topicPartition(),
                firstDirtyOffset, cleanEnd, groups.stream().mapToInt(List::size).sum(), before, after);
        return new Result(firstDirtyOffset, cleanEnd, before, after, earliestHorizon[0]);
    }

    /**
     * Fills the map from the dirty candidate segments, whole segments only.
     *
     * @return the end of the mapped range (a segment boundary), or {@code firstDirtyOffset} if not even
     *         the first dirty segment fits
     */
    private long buildOffsetMap(PartitionLog log, List<LogSegment> candidates, List<Long> ends, long firstDirtyOffset,
                                long uncleanableOffset) throws IOException {
        long dirtyRecords = 0;
        for (int i = 0; i < candidates.size(); i++) {
            if (ends.get(i) > firstDirtyOffset) dirtyRecords += countRecords(candidates.get(i), firstDirtyOffset);
        }
        long wanted = (long) ((dirtyRecords + 1) / OffsetMap.LOAD_FACTOR + 2) * OffsetMap.SLOT_SIZE;
        map = new OffsetMap(Math.min(maxMapBytes, wanted));
        long mapEnd = firstDirtyOffset;
        // records of aborted transactions are removed, so they must not shadow older committed values
        CleanerTxnTracker txns = new CleanerTxnTracker(log.abortedTransactions(firstDirtyOffset, uncleanableOffset));
        for (int i = 0; i < candidates.size(); i++) {
            if (ends.get(i) <= firstDirtyOffset) continue;
            LogSegment seg = candidates.get(i);
            if (map.size() + countRecords(seg, firstDirtyOffset) > map.maxEntries()) {
                if (mapEnd == firstDirtyOffset) {
                    LOG.warn("Cannot clean {}: segment {} has more keys than log.cleaner.dedupe.buffer.size holds ({})",
                            log.topicPartition(), seg.baseOffset(), map.maxEntries());
                }
                break;
            }
            SegmentReader reader = new SegmentReader(seg);
            for (ByteBuffer batch = reader.next(); batch != null; batch = reader.next()) {
                if (RecordBatch.isControlBatch(batch, 0)) {
                    txns.onMarker(batch, 0);
                    continue;
                }
                if (txns.isAborted(batch, 0) || RecordBatch.lastOffset(batch, 0) < firstDirtyOffset) continue;
                for (Record r : RecordBatch.at(batch, 0).records()) {
                    if (r.key() != null && r.offset() >= firstDirtyOffset && !map.put(r.key(), r.offset())) {
                        throw new IllegalStateException("offset map overflow"); // excluded by countRecords
                    }
                }
            }
            mapEnd = ends.get(i);
        }
        return mapEnd;
    }

    private static int countRecords(LogSegment seg, long fromOffset) throws IOException {
        long n = 0;
        int pos = 0;
        int size = seg.size();
        while (pos + RecordBatch.HEADER_SIZE <= size) {
            ByteBuffer h = seg.readHeader(pos, RecordBatch.HEADER_SIZE);
            if (h == null) break;
            if (RecordBatch.lastOffset(h, 0) >= fromOffset) n += Math.max(0, RecordBatch.recordCount(h, 0));
            pos += RecordBatch.sizeInBytes(h, 0);
        }
        return (int) Math.min(n, Integer.MAX_VALUE);
    }

    /** Consecutive candidates ending at or below {@code end}, grouped so each group fits one segment and its indexes. */
    private static List<List<LogSegment>> group(List<LogSegment> candidates, List<Long> ends, long end, LogConfig cfg) {
        List<List<LogSegment>> groups = new ArrayList<>();
        List<LogSegment> cur = new ArrayList<>();
        long bytes = 0;
        long indexBytes = 0;
        long timeIndexBytes = 0;
        for (int i = 0; i < candidates.size() && ends.get(i) <= end; i++) {
            LogSegment s = candidates.get(i);
            boolean fits = !cur.isEmpty()
                    && bytes + s.size() <= cfg.segmentBytes()
                    && indexBytes + s.offsetIndex().sizeInBytes() <= cfg.segmentIndexBytes()
                    && timeIndexBytes + s.timeIndex().sizeInBytes() + TimeIndex.ENTRY_SIZE < cfg.segmentIndexBytes()
                    && ends.get(i) - 1 - cur.get(0).baseOffset() <= Integer.MAX_VALUE;
            if (!fits && !cur.isEmpty()) {
                groups.add(cur);
                cur = new ArrayList<>();
                bytes = 0;
                indexBytes = 0;
                timeIndexBytes = 0;
            }
            cur.add(s);
            bytes += s.size();
            indexBytes += s.offsetIndex().sizeInBytes();
            timeIndexBytes += s.timeIndex().sizeInBytes();
        }
        if (!cur.isEmpty()) groups.add(cur);
        return groups;
    }

    /** Rewrites one group into a new segment and swaps it in; returns the new segment's size. */
    private long cleanGroup(PartitionLog log, List<LogSegment> group, LogConfig cfg, long now,
                            Map<Long, Long> producerLastOffsets, long[] earliestHorizon, CleanerTxnTracker txns)
            throws IOException, AbortedException {
        LogSegment first = group.get(0);
        int[] sizes = new int[group.size()];
        LogSegment cleaned = LogSegment.create(log.dir(), first.baseOffset(), cfg, now, 0,
                PartitionLog.CLEANED_SUFFIX, log.channels());
        boolean swapped = false;
        try {
            long lastModified = 0;
            for (int i = 0; i < group.size(); i++) {
                LogSegment src = group.get(i);
                sizes[i] = src.size();
                lastModified = Math.max(lastModified, src.lastModified());
                SegmentReader reader = new SegmentReader(src);
                for (ByteBuffer batch = reader.next(); batch != null; batch = reader.next()) {
                    ByteBuffer out;
                    if (RecordBatch.isControlBatch(batch, 0)) {
                        CleanerTxnTracker.MarkerDecision d = txns.onMarker(batch, 0);
                        if (d.keepIndexed() != null) cleaned.txnIndex().append(d.keepIndexed());
                        out = filterMarker(batch, d.removable(), cfg, now, earliestHorizon);
                    } else {
                        out = filterBatch(batch, cfg, now, producerLastOffsets, earliestHorizon, txns.isAborted(batch, 0));
                    }
                    if (out != null) cleaned.append(out);
                }
            }
            cleaned.onBecomeInactive();
            cleaned.flush();
            if (lastModified > 0) cleaned.setLastModified(lastModified);
            swap(log, group, sizes, cleaned);
            swapped = true;
            return cleaned.size();
        } finally {
            if (!swapped) {
                try {
                    cleaned.deleteFiles();
                } catch (IOException e) {
                    LOG.warn("Could not delete {}: {}", cleaned, e.toString());
                }
            }
        }
    }

    /**
     * The batch as it should be after cleaning: the same buffer when unchanged, a rebuilt batch when
     * records are dropped or a delete horizon is added, or null when it disappears.
     */
    private ByteBuffer filterBatch(ByteBuffer batch, LogConfig cfg, long now, Map<Long, Long> producerLastOffsets,
                                   long[] earliestHorizon, boolean aborted) {
        RecordBatch rb = RecordBatch.at(batch, 0);
        long horizon = rb.deleteHorizonMs();
        boolean dropTombstones = rb.hasDeleteHorizon() && now >= horizon;
        List<Record> records = rb.records();
        List<Record> kept = new ArrayList<>(records.size());
        boolean hasTombstone = false;
        for (Record r : aborted ? List.<Record>of() : records) { // an aborted transaction's records all go
            if (r.key() == null) continue; // keyless records are invalid in a compacted log
            long latest = map.get(r.key());
            if (latest >= 0 && r.offset() < latest) continue;
            if (r.value() == null) {
                if (dropTombstones) continue;
                hasTombstone = true;
            }
            kept.add(r);
        }
        boolean needsHorizon = hasTombstone && !rb.hasDeleteHorizon();
        if (kept.size() == records.size() && !needsHorizon) return batch;
        long pid = rb.producerId();
        if (kept.isEmpty()) {
            Long last = pid == RecordBatch.NO_PRODUCER_ID ? null : producerLastOffsets.get(pid);
            if (last == null || last != rb.lastOffset()) return null;
        }
        RecordBatchBuilder b = new RecordBatchBuilder(rb.compressionType(), rb.timestampType(), rb.baseOffset())
                .partitionLeaderEpoch(rb.partitionLeaderEpoch())
                .transactional(rb.isTransactional());
        if (pid != RecordBatch.NO_PRODUCER_ID) b.producer(pid, rb.producerEpoch(), rb.baseSequence());
        if (needsHorizon) {
            long h = now + cfg.deleteRetentionMs();
            if (h < now) h = Long.MAX_VALUE; // overflow
            b.deleteHorizonMs(h);
            earliestHorizon[0] = Math.min(earliestHorizon[0], h);
        } else if (rb.hasDeleteHorizon() && hasTombstone) {
            b.deleteHorizonMs(horizon);
            earliestHorizon[0] = Math.min(earliestHorizon[0], horizon);
        }
        for (Record r : kept) b.appendWithOffset(r.offset(), r.timestamp(), r.key(), r.value(), r.headers());
        b.lastOffset(rb.lastOffset());
        ByteBuffer out = b.build();
        if (rb.timestampType() == io.runnel.record.TimestampType.LOG_APPEND_TIME && !kept.isEmpty()) {
            RecordBatch ob = RecordBatch.at(out, 0);
            ob.setLogAppendTime(rb.maxTimestamp());
            ob.updateChecksum();
        }
        return out;
    }

    /**
     * A transaction marker: kept while its transaction has batches left; once removable it is stamped with a
     * delete horizon (now + delete.retention.ms) and dropped by the first pass after it, as Kafka does.
     */
    private static ByteBuffer filterMarker(ByteBuffer batch, boolean removable, LogConfig cfg, long now, long[] earliestHorizon) {
        if (!removable) return batch;
        RecordBatch rb = RecordBatch.at(batch, 0);
        if (rb.hasDeleteHorizon()) {
            if (now >= rb.deleteHorizonMs()) return null;
            earliestHorizon[0] = Math.min(earliestHorizon[0], rb.deleteHorizonMs());
            return batch;
        }
        long h = now + cfg.deleteRetentionMs();
        if (h < now) h = Long.MAX_VALUE; // overflow
        RecordBatchBuilder b = new RecordBatchBuilder(rb.compressionType(), rb.timestampType(), rb.baseOffset())
                .partitionLeaderEpoch(rb.partitionLeaderEpoch())
                .transactional(rb.isTransactional())
                .controlBatch(true)
                .producer(rb.producerId(), rb.producerEpoch(), rb.baseSequence())
                .deleteHorizonMs(h);
        for (Record r : rb.records()) b.appendWithOffset(r.offset(), r.timestamp(), r.key(), r.value(), r.headers());
        b.lastOffset(rb.lastOffset());
        earliestHorizon[0] = Math.min(earliestHorizon[0], h);
        return b.build();
    }

    /** Replaces {@code group} by {@code cleaned} in the log, atomically for readers and crash-safely on disk. */
    private static void swap(PartitionLog log, List<LogSegment> group, int[] sizes, LogSegment cleaned)
            throws IOException, AbortedException {
        log.lock.lock();
        try {
            if (log.isClosed()) throw new AbortedException("log closed");
            for (int i = 0; i < group.size(); i++) {
                LogSegment s = group.get(i);
                if (log.segments.get(s.baseOffset()) != s || s.size() != sizes[i]) {
                    throw new AbortedException("segment " + s.baseOffset() + " changed during cleaning");
                }
            }
            if (log.segments.lastKey() <= group.get(group.size() - 1).baseOffset()) {
                throw new AbortedException("segment became active during cleaning");
            }
            cleaned.changeFileSuffix(PartitionLog.SWAP_SUFFIX);
            CheckpointFiles.fsyncDir(log.dir());
            log.segments.put(cleaned.baseOffset(), cleaned);
            for (LogSegment s : group) {
                if (s.baseOffset() != cleaned.baseOffset()) log.segments.remove(s.baseOffset());
            }
            for (LogSegment s : group) log.asyncDelete(s);
            cleaned.changeFileSuffix("");
            CheckpointFiles.fsyncDir(log.dir());
        } finally {
            log.lock.unlock();
        }
    }

    /** Sequential reader of the whole batches of a segment, one batch per buffer. */
    private static final class SegmentReader {
        private final LogSegment seg;
        private final int size;
        private int pos;

        SegmentReader(LogSegment seg) {
            this.seg = seg;
            this.size = seg.size();
        }

        ByteBuffer next() throws IOException {
            if (pos + RecordBatch.HEADER_SIZE > size) return null;
            ByteBuffer h = seg.readHeader(pos, RecordBatch.LOG_OVERHEAD);
            if (h == null) return null;
            int batchSize = RecordBatch.sizeInBytes(h, 0);
            if (batchSize < RecordBatch.HEADER_SIZE || pos + (long) batchSize > size) return null;
            ByteBuffer b = seg.readHeader(pos, batchSize);
            if (b == null) return null;
            pos += batchSize;
            return b;
        }
    }
}
