package io.runnel.storage;

import io.runnel.common.ApiException;
import io.runnel.common.Errors;
import io.runnel.record.EndTxnMarker;
import io.runnel.record.RecordBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The idempotent/transactional producer state of one partition: producer id → {@link ProducerEntry}.
 * Implements Kafka's rules (KIP-98, KIP-360) for a leader append:
 * <ul>
 *   <li>a batch whose epoch and sequence range match one of the producer's last 5 batches is a retried
 *       duplicate: the log answers with that batch's original offsets and appends nothing;</li>
 *   <li>an epoch older than the producer's current one fails with INVALID_PRODUCER_EPOCH;</li>
 *   <li>a new epoch of a known producer must start at sequence 0, otherwise
 *       OUT_OF_ORDER_SEQUENCE_NUMBER;</li>
 *   <li>within an epoch, the first sequence must follow the last one (wrapping after
 *       Integer.MAX_VALUE), otherwise OUT_OF_ORDER_SEQUENCE_NUMBER;</li>
 *   <li>an unknown producer (never seen, expired, or its state lost with deleted segments) may start at
 *       any sequence.</li>
 * </ul>
 * Only batch headers are read. State survives restarts through snapshots (see
 * {@link ProducerSnapshotFile}) taken at each roll and at close, plus replay of the batches after the
 * newest usable snapshot.
 *
 * <p>Threads: not thread-safe; every method is called under the owning log's lock, except
 * {@link #firstUnstableOffset()} which reads a volatile.
 */
final class ProducerStateManager {
    private static final Logger LOG = LoggerFactory.getLogger(ProducerStateManager.class);

    private final Path dir;
    private final Map<Long, ProducerEntry> producers = new HashMap<>();
    /** First offset of each ongoing transaction → producer id. */
    private final TreeMap<Long, Long> ongoingTxns = new TreeMap<>();
    private final TreeMap<Long, Path> snapshots = new TreeMap<>();
    /** The state reflects every batch below this offset. */
    private long mapEndOffset;
    private volatile long firstUnstableOffset = -1;

    ProducerStateManager(Path dir) throws IOException {
        this.dir = dir;
        scanSnapshots();
    }

    private void scanSnapshots() throws IOException {
        snapshots.clear();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*" + ProducerSnapshotFile.SUFFIX)) {
            for (Path p : ds) {
                long off = ProducerSnapshotFile.offsetOf(p);
                if (off >= 0) snapshots.put(off, p);
            }
        }
    }

    long mapEndOffset() {
        return mapEndOffset;
    }

    /** The current producers (live view; callers hold the log lock). */
    Map<Long, ProducerEntry> producers() {
        return producers;
    }

    ProducerEntry entry(long producerId) {
        return producers.get(producerId);
    }

    /** Whether the producer has a transaction ongoing in this partition at exactly this epoch. */
    boolean hasOngoingTxn(long producerId, short epoch) {
        ProducerEntry e = producers.get(producerId);
        return e != null && e.epoch == epoch && e.currentTxnFirstOffset >= 0;
    }

    /** First offset of the earliest ongoing transaction, or -1. Lock-free. */
    OptionalLong firstUnstableOffset() {
        long f = firstUnstableOffset;
        return f < 0 ? OptionalLong.empty() : OptionalLong.of(f);
    }

    NavigableMap<Long, Path> snapshotFiles() {
        return snapshots;
    }

    /**
     * Replaces the in-memory state with the newest readable snapshot in [{@code firstOffset},
     * {@code logEndOffset}] (deleting snapshots above it and unreadable ones), or with nothing, starting
     * from {@code firstOffset} (the first segment's base offset: the earliest offset replay can start at).
     * The caller then replays the batches from {@link #mapEndOffset()}.
     */
    void loadFromSnapshot(long firstOffset, long logEndOffset) throws IOException {
        producers.clear();
        ongoingTxns.clear();
        scanSnapshots();
        for (Map.Entry<Long, Path> e : new TreeMap<>(snapshots.tailMap(logEndOffset, false)).entrySet()) {
            Files.deleteIfExists(e.getValue());
            snapshots.remove(e.getKey());
        }
        while (!snapshots.isEmpty()) {
            Map.Entry<Long, Path> latest = snapshots.lastEntry();
            if (latest.getKey() < firstOffset) break;
            try {
                producers.putAll(ProducerSnapshotFile.read(latest.getValue()));
                mapEndOffset = latest.getKey();
                rebuildTxnIndex();
                LOG.debug("Loaded producer state of {} from snapshot at offset {}", dir, latest.getKey());
                return;
            } catch (IOException e) {
                LOG.warn("Deleting unusable producer snapshot {}: {}", latest.getValue(), e.getMessage());
                Files.deleteIfExists(latest.getValue());
                snapshots.remove(latest.getKey());
            }
        }
        mapEndOffset = firstOffset;
        rebuildTxnIndex();
    }

    private void rebuildTxnIndex() {
        ongoingTxns.clear();
        for (ProducerEntry e : producers.values()) {
            if (e.currentTxnFirstOffset >= 0) ongoingTxns.put(e.currentTxnFirstOffset, e.producerId);
        }
        publishUnstable();
    }

    /** Publishes the first offset of the earliest ongoing transaction to lock-free readers. */
    void publishUnstable() {
        firstUnstableOffset = ongoingTxns.isEmpty() ? -1 : ongoingTxns.firstKey();
    }

    /** Starts validating one append against the current state. */
    Append prepareAppend() {
        return new Append();
    }

    /**
     * The staged changes of one append: entries are copied on first touch, validated and updated
     * batch by batch, and only become the state when {@link #commit} is called after the bytes are in
     * the log.
     */
    final class Append {
        private final Map<Long, ProducerEntry> updated = new HashMap<>();
        private final List<CompletedTxn> completed = new ArrayList<>();
        /** First offsets of the transactions this append started, and of those it ended (null until there is one). */
        private TreeSet<Long> startedTxns;
        private Set<Long> endedTxns;

        /** The transactions this append's markers end, in log order. */
        List<CompletedTxn> completedTxns() {
            return completed;
        }

        private ProducerEntry staged(long pid) {
            return updated.computeIfAbsent(pid, id -> {
                ProducerEntry cur = producers.get(id);
                return cur == null ? ProducerEntry.empty(id) : cur.copy();
            });
        }

        /**
         * The retained batch the batch at {@code pos} duplicates, or null. Checked against the
         * committed state (as Kafka), before any staging.
         */
        ProducerEntry.BatchMetadata findDuplicate(ByteBuffer b, int pos) {
            long pid = RecordBatch.producerId(b, pos);
            if (pid == RecordBatch.NO_PRODUCER_ID) return null;
            ProducerEntry cur = producers.get(pid);
            if (cur == null) return null;
            return cur.findDuplicate(RecordBatch.producerEpoch(b, pos), RecordBatch.baseSequence(b, pos),
                    RecordBatch.lastSequence(b, pos));
        }

        /**
         * Validates (leader appends only) and stages the batch at {@code pos}, whose offsets are final.
         *
         * @throws ApiException INVALID_PRODUCER_EPOCH, OUT_OF_ORDER_SEQUENCE_NUMBER or INVALID_TXN_STATE
         */
        void append(ByteBuffer b, int pos, boolean validate) {
            long pid = RecordBatch.producerId(b, pos);
            if (pid == RecordBatch.NO_PRODUCER_ID) return;
            ProducerEntry entry = staged(pid);
            short epoch = RecordBatch.producerEpoch(b, pos);
            long firstOffset = RecordBatch.baseOffset(b, pos);
            long lastOffset = RecordBatch.lastOffset(b, pos);
            if (RecordBatch.isControlBatch(b, pos)) {
                appendMarker(entry, b, pos, validate);
                return;
            }
            int firstSeq = RecordBatch.baseSequence(b, pos);
            int lastSeq = RecordBatch.lastSequence(b, pos);
            if (validate) {
                if (entry.epoch != RecordBatch.NO_PRODUCER_EPOCH && epoch < entry.epoch) {
                    throw new ApiException(Errors.INVALID_PRODUCER_EPOCH, "Epoch of producer " + pid + " at offset "
                            + firstOffset + " is " + epoch + ", which is smaller than the last seen epoch " + entry.epoch);
                }
                checkSequence(entry, pid, epoch, firstSeq, firstOffset);
                boolean txn = RecordBatch.isTransactional(b, pos);
                if (!txn && entry.currentTxnFirstOffset >= 0) {
                    throw new ApiException(Errors.INVALID_TXN_STATE, "Expected a transactional write from producer "
                            + pid + " at offset " + firstOffset + ": its transaction is still ongoing");
                }
            }
            entry.maybeUpdateEpoch(epoch);
            entry.addBatch(new ProducerEntry.BatchMetadata(firstSeq, lastSeq, firstOffset, lastOffset,
                    RecordBatch.maxTimestamp(b, pos)));
            if (RecordBatch.isTransactional(b, pos) && entry.currentTxnFirstOffset < 0) {
                entry.currentTxnFirstOffset = firstOffset;
                if (startedTxns == null) startedTxns = new TreeSet<>();
                startedTxns.add(firstOffset);
            }
        }

        /**
         * A control batch ends the producer's ongoing transaction (if any). Validated as Kafka does: an epoch
         * older than the producer's is INVALID_PRODUCER_EPOCH; a coordinator epoch older than the last one
         * seen for the producer is TRANSACTION_COORDINATOR_FENCED. Needs the whole batch (to read the marker).
         */
        private void appendMarker(ProducerEntry entry, ByteBuffer b, int pos, boolean validate) {
            long pid = entry.producerId;
            short epoch = RecordBatch.producerEpoch(b, pos);
            EndTxnMarker marker = EndTxnMarker.read(b, pos);
            if (validate) {
                if (epoch < entry.epoch) {
                    throw new ApiException(Errors.INVALID_PRODUCER_EPOCH, "Transaction marker of producer " + pid
                            + " has epoch " + epoch + ", older than the current epoch " + entry.epoch);
                }
                if (marker != null && marker.coordinatorEpoch() < entry.coordinatorEpoch) {
                    throw new ApiException(Errors.TRANSACTION_COORDINATOR_FENCED, "Transaction marker of producer "
                            + pid + " comes from coordinator epoch " + marker.coordinatorEpoch()
                            + ", older than the last seen coordinator epoch " + entry.coordinatorEpoch);
                }
            }
            entry.maybeUpdateEpoch(epoch);
            if (marker != null) entry.coordinatorEpoch = marker.coordinatorEpoch();
            long markerOffset = RecordBatch.baseOffset(b, pos);
            if (entry.currentTxnFirstOffset >= 0) {
                if (endedTxns == null) endedTxns = new HashSet<>();
                endedTxns.add(entry.currentTxnFirstOffset);
                completed.add(new CompletedTxn(pid, entry.currentTxnFirstOffset, markerOffset,
                        marker == null || !marker.commit(), lastStableOffsetAfter(markerOffset)));
            }
            entry.currentTxnFirstOffset = -1;
            entry.lastTimestamp = RecordBatch.maxTimestamp(b, pos);
        }

        /**
         * The last stable offset right after the marker at {@code markerOffset}, from the transactions open at that
         * point of this append (the committed ones and those it started, less those it ended): an append may hold
         * several markers (a follower's), and each gets the value it had when the leader wrote it.
         */
        private long lastStableOffsetAfter(long markerOffset) {
            long lso = firstStillOpen(ongoingTxns.keySet(), markerOffset + 1);
            return startedTxns == null ? lso : firstStillOpen(startedTxns, lso);
        }

        /** The first of {@code firstOffsets} (ascending) below {@code bound} that this append has not ended, else bound. */
        private long firstStillOpen(Iterable<Long> firstOffsets, long bound) {
            for (long first : firstOffsets) {
                if (first >= bound) break;
                if (endedTxns == null || !endedTxns.contains(first)) return first;
            }
            return bound;
        }

        private void checkSequence(ProducerEntry entry, long pid, short epoch, int firstSeq, long offset) {
            if (epoch != entry.epoch) {
                if (firstSeq != 0 && entry.epoch != RecordBatch.NO_PRODUCER_EPOCH) {
                    throw new ApiException(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER, "Invalid sequence number for new epoch "
                            + epoch + " of producer " + pid + " at offset " + offset + ": " + firstSeq + " (must be 0)");
                }
            } else {
                int lastSeq = entry.lastSeq();
                ProducerEntry committed = producers.get(pid);
                boolean unknownEpoch = committed == null || committed.epoch == RecordBatch.NO_PRODUCER_EPOCH;
                if (!unknownEpoch && !inSequence(lastSeq, firstSeq)) {
                    throw new ApiException(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER, "Out of order sequence number for producer "
                            + pid + " at offset " + offset + " in epoch " + epoch + ": " + firstSeq
                            + " (incoming seq. number), " + lastSeq + " (current end sequence number)");
                }
            }
        }
    }

    private static boolean inSequence(int lastSeq, int nextSeq) {
        return nextSeq == lastSeq + 1L || (nextSeq == 0 && lastSeq == Integer.MAX_VALUE);
    }

    /** Makes the staged entries the state; the log now holds every batch below {@code endOffset}. */
    void commit(Append append, long endOffset) {
        commitUnpublished(append, endOffset);
        publishUnstable();
    }

    /**
     * {@link #commit} without moving the first unstable offset that lock-free readers see: the caller first indexes
     * the transactions the append aborted, then calls {@link #publishUnstable}, so that no read_committed reader can
     * see the last stable offset pass an aborted transaction that the index does not list yet.
     */
    void commitUnpublished(Append append, long endOffset) {
        for (ProducerEntry e : append.updated.values()) {
            ProducerEntry old = producers.put(e.producerId, e);
            if (old != null && old.currentTxnFirstOffset >= 0 && old.currentTxnFirstOffset != e.currentTxnFirstOffset) {
                ongoingTxns.remove(old.currentTxnFirstOffset);
            }
            if (e.currentTxnFirstOffset >= 0) ongoingTxns.put(e.currentTxnFirstOffset, e.producerId);
        }
        mapEndOffset = Math.max(mapEndOffset, endOffset);
    }

    /**
     * Applies one batch found in the log without validation (recovery replay); a control batch must be whole.
     *
     * @return the transactions the batch ended
     */
    List<CompletedTxn> replay(ByteBuffer header, int pos) {
        long last = RecordBatch.lastOffset(header, pos);
        if (last < mapEndOffset) return List.of();
        Append a = new Append();
        a.append(header, pos, false);
        commit(a, last + 1);
        return a.completedTxns();
    }

    /** The log end moved without batches to replay (e.g. an empty log at a new start offset). */
    void updateMapEndOffset(long offset) {
        mapEndOffset = offset;
    }

    /**
     * Writes a snapshot at {@link #mapEndOffset()} unless one exists there. Failures are logged, not
     * thrown: an older snapshot plus replay recovers the same state.
     */
    void takeSnapshot() {
        long offset = mapEndOffset;
        if (snapshots.containsKey(offset)) return;
        Path file = ProducerSnapshotFile.path(dir, offset);
        try {
            ProducerSnapshotFile.write(file, producers.values());
            snapshots.put(offset, file);
        } catch (IOException e) {
            LOG.warn("Could not write producer snapshot {}: {}", file, e.toString());
        }
    }

    /** Deletes snapshots below {@code offset} (their segments are gone). */
    void deleteSnapshotsBefore(long offset) throws IOException {
        for (Map.Entry<Long, Path> e : new TreeMap<>(snapshots.headMap(offset, false)).entrySet()) {
            Files.deleteIfExists(e.getValue());
            snapshots.remove(e.getKey());
        }
    }

    /**
     * The log was truncated to {@code offset}: snapshots above it are deleted and the state is
     * reloaded (the caller replays from {@link #mapEndOffset()}).
     */
    void truncateAndReload(long firstOffset, long offset) throws IOException {
        for (Map.Entry<Long, Path> e : new TreeMap<>(snapshots.tailMap(offset, false)).entrySet()) {
            Files.deleteIfExists(e.getValue());
            snapshots.remove(e.getKey());
        }
        loadFromSnapshot(firstOffset, offset);
    }

    /**
     * Removes producers idle for at least {@code expirationMs} (by their last batch's timestamp)
     * that have no ongoing transaction.
     *
     * @return how many were removed
     */
    int removeExpiredProducers(long nowMs, long expirationMs) {
        int before = producers.size();
        producers.values().removeIf(e -> e.currentTxnFirstOffset < 0 && nowMs - e.lastTimestamp >= expirationMs);
        return before - producers.size();
    }

    /** Forgets everything and deletes all snapshots (the log was emptied, e.g. truncated fully). */
    void clear(long offset) throws IOException {
        producers.clear();
        ongoingTxns.clear();
        for (Path p : snapshots.values()) Files.deleteIfExists(p);
        snapshots.clear();
        mapEndOffset = offset;
        publishUnstable();
    }
}
