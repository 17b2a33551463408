package io.runnel.broker.partition;

import io.netty.util.HashedWheelTimer;
import io.runnel.common.ApiException;
import io.runnel.common.Errors;
import io.runnel.common.Time;
import io.runnel.common.TopicPartition;
import io.runnel.common.Uuid;
import io.runnel.record.CompressionType;
import io.runnel.record.MemoryRecords;
import io.runnel.storage.AbortedTxn;
import io.runnel.storage.AppendResult;
import io.runnel.storage.EpochEndOffset;
import io.runnel.storage.LogConfig;
import io.runnel.storage.LogManager;
import io.runnel.storage.LogReadResult;
import io.runnel.storage.PartitionLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/**
 * The partition layer: the partitions this broker hosts and everything about their replicas. The metadata
 * publisher (one thread) creates, updates and removes them as metadata images arrive; this class then makes
 * the broker lead or follow each one. Handlers hand it whole requests' partitions: it owns the leader and
 * epoch checks, appends and the high-watermark rule, acks=all waits (delayed produce), fetches that wait for
 * data (delayed fetch), followers' fetch state, ISR shrink and expansion (asked of the controller through an
 * {@link IsrChannel}) and the follower fetchers. See docs/replication.md.
 *
 * <p>Threads: network threads append and read; the metadata thread applies images; fetcher threads
 * ("replica-fetcher-*") append as follower; one "replica-isr" thread checks follower lag; the
 * "runnel-delayed-ops" timer times out waiting fetches and produces.
 */
public final class ReplicaManager implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ReplicaManager.class);
    /** The answer of an acks=all append the ISR already has (a sole in-sync leader's, always): shared, not allocated. */
    private static final CompletableFuture<Errors> REPLICATED = CompletableFuture.completedFuture(Errors.NONE);

    private final int nodeId;
    private final LogManager logs;
    private final ReplicationConfig config;
    private final Time time;
    private final Map<TopicPartition, Partition> partitions = new ConcurrentHashMap<>();
    private final Map<Uuid, String> namesById = new ConcurrentHashMap<>();
    private final Map<String, Uuid> idsByName = new ConcurrentHashMap<>();
    private final HashedWheelTimer timer;
    private final List<LeadershipListener> leadershipListeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    /**
     * Follower fetches parked here (waiting for data). Becoming leader of a partition completes them: a follower
     * that has just started following that partition from us includes it in its next fetch at once, instead of
     * after its parked fetch's replica.fetch.wait.max.ms (the new leader's high watermark, and so acks=all writes
     * after a failover, waited for that).
     */
    private final java.util.Set<DelayedFetch> parkedFollowerFetches = ConcurrentHashMap.newKeySet();
    private volatile java.util.function.IntConsumer leaderUnreachable = id -> { };
    private final ScheduledExecutorService isrChecker;
    private volatile IsrChannel isrChannel;
    /** leader.replication.throttled.rate: bytes sent to throttled followers not in the ISR. */
    final ReplicationQuota leaderQuota;
    /** follower.replication.throttled.rate: bytes fetched for throttled replicas not in the ISR. */
    final ReplicationQuota followerQuota;
    private volatile FollowerFetchers fetchers;
    /**
     * True while a restarting broker of a cluster has not caught up with the metadata log: partitions are hosted with
     * no leader (neither led nor followed, leadership listeners not told), so nothing is served or replicated on the
     * basis of the stale image it replayed. See {@link MetadataPublisher#holdLeadershipUntilCaughtUp()}.
     */
    private volatile boolean leadershipHeld;

    /** Told when this broker starts or stops leading a partition (on the metadata thread). */
    public interface LeadershipListener {
        void onBecomeLeader(Partition partition);

        void onStopLeading(TopicPartition tp);
    }

    /** How a leader asks the controller to change a partition's ISR (Kafka's AlterPartition). */
    public interface IsrChannel {
        /**
         * Asks for {@code newIsr} as of the partition's current leader and partition epochs; completes with the
         * resulting state, or an error (the change was not made).
         */
        CompletableFuture<IsrResult> alterIsr(Uuid topicId, int partition, int leaderEpoch, int partitionEpoch, List<Integer> newIsr);
    }

    /** The controller's answer to an ISR change: NONE and the partition's new state, or an error and null. */
    public record IsrResult(Errors error, Partition.ReplicaState state) {
    }

    public void addLeadershipListener(LeadershipListener l) {
        leadershipListeners.add(l);
    }

    public ReplicaManager(int nodeId, LogManager logs) {
        this(nodeId, logs, ReplicationConfig.DEFAULTS, Time.SYSTEM);
    }

    public ReplicaManager(int nodeId, LogManager logs, ReplicationConfig config, Time time) {
        this(nodeId, logs, config, time, true);
    }

    /**
     * {@code scheduleIsrCheck} false leaves the ISR shrink check to the caller ({@link #shrinkIsrs()}): the replication
     * simulation test runs it on its simulated clock.
     */
    ReplicaManager(int nodeId, LogManager logs, ReplicationConfig config, Time time, boolean scheduleIsrCheck) {
        this.nodeId = nodeId;
        this.logs = logs;
        this.config = config;
        this.time = time;
        this.timer = new HashedWheelTimer(r -> {
            Thread t = new Thread(r, "runnel-delayed-ops");
            t.setDaemon(true);
            return t;
        }, 5, TimeUnit.MILLISECONDS, 512);
        this.isrChecker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "replica-isr");
            t.setDaemon(true);
            return t;
        });
        this.leaderQuota = new ReplicationQuota(time, config.quotaWindows(), config.quotaWindowMs());
        this.followerQuota = new ReplicationQuota(time, config.quotaWindows(), config.quotaWindowMs());
        if (scheduleIsrCheck) {
            long period = Math.max(10, config.lagTimeMaxMs() / 2);
            isrChecker.scheduleWithFixedDelay(this::shrinkIsrs, period, period, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Turns on replication: ISR changes go through {@code isrChannel}; follower fetchers find leaders with
     * {@code leaderEndpoints} (a broker id to its inter-broker address, null when unknown). A single node
     * without it leads every partition alone.
     */
    public void startReplication(IsrChannel isrChannel, IntFunction<InetSocketAddress> leaderEndpoints, java.util.function.LongSupplier brokerEpoch) {
        startReplication(isrChannel, leaderEndpoints, brokerEpoch, null);
    }

    /** As above; followers connect to leaders with {@code tls}'s TLS and SASL when it is not null (an SSL or SASL inter-broker listener). */
    public void startReplication(IsrChannel isrChannel, IntFunction<InetSocketAddress> leaderEndpoints, java.util.function.LongSupplier brokerEpoch,
                                 io.runnel.broker.interbroker.InterBrokerSecurity tls) {
        startReplication(isrChannel, new ReplicaFetcherManager(nodeId, config, leaderEndpoints, this, brokerEpoch, tls));
    }

    /** {@link #startReplication(IsrChannel, IntFunction, java.util.function.LongSupplier)} with the followers' fetching given. */
    void startReplication(IsrChannel isrChannel, FollowerFetchers fetchers) {
        this.isrChannel = isrChannel;
        this.fetchers = fetchers;
    }

    /**
     * Who to tell when a follower fetch could not reach its leader (a connection failed): the broker hands it to
     * the controller's liveness probe (docs/cluster.md). Set before replication starts.
     */
    public void onLeaderUnreachable(java.util.function.IntConsumer listener) {
        this.leaderUnreachable = listener;
    }

    void leaderUnreachable(int leaderId) {
        try {
            leaderUnreachable.accept(leaderId);
        } catch (RuntimeException e) {
            log.debug("Reporting broker {} unreachable failed: {}", leaderId, e.toString());
        }
    }

    public int nodeId() {
        return nodeId;
    }

    public ReplicationConfig config() {
        return config;
    }

    // ------------------------------------------------------------------ metadata side

    /**
     * Until {@link #releaseLeadership()}, every partition applied is hosted with no leader: produce, fetch, list
     * offsets, markers and coordinator writes get NOT_LEADER_OR_FOLLOWER (or NOT_COORDINATOR), nothing is fetched.
     */
    void holdLeadership() {
        leadershipHeld = true;
    }

    /** Ends {@link #holdLeadership()}; the caller applies every partition again with its real state (metadata thread). */
    void releaseLeadership() {
        leadershipHeld = false;
    }

    /** Whether this broker still waits to catch up with the metadata log before leading or following anything. */
    public boolean leadershipHeld() {
        return leadershipHeld;
    }

    /** Creates the partition's log if needed, records its replica state and leads or follows it accordingly. */
    public void applyPartition(String topic, Uuid topicId, int index, Partition.ReplicaState state, LogConfig config) {
        TopicPartition tp = new TopicPartition(topic, index);
        if (leadershipHeld && state.leaderId() >= 0) {
            // a stale image (replayed at restart, not caught up): host the partition, but neither lead nor follow it
            state = new Partition.ReplicaState(-1, state.leaderEpoch(), state.partitionEpoch(), state.replicas(), state.isr());
        }
        namesById.put(topicId, topic);
        idsByName.put(topic, topicId);
        Partition p = partitions.get(tp);
        if (p == null) {
            if (!state.replicas().contains(nodeId)) return;
            if (logs.isPendingLoad(tp) && state.leaderId() == nodeId && state.isr().size() <= 1) {
                // found at start-up, not loaded yet: hosting it must not wait for the load (100,000 partitions)
                p = new Partition(tp, topicId, part -> openLog(part, config), state);
            } else {
                PartitionLog plog = logs.getOrCreate(tp, topicId, config);
                p = new Partition(tp, topicId, plog, state);
            }
            partitions.put(tp, p);
            log.debug("Hosting {} (leader {} epoch {})", tp, state.leaderId(), state.leaderEpoch());
            if (state.leaderId() == nodeId) {
                if (p.isLoaded()) becomeLeader(p);
                for (LeadershipListener l : leadershipListeners) l.onBecomeLeader(p);
            } else {
                becomeFollower(p);
            }
            return;
        }
        if (!state.replicas().contains(nodeId)) {
            stopHosting(p, true);
            return;
        }
        Partition.ReplicaState old = p.state();
        if (state.leaderEpoch() == old.leaderEpoch() && state.partitionEpoch() < old.partitionEpoch()) return; // older than an ISR answer
        boolean wasLeader = p.isLeader(nodeId);
        p.setState(state);
        boolean isLeader = p.isLeader(nodeId);
        boolean newEpoch = state.leaderEpoch() != old.leaderEpoch();
        if (isLeader && (!wasLeader || newEpoch)) {
            becomeLeader(p);
        } else if (isLeader) {
            p.updateLeaderState(nodeId, time.milliseconds());
            advanceHighWatermark(p);
        } else if (wasLeader || newEpoch || state.leaderId() != old.leaderId()) {
            becomeFollower(p);
        }
        for (LeadershipListener l : leadershipListeners) {
            if (isLeader && !wasLeader) l.onBecomeLeader(p);
            if (!isLeader && wasLeader) l.onStopLeading(tp);
        }
    }

    private PartitionLog openLog(Partition p, LogConfig config) {
        PartitionLog plog = logs.getOrCreate(p.topicPartition(), p.topicId(), config);
        if (p.isLeader(nodeId) && p.state().isr().size() <= 1) plog.updateHighWatermark(plog.logEndOffset());
        return plog;
    }

    private void becomeLeader(Partition p) {
        if (fetchers != null) fetchers.removePartition(p.topicPartition());
        PartitionLog plog = p.log();
        plog.assignEpochStartOffset(p.leaderEpoch(), plog.logEndOffset());
        p.becomeLeader(nodeId, time.milliseconds());
        advanceHighWatermark(p);
        for (DelayedFetch f : parkedFollowerFetches) f.complete();
        log.debug("Leading {} at epoch {} from offset {}", p.topicPartition(), p.leaderEpoch(), plog.logEndOffset());
    }

    private void becomeFollower(Partition p) {
        failProduceWaiters(p);
        p.wakeAll();
        int leader = p.state().leaderId();
        if (fetchers == null) return;
        if (leader < 0) fetchers.removePartition(p.topicPartition());
        else fetchers.addPartition(p, leader, p.leaderEpoch());
    }

    private static void failProduceWaiters(Partition p) {
        for (DelayedProduce d : p.produceWaiters()) d.complete(Errors.NOT_LEADER_OR_FOLLOWER);
    }

    private void stopHosting(Partition p, boolean deleteLog) {
        TopicPartition tp = p.topicPartition();
        partitions.remove(tp);
        if (fetchers != null) fetchers.removePartition(tp);
        if (p.isLeader(nodeId)) {
            for (LeadershipListener l : leadershipListeners) l.onStopLeading(tp);
        }
        failProduceWaiters(p);
        if (deleteLog) {
            logs.delete(tp);
            log.info("Deleted partition {}", tp);
        }
        p.wakeAll();
    }

    /** leader.replication.throttled.rate and follower.replication.throttled.rate of this broker (bytes/s). */
    public void setThrottleRates(long leaderRate, long followerRate) {
        leaderQuota.setLimit(leaderRate);
        followerQuota.setLimit(followerRate);
    }

    /**
     * A topic's leader./follower.replication.throttled.replicas: "*" throttles every partition, otherwise each
     * "partition:broker" entry naming this broker throttles that partition here.
     */
    public void setThrottledReplicas(String topic, List<String> leaderList, List<String> followerList) {
        for (Partition p : partitions.values()) {
            if (!p.topicPartition().topic().equals(topic)) continue;
            int index = p.topicPartition().partition();
            p.setThrottled(throttles(leaderList, index), throttles(followerList, index));
        }
    }

    private boolean throttles(List<String> entries, int partition) {
        for (String e : entries) {
            String t = e.trim();
            if (t.equals("*")) return true;
            int colon = t.indexOf(':');
            if (colon <= 0) continue;
            try {
                if (Integer.parseInt(t.substring(0, colon).trim()) == partition
                        && Integer.parseInt(t.substring(colon + 1).trim()) == nodeId) return true;
            } catch (NumberFormatException ignored) {
                // validated when the config was set
            }
        }
        return false;
    }

    /** A topic's effective min.insync.replicas: the high watermark's KIP-966 rule; a lower value may let it move. */
    public void setMinInsyncReplicas(String topic, int minInsyncReplicas) {
        for (Partition p : partitions.values()) {
            if (!p.topicPartition().topic().equals(topic)) continue;
            p.setMinInsyncReplicas(minInsyncReplicas);
            if (p.isLoaded()) advanceHighWatermark(p);
        }
    }

    public void updateConfig(String topic, LogConfig config) {
        for (Partition p : partitions.values()) {
            if (p.topicPartition().topic().equals(topic)) p.log().updateConfig(config);
        }
    }

    /** Stops hosting every partition of the topic and deletes its logs. */
    public void removeTopic(String topic) {
        Uuid id = idsByName.remove(topic);
        if (id != null) namesById.remove(id);
        for (Partition p : new ArrayList<>(partitions.values())) {
            if (p.topicPartition().topic().equals(topic)) stopHosting(p, true);
        }
    }

    // ------------------------------------------------------------------ lookups

    public Partition get(TopicPartition tp) {
        return partitions.get(tp);
    }

    public Collection<Partition> all() {
        return partitions.values();
    }

    /** The topic's name for an id, or null. */
    public String topicName(Uuid id) {
        return namesById.get(id);
    }

    /** The topic's id, or null. */
    public Uuid topicId(String name) {
        return idsByName.get(name);
    }

    /**
     * The partition if this broker leads it and the client's view of the leader epoch (-1 = unknown)
     * is current; otherwise ApiException with UNKNOWN_TOPIC_OR_PARTITION, NOT_LEADER_OR_FOLLOWER,
     * FENCED_LEADER_EPOCH (client is behind) or UNKNOWN_LEADER_EPOCH (client is ahead).
     */
    public Partition leaderFor(TopicPartition tp, int currentLeaderEpoch) {
        Partition p = partitions.get(tp);
        if (p == null) throw new ApiException(Errors.UNKNOWN_TOPIC_OR_PARTITION, "This server does not host " + tp);
        if (!p.isLeader(nodeId)) throw new ApiException(Errors.NOT_LEADER_OR_FOLLOWER, "This broker is not the leader of " + tp);
        Errors e = checkEpoch(p, currentLeaderEpoch);
        if (e != Errors.NONE) {
            throw new ApiException(e, "Leader epoch " + currentLeaderEpoch + " of " + tp + " is "
                    + (e == Errors.FENCED_LEADER_EPOCH ? "older" : "newer") + " than " + p.leaderEpoch());
        }
        return p;
    }

    private static Errors checkEpoch(Partition p, int currentLeaderEpoch) {
        int epoch = p.leaderEpoch();
        if (currentLeaderEpoch >= 0 && currentLeaderEpoch < epoch) return Errors.FENCED_LEADER_EPOCH;
        if (currentLeaderEpoch > epoch) return Errors.UNKNOWN_LEADER_EPOCH;
        return Errors.NONE;
    }

    public boolean isLeader(Partition p) {
        return p.isLeader(nodeId);
    }

    // ------------------------------------------------------------------ appends (leader)

    /** Appends to a partition this broker leads, advances the high watermark and wakes waiting fetches. */
    public AppendResult appendAsLeader(Partition p, MemoryRecords records) {
        return appendAsLeader(p, records, null);
    }

    /**
     * {@link #appendAsLeader(Partition, MemoryRecords)} storing batches in {@code targetCodec} (a topic's
     * named {@code compression.type}); {@code null} keeps the producer's codec.
     */
    public AppendResult appendAsLeader(Partition p, MemoryRecords records, CompressionType targetCodec) {
        AppendResult r = p.log().appendAsLeader(records, p.leaderEpoch(), targetCodec);
        afterAppend(p, r.duplicate() ? 0 : records.sizeInBytes());
        return r;
    }

    /**
     * {@link #appendAsLeader(Partition, MemoryRecords, CompressionType)} only when the records continue
     * transactions already ongoing in the partition at the same producer epoch (see
     * {@link io.runnel.storage.PartitionLog#appendToOngoingTxn}); null, with nothing appended, otherwise.
     */
    public AppendResult appendToOngoingTxn(Partition p, MemoryRecords records, CompressionType targetCodec) {
        AppendResult r = p.log().appendToOngoingTxn(records, p.leaderEpoch(), targetCodec);
        if (r == null) return null;
        afterAppend(p, r.duplicate() ? 0 : records.sizeInBytes());
        return r;
    }

    /**
     * Appends records written by the broker itself (coordinator records, transaction markers): no
     * client-side validation, the log assigns offsets.
     */
    public AppendResult appendAsCoordinator(Partition p, MemoryRecords records) {
        AppendResult r = p.log().appendAsCoordinator(records, p.leaderEpoch());
        afterAppend(p, records.sizeInBytes());
        return r;
    }

    /** Wakes follower fetches, and moves the high watermark as far as the ISR allows (all the way alone). */
    private void afterAppend(Partition p, int bytes) {
        if (bytes <= 0) return;
        p.notifyAppend(bytes);
        PartitionLog plog = p.log();
        long lsoBefore = plog.lastStableOffset();
        highWatermarkMoved(p, p.afterLeaderAppend(nodeId, bytes), lsoBefore);
    }

    /** Moves the leader's high watermark if the ISR allows; wakes consumer fetches and completes acks=all appends. */
    void advanceHighWatermark(Partition p) {
        if (!p.isLeader(nodeId)) return;
        long lsoBefore = p.log().lastStableOffset();
        highWatermarkMoved(p, p.maybeIncrementHighWatermark(nodeId), lsoBefore);
    }

    /** {@code bytes} moved below the high watermark (-1: it did not move). */
    private void highWatermarkMoved(Partition p, long bytes, long lsoBefore) {
        if (bytes < 0) {
            // a frozen high watermark (ISR below min.insync.replicas): acks=all waiters may complete as NOT_ENOUGH_REPLICAS_AFTER_APPEND
            if (p.highWatermarkFrozen()) for (DelayedProduce d : p.produceWaiters()) d.tryComplete(nodeId);
            return;
        }
        p.notifyReadable(bytes, p.log().lastStableOffset() > lsoBefore ? bytes : 0);
        for (DelayedProduce d : p.produceWaiters()) d.tryComplete(nodeId);
    }

    /**
     * Completes once the high watermark of {@code p} reaches {@code requiredOffset} (acks=all): NONE, or
     * NOT_ENOUGH_REPLICAS_AFTER_APPEND when the ISR shrank below {@code minInsyncReplicas} meanwhile;
     * REQUEST_TIMED_OUT after {@code timeoutMs}; NOT_LEADER_OR_FOLLOWER when leadership moves.
     */
    public CompletableFuture<Errors> awaitReplication(Partition p, long requiredOffset, int minInsyncReplicas, long timeoutMs) {
        if (p.log().highWatermark() >= requiredOffset) return REPLICATED;
        DelayedProduce d = new DelayedProduce(p, requiredOffset, minInsyncReplicas);
        p.addProduceWaiter(d);
        d.setTimeout(timer.newTimeout(t -> d.complete(Errors.REQUEST_TIMED_OUT), Math.max(1, timeoutMs), TimeUnit.MILLISECONDS));
        d.tryComplete(nodeId); // the high watermark may have moved between the check above and the registration
        return d.result();
    }

    /**
     * Appends a commit or abort control batch for producerId/producerEpoch to a partition led here; completes with
     * Errors.NONE once appended and replicated to the ISR, or Kafka's error (NOT_LEADER_OR_FOLLOWER,
     * UNKNOWN_TOPIC_OR_PARTITION, INVALID_PRODUCER_EPOCH for an older epoch than the producer's,
     * TRANSACTION_COORDINATOR_FENCED for an older coordinator epoch than the last seen for the producer,
     * KAFKA_STORAGE_ERROR, REQUEST_TIMED_OUT, ...). Never throws.
     *
     * <p>The append runs on the calling thread (under the partition log's lock); a marker makes records readable
     * under read_committed, so waiting fetches are woken.
     */
    public CompletableFuture<Errors> writeTxnMarker(TopicPartition tp, long producerId, short producerEpoch,
                                                    int coordinatorEpoch, boolean commit) {
        try {
            Partition p = partitions.get(tp);
            if (p == null) return CompletableFuture.completedFuture(Errors.UNKNOWN_TOPIC_OR_PARTITION);
            if (!p.isLeader(nodeId)) return CompletableFuture.completedFuture(Errors.NOT_LEADER_OR_FOLLOWER);
            PartitionLog plog = p.log();
            plog.appendControlBatch(producerId, producerEpoch, coordinatorEpoch, commit, p.leaderEpoch());
            long end = plog.logEndOffset();
            afterAppend(p, 1);
            // the records of the ended transaction became stable: let fetches waiting under read_committed re-read
            p.notifyReadable(0, Integer.MAX_VALUE);
            return awaitReplication(p, end, 1, config.lagTimeMaxMs());
        } catch (ApiException e) {
            log.debug("Transaction marker for producer {} epoch {} on {} failed: {}", producerId, producerEpoch, tp,
                    e.getMessage());
            return CompletableFuture.completedFuture(e.error());
        } catch (RuntimeException e) {
            log.error("Transaction marker for producer {} epoch {} on {} failed", producerId, producerEpoch, tp, e);
            return CompletableFuture.completedFuture(Errors.forException(e));
        }
    }

    // ------------------------------------------------------------------ reads

    /**
     * One partition of a fetch. A consumer ({@code replicaId} &lt; 0) reads from the leader up to the high
     * watermark, or the last stable offset under read_committed. A follower reads up to the log end; its fetch
     * offset is its log end offset, which may move the high watermark and bring it back into the ISR; a
     * {@code lastFetchedEpoch} whose end in this log lies below {@code fetchOffset} answers with the diverging epoch
     * instead of records (the follower truncates).
     *
     * @param minOneBatch         return the first batch even if it exceeds {@code maxBytes}
     * @param followerReadAllowed a consumer's fetch that carries client metadata (Fetch v11+) may be served by a
     *                            follower, up to its high watermark (KIP-392); otherwise only the leader serves
     */
    public PartitionRead read(Partition p, int replicaId, long fetchOffset, int currentLeaderEpoch, int lastFetchedEpoch,
                              int maxBytes, boolean minOneBatch, boolean readCommitted, boolean followerReadAllowed) {
        boolean follower = replicaId >= 0;
        if (!p.isLeader(nodeId) && (follower || !followerReadAllowed || p.state().leaderId() < 0)) {
            return PartitionRead.error(Errors.NOT_LEADER_OR_FOLLOWER, p);
        }
        // a consumer may read from a follower (KIP-392), up to the follower's high watermark
        Errors epochError = checkEpoch(p, currentLeaderEpoch);
        PartitionLog plog = p.log();
        if (epochError != Errors.NONE) {
            return new PartitionRead(epochError, p.state().leaderId(), p.leaderEpoch(), plog.highWatermark(),
                    plog.lastStableOffset(), plog.logStartOffset(), MemoryRecords.EMPTY, null, -1, -1, -1);
        }
        if (follower) return readForFollower(p, plog, replicaId, fetchOffset, lastFetchedEpoch, maxBytes, minOneBatch);
        long hw = plog.highWatermark();
        long lso = plog.lastStableOffset();
        long end = readCommitted ? lso : hw;
        try {
            LogReadResult r = plog.read(fetchOffset, Math.max(maxBytes, 0), end, minOneBatch);
            List<AbortedTxn> aborted = null;
            if (readCommitted) {
                aborted = r.records().sizeInBytes() > 0 ? plog.abortedTransactions(fetchOffset, end) : List.of();
            }
            return new PartitionRead(Errors.NONE, p.state().leaderId(), p.leaderEpoch(), hw, lso, plog.logStartOffset(), r.records(),
                    aborted, -1, -1, end);
        } catch (ApiException e) {
            return new PartitionRead(e.error(), p.state().leaderId(), p.leaderEpoch(), hw, lso, plog.logStartOffset(), MemoryRecords.EMPTY,
                    readCommitted ? List.of() : null, -1, -1, end);
        }
    }

    private PartitionRead readForFollower(Partition p, PartitionLog plog, int replicaId, long fetchOffset, int lastFetchedEpoch,
                                          int maxBytes, boolean minOneBatch) {
        if (!p.state().replicas().contains(replicaId)) {
            return PartitionRead.error(Errors.NOT_LEADER_OR_FOLLOWER, p);
        }
        long leo = plog.logEndOffset();
        if (lastFetchedEpoch >= 0) {
            EpochEndOffset e = plog.endOffsetForEpoch(lastFetchedEpoch);
            if (e.leaderEpoch() != lastFetchedEpoch || e.endOffset() < fetchOffset) {
                // no epoch at or below the follower's in this log: nothing before the log start is known to agree
                long end = e.leaderEpoch() < 0 ? plog.logStartOffset() : e.endOffset();
                return new PartitionRead(Errors.NONE, nodeId, p.leaderEpoch(), plog.highWatermark(), plog.lastStableOffset(),
                        plog.logStartOffset(), MemoryRecords.EMPTY, null, e.leaderEpoch(), end, leo);
            }
        }
        if (fetchOffset <= leo) {
            if (p.updateFollower(replicaId, fetchOffset, leo, time.milliseconds())) {
                advanceHighWatermark(p);
                maybeExpandIsr(p, replicaId);
            }
        }
        // a throttled replica outside the ISR gets nothing while the leader's throttle is spent (Kafka's rule)
        boolean throttled = p.leaderThrottled() && !p.state().isr().contains(replicaId);
        if (throttled && leaderQuota.isExceeded()) {
            return new PartitionRead(Errors.NONE, nodeId, p.leaderEpoch(), plog.highWatermark(), plog.lastStableOffset(),
                    plog.logStartOffset(), MemoryRecords.EMPTY, null, -1, -1, leo);
        }
        try {
            LogReadResult r = plog.read(fetchOffset, Math.max(maxBytes, 0), Long.MAX_VALUE, minOneBatch);
            if (throttled) leaderQuota.record(r.records().sizeInBytes());
            return new PartitionRead(Errors.NONE, nodeId, p.leaderEpoch(), plog.highWatermark(), plog.lastStableOffset(),
                    plog.logStartOffset(), r.records(), null, -1, -1, leo);
        } catch (ApiException e) {
            return new PartitionRead(e.error(), nodeId, p.leaderEpoch(), plog.highWatermark(), plog.lastStableOffset(),
                    plog.logStartOffset(), MemoryRecords.EMPTY, null, -1, -1, leo);
        }
    }

    /** Where a reader of this kind could read up to now: the log end (follower), the LSO or the high watermark. */
    public long readableEnd(Partition p, boolean follower, boolean readCommitted) {
        PartitionLog plog = p.log();
        return follower ? plog.logEndOffset() : readCommitted ? plog.lastStableOffset() : plog.highWatermark();
    }

    /**
     * Parks a fetch until {@code bytesNeeded} more bytes are readable in any of the partitions (appended, for a
     * follower; below the high watermark, or stable under read_committed, for a consumer), or {@code maxWaitMs}
     * passes; then runs {@code onComplete} once (on the appending or timer thread).
     */
    public void delayFetch(List<Partition> watched, long bytesNeeded, long maxWaitMs, boolean readCommitted, boolean follower,
                           java.util.function.BooleanSupplier changedSinceRead, Runnable onComplete) {
        DelayedFetch[] self = new DelayedFetch[1];
        Runnable done = !follower ? onComplete : () -> {
            parkedFollowerFetches.remove(self[0]);
            onComplete.run();
        };
        DelayedFetch f = new DelayedFetch(watched, bytesNeeded, readCommitted, follower, done);
        self[0] = f;
        if (follower) parkedFollowerFetches.add(f);
        for (Partition p : watched) p.addWaiter(f);
        f.setTimeout(timer.newTimeout(t -> f.complete(), maxWaitMs, TimeUnit.MILLISECONDS));
        // data appended between the caller's read and the registration above would otherwise be missed
        if (changedSinceRead.getAsBoolean()) f.complete();
    }

    // ------------------------------------------------------------------ follower side (fetcher threads)

    /** A fetcher appends what the leader returned; the high watermark follows the leader's, up to the log end. */
    void appendAsFollower(Partition p, MemoryRecords records, long leaderHighWatermark, long leaderLogStartOffset) {
        PartitionLog plog = p.log();
        if (records.sizeInBytes() > 0) plog.appendAsFollower(records);
        if (leaderLogStartOffset > plog.logStartOffset()) {
            plog.maybeIncrementLogStartOffset(Math.min(leaderLogStartOffset, plog.logEndOffset()));
        }
        long hwBefore = plog.highWatermark();
        long lsoBefore = plog.lastStableOffset();
        long hw = Math.min(leaderHighWatermark, plog.logEndOffset());
        if (hw > hwBefore) {
            plog.updateHighWatermark(hw);
            // consumers reading from this follower (KIP-392) wait for its high watermark
            long bytes = Math.max(1, records.sizeInBytes());
            p.notifyReadable(bytes, plog.lastStableOffset() > lsoBefore ? bytes : 0);
        }
    }

    // ------------------------------------------------------------------ ISR

    private void maybeExpandIsr(Partition p, int replicaId) {
        if (isrChannel == null || !p.canJoinIsr(replicaId)) return;
        List<Integer> isr = new ArrayList<>(p.state().isr());
        isr.add(replicaId);
        requestIsrChange(p, isr, "Expanding", "");
    }

    /**
     * Runs on "replica-isr" (or the caller's thread when not scheduled): every led partition whose followers lag too
     * long asks to drop them from the ISR.
     */
    void shrinkIsrs() {
        try {
            if (isrChannel == null) return;
            long now = time.milliseconds();
            for (Partition p : partitions.values()) {
                if (!p.isLeader(nodeId) || p.state().isr().size() <= 1 || p.pendingIsr() != null) continue;
                List<Integer> out = p.outOfSyncReplicas(nodeId, now, config.lagTimeMaxMs());
                if (out.isEmpty()) continue;
                List<Integer> isr = new ArrayList<>(p.state().isr());
                isr.removeAll(out);
                requestIsrChange(p, isr, "Shrinking", ": " + out + " not caught up within replica.lag.time.max.ms");
            }
        } catch (RuntimeException e) {
            log.warn("ISR check failed", e);
        }
    }

    /** The first wait before asking again for an ISR change that failed (Kafka's retry.backoff.ms default). */
    static final long ISR_RETRY_BACKOFF_MS = 100;
    /** The longest wait, reached by doubling while the same change keeps failing (Kafka's retry.backoff.max.ms default). */
    static final long ISR_RETRY_BACKOFF_MAX_MS = 1000;

    /**
     * Asks the controller for {@code newIsr}: one change in flight per partition; after a failure or refusal the
     * partition waits (100 ms, doubling up to 1 s while the same change fails the same way at the same epochs) before
     * asking again, and the failure is logged at INFO only when it differs from the previous one (DEBUG otherwise), so
     * a follower that keeps fetching while it cannot join (its broker fenced, a stale epoch) costs neither a request
     * nor a log line per fetch.
     */
    private void requestIsrChange(Partition p, List<Integer> newIsr, String verb, String why) {
        IsrChannel channel = isrChannel;
        Partition.ReplicaState s = p.state();
        if (channel == null) return;
        boolean retry = p.retriesFailedIsrChange(newIsr);
        if (!p.startIsrChange(newIsr, time.milliseconds())) return;
        if (retry) {
            log.debug("{} the ISR of {} from {} to {}{} (retry)", verb, p.topicPartition(), s.isr(), newIsr, why);
        } else {
            log.info("{} the ISR of {} from {} to {}{}", verb, p.topicPartition(), s.isr(), newIsr, why);
        }
        CompletableFuture<IsrResult> f;
        try {
            f = channel.alterIsr(p.topicId(), p.topicPartition().partition(), s.leaderEpoch(), s.partitionEpoch(), newIsr);
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        f.whenComplete((r, t) -> {
            if (t != null || r.error() != Errors.NONE) {
                String reason = t != null ? t.toString() : r.error().name();
                if (p.failIsrChange(newIsr, reason, s.leaderEpoch(), s.partitionEpoch(), time.milliseconds(),
                        ISR_RETRY_BACKOFF_MS, ISR_RETRY_BACKOFF_MAX_MS)) {
                    log.info("ISR change of {} to {} failed: {} (asked again after a backoff; further identical failures at DEBUG)",
                            p.topicPartition(), newIsr, reason);
                } else {
                    log.debug("ISR change of {} to {} failed again: {}", p.topicPartition(), newIsr, reason);
                }
                return;
            }
            p.endIsrChange();
            Partition.ReplicaState now = p.state();
            if (r.state() != null && r.state().leaderEpoch() == now.leaderEpoch() && r.state().partitionEpoch() > now.partitionEpoch()) {
                p.setState(r.state());
                p.updateLeaderState(nodeId, time.milliseconds());
            }
            advanceHighWatermark(p);
        });
    }

    @Override
    public void close() {
        isrChecker.shutdownNow();
        FollowerFetchers f = fetchers;
        if (f != null) f.close();
        timer.stop();
    }
}
