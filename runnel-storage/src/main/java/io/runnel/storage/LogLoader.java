package io.runnel.storage;

import io.runnel.common.Time;
import io.runnel.common.TopicPartition;
import io.runnel.common.Uuid;
import io.runnel.record.RecordBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Opens a partition directory into a {@link PartitionLog}, recovering it when the broker did not shut
 * down cleanly.
 *
 * <p>Steps: (1) finish or undo interrupted work: {@code .tmp}, {@code .cleaned} and {@code .deleted}
 * files are removed; a {@code .swap} segment (a compaction whose swap had begun) replaces the live
 * segments covering its offsets and takes their place. (2) Open every {@code .log} file; a segment whose
 * index files are missing or fail their sanity check gets its indexes rebuilt. (3) Unclean shutdown
 * only: every segment from the one holding the recovery point on is re-read and validated batch by
 * batch (length, magic, offsets, CRC-32C); the first invalid batch and everything after it in that
 * segment is cut (with a warning) and all later segments are deleted. After a clean shutdown only the
 * last segment's batch framing is walked (to find the end offset), and recovered if it is broken.
 * (4) The producer state is loaded from the newest usable snapshot at or below the log end offset and
 * the batches after it are replayed (headers only). (5) The leader-epoch cache is cut to the log's
 * offset range.
 *
 * <p>Stateless; one call loads one directory on the calling thread.
 */
final class LogLoader {
    private static final Logger LOG = LoggerFactory.getLogger(LogLoader.class);

    private LogLoader() {
    }

    /** What is needed to open one partition directory. */
    record Params(Path dir, TopicPartition tp, Uuid topicId, LogConfig config, Time time, Scheduler scheduler,
                  LogSegment.ChannelFactory channels, long recoveryPointCheckpoint, long logStartOffsetCheckpoint,
                  long highWatermarkCheckpoint, boolean hadCleanShutdown) {
    }

    static PartitionLog load(Params p) throws IOException {
        if (!Files.isDirectory(p.dir())) Files.createDirectories(p.dir());
        Uuid topicId = p.topicId();
        Uuid stored = PartitionMetadataFile.read(p.dir()).orElse(null);
        if (topicId == null || topicId.equals(Uuid.ZERO)) topicId = stored == null ? Uuid.ZERO : stored;
        if (stored == null && !topicId.equals(Uuid.ZERO)) PartitionMetadataFile.write(p.dir(), topicId);

        LeaderEpochCache epochCache = new LeaderEpochCache(p.dir());
        ProducerStateManager producerState = new ProducerStateManager(p.dir());
        PartitionLog log = new PartitionLog(p.dir(), p.tp(), topicId, p.config(), p.time(), p.scheduler(),
                p.channels(), epochCache, producerState);

        java.util.Set<String> names = new java.util.LinkedHashSet<>(); // the directory is listed once: it matters with 100,000 partitions
        List<Path> swaps = removeTempFiles(p.dir(), names);
        long now = p.time().milliseconds();
        TreeMap<Long, LogSegment> segs = new TreeMap<>();
        try {
            openSegments(p, names, segs, now);
            completeSwaps(p, swaps, segs, now);
            if (segs.isEmpty()) {
                long base = Math.max(0, p.logStartOffsetCheckpoint());
                segs.put(base, LogSegment.create(p.dir(), base, p.config(), now, 0, "", p.channels()));
            }
            long recoveryPoint = p.recoveryPointCheckpoint();
            if (!p.hadCleanShutdown()) {
                recover(p, segs, recoveryPoint, epochCache);
            }
            // an inactive segment whose indexes were rebuilt gets its final time index entry again
            for (LogSegment seg : segs.headMap(segs.lastKey(), false).values()) {
                if (seg.indexesRebuilt()) seg.onBecomeInactive();
            }
            LogSegment last = segs.lastEntry().getValue();
            long leo;
            try {
                leo = last.readNextOffset();
            } catch (LogSegment.CorruptSegmentException e) {
                LOG.warn("{}: recovering the last segment: {}", p.tp(), e.getMessage());
                last.recover(null);
                leo = last.readNextOffset();
            }
            log.segments.putAll(segs);

            long logStart = Math.min(Math.max(p.logStartOffsetCheckpoint(), segs.firstKey()), leo);
            long rp = p.hadCleanShutdown() ? leo : Math.min(recoveryPoint, leo);
            log.initOffsets(logStart, leo, rp, p.highWatermarkCheckpoint());

            // an epoch starting exactly at the log end stays: a leader assigns its epoch there before its first batch
            epochCache.truncateFromEnd(leo + 1);
            epochCache.truncateFromStart(logStart);

            // a recovered segment's transaction index is refilled by the replay, which must then start at or before it
            long replayBound = leo;
            for (LogSegment seg : segs.values()) {
                if (seg.txnIndexNeedsRebuild()) {
                    replayBound = Math.min(replayBound, seg.baseOffset());
                    seg.txnIndexRebuilt();
                }
            }
            producerState.loadFromSnapshot(segs.firstKey(), replayBound);
            long replayFrom = producerState.mapEndOffset();
            replayProducerState(log, leo);
            if (replayFrom < leo) producerState.takeSnapshot();
            producerState.deleteSnapshotsBefore(segs.firstKey());
            LOG.debug("Loaded {}: {} segments, log start {}, log end {}, recovery point {}", p.tp(), segs.size(),
                    logStart, leo, rp);
            return log;
        } catch (IOException | RuntimeException e) {
            for (LogSegment s : segs.values()) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // already failing
                }
            }
            throw e;
        }
    }

    /**
     * Deletes leftovers and returns the {@code .swap} log files to complete; {@code remaining} receives the
     * names of the files left in the directory.
     */
    private static List<Path> removeTempFiles(Path dir, java.util.Set<String> remaining) throws IOException {
        List<Path> swaps = new ArrayList<>();
        List<String> swapSuffixed = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path f : ds) {
                String name = f.getFileName().toString();
                if (name.endsWith(".tmp") || name.endsWith(PartitionLog.DELETED_SUFFIX)
                        || name.endsWith(PartitionLog.CLEANED_SUFFIX)) {
                    Files.deleteIfExists(f);
                    continue;
                }
                if (name.endsWith(LogSegment.LOG_SUFFIX + PartitionLog.SWAP_SUFFIX)) swaps.add(f);
                if (name.endsWith(PartitionLog.SWAP_SUFFIX)) swapSuffixed.add(name);
                remaining.add(name);
            }
        }
        // index files of a swap whose log file was already renamed live: the offset and time indexes are rebuilt,
        // but the transaction index is the live segment's own (nothing rebuilds it for a segment that is not
        // recovered, and dropping it would turn its aborted transactions into committed ones): it goes live too
        for (String name : swapSuffixed) {
            long base = baseOffsetOf(name);
            if (!name.endsWith(LogSegment.LOG_SUFFIX + PartitionLog.SWAP_SUFFIX)
                    && (base < 0 || !remaining.contains(LogSegment.logFile(dir, base, PartitionLog.SWAP_SUFFIX).getFileName().toString()))) {
                Path f = dir.resolve(name);
                remaining.remove(name);
                Path liveTxnIndex = base < 0 ? null : LogSegment.txnIndexFile(dir, base, "");
                if (liveTxnIndex != null && f.equals(LogSegment.txnIndexFile(dir, base, PartitionLog.SWAP_SUFFIX))
                        && remaining.contains(LogSegment.logFile(dir, base, "").getFileName().toString())) {
                    Files.move(f, liveTxnIndex, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                    remaining.add(liveTxnIndex.getFileName().toString());
                } else {
                    Files.deleteIfExists(f);
                }
            }
        }
        return swaps;
    }

    private static long baseOffsetOf(String name) {
        int dot = name.indexOf('.');
        if (dot != 20) return -1;
        try {
            return Long.parseLong(name.substring(0, 20));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static void openSegments(Params p, java.util.Set<String> names, TreeMap<Long, LogSegment> segs, long now)
            throws IOException {
        List<Long> bases = new ArrayList<>();
        for (String name : names) {
            long base = name.endsWith(LogSegment.LOG_SUFFIX) ? baseOffsetOf(name) : -1;
            if (base >= 0) bases.add(base);
        }
        // index files without a log file are orphans
        java.util.Set<Long> baseSet = new java.util.HashSet<>(bases);
        for (String name : names) {
            if (!name.endsWith(LogSegment.INDEX_SUFFIX) && !name.endsWith(LogSegment.TIME_INDEX_SUFFIX)
                    && !name.endsWith(TransactionIndex.SUFFIX)) continue;
            long base = baseOffsetOf(name);
            if (base >= 0 && !baseSet.contains(base)) {
                LOG.info("{}: deleting orphaned index file {}", p.tp(), name);
                Files.deleteIfExists(p.dir().resolve(name));
            }
        }
        java.util.Collections.sort(bases);
        // after an unclean shutdown the segments from the recovery point on are re-read anyway
        long recoverFrom = Long.MAX_VALUE;
        if (!p.hadCleanShutdown()) {
            recoverFrom = bases.isEmpty() ? 0 : bases.get(0);
            for (long b : bases) if (b <= p.recoveryPointCheckpoint()) recoverFrom = b;
        }
        for (long base : bases) {
            if (base >= recoverFrom) {
                segs.put(base, LogSegment.open(p.dir(), base, p.config(), now, "", p.channels()));
                continue;
            }
            boolean indexMissing = !names.contains(LogSegment.indexFile(p.dir(), base, "").getFileName().toString())
                    || !names.contains(LogSegment.timeIndexFile(p.dir(), base, "").getFileName().toString());
            LogSegment seg = LogSegment.open(p.dir(), base, p.config(), now, "", p.channels());
            segs.put(base, seg);
            if (indexMissing) {
                LOG.warn("{}: index files of segment {} are missing; rebuilding them", p.tp(), base);
                seg.recover(null);
                continue;
            }
            try {
                seg.offsetIndex().sanityCheck();
                seg.timeIndex().sanityCheck();
            } catch (AbstractIndex.CorruptIndexException e) {
                LOG.warn("{}: {}; rebuilding the indexes of segment {}", p.tp(), e.getMessage(), base);
                seg.recover(null);
            }
        }
    }

    /**
     * A {@code .swap} segment exists when a compaction crashed after its output was complete: it
     * replaces every live segment whose base offset lies in its offset range, then becomes live.
     */
    private static void completeSwaps(Params p, List<Path> swaps, TreeMap<Long, LogSegment> segs, long now)
            throws IOException {
        for (Path swapFile : swaps) {
            long base = baseOffsetOf(swapFile.getFileName().toString());
            if (base < 0) {
                Files.deleteIfExists(swapFile);
                continue;
            }
            LogSegment swap = LogSegment.open(p.dir(), base, p.config(), now, PartitionLog.SWAP_SUFFIX, p.channels());
            swap.recover(null);
            long next = swap.readNextOffset();
            LOG.info("{}: completing the interrupted swap of segment {} (offsets {} to {})", p.tp(), base, base, next);
            for (LogSegment old : new ArrayList<>(segs.subMap(base, true, Math.max(base, next - 1), true).values())) {
                segs.remove(old.baseOffset());
                old.deleteFiles();
            }
            swap.changeFileSuffix("");
            segs.put(base, swap);
        }
    }

    private static void recover(Params p, TreeMap<Long, LogSegment> segs, long recoveryPoint, LeaderEpochCache epochs)
            throws IOException {
        Map.Entry<Long, LogSegment> from = segs.floorEntry(recoveryPoint);
        long fromKey = from == null ? segs.firstKey() : from.getKey();
        List<LogSegment> unflushed = new ArrayList<>(segs.tailMap(fromKey, true).values());
        // debug: after a crash every partition comes here, and one line each would be 100,000 lines
        LOG.debug("{}: recovering {} segment(s) from offset {} after an unclean shutdown", p.tp(), unflushed.size(),
                recoveryPoint);
        for (int i = 0; i < unflushed.size(); i++) {
            LogSegment seg = unflushed.get(i);
            int truncated = seg.recover((header, pos) -> {
                try {
                    // only epochs above the cached ones: a batch of an older epoch after the recovery point must
                    // not move that epoch's start up to it (and drop the later epochs)
                    epochs.assignIfNewer(RecordBatch.partitionLeaderEpoch(header, 0), RecordBatch.baseOffset(header, 0));
                } catch (IOException e) {
                    LOG.warn("{}: could not write the leader epoch checkpoint: {}", p.tp(), e.toString());
                }
            });
            if (truncated > 0 && i + 1 < unflushed.size()) {
                for (LogSegment later : unflushed.subList(i + 1, unflushed.size())) {
                    LOG.warn("{}: deleting segment {} which follows the corrupted segment {}", p.tp(),
                            later.baseOffset(), seg.baseOffset());
                    segs.remove(later.baseOffset());
                    later.deleteFiles();
                }
                break;
            }
        }
    }

    /**
     * Replays the batches between the producer state's map end offset and {@code logEndOffset} into
     * the producer state (headers only; the whole batch for markers). Called with the log lock held or before the log is shared.
     */
    static void replayProducerState(PartitionLog log, long logEndOffset) throws IOException {
        ProducerStateManager ps = log.producerState;
        long from = ps.mapEndOffset();
        if (from < logEndOffset) {
            Map.Entry<Long, LogSegment> first = log.segments.floorEntry(from);
            Long startKey = first == null ? log.segments.firstKey() : first.getKey();
            for (LogSegment seg : log.segments.tailMap(startKey, true).values()) {
                int size = seg.size();
                LogSegment.BatchPosition bp = seg.translateOffset(from, size);
                int pos = bp == null ? size : bp.position();
                while (pos + RecordBatch.HEADER_SIZE <= size) {
                    ByteBuffer h = seg.readHeader(pos, RecordBatch.HEADER_SIZE);
                    if (h == null) break;
                    if (RecordBatch.isControlBatch(h, 0) && RecordBatch.sizeInBytes(h, 0) > RecordBatch.HEADER_SIZE) {
                        // a marker's record says commit or abort and carries the coordinator epoch
                        ByteBuffer whole = seg.readHeader(pos, RecordBatch.sizeInBytes(h, 0));
                        if (whole != null) h = whole;
                    }
                    List<CompletedTxn> ended = ps.replay(h, 0);
                    if (!ended.isEmpty()) log.indexAbortedTxns(seg, ended);
                    pos += RecordBatch.sizeInBytes(h, 0);
                }
            }
        }
        ps.updateMapEndOffset(logEndOffset);
    }
}
