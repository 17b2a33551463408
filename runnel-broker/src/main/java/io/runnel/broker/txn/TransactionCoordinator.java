package io.runnel.broker.txn;

import io.runnel.common.Errors;
import io.runnel.common.Time;
import io.runnel.common.TopicPartition;
import io.runnel.group.CoordinatorLog;
import io.runnel.group.CoordinatorRecord;
import io.runnel.group.runtime.CoordinatorRuntime;
import io.runnel.group.runtime.ShardRuntime;
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
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.function.IntUnaryOperator;
import java.util.regex.Pattern;

/**
 * The transaction coordinator of this broker: the {@link TransactionCoordinatorShard}s of the partitions of
 * {@code __transaction_state} it leads, run by the same {@link CoordinatorRuntime} and {@link ShardRuntime} as the
 * group coordinator (load on election, NOT_COORDINATOR / COORDINATOR_LOAD_IN_PROGRESS, one batch per command, applied
 * once durable, timers), on its own "txn-coordinator" thread.
 *
 * <p>After a PrepareCommit/PrepareAbort is durable, the {@link TxnMarkerSender} writes the markers through the
 * {@link MarkerWriter} (in the broker: {@link TxnMarkerChannelManager}, to whichever broker leads each partition);
 * once all are written, {@code markersWritten} completes the transaction. On load, the markers of every transaction
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
    private final CoordinatorLog coordinatorLog;
    private final Time time;
    private final ProducerIdManager producerIds;
    private final TxnMarkerSender markers;
    private final IntUnaryOperator coordinatorEpoch;
    private final EventExecutor executor;
    private final CoordinatorRuntime<TxnShard, TransactionCoordinatorShard> runtime;
    private final AutoCloseable closeLoader;
    private final short valueVersion;
    /** Produce batches that asked this coordinator (see {@link #producePartitionChecks()}). */
    private final LongAdder producePartitionChecks = new LongAdder();

    /**
     * @param markerWriter     writes a marker into any partition of the cluster (it must not block the caller)
     * @param coordinatorEpoch the leader epoch of a partition of __transaction_state here (the markers' coordinator epoch)
     * @param executor         the coordinator thread; {@code loader} replays partitions
     */
    public TransactionCoordinator(TxnCoordinatorConfig config, CoordinatorLog log, ProducerIdManager producerIds,
                                  MarkerWriter markerWriter, IntUnaryOperator coordinatorEpoch, Time time,
                                  EventExecutor executor, Executor loader, AutoCloseable closeLoader) {
        this.config = config;
        this.coordinatorLog = log;
        this.time = time;
        this.producerIds = producerIds;
        this.markers = new TxnMarkerSender(markerWriter);
        this.coordinatorEpoch = coordinatorEpoch;
        this.executor = executor;
        this.closeLoader = closeLoader;
        this.valueVersion = TxnRecordSerde.valueVersion(config.transactionVersion());
        this.runtime = new CoordinatorRuntime<>(TOPIC, config.stateLogPartitions(), new Shards(), executor, loader);
    }

    /** A coordinator with its own daemon threads ("txn-coordinator", "txn-coordinator-loader") and the system clock. */
    public static TransactionCoordinator create(TxnCoordinatorConfig config, CoordinatorLog log, ProducerIdManager producerIds,
                                                MarkerWriter markerWriter, IntUnaryOperator coordinatorEpoch) {
        ExecutorService loader = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "txn-coordinator-loader");
            t.setDaemon(true);
            return t;
        });
        return new TransactionCoordinator(config, log, producerIds, markerWriter, coordinatorEpoch, Time.SYSTEM,
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

    // ------------------------------------------------------------------ shards

    /** One partition of __transaction_state: the state machine, run by the shared {@link ShardRuntime}. */
    private final class TxnShard extends ShardRuntime<TxnRecord> {
        TransactionCoordinatorShard state;

        TxnShard(int partition) {
            super(TOPIC, partition, executor, coordinatorLog);
        }

        void activate(TransactionCoordinatorShard loaded) {
            state = loaded;
            markActive();
        }

        @Override
        protected CoordinatorRecord serialize(TxnRecord r) {
            return new CoordinatorRecord(TxnRecordSerde.key(r.transactionalId()),
                    r.isTombstone() ? null : TxnRecordSerde.value(r, valueVersion));
        }

        @Override
        protected void apply(TxnRecord r, long producerId) {
            state.replay(r);
        }
    }

    private final class Shards implements CoordinatorRuntime.ShardFactory<TxnShard, TransactionCoordinatorShard> {
        @Override
        public TxnShard create(int partition) {
            return new TxnShard(partition);
        }

        @Override
        public TransactionCoordinatorShard load(int partition) {
            TransactionCoordinatorShard shard = new TransactionCoordinatorShard(partition, config, time::milliseconds, producerIds);
            coordinatorLog.replay(partition, rec -> shard.replay(TxnRecordSerde.read(rec.key(), rec.value())));
            return shard;
        }

        @Override
        public void activate(TxnShard shard, TransactionCoordinatorShard loaded) {
            shard.activate(loaded);
            shard.run(new ShardRuntime.Op(() -> {
                List<MarkerRequest> pending = loaded.pendingMarkers();
                if (!pending.isEmpty()) log.info("{}-{}: resending the markers of {} transactions", TOPIC, shard.partition, pending.size());
                for (MarkerRequest m : pending) sendMarkers(shard, m);
                scheduleAbort(shard);
                scheduleExpiry(shard);
            }, t -> { }));
        }
    }

    private void scheduleAbort(TxnShard shard) {
        shard.schedule(ABORT_TIMER, config.abortTimedOutIntervalMs(), () -> {
            TxnResult<List<String>> r = shard.state.abortTimedOut();
            if (!r.response().isEmpty()) log.info("aborting timed-out transactions {}", r.response());
            run(shard, r, new CompletableFuture<>());
            scheduleAbort(shard);
        });
    }

    private void scheduleExpiry(TxnShard shard) {
        shard.schedule(EXPIRE_TIMER, config.removeExpiredIntervalMs(), () -> {
            TxnResult<List<String>> r = shard.state.expireTransactionalIds();
            if (!r.response().isEmpty()) log.info("expiring transactional ids {}", r.response());
            run(shard, r, new CompletableFuture<>());
            scheduleExpiry(shard);
        });
    }

    /**
     * Carries out a command's result inside an operation of the shard: its records as one batch; once durable, the
     * response, then the markers. A failed append fails {@code f} and applies nothing.
     */
    private <R> void run(TxnShard shard, TxnResult<R> r, CompletableFuture<R> f) {
        if (r.records().isEmpty()) {
            f.complete(r.response());
            return;
        }
        shard.write(r.records(), () -> {
            f.complete(r.response());
            for (MarkerRequest m : r.markers()) sendMarkers(shard, m);
        }, f::completeExceptionally);
    }

    private void sendMarkers(TxnShard shard, MarkerRequest m) {
        int partition = shard.partition;
        markers.send(m, coordinatorEpoch.applyAsInt(partition),
                () -> runtime.shard(partition) == shard && shard.status() == ShardRuntime.Status.ACTIVE).whenComplete((all, err) -> {
                    if (err != null) {
                        log.error("markers of {} failed", m.transactionalId(), err);
                    } else if (all) {
                        runtime.<Void>submit(partition, (s, f) -> run(s, s.state.markersWritten(m.transactionalId(), m.producerId(),
                                m.producerEpoch()), f)).whenComplete((v, t) -> {
                                    if (t != null) log.warn("completing the transaction of {} failed: {}", m.transactionalId(), t.toString());
                                });
                    }
                });
    }

    // ------------------------------------------------------------------ commands

    private <R> CompletableFuture<R> command(String transactionalId, Function<TransactionCoordinatorShard, TxnResult<R>> command,
                                             Function<Errors, R> onError) {
        return runtime.<R>submit(partitionFor(transactionalId), (shard, f) -> run(shard, command.apply(shard.state), f))
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
        producePartitionChecks.increment();
        CompletableFuture<Errors> f = addImplicitly
                ? addPartitions(transactionalId, producerId, epoch, List.of(tp), (short) 2)
                : verifyPartitions(transactionalId, producerId, epoch, List.of(tp)).thenApply(m -> m.getOrDefault(tp, Errors.UNKNOWN_SERVER_ERROR));
        return f.thenApply(TransactionCoordinator::forProduce);
    }

    /**
     * How many transactional Produce batches asked this coordinator since start-up: only the batch that starts a
     * transaction in a partition should (later ones are appended at once, see ProduceHandler), so this grows with
     * transactions x partitions, not with batches. Thread-safe.
     */
    public long producePartitionChecks() {
        return producePartitionChecks.sum();
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
        CompletableFuture<Listed> out = new CompletableFuture<>();
        executor.execute(() -> {
            boolean loading = runtime.anyLoading();
            List<CompletableFuture<List<Listing>>> parts = new ArrayList<>();
            for (int p = 0; p < runtime.partitions(); p++) {
                TxnShard s = runtime.shard(p);
                if (s == null || s.status() != ShardRuntime.Status.ACTIVE) continue;
                CompletableFuture<List<Listing>> f = new CompletableFuture<>();
                s.run(new ShardRuntime.Op(() -> f.complete(s.state.list(states, producerIds, minDurationMs, idPattern)),
                        t -> f.complete(List.of())));
                parts.add(f);
            }
            CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new)).whenComplete((v, t) -> {
                List<Listing> all = new ArrayList<>();
                for (CompletableFuture<List<Listing>> f : parts) all.addAll(f.getNow(List.of()));
                out.complete(new Listed(loading ? Errors.COORDINATOR_LOAD_IN_PROGRESS : Errors.NONE, all));
            });
        });
        return out;
    }

    @Override
    public void close() {
        runtime.close();
        markers.close();
        executor.close();
        if (closeLoader != null) {
            try {
                closeLoader.close();
            } catch (Exception ignored) {
                // daemon thread
            }
        }
    }
}
