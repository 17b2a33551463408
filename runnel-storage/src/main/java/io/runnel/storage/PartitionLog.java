package io.runnel.storage;

import io.runnel.common.ApiException;
import io.runnel.common.Errors;
import io.runnel.common.Time;
import io.runnel.common.TopicPartition;
import io.runnel.common.Uuid;
import io.runnel.record.BatchValidator;
import io.runnel.record.CompressionType;
import io.runnel.record.EndTxnMarker;
import io.runnel.record.FileRecords;
import io.runnel.record.MemoryRecords;
import io.runnel.record.Record;
import io.runnel.record.RecordBatch;
import io.runnel.storage.TimeIndex.TimestampOffset;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Random;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiPredicate;

/**
 * The log of one partition replica: an ordered set of {@link LogSegment}s in the directory
 * {@code <topic>-<partition>}, the producer state, the leader-epoch cache and the offsets that bound it.
 *
 * <p>Offsets: {@code logStartOffset <= highWatermark <= logEndOffset}. The log end offset (LEO) is the
 * offset the next record gets; the high watermark (HW) is set by the replication layer (for a single
 * replica, the broker moves it to the LEO after each append) and bounds retention and DeleteRecords; the
 * log start offset moves forward through retention and DeleteRecords. The recovery point is the offset
 * below which everything is known to be on disk.
 *
 * <p>On disk (in the partition directory): segments ({@code <20-digit base offset>.log}, {@code .index},
 * {@code .timeindex}), producer snapshots {@code <offset>.snapshot}, {@code leader-epoch-checkpoint},
 * {@code partition.metadata}. The per-directory checkpoints (recovery point, log start offset, HW) are
 * written by {@link LogManager}.
 *
 * <p>Threads: every mutation (append, roll, retention, DeleteRecords, truncation, compaction swap,
 * config change, close) holds the per-log lock. {@link #read} and the offset getters are lock-free:
 * the end of the log is published (volatile) only after the bytes and index entries of an append are
 * written, so readers see whole batches only. Segments removed by retention or compaction are renamed
 * {@code .deleted} and their files closed and deleted only after file.delete.delay.ms, so a reader
 * holding one keeps reading it. Flushing (fsync) happens outside the lock.
 */
public final class PartitionLog {
    private static final Logger LOG = LoggerFactory.getLogger(PartitionLog.class);
    static final String DELETED_SUFFIX = ".deleted";
    static final String CLEANED_SUFFIX = ".cleaned";
    static final String SWAP_SUFFIX = ".swap";

    private final TopicPartition topicPartition;
    private volatile Uuid topicId;
    private final Time time;
    private final Scheduler scheduler;
    private final LogSegment.ChannelFactory channels;
    private final Random random = new Random();
    final ReentrantLock lock = new ReentrantLock();

    private volatile Path dir;
    private volatile LogConfig config;
    final ConcurrentNavigableMap<Long, LogSegment> segments = new ConcurrentSkipListMap<>();
    final LeaderEpochCache epochCache;
    final ProducerStateManager producerState;

    private volatile LogOffsetMetadata endOffsetMetadata;
    private volatile long highWatermark;
    private volatile long logStartOffset;
    private volatile long recoveryPoint;
    private volatile long lastFlushMs;
    private volatile boolean closed;

    PartitionLog(Path dir, TopicPartition topicPartition, Uuid topicId, LogConfig config, Time time,
                 Scheduler scheduler, LogSegment.ChannelFactory channels, LeaderEpochCache epochCache,
                 ProducerStateManager producerState) {
        this.dir = dir;
        this.topicPartition = topicPartition;
        this.topicId = topicId;
        this.config = config;
        this.time = time;
        this.scheduler = scheduler;
        this.channels = channels;
        this.epochCache = epochCache;
        this.producerState = producerState;
        this.lastFlushMs = time.milliseconds();
    }

    /**
     * Opens (creating if needed) the log in {@code dir}. Recovery runs unless {@code cleanShutdown}.
     * For tools and tests; brokers go through {@link LogManager}.
     */
    public static PartitionLog open(Path dir, TopicPartition tp, Uuid topicId, LogConfig config, Time time,
                                    Scheduler scheduler, boolean cleanShutdown) throws IOException {
        return LogLoader.load(new LogLoader.Params(dir, tp, topicId, config, time, scheduler,
                LogSegment.ChannelFactory.DEFAULT, 0L, 0L, 0L, cleanShutdown));
    }

    /** Called by the loader once the segments and offsets are known. */
    void initOffsets(long logStartOffset, long logEndOffset, long recoveryPoint, long highWatermark) {
        LogSegment active = activeSegment();
        this.logStartOffset = logStartOffset;
        this.endOffsetMetadata = new LogOffsetMetadata(logEndOffset, active.baseOffset(), active.size());
        this.recoveryPoint = Math.min(recoveryPoint, logEndOffset);
        this.highWatermark = Math.max(logStartOffset, Math.min(highWatermark, logEndOffset));
    }

    // ---------------------------------------------------------------- accessors

    public TopicPartition topicPartition() {
        return topicPartition;
    }

    public Uuid topicId() {
        return topicId;
    }

    /** Records the topic id of a log that did not know it yet (writes {@code partition.metadata}). */
    void assignTopicId(Uuid id) throws IOException {
        lock.lock();
        try {
            if (!topicId.equals(Uuid.ZERO) || id == null || id.equals(Uuid.ZERO)) return;
            PartitionMetadataFile.write(dir, id);
            topicId = id;
        } finally {
            lock.unlock();
        }
    }

    public Path dir() {
        return dir;
    }

    void setDir(Path dir) {
        this.dir = dir;
    }

    public LogConfig config() {
        return config;
    }

    LogSegment.ChannelFactory channels() {
        return channels;
    }

    /** Takes effect at once for retention, flushing, validation and compaction; segment sizes apply from the next roll. */
    public void updateConfig(LogConfig newConfig) {
        lock.lock();
        try {
            this.config = newConfig;
        } finally {
            lock.unlock();
        }
    }

    public long logStartOffset() {
        return logStartOffset;
    }

    public long logEndOffset() {
        return endOffsetMetadata.offset();
    }

    public long highWatermark() {
        return highWatermark;
    }

    /**
     * The last stable offset: the high watermark, or the first offset of the earliest ongoing transaction when
     * that is lower. A transaction whose first offset was deleted (retention, DeleteRecords) holds it at the
     * log start offset, not below (as Kafka), until its marker.
     */
    public long lastStableOffset() {
        long hw = highWatermark;
        OptionalLong unstable = producerState.firstUnstableOffset();
        return unstable.isPresent() ? Math.min(hw, Math.max(logStartOffset, unstable.getAsLong())) : hw;
    }

    /**
     * The aborted transactions a read_committed consumer needs to skip the aborted records in
     * [{@code fetchOffset}, {@code upperBound}): those whose marker is at or after {@code fetchOffset} and whose
     * first offset is before {@code upperBound}, from the transaction indexes of the segments from the one
     * holding {@code fetchOffset} on. Ordered by marker offset. Lock-free.
     */
    public List<AbortedTxn> abortedTransactions(long fetchOffset, long upperBound) {
        List<AbortedTxn> out = new ArrayList<>();
        Map.Entry<Long, LogSegment> from = segments.floorEntry(fetchOffset);
        Collection<LogSegment> segs = from == null ? segments.values() : segments.tailMap(from.getKey(), true).values();
        try {
            for (LogSegment seg : segs) {
                if (seg.txnIndex().collect(fetchOffset, upperBound, out)) break;
            }
        } catch (IOException e) {
            throw storageError("read the transaction index", e);
        }
        return out;
    }

    public long recoveryPoint() {
        return recoveryPoint;
    }

    /** Milliseconds of the last flush (or of opening). */
    public long lastFlushTime() {
        return lastFlushMs;
    }

    /**
     * Moves the high watermark, clamped to [log start offset, log end offset].
     *
     * @return the new high watermark
     */
    public long updateHighWatermark(long hw) {
        lock.lock();
        try {
            long v = Math.max(logStartOffset, Math.min(hw, logEndOffset()));
            highWatermark = v;
            return v;
        } finally {
            lock.unlock();
        }
    }

    /** Bytes of all segments. */
    public long size() {
        long s = 0;
        for (LogSegment seg : segments.values()) s += seg.size();
        return s;
    }

    public int numberOfSegments() {
        return segments.size();
    }

    /** Base offsets of the segments, ascending. */
    public List<Long> segmentBaseOffsets() {
        return new ArrayList<>(segments.keySet());
    }

    LogSegment activeSegment() {
        return segments.lastEntry().getValue();
    }

    public OptionalInt latestEpoch() {
        return epochCache.latestEpoch();
    }

    /** Active (non-expired) producer ids with their current epoch. */
    public Map<Long, Short> activeProducers() {
        lock.lock();
        try {
            Map<Long, Short> out = new java.util.HashMap<>();
            producerState.producers().forEach((pid, e) -> out.put(pid, e.epoch));
            return out;
        } finally {
            lock.unlock();
        }
    }

    /** The producers this partition tracks (idempotent and transactional), for DescribeProducers. */
    public List<ProducerStateInfo> producerStates() {
        lock.lock();
        try {
            List<ProducerStateInfo> out = new ArrayList<>();
            for (ProducerEntry e : producerState.producers().values()) {
                out.add(new ProducerStateInfo(e.producerId, e.epoch, e.lastSeq(), e.lastTimestamp, e.coordinatorEpoch,
                        e.currentTxnFirstOffset));
            }
            return out;
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------- append

    /**
     * Validates the records of a Produce request (see {@link BatchValidator}), applies the idempotent
     * producer checks, assigns offsets from the log end offset, appends them (rolling first if needed)
     * and advances the log end offset.
     *
     * @throws ApiException with the validator's errors; RECORD_LIST_TOO_LARGE when the records exceed
     *         segment.bytes; INVALID_PRODUCER_EPOCH / OUT_OF_ORDER_SEQUENCE_NUMBER / INVALID_TXN_STATE
     *         from the producer checks; KAFKA_STORAGE_ERROR when the disk write fails (the log is left
     *         as before the call)
     */
    public AppendResult appendAsLeader(MemoryRecords records, int leaderEpoch) {
        return appendAsLeader(records, leaderEpoch, null);
    }

    /**
     * {@link #appendAsLeader(MemoryRecords, int)} storing the batches in {@code targetCodec} (the topic's
     * {@code compression.type}; {@code null} for {@code producer}: as sent). Batches are validated on the
     * producer's bytes first, then rewritten (see {@link BatchValidator}).
     */
    public AppendResult appendAsLeader(MemoryRecords records, int leaderEpoch, CompressionType targetCodec) {
        lock.lock();
        try {
            ensureOpen();
            LogConfig cfg = config;
            int sizeInBytes = records.sizeInBytes();
            if (sizeInBytes == 0) return nothingAppended();
            if (sizeInBytes > cfg.segmentBytes()) {
                throw new ApiException(Errors.RECORD_LIST_TOO_LARGE, "Message batch size is " + sizeInBytes
                        + " bytes in append to partition " + topicPartition
                        + " which exceeds the maximum configured segment size of " + cfg.segmentBytes() + ".");
            }
            long now = time.milliseconds();
            long leo = logEndOffset();
            BatchValidator.Result r = BatchValidator.validateAndAssignOffsets(records, leo, leaderEpoch,
                    cfg.timestampType(), now, cfg.timestampBeforeMaxMs(), cfg.timestampAfterMaxMs(),
                    cfg.maxMessageBytes(), cfg.compact(), targetCodec);
            if (r.batchCount() == 0) return nothingAppended();
            if (r.records() != records) {
                sizeInBytes = r.records().sizeInBytes(); // rewritten in the topic's codec
                if (sizeInBytes > cfg.segmentBytes()) {
                    throw new ApiException(Errors.RECORD_LIST_TOO_LARGE, "Message batch size is " + sizeInBytes
                            + " bytes (in the topic's compression.type) in append to partition " + topicPartition
                            + " which exceeds the maximum configured segment size of " + cfg.segmentBytes() + ".");
                }
            }
            ByteBuffer buf = r.records().buffer();
            ProducerStateManager.Append pa = producerState.prepareAppend();
            for (int p = buf.position(); p < buf.limit(); p += RecordBatch.sizeInBytes(buf, p)) {
                ProducerEntry.BatchMetadata dup = pa.findDuplicate(buf, p);
                if (dup != null) {
                    long appendTime = cfg.timestampType() == io.runnel.record.TimestampType.LOG_APPEND_TIME ? dup.timestamp() : -1;
                    return new AppendResult(dup.firstOffset(), dup.lastOffset(), appendTime, logStartOffset,
                            dup.timestamp(), -1, true);
                }
                pa.append(buf, p, true);
            }
            long newEnd = r.lastOffset() + 1;
            writeBatches(maybeRoll(sizeInBytes, r.maxTimestamp(), r.lastOffset(), now, leo), buf, pa, newEnd);
            assignEpoch(leaderEpoch, r.firstOffset()); // the validator stamped every batch with it
            maybeFlushByMessages(newEnd);
            return new AppendResult(r.firstOffset(), r.lastOffset(), r.logAppendTime(), logStartOffset,
                    r.maxTimestamp(), r.offsetOfMaxTimestamp(), false);
        } finally {
            lock.unlock();
        }
    }

    private AppendResult nothingAppended() {
        return new AppendResult(-1, -1, -1, logStartOffset, -1, -1, false);
    }

    /**
     * {@link #appendAsLeader(MemoryRecords, int, CompressionType)}, but only when every batch is a transactional
     * data batch whose producer already has a transaction ongoing in this partition at the batch's epoch; otherwise
     * appends nothing and returns null. Checked under the log's lock, so no marker can end the transaction between
     * the check and the append. This is why later batches of a transaction need not ask the transaction
     * coordinator (KIP-890: only the batch that starts a transaction in a partition is verified); a batch of
     * another epoch, or the first after a marker, gets null and goes to the coordinator as before.
     *
     * @throws ApiException as {@link #appendAsLeader(MemoryRecords, int)}
     */
    public AppendResult appendToOngoingTxn(MemoryRecords records, int leaderEpoch, CompressionType targetCodec) {
        lock.lock();
        try {
            ensureOpen();
            if (!allInOngoingTxn(records.buffer())) return null;
            return appendAsLeader(records, leaderEpoch, targetCodec);
        } finally {
            lock.unlock();
        }
    }

    /** Whether {@code buf} holds at least one batch and only transactional data batches of ongoing transactions. */
    private boolean allInOngoingTxn(ByteBuffer buf) {
        int p = buf.position();
        if (p >= buf.limit()) return false;
        while (p < buf.limit()) {
            if (buf.limit() - p < RecordBatch.HEADER_SIZE) return false;
            int size = RecordBatch.sizeInBytes(buf, p);
            if (size < RecordBatch.HEADER_SIZE || p + (long) size > buf.limit()
                    || RecordBatch.magic(buf, p) != RecordBatch.MAGIC_VALUE_V2
                    || !RecordBatch.isTransactional(buf, p) || RecordBatch.isControlBatch(buf, p)
                    || !producerState.hasOngoingTxn(RecordBatch.producerId(buf, p), RecordBatch.producerEpoch(buf, p))) {
                return false;
            }
            p += size;
        }
        return true;
    }

    /**
     * Appends batches the broker built itself (transaction markers, coordinator records): no client
     * validation; offsets are assigned from the log end offset and the leader epoch stamped, in place
     * (neither is covered by the CRC). Control batches end their producer's transaction.
     *
     * @throws ApiException CORRUPT_MESSAGE for bytes that are not whole v2 batches with a valid CRC;
     *         INVALID_PRODUCER_EPOCH for a marker older than its producer's epoch; KAFKA_STORAGE_ERROR
     */
    public AppendResult appendAsCoordinator(MemoryRecords records, int leaderEpoch) {
        lock.lock();
        try {
            ensureOpen();
            ByteBuffer buf = records.buffer();
            if (!buf.hasRemaining()) return nothingAppended();
            long leo = logEndOffset();
            long next = leo;
            long maxTs = -1;
            long offsetOfMax = -1;
            for (int p = buf.position(); p < buf.limit(); ) {
                checkWholeBatch(buf, p, "a coordinator append");
                RecordBatch b = RecordBatch.at(buf, p);
                b.setBaseOffset(next);
                b.setPartitionLeaderEpoch(leaderEpoch);
                if (b.maxTimestamp() > maxTs) {
                    maxTs = b.maxTimestamp();
                    offsetOfMax = next;
                }
                next = b.nextOffset();
                p += b.sizeInBytes();
            }
            int size = buf.remaining();
            if (size > config.segmentBytes()) {
                throw new ApiException(Errors.RECORD_LIST_TOO_LARGE, size + " bytes exceed segment.bytes of " + topicPartition);
            }
            ProducerStateManager.Append pa = producerState.prepareAppend();
            for (int p = buf.position(); p < buf.limit(); p += RecordBatch.sizeInBytes(buf, p)) pa.append(buf, p, true);
            writeBatches(maybeRoll(size, maxTs, next - 1, time.milliseconds(), leo), buf, pa, next);
            assignEpoch(leaderEpoch, leo);
            maybeFlushByMessages(next);
            return new AppendResult(leo, next - 1, -1, logStartOffset, maxTs, offsetOfMax, false);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Writes a transaction marker (see {@link EndTxnMarker} for the layout) for {@code producerId} at the log
     * end and ends the producer's ongoing transaction here, if it has one.
     *
     * @throws ApiException INVALID_PRODUCER_EPOCH when {@code producerEpoch} is older than the producer's
     *         current epoch; TRANSACTION_COORDINATOR_FENCED when {@code coordinatorEpoch} is older than the
     *         last one seen for the producer; KAFKA_STORAGE_ERROR. Nothing is written then.
     */
    public AppendResult appendControlBatch(long producerId, short producerEpoch, int coordinatorEpoch, boolean commit,
                                           int leaderEpoch) {
        if (producerId < 0 || producerEpoch < 0) {
            throw new ApiException(Errors.INVALID_REQUEST, "Invalid producer id " + producerId
                    + " / epoch " + producerEpoch + " for a transaction marker");
        }
        ByteBuffer batch = new EndTxnMarker(commit, coordinatorEpoch).toBatch(producerId, producerEpoch, time.milliseconds());
        return appendAsCoordinator(new MemoryRecords(batch), leaderEpoch);
    }

    /**
     * Appends batches whose offsets are final, as a follower of the partition's leader: they are stored exactly as
     * received (offsets, timestamps, partition leader epochs, codecs: the same bytes), with no offset assignment, no
     * recompression and no producer validation. The producer state is updated from them as recovery replays the log
     * (Kafka's "replication origin": no sequence or epoch checks, the leader decided; a transactional batch starts
     * its producer's transaction, a control batch ends it, an abort goes into the transaction index). Each batch
     * whose partition leader epoch is above the latest cached one starts that epoch at its base offset. Segments
     * roll by the same rules as leader appends; records larger than segment.bytes are split across segments at
     * batch boundaries. The high watermark does not move: the caller moves it ({@link #updateHighWatermark}).
     *
     * @param records whole v2 batches, as read from the leader's log (gaps between batches are fine, e.g. after
     *                compaction); empty records are a no-op
     * @return the offsets appended ({@code logAppendTime} -1; {@code offsetOfMaxTimestamp} the last offset of the
     *         batch holding the largest timestamp); for empty records, a result with first and last offset -1
     * @throws ApiException CORRUPT_MESSAGE when the bytes are not whole v2 batches with a valid CRC;
     *         OFFSET_OUT_OF_RANGE when the first batch starts below the log end offset or a batch does not start
     *         after the previous one; nothing is appended then. KAFKA_STORAGE_ERROR when the disk write fails
     *         (segments already written by this call stay: they hold whole batches)
     */
    public AppendResult appendAsFollower(MemoryRecords records) {
        lock.lock();
        try {
            ensureOpen();
            ByteBuffer buf = records.buffer();
            if (!buf.hasRemaining()) return nothingAppended();
            long next = logEndOffset();
            long maxTs = -1;
            long offsetOfMax = -1;
            for (int p = buf.position(); p < buf.limit(); p += RecordBatch.sizeInBytes(buf, p)) {
                checkWholeBatch(buf, p, "a follower append");
                if (RecordBatch.baseOffset(buf, p) < next) {
                    throw new ApiException(Errors.OFFSET_OUT_OF_RANGE, "Follower append to " + topicPartition
                            + ": the batch at position " + p + " starts at offset " + RecordBatch.baseOffset(buf, p)
                            + ", below " + (p == buf.position() ? "the log end offset " : "the end of the previous batch ")
                            + next);
                }
                if (RecordBatch.maxTimestamp(buf, p) > maxTs) {
                    maxTs = RecordBatch.maxTimestamp(buf, p);
                    offsetOfMax = RecordBatch.lastOffset(buf, p);
                }
                next = RecordBatch.lastOffset(buf, p) + 1;
            }
            long first = RecordBatch.baseOffset(buf, buf.position());
            for (int from = buf.position(); from < buf.limit(); ) {
                int to = segmentChunkEnd(buf, from, config.segmentBytes());
                appendFollowerChunk(buf.duplicate().limit(to).position(from));
                from = to;
            }
            maybeFlushByMessages(next);
            return new AppendResult(first, next - 1, -1, logStartOffset, maxTs, offsetOfMax, false);
        } finally {
            lock.unlock();
        }
    }

    /**
     * The end of the run of whole batches from {@code from} that can share one segment: at most
     * {@code segmentBytes} (but at least one batch) and offsets within the 4-byte relative offset of its first.
     */
    private static int segmentChunkEnd(ByteBuffer buf, int from, long segmentBytes) {
        long base = RecordBatch.baseOffset(buf, from);
        int p = from + RecordBatch.sizeInBytes(buf, from);
        while (p < buf.limit()) {
            int size = RecordBatch.sizeInBytes(buf, p);
            if (p + (long) size - from > segmentBytes || RecordBatch.lastOffset(buf, p) - base > Integer.MAX_VALUE) break;
            p += size;
        }
        return p;
    }

    /** One segment's worth of a follower append (validated): producer state, roll, write, epochs. */
    private void appendFollowerChunk(ByteBuffer chunk) {
        ProducerStateManager.Append pa = producerState.prepareAppend();
        long maxTs = -1;
        long last = -1;
        for (int p = chunk.position(); p < chunk.limit(); p += RecordBatch.sizeInBytes(chunk, p)) {
            pa.append(chunk, p, false);
            maxTs = Math.max(maxTs, RecordBatch.maxTimestamp(chunk, p));
            last = RecordBatch.lastOffset(chunk, p);
        }
        long first = RecordBatch.baseOffset(chunk, chunk.position());
        // a gap before the first batch (compaction on the leader): a new segment starts at the batch, not below it
        LogSegment seg = maybeRoll(chunk.remaining(), maxTs, last, time.milliseconds(), Math.max(first, logEndOffset()));
        writeBatches(seg, chunk, pa, last + 1);
        for (int p = chunk.position(); p < chunk.limit(); p += RecordBatch.sizeInBytes(chunk, p)) {
            assignEpochIfNewer(RecordBatch.partitionLeaderEpoch(chunk, p), RecordBatch.baseOffset(chunk, p));
        }
    }

    /**
     * Records that this replica's leadership of {@code epoch} starts at {@code startOffset} (a new leader: its log
     * end offset) before any batch of that epoch is appended, so OffsetForLeaderEpoch answers the previous epoch's
     * end for followers. Ignored unless {@code epoch} is above the latest cached epoch. Checkpointed at once, and
     * kept across restarts while the log still ends at or after {@code startOffset}. The checkpoint is fsynced unless
     * the log is empty: an epoch no record belongs to yet protects nothing against a crash, and new partitions (a
     * topic of thousands) would otherwise each pay an fsync of the file and of its directory when first led.
     */
    public void assignEpochStartOffset(int epoch, long startOffset) {
        lock.lock();
        try {
            ensureOpen();
            try {
                epochCache.assignIfNewer(epoch, startOffset, logEndOffset() != logStartOffset());
            } catch (IOException e) {
                LOG.error("Could not write the leader epoch checkpoint of {}; it is rewritten on the next change", topicPartition, e);
            }
        } finally {
            lock.unlock();
        }
    }

    private void assignEpochIfNewer(int epoch, long startOffset) {
        try {
            epochCache.assignIfNewer(epoch, startOffset);
        } catch (IOException e) {
            LOG.error("Could not write the leader epoch checkpoint of {}; it is rewritten on the next change", topicPartition, e);
        }
    }

    /** @throws ApiException CORRUPT_MESSAGE unless a whole v2 batch with a valid CRC starts at {@code p} */
    private void checkWholeBatch(ByteBuffer buf, int p, String what) {
        if (buf.limit() - p < RecordBatch.HEADER_SIZE || RecordBatch.sizeInBytes(buf, p) < RecordBatch.HEADER_SIZE
                || p + (long) RecordBatch.sizeInBytes(buf, p) > buf.limit()
                || RecordBatch.magic(buf, p) != RecordBatch.MAGIC_VALUE_V2 || !RecordBatch.checksumMatches(buf, p)
                || RecordBatch.lastOffsetDelta(buf, p) < 0) {
            throw new ApiException(Errors.CORRUPT_MESSAGE, "Invalid batch at position " + p + " in " + what + " to " + topicPartition);
        }
    }

    /**
     * Writes batches whose offsets are final to {@code seg}, makes the staged producer state the state, indexes the
     * transactions it aborted and publishes the new log end {@code newEnd}.
     */
    private void writeBatches(LogSegment seg, ByteBuffer buf, ProducerStateManager.Append pa, long newEnd) {
        try {
            seg.append(buf);
        } catch (IOException e) {
            throw storageError("append to " + seg, e);
        }
        // the LSO may only pass an aborted transaction once the index lists it (lock-free readers use both)
        producerState.commitUnpublished(pa, newEnd);
        indexAbortedTxns(seg, pa.completedTxns());
        producerState.publishUnstable();
        endOffsetMetadata = new LogOffsetMetadata(newEnd, seg.baseOffset(), seg.size());
    }

    private void maybeFlushByMessages(long newEnd) {
        if (newEnd - recoveryPoint >= config.flushMessages()) flushUpTo(newEnd);
    }

    /**
     * Adds the aborted ones of {@code txns} (ended by markers in {@code seg}, already applied to the producer
     * state) to the segment's transaction index, skipping those already indexed (a replay after a restart).
     * A failed write is logged: the entry is added again by the replay at the next start.
     */
    void indexAbortedTxns(LogSegment seg, List<CompletedTxn> txns) {
        for (CompletedTxn t : txns) {
            if (!t.aborted()) continue;
            try {
                if (t.lastOffset() <= seg.txnIndex().lastMarkerOffset()) continue;
                seg.txnIndex().append(new AbortedTxn(t.producerId(), t.firstOffset(), t.lastOffset(), t.lastStableOffset()));
            } catch (IOException e) {
                LOG.warn("Could not index the aborted transaction {} in {}: {}", t, seg, e.toString());
            }
        }
    }

    private void assignEpoch(int epoch, long startOffset) {
        try {
            epochCache.assign(epoch, startOffset);
        } catch (IOException e) {
            LOG.error("Could not write the leader epoch checkpoint of {}; it is rewritten on the next change", topicPartition, e);
        }
    }

    /** The segment to append to: a new one at {@code rollOffset} (&gt;= the log end offset) if the active one must roll. */
    private LogSegment maybeRoll(int messagesSize, long maxTimestamp, long maxOffset, long now, long rollOffset) {
        LogSegment active = activeSegment();
        if (active.shouldRoll(config, messagesSize, maxTimestamp, maxOffset, now)) {
            LOG.debug("Rolling {} at offset {} (segment size {}, max timestamp {})", topicPartition, rollOffset,
                    active.size(), maxTimestamp);
            return roll(rollOffset);
        }
        return active;
    }

    /**
     * Starts a new active segment at the log end offset (no-op if the active segment is empty and
     * already there), snapshots the producer state, and flushes the old segment in the background.
     */
    public LogSegment roll() {
        return roll(logEndOffset());
    }

    /**
     * {@link #roll()} at {@code offset} (the log end offset, or above it when a follower's next batch starts after
     * a gap). An empty active segment below {@code offset} is replaced: only a relative offset overflow rolls it.
     */
    private LogSegment roll(long offset) {
        lock.lock();
        try {
            ensureOpen();
            long newOffset = Math.max(offset, logEndOffset());
            LogSegment active = activeSegment();
            if (active.baseOffset() == newOffset && active.size() == 0) return active;
            LogConfig cfg = config;
            LogSegment seg;
            try {
                seg = LogSegment.create(dir, newOffset, cfg, time.milliseconds(), cfg.randomSegmentJitterMs(random), "", channels);
            } catch (IOException e) {
                throw storageError("roll a new segment at " + newOffset, e);
            }
            segments.put(newOffset, seg); // first: lock-free readers always find an active segment
            if (active.size() == 0) {
                segments.remove(active.baseOffset()); // empty, below a follower's gap: nothing to keep
                asyncDelete(active);
            } else {
                try {
                    active.onBecomeInactive();
                } catch (IOException e) {
                    LOG.warn("Could not trim {} after roll: {}", active, e.toString());
                }
            }
            endOffsetMetadata = new LogOffsetMetadata(newOffset, newOffset, 0);
            producerState.updateMapEndOffset(newOffset);
            producerState.takeSnapshot();
            scheduler.scheduleOnce("flush-log", () -> flushUpTo(newOffset), 0);
            return seg;
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------- read

    /**
     * Reads whole batches starting with the batch that holds {@code fetchOffset} (or the first batch
     * after it), as a zero-copy region of one segment. Lock-free.
     *
     * @param maxBytes           byte budget; batches that would exceed it are left out
     * @param maxOffsetExclusive only batches whose last offset is below this (e.g. the high watermark
     *                           for consumers); {@code Long.MAX_VALUE} for no limit
     * @param minOneBatch        return the first batch even if it exceeds {@code maxBytes}
     * @throws ApiException OFFSET_OUT_OF_RANGE if fetchOffset is below the log start offset or above
     *         the log end offset; KAFKA_STORAGE_ERROR on an I/O failure
     */
    public LogReadResult read(long fetchOffset, int maxBytes, long maxOffsetExclusive, boolean minOneBatch) {
        for (int attempt = 0; ; attempt++) {
            LogOffsetMetadata end = endOffsetMetadata;
            long start = logStartOffset;
            long hw = highWatermark;
            long lso = lastStableOffset();
            if (fetchOffset < start || fetchOffset > end.offset()) {
                throw new ApiException(Errors.OFFSET_OUT_OF_RANGE, "Received request for offset " + fetchOffset
                        + " for partition " + topicPartition + ", but we only have log segments in the range "
                        + start + " to " + end.offset() + ".");
            }
            try {
                FileRecords records = readSegments(fetchOffset, maxBytes, maxOffsetExclusive, minOneBatch, end);
                return new LogReadResult(records, hw, lso, start, end.offset());
            } catch (ClosedChannelException e) {
                // the segment was deleted or replaced under us; look again
                if (attempt >= 3 || closed) throw storageError("read " + fetchOffset, e);
            } catch (IOException e) {
                throw storageError("read " + fetchOffset, e);
            }
        }
    }

    private FileRecords readSegments(long fetchOffset, int maxBytes, long maxOffsetExclusive, boolean minOneBatch,
                                     LogOffsetMetadata end) throws IOException {
        Map.Entry<Long, LogSegment> e = segments.floorEntry(fetchOffset);
        if (e == null) e = segments.firstEntry();
        LogSegment last = null;
        while (e != null && e.getKey() <= end.segmentBaseOffset()) {
            LogSegment seg = e.getValue();
            last = seg;
            if (fetchOffset < end.offset() && fetchOffset < maxOffsetExclusive) {
                int maxPosition = seg.baseOffset() == end.segmentBaseOffset() ? end.position() : seg.size();
                LogSegment.Slice slice = seg.read(fetchOffset, maxBytes, maxPosition, minOneBatch, maxOffsetExclusive);
                if (slice != null) {
                    return new FileRecords(slice.size() == 0 ? seg.channel() : seg.transferChannel(), slice.position(), slice.size());
                }
            }
            e = segments.higherEntry(e.getKey());
        }
        LogSegment any = last != null ? last : activeSegment();
        return new FileRecords(any.channel(), 0, 0);
    }

    // ---------------------------------------------------------------- offsets for ListOffsets

    /** ListOffsets EARLIEST: the log start offset (timestamp -1). */
    public TimestampAndOffset earliestOffset() {
        long start = logStartOffset;
        return new TimestampAndOffset(-1, start, epochForOffset(start));
    }

    /** ListOffsets LATEST: the log end offset (timestamp -1); the broker applies its isolation level. */
    public TimestampAndOffset latestOffset() {
        long leo = logEndOffset();
        return new TimestampAndOffset(-1, leo, epochCache.latestEpoch().orElse(-1));
    }

    private int epochForOffset(long offset) {
        Map.Entry<Integer, Long> found = null;
        for (Map.Entry<Integer, Long> e : epochCache.entries().entrySet()) {
            if (e.getValue() <= offset) found = e;
        }
        return found == null ? -1 : found.getKey();
    }

    /**
     * ListOffsets by timestamp: the first record at or above the log start offset whose timestamp is
     * &gt;= {@code targetTimestamp}, with that record's timestamp; empty when there is none.
     */
    public Optional<TimestampAndOffset> offsetForTimestamp(long targetTimestamp) {
        long start = logStartOffset;
        LogOffsetMetadata end = endOffsetMetadata;
        try {
            for (LogSegment seg : segments.values()) {
                if (seg.baseOffset() > end.segmentBaseOffset()) break;
                TimestampOffset max = seg.maxTimestampAndOffset();
                if (max.timestamp() < targetTimestamp) continue;
                int maxPosition = seg.baseOffset() == end.segmentBaseOffset() ? end.position() : seg.size();
                TimestampOffset hint = seg.timeIndex().lookup(targetTimestamp);
                long startOffset = Math.max(start, hint.offset());
                LogSegment.BatchPosition pos = seg.translateOffset(startOffset, maxPosition);
                while (pos != null) {
                    ByteBuffer batch = seg.readHeader(pos.position(), pos.size());
                    if (batch == null) break;
                    if (RecordBatch.maxTimestamp(batch, 0) >= targetTimestamp) {
                        for (Record rec : RecordBatch.at(batch, 0).records()) {
                            if (rec.timestamp() >= targetTimestamp && rec.offset() >= start) {
                                return Optional.of(new TimestampAndOffset(rec.timestamp(), rec.offset(),
                                        RecordBatch.partitionLeaderEpoch(batch, 0)));
                            }
                        }
                    }
                    pos = seg.translateOffset(pos.lastOffset() + 1, pos.position() + pos.size(), maxPosition);
                }
            }
            return Optional.empty();
        } catch (IOException e) {
            throw storageError("look up timestamp " + targetTimestamp, e);
        }
    }

    /**
     * ListOffsets MAX_TIMESTAMP (KIP-734): the offset and timestamp of the first record carrying the
     * largest timestamp in the log; empty for an empty log.
     */
    public Optional<TimestampAndOffset> maxTimestampOffset() {
        LogOffsetMetadata end = endOffsetMetadata;
        LogSegment best = null;
        TimestampOffset bestTs = TimestampOffset.UNKNOWN;
        for (LogSegment seg : segments.values()) {
            if (seg.baseOffset() > end.segmentBaseOffset()) break;
            TimestampOffset t = seg.maxTimestampAndOffset();
            if (t.timestamp() > bestTs.timestamp()) {
                best = seg;
                bestTs = t;
            }
        }
        if (best == null) return Optional.empty();
        try {
            LogSegment.BatchPosition pos = best.translateOffset(bestTs.offset(), best.size());
            if (pos == null) return Optional.empty();
            ByteBuffer batch = best.readHeader(pos.position(), pos.size());
            if (batch == null) return Optional.empty();
            long ts = RecordBatch.maxTimestamp(batch, 0);
            for (Record rec : RecordBatch.at(batch, 0).records()) {
                if (rec.timestamp() == ts) {
                    return Optional.of(new TimestampAndOffset(ts, rec.offset(), RecordBatch.partitionLeaderEpoch(batch, 0)));
                }
            }
            return Optional.of(new TimestampAndOffset(ts, pos.lastOffset(), RecordBatch.partitionLeaderEpoch(batch, 0)));
        } catch (IOException e) {
            throw storageError("find the max timestamp", e);
        }
    }

    /** OffsetForLeaderEpoch from the leader-epoch cache (see {@link LeaderEpochCache#endOffsetFor}). */
    public EpochEndOffset endOffsetForEpoch(int epoch) {
        return epochCache.endOffsetFor(epoch, logEndOffset());
    }

    // ---------------------------------------------------------------- retention and DeleteRecords

    /**
     * DeleteRecords: moves the log start offset to {@code offset} (no-op if it is not above the current
     * one) and deletes the segments entirely below it.
     *
     * @return the new log start offset (the low watermark)
     * @throws ApiException OFFSET_OUT_OF_RANGE if {@code offset} is negative or above the high watermark
     */
    public long deleteRecordsBefore(long offset) {
        lock.lock();
        try {
            ensureOpen();
            if (offset < 0 || offset > highWatermark) {
                throw new ApiException(Errors.OFFSET_OUT_OF_RANGE, "Cannot increment the log start offset to "
                        + offset + " of partition " + topicPartition + " since it is "
                        + (offset < 0 ? "negative" : "larger than the high watermark " + highWatermark));
            }
            incrementLogStartOffset(offset, "DeleteRecords");
            return logStartOffset;
        } finally {
            lock.unlock();
        }
    }

    /**
     * A follower follows its leader's log start offset: moves the log start offset up to {@code offset}, but never
     * above the high watermark (the rest follows once the high watermark has caught up), deleting the segments
     * entirely below it as DeleteRecords does. No-op for an offset not above the current log start offset.
     * (Unlike {@link #deleteRecordsBefore}, an offset above the high watermark is not an error: the leader's log start
     * offset may be ahead of this replica's high watermark.)
     */
    public void maybeIncrementLogStartOffset(long offset) {
        lock.lock();
        try {
            ensureOpen();
            incrementLogStartOffset(Math.min(offset, highWatermark), "the leader's log start offset");
        } finally {
            lock.unlock();
        }
    }

    private void incrementLogStartOffset(long offset, String reason) {
        if (offset <= logStartOffset) return;
        LOG.info("Incrementing the log start offset of {} to {} ({})", topicPartition, offset, reason);
        moveLogStartOffset(offset);
        deleteSegments(deletableSegments((seg, next) -> next != null && next.baseOffset() <= logStartOffset, false),
                "log start offset " + offset);
    }

    private void moveLogStartOffset(long offset) {
        logStartOffset = offset;
        if (recoveryPoint < offset) recoveryPoint = offset;
        try {
            epochCache.truncateFromStart(offset);
        } catch (IOException e) {
            LOG.warn("Could not write the leader epoch checkpoint of {}: {}", topicPartition, e.toString());
        }
    }

    /**
     * Applies retention: with cleanup.policy delete, segments whose newest record is older than
     * retention.ms (the active one too, after rolling) and old segments beyond retention.bytes (never
     * the active one); always, segments entirely below the log start offset. Segments are only deleted
     * up to the high watermark. The log start offset moves to the first remaining segment.
     *
     * @return the number of segments deleted
     */
    public int deleteOldSegments() {
        lock.lock();
        try {
            if (closed) return 0;
            LogConfig cfg = config;
            int deleted = 0;
            if (cfg.delete()) {
                if (cfg.retentionMs() >= 0) {
                    long now = time.milliseconds();
                    deleted += deleteSegments(deletableSegments(
                            (seg, next) -> now - seg.largestTimestamp() > cfg.retentionMs(), true),
                            "retention.ms " + cfg.retentionMs());
                }
                if (cfg.retentionBytes() >= 0) {
                    long[] diff = {size() - cfg.retentionBytes()};
                    deleted += deleteSegments(deletableSegments((seg, next) -> {
                        if (diff[0] - seg.size() >= 0) {
                            diff[0] -= seg.size();
                            return true;
                        }
                        return false;
                    }, false), "retention.bytes " + cfg.retentionBytes());
                }
            }
            deleted += deleteSegments(deletableSegments(
                    (seg, next) -> next != null && next.baseOffset() <= logStartOffset, false), "log start offset");
            return deleted;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The oldest segments, in order, for which the predicate holds, stopping at the first that fails,
     * that is not entirely below the high watermark, or that is the active one (unless
     * {@code includeActive} and it is not empty).
     */
    private List<LogSegment> deletableSegments(BiPredicate<LogSegment, LogSegment> predicate, boolean includeActive) {
        List<LogSegment> out = new ArrayList<>();
        long leo = logEndOffset();
        List<LogSegment> all = new ArrayList<>(segments.values());
        for (int i = 0; i < all.size(); i++) {
            LogSegment seg = all.get(i);
            LogSegment next = i + 1 < all.size() ? all.get(i + 1) : null;
            if (next == null && (!includeActive || seg.size() == 0)) break;
            long upperBound = next != null ? next.baseOffset() : leo;
            if (highWatermark < upperBound || !predicate.test(seg, next)) break;
            out.add(seg);
        }
        return out;
    }

    private int deleteSegments(List<LogSegment> toDelete, String reason) {
        if (toDelete.isEmpty()) return 0;
        if (toDelete.size() == segments.size()) roll();
        for (LogSegment seg : toDelete) {
            LOG.info("Deleting segment {} of {} ({})", seg.baseOffset(), topicPartition, reason);
            segments.remove(seg.baseOffset());
            asyncDelete(seg);
        }
        long firstBase = segments.firstKey();
        if (firstBase > logStartOffset) moveLogStartOffset(firstBase);
        try {
            producerState.deleteSnapshotsBefore(firstBase);
        } catch (IOException e) {
            LOG.warn("Could not delete old producer snapshots of {}: {}", topicPartition, e.toString());
        }
        return toDelete.size();
    }

    /** Renames the segment's files to {@code .deleted} now and deletes them after file.delete.delay.ms. */
    void asyncDelete(LogSegment seg) {
        try {
            seg.changeFileSuffix(DELETED_SUFFIX);
        } catch (IOException e) {
            LOG.warn("Could not rename {} for deletion: {}", seg, e.toString());
        }
        scheduler.scheduleOnce("delete-segment", () -> {
            try {
                seg.deleteFiles();
            } catch (IOException e) {
                LOG.warn("Could not delete the files of {}: {}", seg, e.toString());
            }
        }, config.fileDeleteDelayMs());
    }

    // ---------------------------------------------------------------- truncation (replication)

    /**
     * Removes every batch whose last offset is &gt;= {@code offset} (a batch straddling {@code offset}
     * goes entirely); the log end offset becomes the end of the last remaining batch. Moves the HW and
     * recovery point down with it, truncates the leader-epoch cache and rebuilds the producer state.
     * An offset below the log start offset empties the log and restarts it there. An offset at or past the
     * log end removes no batch, only leader epochs that start at the log end (epochs without records).
     */
    public void truncateTo(long offset) {
        if (offset < 0) throw new IllegalArgumentException("cannot truncate to a negative offset " + offset);
        lock.lock();
        try {
            ensureOpen();
            if (offset >= logEndOffset()) {
                // no batch to remove, but an epoch this replica started as leader without appending anything may
                // still begin at the log end: the leader's log does not have it, and keeping it would make every
                // later fetch (LastFetchedEpoch) diverge at the same offset again
                try {
                    epochCache.truncateFromEnd(logEndOffset());
                } catch (IOException e) {
                    throw storageError("truncate the leader epochs to " + logEndOffset(), e);
                }
                return;
            }
            if (offset < logStartOffset || offset < segments.firstKey()) {
                truncateFullyAndStartAt(offset);
                return;
            }
            LOG.info("Truncating {} to offset {}", topicPartition, offset);
            try {
                for (LogSegment seg : new ArrayList<>(segments.tailMap(offset, false).values())) {
                    segments.remove(seg.baseOffset());
                    asyncDelete(seg);
                }
                LogSegment last = activeSegment();
                last.truncateTo(offset);
                long leo = last.readNextOffset();
                if (leo < logStartOffset) {
                    // the batch straddling the log start offset went: nothing at or above it is left
                    truncateFullyAndStartAt(logStartOffset);
                    return;
                }
                endOffsetMetadata = new LogOffsetMetadata(leo, last.baseOffset(), last.size());
                if (highWatermark > leo) highWatermark = leo;
                if (recoveryPoint > leo) recoveryPoint = leo;
                epochCache.truncateFromEnd(leo);
                producerState.truncateAndReload(segments.firstKey(), leo);
                LogLoader.replayProducerState(this, leo);
            } catch (IOException e) {
                throw storageError("truncate to " + offset, e);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Deletes every segment and restarts the log, empty, at {@code newOffset}. */
    public void truncateFullyAndStartAt(long newOffset) {
        lock.lock();
        try {
            ensureOpen();
            LOG.info("Truncating {} fully and restarting at offset {}", topicPartition, newOffset);
            List<LogSegment> old = new ArrayList<>(segments.values());
            try {
                LogSegment seg = LogSegment.create(dir, newOffset, config, time.milliseconds(),
                        config.randomSegmentJitterMs(random), "", channels);
                for (LogSegment s : old) {
                    segments.remove(s.baseOffset());
                    if (s.baseOffset() != newOffset) asyncDelete(s);
                    else s.deleteFiles();
                }
                segments.put(newOffset, seg);
                epochCache.clear();
                producerState.clear(newOffset);
            } catch (IOException e) {
                throw storageError("truncate fully to " + newOffset, e);
            }
            logStartOffset = newOffset;
            endOffsetMetadata = new LogOffsetMetadata(newOffset, newOffset, 0);
            highWatermark = newOffset;
            recoveryPoint = newOffset;
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------- flush and close

    /** Forces everything appended so far to disk and advances the recovery point. */
    public void flush() {
        flushUpTo(logEndOffset());
    }

    /**
     * Forces the segments holding offsets below {@code offset} to disk (outside the log lock), then
     * moves the recovery point to {@code offset}.
     */
    void flushUpTo(long offset) {
        long rp = recoveryPoint;
        if (offset <= rp) return;
        Map.Entry<Long, LogSegment> from = segments.floorEntry(rp);
        Collection<LogSegment> toFlush = (from == null ? segments : segments.tailMap(from.getKey(), true))
                .headMap(offset, false).values();
        try {
            for (LogSegment seg : toFlush) {
                try {
                    seg.flush();
                } catch (ClosedChannelException e) {
                    // deleted or replaced concurrently: nothing left to flush
                }
            }
        } catch (IOException e) {
            throw storageError("flush", e);
        }
        lock.lock();
        try {
            if (offset > recoveryPoint) recoveryPoint = Math.min(offset, logEndOffset());
            lastFlushMs = time.milliseconds();
        } finally {
            lock.unlock();
        }
    }

    /** Flushes if flush.ms has passed since the last flush and there is something to flush. */
    void maybeFlushByTime() {
        LogConfig cfg = config;
        if (closed || cfg.flushMs() == Long.MAX_VALUE) return;
        if (time.milliseconds() - lastFlushMs >= cfg.flushMs() && logEndOffset() > recoveryPoint) flush();
    }

    /** Removes producers idle for {@code expirationMs}. */
    int removeExpiredProducers(long expirationMs) {
        lock.lock();
        try {
            return closed ? 0 : producerState.removeExpiredProducers(time.milliseconds(), expirationMs);
        } finally {
            lock.unlock();
        }
    }

    /** Flushes everything, snapshots the producer state at the log end offset and closes the files. */
    void close() {
        lock.lock();
        try {
            if (closed) return;
            try {
                flush();
            } catch (ApiException e) {
                LOG.warn("Could not flush {} on close: {}", topicPartition, e.getMessage());
            }
            producerState.updateMapEndOffset(logEndOffset());
            producerState.takeSnapshot();
            closed = true;
            for (LogSegment seg : segments.values()) {
                try {
                    seg.close();
                } catch (IOException e) {
                    LOG.warn("Could not close {}: {}", seg, e.toString());
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** Closes the files without flushing or snapshotting (the directory is about to be deleted). */
    void closeFilesForDelete() {
        lock.lock();
        try {
            closed = true;
            for (LogSegment seg : segments.values()) {
                try {
                    seg.close();
                } catch (IOException e) {
                    LOG.warn("Could not close {}: {}", seg, e.toString());
                }
            }
        } finally {
            lock.unlock();
        }
    }

    boolean isClosed() {
        return closed;
    }

    private void ensureOpen() {
        if (closed) throw new ApiException(Errors.KAFKA_STORAGE_ERROR, "The log of " + topicPartition + " is closed");
    }

    ApiException storageError(String what, IOException e) {
        LOG.error("I/O error on the log of {} ({}): {}", topicPartition, what, e.toString());
        return new ApiException(Errors.KAFKA_STORAGE_ERROR, "Disk error when trying to " + what + " on partition "
                + topicPartition + ": " + e.getMessage(), e);
    }

    @Override
    public String toString() {
        return "PartitionLog(" + topicPartition + ", logStartOffset=" + logStartOffset + ", logEndOffset="
                + logEndOffset() + ", highWatermark=" + highWatermark + ", segments=" + segments.size() + ")";
    }
}
