package io.runnel.txn;

import io.runnel.common.ApiException;
import io.runnel.common.Errors;
import io.runnel.common.TopicPartition;
import io.runnel.txn.TxnResponses.Listing;
import io.runnel.txn.TxnResponses.ProducerIdAndEpoch;
import io.runnel.txn.records.TxnRecord;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;

import static io.runnel.txn.TransactionMetadata.NO_PRODUCER_EPOCH;
import static io.runnel.txn.TransactionMetadata.NO_PRODUCER_ID;
import static io.runnel.txn.TransactionState.COMPLETE_ABORT;
import static io.runnel.txn.TransactionState.COMPLETE_COMMIT;
import static io.runnel.txn.TransactionState.EMPTY;
import static io.runnel.txn.TransactionState.ONGOING;
import static io.runnel.txn.TransactionState.PREPARE_ABORT;
import static io.runnel.txn.TransactionState.PREPARE_COMMIT;

/**
 * The transaction coordinator of one partition of {@code __transaction_state}: the transactional ids that hash to
 * it and the state machine of their transactions, following Apache Kafka 4.x (KIP-98, KIP-360, KIP-588, KIP-890).
 *
 * <p><b>Commands return records plus a result; state changes only by {@link #replay}.</b> A command reads the state
 * and returns a {@link TxnResult}; it never changes the state itself. The runtime appends the result's records and,
 * once durable, replays them (see {@link TxnResult} for the contract). Loading the partition is the same replay from
 * the start of the log, so a coordinator that moves, or restarts, has the state of the one that wrote the records
 * (except {@link TransactionMetadata#lastProducerEpoch}, which Kafka does not store either).
 *
 * <p><b>Transaction versions.</b> Each command that ends or extends a transaction takes the client's transaction
 * version: below 2 (EndTxn v0-4, AddPartitionsToTxn v0-3) the producer epoch is bumped only by InitProducerId and
 * fencing; at 2 (EndTxn v5+, partitions added implicitly by the broker for Produce v12+) every EndTxn bumps it, so a
 * late request of a finished transaction is fenced, and when the epoch would run out the producer id rotates at the
 * end of the transaction (the new id is recorded in PrepareCommit/PrepareAbort as {@code nextProducerId}).
 *
 * <p><b>Time and ids</b> are injected: a clock ({@code now}) and a {@link ProducerIdManager}.
 *
 * <p>Threads: not thread-safe; the coordinator thread owns it (the loader thread replays into a fresh instance first).
 */
public final class TransactionCoordinatorShard {
    private final int partition;
    private final TxnCoordinatorConfig config;
    private final LongSupplier clock;
    private final ProducerIdManager producerIds;
    private final SortedMap<String, TransactionMetadata> txns = new TreeMap<>();

    public TransactionCoordinatorShard(int partition, TxnCoordinatorConfig config, LongSupplier clock, ProducerIdManager producerIds) {
        this.partition = partition;
        this.config = config;
        this.clock = clock;
        this.producerIds = producerIds;
    }

    public int partition() {
        return partition;
    }

    // ------------------------------------------------------------------ replay

    /** Applies one record of this partition: a value replaces the id's metadata, a tombstone removes the id. */
    public void replay(TxnRecord r) {
        if (r.isTombstone()) txns.remove(r.transactionalId());
        else txns.put(r.transactionalId(), r.value());
    }

    /** The markers to (re)send after loading: every transaction the log left in PrepareCommit or PrepareAbort. */
    public List<MarkerRequest> pendingMarkers() {
        List<MarkerRequest> out = new ArrayList<>();
        for (TransactionMetadata m : txns.values()) {
            if (m.state() == PREPARE_COMMIT || m.state() == PREPARE_ABORT) out.add(markers(m));
        }
        return out;
    }

    /** The current metadata of every id, by id. */
    public SortedMap<String, TransactionMetadata> snapshot() {
        return Collections.unmodifiableSortedMap(new TreeMap<>(txns));
    }

    // ------------------------------------------------------------------ InitProducerId

    /**
     * InitProducerId with a transactional id. {@code expectedProducerId}/{@code expectedEpoch} are -1 unless the
     * producer recovers from an abortable error (KIP-360, InitProducerId v3+).
     *
     * <ul>
     *   <li>a new id gets a new producer id at epoch 0;</li>
     *   <li>an id with no open transaction gets its epoch bumped (fencing any older producer), or, when the epoch is
     *       exhausted, a new producer id at epoch 0;</li>
     *   <li>an id with an Ongoing transaction: the transaction is aborted with a bumped epoch (the older producer is
     *       fenced) and the answer is CONCURRENT_TRANSACTIONS, so the producer retries once the abort completed;</li>
     *   <li>while a transaction completes (PrepareCommit/PrepareAbort): CONCURRENT_TRANSACTIONS.</li>
     * </ul>
     * Errors: INVALID_REQUEST (empty id), INVALID_TRANSACTION_TIMEOUT, PRODUCER_FENCED (an expected producer id and
     * epoch that are neither current nor a retry), COORDINATOR_LOAD_IN_PROGRESS (no producer id block yet).
     */
    public TxnResult<ProducerIdAndEpoch> initProducerId(String transactionalId, int timeoutMs, long expectedProducerId,
                                                        short expectedEpoch) {
        if (transactionalId == null) return idempotent();
        if (transactionalId.isEmpty()) return TxnResult.of(ProducerIdAndEpoch.error(Errors.INVALID_REQUEST));
        if (!config.validTimeout(timeoutMs)) return TxnResult.of(ProducerIdAndEpoch.error(Errors.INVALID_TRANSACTION_TIMEOUT));
        boolean expected = expectedProducerId != NO_PRODUCER_ID;
        long now = clock.getAsLong();
        try {
            TransactionMetadata m = txns.get(transactionalId);
            if (m == null) {
                long pid = producerIds.generateProducerId();
                TransactionMetadata created = new TransactionMetadata(transactionalId, pid, pid, NO_PRODUCER_ID, (short) 0,
                        NO_PRODUCER_EPOCH, timeoutMs, EMPTY, Set.of(), -1, now, (short) 0);
                return written(created, ProducerIdAndEpoch.ok(pid, (short) 0));
            }
            if (expected && !(m.producerEpoch() == NO_PRODUCER_EPOCH || expectedProducerId == m.producerId()
                    || (expectedProducerId == m.previousProducerId() && TransactionMetadata.isEpochExhausted(expectedEpoch)))) {
                return TxnResult.of(ProducerIdAndEpoch.error(Errors.PRODUCER_FENCED));
            }
            return switch (m.state()) {
                case PREPARE_COMMIT, PREPARE_ABORT -> TxnResult.of(ProducerIdAndEpoch.error(Errors.CONCURRENT_TRANSACTIONS));
                case ONGOING -> fence(m, now, ProducerIdAndEpoch.error(Errors.CONCURRENT_TRANSACTIONS));
                case EMPTY, COMPLETE_COMMIT, COMPLETE_ABORT -> bumpOrRotate(m, timeoutMs, expected, expectedEpoch, now);
                case DEAD, PREPARE_EPOCH_FENCE -> throw new IllegalStateException("transactional id " + transactionalId
                        + " in state " + m.state() + ", which is never stored");
            };
        } catch (ApiException e) {
            return TxnResult.of(ProducerIdAndEpoch.error(e.error()));
        }
    }

    private TxnResult<ProducerIdAndEpoch> idempotent() {
        try {
            return TxnResult.of(ProducerIdAndEpoch.ok(producerIds.generateProducerId(), (short) 0));
        } catch (ApiException e) {
            return TxnResult.of(ProducerIdAndEpoch.error(e.error()));
        }
    }

    private TxnResult<ProducerIdAndEpoch> bumpOrRotate(TransactionMetadata m, int timeoutMs, boolean expected, short expectedEpoch,
                                                       long now) {
        long pid = m.producerId();
        short epoch;
        short last;
        if (m.epochExhausted() && (!expected || expectedEpoch == m.producerEpoch())) {
            pid = producerIds.generateProducerId();
            epoch = 0;
            last = expected ? m.producerEpoch() : NO_PRODUCER_EPOCH;
        } else if (!expected) {
            epoch = (short) (m.producerEpoch() + 1);
            last = NO_PRODUCER_EPOCH;
        } else if (m.producerEpoch() == NO_PRODUCER_EPOCH || expectedEpoch == m.producerEpoch()) {
            if (m.epochExhausted()) return TxnResult.of(ProducerIdAndEpoch.error(Errors.PRODUCER_FENCED));
            epoch = (short) (m.producerEpoch() + 1);
            last = m.producerEpoch();
        } else if (expectedEpoch == m.lastProducerEpoch()) {
            // a retry of an InitProducerId that succeeded but whose answer was lost: same epoch, no new bump
            epoch = m.producerEpoch();
            last = m.lastProducerEpoch();
        } else {
            return TxnResult.of(ProducerIdAndEpoch.error(Errors.PRODUCER_FENCED));
        }
        TransactionMetadata next = new TransactionMetadata(m.transactionalId(), pid, m.producerId(), NO_PRODUCER_ID, epoch, last,
                timeoutMs, EMPTY, Set.of(), -1, now, m.clientTransactionVersion());
        check(m, next);
        return written(next, ProducerIdAndEpoch.ok(pid, epoch));
    }

    // ------------------------------------------------------------------ AddPartitionsToTxn / AddOffsetsToTxn

    /**
     * Adds partitions to the producer's transaction, starting one if none is open: AddPartitionsToTxn from a client
     * (v0-3, transaction version below 2) or from a partition leader on behalf of a Produce v12+ (v4+, not
     * verify-only; {@code clientTransactionVersion} 2). Answers NONE at once when an Ongoing transaction already has
     * every partition. Errors: INVALID_REQUEST, INVALID_PRODUCER_ID_MAPPING (unknown id or another producer id),
     * PRODUCER_FENCED (another epoch), CONCURRENT_TRANSACTIONS (the previous transaction is still completing).
     */
    public TxnResult<Errors> addPartitions(String transactionalId, long producerId, short producerEpoch,
                                           Collection<TopicPartition> partitions, short clientTransactionVersion) {
        if (transactionalId == null || transactionalId.isEmpty()) return TxnResult.of(Errors.INVALID_REQUEST);
        TransactionMetadata m = txns.get(transactionalId);
        if (m == null || m.producerId() != producerId) return TxnResult.of(Errors.INVALID_PRODUCER_ID_MAPPING);
        if (m.producerEpoch() != producerEpoch) return TxnResult.of(Errors.PRODUCER_FENCED);
        if (m.state() == PREPARE_COMMIT || m.state() == PREPARE_ABORT) return TxnResult.of(Errors.CONCURRENT_TRANSACTIONS);
        if (m.state() == ONGOING && m.partitions().containsAll(partitions)) return TxnResult.of(Errors.NONE);
        long now = clock.getAsLong();
        long start = m.state() == ONGOING ? m.startTimestamp() : now;
        TransactionMetadata next = m.withPartitions(partitions, start, now, clientTransactionVersion);
        check(m, next);
        return written(next, Errors.NONE);
    }

    /**
     * AddOffsetsToTxn: adds the group's partition of {@code __consumer_offsets} to the transaction (so that its
     * TxnOffsetCommit is committed or discarded with it). Same errors as {@link #addPartitions}.
     */
    public TxnResult<Errors> addOffsets(String transactionalId, long producerId, short producerEpoch, String groupId,
                                        short clientTransactionVersion) {
        if (groupId == null || groupId.isEmpty()) return TxnResult.of(Errors.INVALID_REQUEST);
        TopicPartition offsets = new TopicPartition("__consumer_offsets",
                TxnPartitioner.partitionFor(groupId, config.offsetsTopicPartitions()));
        return addPartitions(transactionalId, producerId, producerEpoch, List.of(offsets), clientTransactionVersion);
    }

    /**
     * The verify-only AddPartitionsToTxn (v4+, KIP-890 part 1): a partition leader asks whether a transactional
     * batch's partition belongs to the producer's ongoing transaction. Per partition NONE, or TRANSACTION_ABORTABLE
     * when the transaction does not list it; for all partitions INVALID_PRODUCER_ID_MAPPING, PRODUCER_FENCED or
     * CONCURRENT_TRANSACTIONS as for {@link #addPartitions}. Writes nothing.
     */
    public Map<TopicPartition, Errors> verifyPartitions(String transactionalId, long producerId, short producerEpoch,
                                                        Collection<TopicPartition> partitions) {
        Errors all = null;
        TransactionMetadata m = transactionalId == null ? null : txns.get(transactionalId);
        if (transactionalId == null || transactionalId.isEmpty()) all = Errors.INVALID_REQUEST;
        else if (m == null || m.producerId() != producerId) all = Errors.INVALID_PRODUCER_ID_MAPPING;
        else if (m.producerEpoch() != producerEpoch) all = Errors.PRODUCER_FENCED;
        else if (m.state() == PREPARE_COMMIT || m.state() == PREPARE_ABORT) all = Errors.CONCURRENT_TRANSACTIONS;
        Map<TopicPartition, Errors> out = new LinkedHashMap<>();
        for (TopicPartition tp : partitions) {
            out.put(tp, all != null ? all : m.partitions().contains(tp) ? Errors.NONE : Errors.TRANSACTION_ABORTABLE);
        }
        return out;
    }

    // ------------------------------------------------------------------ EndTxn

    /**
     * EndTxn from the producer. With {@code clientTransactionVersion} 2 (EndTxn v5+) the epoch is bumped and the
     * response carries the producer id and epoch to use next; a retry of an EndTxn that already took effect (one
     * epoch behind) is answered NONE when complete and CONCURRENT_TRANSACTIONS while markers are written; an abort is
     * accepted with no transaction open. Below 2, the epoch must match exactly and the response's id and epoch are
     * the unchanged ones. Errors: INVALID_REQUEST, INVALID_PRODUCER_ID_MAPPING, PRODUCER_FENCED,
     * CONCURRENT_TRANSACTIONS, INVALID_TXN_STATE (commit of nothing, commit after abort, abort after commit...).
     */
    public TxnResult<ProducerIdAndEpoch> endTxn(String transactionalId, long producerId, short producerEpoch, boolean commit,
                                                short clientTransactionVersion) {
        if (transactionalId == null || transactionalId.isEmpty()) return TxnResult.of(ProducerIdAndEpoch.error(Errors.INVALID_REQUEST));
        TransactionMetadata m = txns.get(transactionalId);
        if (m == null) return TxnResult.of(ProducerIdAndEpoch.error(Errors.INVALID_PRODUCER_ID_MAPPING));
        long now = clock.getAsLong();
        try {
            return clientTransactionVersion >= 2
                    ? endTxnV2(m, producerId, producerEpoch, commit, now)
                    : endTxnV1(m, producerId, producerEpoch, commit, now);
        } catch (ApiException e) {
            return TxnResult.of(ProducerIdAndEpoch.error(e.error()));
        }
    }

    private TxnResult<ProducerIdAndEpoch> endTxnV1(TransactionMetadata m, long producerId, short producerEpoch, boolean commit, long now) {
        if (m.producerId() != producerId) return TxnResult.of(ProducerIdAndEpoch.error(Errors.INVALID_PRODUCER_ID_MAPPING));
        if (m.producerEpoch() != producerEpoch) return TxnResult.of(ProducerIdAndEpoch.error(Errors.PRODUCER_FENCED));
        ProducerIdAndEpoch same = ProducerIdAndEpoch.ok(m.producerId(), m.producerEpoch());
        return switch (m.state()) {
            case ONGOING -> prepare(m, commit, m.producerEpoch(), m.lastProducerEpoch(), NO_PRODUCER_ID, m.startTimestamp(), (short) 0,
                    now, same);
            case COMPLETE_COMMIT -> TxnResult.of(commit ? same : invalidState());
            case COMPLETE_ABORT -> TxnResult.of(!commit ? same : invalidState());
            case PREPARE_COMMIT -> TxnResult.of(commit ? ProducerIdAndEpoch.error(Errors.CONCURRENT_TRANSACTIONS) : invalidState());
            case PREPARE_ABORT -> TxnResult.of(!commit ? ProducerIdAndEpoch.error(Errors.CONCURRENT_TRANSACTIONS) : invalidState());
            default -> TxnResult.of(invalidState());
        };
    }

    private TxnResult<ProducerIdAndEpoch> endTxnV2(TransactionMetadata m, long producerId, short producerEpoch, boolean commit, long now) {
        // The epoch bump of the EndTxn being retried is already stored: the retry carries the epoch before it, or,
        // after a rotation, the last epoch of the previous producer id.
        boolean retryOnOverflow = m.previousProducerId() == producerId && producerEpoch == Short.MAX_VALUE - 1
                && m.producerEpoch() == 0 && m.producerId() != producerId;
        boolean retryOnBump = m.producerId() == producerId && m.producerEpoch() == producerEpoch + 1;
        boolean retry = retryOnBump || retryOnOverflow;
        if (m.producerId() != producerId && !retryOnOverflow) return TxnResult.of(ProducerIdAndEpoch.error(Errors.INVALID_PRODUCER_ID_MAPPING));
        boolean validEpoch = switch (m.state()) {
            case PREPARE_COMMIT, PREPARE_ABORT -> retryOnBump;
            case COMPLETE_COMMIT, COMPLETE_ABORT -> retry || producerEpoch == m.producerEpoch();
            default -> producerEpoch == m.producerEpoch();
        };
        if (!validEpoch) return TxnResult.of(ProducerIdAndEpoch.error(Errors.PRODUCER_FENCED));
        ProducerIdAndEpoch current = ProducerIdAndEpoch.ok(m.producerId(), m.producerEpoch());
        return switch (m.state()) {
            case ONGOING -> prepareV2(m, commit, false, now);
            case COMPLETE_COMMIT -> commit ? TxnResult.of(retry ? current : invalidState())
                    : retry ? TxnResult.of(invalidState()) : prepareV2(m, false, true, now);
            case COMPLETE_ABORT -> !commit ? (retry ? TxnResult.of(current) : prepareV2(m, false, true, now))
                    : TxnResult.of(invalidState());
            case EMPTY -> !commit ? prepareV2(m, false, true, now) : TxnResult.of(invalidState());
            case PREPARE_COMMIT -> TxnResult.of(commit ? ProducerIdAndEpoch.error(Errors.CONCURRENT_TRANSACTIONS) : invalidState());
            case PREPARE_ABORT -> TxnResult.of(!commit ? ProducerIdAndEpoch.error(Errors.CONCURRENT_TRANSACTIONS) : invalidState());
            case DEAD, PREPARE_EPOCH_FENCE -> throw new IllegalStateException("never stored: " + m);
        };
    }

    /** Transaction version 2: PrepareCommit/PrepareAbort with the epoch bumped, rotating the id if it is exhausted. */
    private TxnResult<ProducerIdAndEpoch> prepareV2(TransactionMetadata m, boolean commit, boolean noPartitionAdded, long now) {
        long nextPid = m.epochExhausted() ? producerIds.generateProducerId() : NO_PRODUCER_ID;
        short epoch = m.producerEpoch() == Short.MAX_VALUE && !commit ? m.producerEpoch() : (short) (m.producerEpoch() + 1);
        ProducerIdAndEpoch answer = nextPid != NO_PRODUCER_ID ? ProducerIdAndEpoch.ok(nextPid, (short) 0)
                : ProducerIdAndEpoch.ok(m.producerId(), epoch);
        return prepare(m, commit, epoch, m.producerEpoch(), nextPid, noPartitionAdded ? now : m.startTimestamp(), (short) 2, now, answer);
    }

    private TxnResult<ProducerIdAndEpoch> prepare(TransactionMetadata m, boolean commit, short epoch, short lastEpoch, long nextPid,
                                                  long start, short clientVersion, long now, ProducerIdAndEpoch answer) {
        TransactionMetadata next = new TransactionMetadata(m.transactionalId(), m.producerId(), m.producerId(), nextPid, epoch,
                lastEpoch, m.timeoutMs(), commit ? PREPARE_COMMIT : PREPARE_ABORT, m.partitions(), start, now, clientVersion);
        check(m, next);
        return new TxnResult<>(List.of(new TxnRecord(m.transactionalId(), next)), answer, List.of(markers(next)));
    }

    /**
     * Aborts an Ongoing transaction from the coordinator's side (a timeout, or a new producer's InitProducerId),
     * fencing its producer: the epoch is bumped once (twice with transaction version 2, whose abort bumps again,
     * so that the fenced producer's last epoch is not mistaken for a retry).
     */
    private <R> TxnResult<R> fence(TransactionMetadata m, long now, R response) {
        short fenced = m.producerEpoch() == Short.MAX_VALUE ? m.producerEpoch() : (short) (m.producerEpoch() + 1);
        short epoch = fenced;
        short last = NO_PRODUCER_EPOCH;
        if (m.clientTransactionVersion() >= 2) {
            epoch = fenced == Short.MAX_VALUE ? fenced : (short) (fenced + 1);
            last = fenced;
        }
        TransactionMetadata next = new TransactionMetadata(m.transactionalId(), m.producerId(), m.producerId(), NO_PRODUCER_ID, epoch,
                last, m.timeoutMs(), PREPARE_ABORT, m.partitions(), m.startTimestamp(), now, m.clientTransactionVersion());
        check(m, next);
        return new TxnResult<>(List.of(new TxnRecord(m.transactionalId(), next)), response, List.of(markers(next)));
    }

    // ------------------------------------------------------------------ completion, timers

    /**
     * Every marker of the transaction in PrepareCommit/PrepareAbort with this producer id and epoch is written:
     * writes CompleteCommit/CompleteAbort (under transaction version 2 with the rotated producer id, if any). Writes
     * nothing when the transaction is no longer in that state (a stale or duplicate notification).
     */
    public TxnResult<Void> markersWritten(String transactionalId, long producerId, short producerEpoch) {
        TransactionMetadata m = txns.get(transactionalId);
        if (m == null || m.producerId() != producerId || m.producerEpoch() != producerEpoch
                || (m.state() != PREPARE_COMMIT && m.state() != PREPARE_ABORT)) {
            return TxnResult.of(null);
        }
        long now = clock.getAsLong();
        boolean rotate = m.clientTransactionVersion() >= 2 && m.nextProducerId() != NO_PRODUCER_ID;
        TransactionMetadata next = new TransactionMetadata(m.transactionalId(), rotate ? m.nextProducerId() : m.producerId(),
                m.producerId(), NO_PRODUCER_ID, rotate ? 0 : m.producerEpoch(), m.lastProducerEpoch(), m.timeoutMs(),
                m.state() == PREPARE_COMMIT ? COMPLETE_COMMIT : COMPLETE_ABORT, Set.of(), m.startTimestamp(), now,
                m.clientTransactionVersion());
        check(m, next);
        return written(next, null);
    }

    /**
     * Run every {@code transaction.abort.timed.out.transaction.cleanup.interval.ms}: aborts each Ongoing transaction
     * older than its timeout, fencing its producer (epoch bump). The response lists the ids aborted.
     */
    public TxnResult<List<String>> abortTimedOut() {
        long now = clock.getAsLong();
        List<TxnRecord> records = new ArrayList<>();
        List<MarkerRequest> markers = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (TransactionMetadata m : txns.values()) {
            if (m.state() == ONGOING && m.startTimestamp() + m.timeoutMs() < now) {
                TxnResult<Void> r = fence(m, now, null);
                records.addAll(r.records());
                markers.addAll(r.markers());
                ids.add(m.transactionalId());
            }
        }
        return new TxnResult<>(records, ids, markers);
    }

    /**
     * Run every {@code transaction.remove.expired.transaction.cleanup.interval.ms}: removes (tombstones) every id with
     * no open transaction whose last update is at least {@code transactional.id.expiration.ms} old.
     */
    public TxnResult<List<String>> expireTransactionalIds() {
        long now = clock.getAsLong();
        List<TxnRecord> records = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (TransactionMetadata m : txns.values()) {
            if (m.state().expirationAllowed() && m.lastUpdateTimestamp() <= now - config.idExpirationMs()) {
                records.add(new TxnRecord(m.transactionalId(), null));
                ids.add(m.transactionalId());
            }
        }
        return new TxnResult<>(records, ids, List.of());
    }

    // ------------------------------------------------------------------ admin reads

    /** DescribeTransactions: the id's metadata, if it exists. */
    public Optional<TransactionMetadata> describe(String transactionalId) {
        return Optional.ofNullable(txns.get(transactionalId));
    }

    /**
     * ListTransactions: the ids matching every given filter (an empty set or null, or a negative duration, matches
     * all): states, producer ids, transactions running longer than {@code minDurationMs} (KIP-994), ids matching the
     * regular expression (KIP-1152).
     */
    public List<Listing> list(Set<TransactionState> states, Set<Long> producerIds, long minDurationMs, Pattern idPattern) {
        long now = clock.getAsLong();
        List<Listing> out = new ArrayList<>();
        for (TransactionMetadata m : txns.values()) {
            if (states != null && !states.isEmpty() && !states.contains(m.state())) continue;
            if (producerIds != null && !producerIds.isEmpty() && !producerIds.contains(m.producerId())) continue;
            if (minDurationMs >= 0 && now - m.startTimestamp() <= minDurationMs) continue;
            if (idPattern != null && !idPattern.matcher(m.transactionalId()).matches()) continue;
            out.add(new Listing(m.transactionalId(), m.producerId(), m.state()));
        }
        return out;
    }

    // ------------------------------------------------------------------ helpers

    private static <R> TxnResult<R> written(TransactionMetadata next, R response) {
        return TxnResult.write(new TxnRecord(next.transactionalId(), next), response);
    }

    private static ProducerIdAndEpoch invalidState() {
        return ProducerIdAndEpoch.error(Errors.INVALID_TXN_STATE);
    }

    private static MarkerRequest markers(TransactionMetadata m) {
        return new MarkerRequest(m.transactionalId(), m.producerId(), m.producerEpoch(), m.state() == PREPARE_COMMIT,
                new TreeSet<>(m.partitions()), m.clientTransactionVersion());
    }

    /** Kafka's transition table: a command that would break it is a bug here, never the client's fault. */
    private static void check(TransactionMetadata from, TransactionMetadata to) {
        if (!to.state().validPrevious().contains(from.state())) {
            throw new IllegalStateException("illegal transition " + from.state() + " -> " + to.state() + " for " + from.transactionalId());
        }
        if (to.producerEpoch() < 0) throw new IllegalStateException("negative epoch in " + to);
    }
}
