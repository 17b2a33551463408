package io.runnel.broker.txn;

import io.runnel.broker.group.OffsetsTopicLog;
import io.runnel.common.Errors;
import io.runnel.common.Time;
import io.runnel.common.TopicPartition;
import io.runnel.group.CoordinatorLog;
import io.runnel.group.CoordinatorRecord;
import io.runnel.group.GroupCoordinator;
import io.runnel.group.runtime.CoordinatorRuntime;
import io.runnel.group.runtime.CoordinatorRuntime.Result;
import io.runnel.group.runtime.EventExecutor;
import io.runnel.group.runtime.ThreadEventExecutor;
import io.runnel.txn.MarkerRequest;
import io.runnel.txn.ProducerIdManager;
import io.runnel.txn.TransactionCoordinatorShard;
import io.runnel.txn.TransactionMetadata;
import io.runnel.txn.TransactionState;
import io.runnel.txn.TxnCoordinatorConfig;
import io.runnel.txn.TxnPartitioner;
import io.runnel.txn.TxnResponses.Listing;
import io.runnel.txn.TxnResponses.ProducerIdAndEpoch;
import io.runnel.txn.TxnResult;
import io.runnel.txn.records.TxnRecord;
import io.runnel.txn.records.TxnRecordSerde;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import java.util.function.IntUnaryOperator;
import java.util.regex.Pattern;

/**
 * The transaction coordinator of this broker: the {@link TransactionCoordinatorShard}s of the partitions of
 * {@code __transaction_state} it leads, run by the {@link CoordinatorRuntime} it shares with nothing else but built
 * like the group coordinator's (load on election, NOT_COORDINATOR / COORDINATOR_LOAD_IN_PROGRESS, one batch per
 * command, applied once durable, one "txn-coordinator" thread).
 *
 * <p>After a PrepareCommit/PrepareAbort is durable, the {@link TxnMarkerSender} writes the markers; once all are
 * written, {@code markersWritten} completes the transaction. A marker into {@code __consumer_offsets} also completes
 * the group coordinator's pending transactional offsets of that producer. On load, the markers of every transaction
 * left in PrepareCommit/PrepareAbort are sent again. Timers per loaded partition abort timed-out transactions and
 * expire transactional ids.
 *
 * <p>Threads: public methods are thread-safe and never block; futures complete on the coordinator thread.
 */
public final class TransactionCoordinator implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TransactionCoordinator.class);
    public static final String TOPIC = "__transaction_state";
    private static final String ABORT_TIMER = "abort-timed-out";
    private static final String EXPIRE_TIMER = "expire-ids";

    private final TxnCoordinatorConfig config;
    private final Time time;
    private final ProducerIdManager producerIds;
    private final GroupCoordinator groups;
    private final TxnMarkerSender markers;
    private final IntUnaryOperator coordinatorEpoch;
    private final CoordinatorRuntime<TransactionCoordinatorShard> runtime;
    private final AutoCloseable closeLoader;
    private final short valueVersion;

    /**
     * @param coordinatorEpoch the leader epoch of a partition of __transaction_state here (the markers' coordinator epoch)
     * @param executor         the coordinator thread; {@code loader} replays partitions
     */
    public TransactionCoordinator(TxnCoordinatorConfig config, CoordinatorLog log, ProducerIdManager producerIds,
                                  GroupCoordinator groups, MarkerWriter markerWriter, IntUnaryOperator coordinatorEpoch, Time time,
                                  EventExecutor executor, Executor loader, AutoCloseable closeLoader) {
        this.config = config;
        this.time = time;
        this.producerIds = producerIds;
        this.groups = groups;
        this.markers = new TxnMarkerSender(markerWriter);
        this.coordinatorEpoch = coordinatorEpoch;
        this.closeLoader = closeLoader;
        this.valueVersion = TxnRecordSerde.valueVersion(config.transactionVersion());
        this.runtime = new CoordinatorRuntime<>(TOPIC, config.stateLogPartitions(), log, new Machine(), executor, loader);
    }

    /** A coordinator with its own daemon threads ("txn-coordinator", "txn-coordinator-loader") and the system clock. */
    public static TransactionCoordinator create(TxnCoordinatorConfig config, CoordinatorLog log, ProducerIdManager producerIds,
                                                GroupCoordinator groups, MarkerWriter markerWriter, IntUnaryOperator coordinatorEpoch) {
        ExecutorService loader = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "txn-coordinator-loader");
            t.setDaemon(true);
            return t;
        });
        return new TransactionCoordinator(config, log, producerIds, groups, markerWriter, coordinatorEpoch, Time.SYSTEM,
                new ThreadEventExecutor("txn-coordinator"), loader, loader::shutdownNow);
    }

    public TxnCoordinatorConfig config() {
        return config;
    }

    public int partitionFor(String transactionalId) {
        return TxnPartitioner.partitionFor(transactionalId, config.stateLogPartitions());
    }

    public CompletableFuture<Void> onElection(int partition) {
        return runtime.onElection(partition);
    }

    public CompletableFuture<Void> onResignation(int partition) {
        return runtime.onResignation(partition);
    }

    public boolean isActive(int partition) {
        return runtime.isActive(partition);
    }

    // ------------------------------------------------------------------ state machine

    private final class Machine implements CoordinatorRuntime.StateMachine<TransactionCoordinatorShard> {
        @Override
        public TransactionCoordinatorShard load(int partition, CoordinatorLog log) {
            TransactionCoordinatorShard shard = new TransactionCoordinatorShard(partition, config, time::milliseconds, producerIds);
            log.replay(partition, rec -> shard.replay(TxnRecordSerde.read(rec.key(), rec.value())));
            return shard;
        }

        @Override
        public void apply(TransactionCoordinatorShard shard, CoordinatorRecord rec) {
            shard.replay(TxnRecordSerde.read(rec.key(), rec.value()));
        }

        @Override
        public void onLoaded(int partition, TransactionCoordinatorShard shard) {
            List<MarkerRequest> pending = shard.pendingMarkers();
            if (!pending.isEmpty()) log.info("{}-{}: resending the markers of {} transactions", TOPIC, partition, pending.size());
            for (MarkerRequest m : pending) sendMarkers(partition, m);
            scheduleAbort(partition);
            scheduleExpiry(partition);
        }
    }

    private void scheduleAbort(int partition) {
        runtime.schedule(partition, ABORT_TIMER, config.abortTimedOutIntervalMs(), shard -> {
            TxnResult<List<String>> r = shard.abortTimedOut();
            if (!r.response().isEmpty()) log.info("aborting timed-out transactions {}", r.response());
            Result<List<String>> out = toResult(partition, r);
            return new Result<>(out.records(), out.response(), () -> {
                out.afterApplied().run();
                scheduleAbort(partition);
            });
        });
    }

    private void scheduleExpiry(int partition) {
        runtime.schedule(partition, EXPIRE_TIMER, config.removeExpiredIntervalMs(), shard -> {
            TxnResult<List<String>> r = shard.expireTransactionalIds();
            Result<List<String>> out = toResult(partition, r);
            return new Result<>(out.records(), out.response(), () -> {
                out.afterApplied().run();
                scheduleExpiry(partition);
            });
        });
    }

    /** The runtime's result of a shard command: the records as bytes, and the markers to send once applied. */
    private <R> Result<R> toResult(int partition, TxnResult<R> r) {
        List<CoordinatorRecord> records = new ArrayList<>(r.records().size());
        for (TxnRecord rec : r.records()) {
            records.add(new CoordinatorRecord(TxnRecordSerde.key(rec.transactionalId()),
                    rec.isTombstone() ? null : TxnRecordSerde.value(rec, valueVersion)));
        }
        List<MarkerRequest> ms = r.markers();
        return new Result<>(records, r.response(), () -> {
            for (MarkerRequest m : ms) sendMarkers(partition, m);
        });
    }

    private void sendMarkers(int partition, MarkerRequest m) {
        markers.send(m, coordinatorEpoch.applyAsInt(partition), () -> runtime.isActive(partition), (tp, pid, commit) -> {
            if (groups != null && tp.topic().equals(OffsetsTopicLog.TOPIC)) {
                groups.completeTransaction(tp.partition(), pid, commit);
            }
        }).whenComplete((all, err) -> {
            if (err != null) {
                log.error("markers of {} failed", m.transactionalId(), err);
            } else if (all) {
                runtime.submit(partition, shard -> toResult(partition,
                        shard.markersWritten(m.transactionalId(), m.producerId(), m.producerEpoch())))
                        .whenComplete((v, t) -> {
                            if (t != null) log.warn("completing the transaction of {} failed: {}", m.transactionalId(), t.toString());
                        });
            }
        });
    }

    // ------------------------------------------------------------------ commands

    private <R> CompletableFuture<R> command(String transactionalId, Function<TransactionCoordinatorShard, TxnResult<R>> command,
                                             Function<Errors, R> onError) {
        int partition = partitionFor(transactionalId);
        return runtime.submit(partition, shard -> toResult(partition, command.apply(shard)))
                .exceptionally(t -> onError.apply(CoordinatorRuntime.appendError(t)));
    }

    public CompletableFuture<ProducerIdAndEpoch> initProducerId(String transactionalId, int timeoutMs, long producerId, short epoch) {
        return command(transactionalId, s -> s.initProducerId(transactionalId, timeoutMs, producerId, epoch), ProducerIdAndEpoch::error);
    }

    public CompletableFuture<Errors> addPartitions(String transactionalId, long producerId, short epoch,
                                                   Collection<TopicPartition> partitions, short clientTransactionVersion) {
        return command(transactionalId, s -> s.addPartitions(transactionalId, producerId, epoch, partitions, clientTransactionVersion),
                e -> e);
    }

    public CompletableFuture<Map<TopicPartition, Errors>> verifyPartitions(String transactionalId, long producerId, short epoch,
                                                                           Collection<TopicPartition> partitions) {
        return command(transactionalId, s -> TxnResult.of(s.verifyPartitions(transactionalId, producerId, epoch, partitions)), e -> {
            Map<TopicPartition, Errors> m = new LinkedHashMap<>();
            for (TopicPartition tp : partitions) m.put(tp, e);
            return m;
        });
    }

    public CompletableFuture<Errors> addOffsets(String transactionalId, long producerId, short epoch, String groupId,
                                                short clientTransactionVersion) {
        return command(transactionalId, s -> s.addOffsets(transactionalId, producerId, epoch, groupId, clientTransactionVersion), e -> e);
    }

    public CompletableFuture<ProducerIdAndEpoch> endTxn(String transactionalId, long producerId, short epoch, boolean commit,
                                                        short clientTransactionVersion) {
        return command(transactionalId, s -> s.endTxn(transactionalId, producerId, epoch, commit, clientTransactionVersion),
                ProducerIdAndEpoch::error);
    }

    /**
     * The Produce path's check of a transactional batch for {@code tp}: with {@code addImplicitly} (Produce v12+,
     * transaction version 2) the partition is added to the transaction, else it must be in the ongoing one (KIP-890
     * part 1). The error in Produce's terms: NONE; INVALID_PRODUCER_EPOCH for a fenced producer; NOT_ENOUGH_REPLICAS
     * (retriable for every producer) while the coordinator is busy, loading or elsewhere; otherwise
     * TRANSACTION_ABORTABLE (the handler downgrades it for old versions).
     */
    public CompletableFuture<Errors> checkProducePartition(String transactionalId, long producerId, short epoch, TopicPartition tp,
                                                           boolean addImplicitly) {
        CompletableFuture<Errors> f = addImplicitly
                ? addPartitions(transactionalId, producerId, epoch, List.of(tp), (short) 2)
                : verifyPartitions(transactionalId, producerId, epoch, List.of(tp)).thenApply(m -> m.getOrDefault(tp, Errors.UNKNOWN_SERVER_ERROR));
        return f.thenApply(TransactionCoordinator::forProduce);
    }

    static Errors forProduce(Errors e) {
        return switch (e) {
            case NONE -> Errors.NONE;
            case PRODUCER_FENCED, INVALID_PRODUCER_EPOCH -> Errors.INVALID_PRODUCER_EPOCH;
            case COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS, CONCURRENT_TRANSACTIONS ->
                    Errors.NOT_ENOUGH_REPLICAS;
            default -> Errors.TRANSACTION_ABORTABLE;
        };
    }

    /** DescribeTransactions of one id: its metadata, or the error (TRANSACTIONAL_ID_NOT_FOUND, NOT_COORDINATOR, ...). */
    public record Described(Errors error, TransactionMetadata metadata) {
    }

    public CompletableFuture<Described> describe(String transactionalId) {
        return command(transactionalId, s -> {
            Optional<TransactionMetadata> m = s.describe(transactionalId);
            return TxnResult.of(m.map(x -> new Described(Errors.NONE, x))
                    .orElse(new Described(Errors.TRANSACTIONAL_ID_NOT_FOUND, null)));
        }, e -> new Described(e, null));
    }

    /** ListTransactions: COORDINATOR_LOAD_IN_PROGRESS when some partition still loads. */
    public record Listed(Errors error, List<Listing> transactions) {
    }

    public CompletableFuture<Listed> list(Set<TransactionState> states, Set<Long> producerIds, long minDurationMs, Pattern idPattern) {
        boolean loading = runtime.anyLoading();
        return runtime.readAll(s -> s.list(states, producerIds, minDurationMs, idPattern)).thenApply(parts -> {
            List<Listing> all = new ArrayList<>();
            parts.forEach(all::addAll);
            return new Listed(loading ? Errors.COORDINATOR_LOAD_IN_PROGRESS : Errors.NONE, all);
        });
    }

    @Override
    public void close() {
        runtime.close();
        markers.close();
        runtime.executor().close();
        if (closeLoader != null) {
            try {
                closeLoader.close();
            } catch (Exception ignored) {
                // daemon thread
            }
        }
    }
}
