package io.runnel.broker.partition;

import io.netty.util.HashedWheelTimer;
import io.runnel.common.ApiException;
import io.runnel.common.Errors;
import io.runnel.common.TopicPartition;
import io.runnel.common.Uuid;
import io.runnel.record.CompressionType;
import io.runnel.record.MemoryRecords;
import io.runnel.storage.AppendResult;
import io.runnel.storage.LogConfig;
import io.runnel.storage.LogManager;
import io.runnel.storage.PartitionLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The partitions this broker hosts. The metadata publisher (one thread) creates, updates and removes
 * them as metadata images arrive; network threads look them up, append to leaders and park fetches that
 * wait for data. Appends advance the high watermark (with replication this moves to the ISR's progress)
 * and wake waiting fetches.
 */
public final class PartitionManager implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PartitionManager.class);

    private final int nodeId;
    private final LogManager logs;
    private final Map<TopicPartition, Partition> partitions = new ConcurrentHashMap<>();
    private final Map<Uuid, String> namesById = new ConcurrentHashMap<>();
    private final Map<String, Uuid> idsByName = new ConcurrentHashMap<>();
    private final HashedWheelTimer timer;
    private final List<LeadershipListener> leadershipListeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** Told when this broker starts or stops leading a partition (on the metadata thread). */
    public interface LeadershipListener {
        void onBecomeLeader(Partition partition);

        void onStopLeading(TopicPartition tp);
    }

    public void addLeadershipListener(LeadershipListener l) {
        leadershipListeners.add(l);
    }

    public PartitionManager(int nodeId, LogManager logs) {
        this.nodeId = nodeId;
        this.logs = logs;
        this.timer = new HashedWheelTimer(r -> {
            Thread t = new Thread(r, "runnel-delayed-ops");
            t.setDaemon(true);
            return t;
        }, 5, TimeUnit.MILLISECONDS, 512);
    }

    public int nodeId() {
        return nodeId;
    }

    // ------------------------------------------------------------------ metadata side

    /** Creates the partition's log if needed and records its replica state. */
    public void applyPartition(String topic, Uuid topicId, int index, Partition.ReplicaState state, LogConfig config) {
        TopicPartition tp = new TopicPartition(topic, index);
        namesById.put(topicId, topic);
        idsByName.put(topic, topicId);
        Partition p = partitions.get(tp);
        if (p == null) {
            if (!state.replicas().contains(nodeId)) return;
            if (logs.isPendingLoad(tp)) {
                // found at start-up, not loaded yet: hosting it must not wait for the load (100,000 partitions)
                p = new Partition(tp, topicId, part -> openLog(part, config), state);
            } else {
                PartitionLog plog = logs.getOrCreate(tp, topicId, config);
                p = new Partition(tp, topicId, plog, state);
                settleHighWatermark(p, plog);
            }
            partitions.put(tp, p);
            log.debug("Hosting {} (leader {} epoch {})", tp, state.leaderId(), state.leaderEpoch());
            if (state.leaderId() == nodeId) {
                for (LeadershipListener l : leadershipListeners) l.onBecomeLeader(p);
            }
        } else {
            boolean wasLeader = p.isLeader(nodeId);
            p.setState(state);
            boolean isLeader = p.isLeader(nodeId);
            for (LeadershipListener l : leadershipListeners) {
                if (isLeader && !wasLeader) l.onBecomeLeader(p);
                if (!isLeader && wasLeader) l.onStopLeading(tp);
            }
        }
    }

    private PartitionLog openLog(Partition p, LogConfig config) {
        PartitionLog plog = logs.getOrCreate(p.topicPartition(), p.topicId(), config);
        settleHighWatermark(p, plog);
        return plog;
    }

    /** A sole leader's high watermark is its log end (with replication this moves to the ISR's progress). */
    private void settleHighWatermark(Partition p, PartitionLog plog) {
        if (p.isLeader(nodeId) && p.state().isr().size() <= 1) plog.updateHighWatermark(plog.logEndOffset());
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
        List<TopicPartition> gone = new ArrayList<>();
        for (TopicPartition tp : partitions.keySet()) {
            if (tp.topic().equals(topic)) gone.add(tp);
        }
        for (TopicPartition tp : gone) {
            Partition p = partitions.remove(tp);
            if (p != null && p.isLeader(nodeId)) {
                for (LeadershipListener l : leadershipListeners) l.onStopLeading(tp);
            }
            logs.delete(tp);
            log.info("Deleted partition {}", tp);
            if (p != null) p.notifyWaiters(Integer.MAX_VALUE, Integer.MAX_VALUE);
        }
    }

    // ------------------------------------------------------------------ data side

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
        int epoch = p.leaderEpoch();
        if (currentLeaderEpoch >= 0 && currentLeaderEpoch < epoch) {
            throw new ApiException(Errors.FENCED_LEADER_EPOCH, "Leader epoch " + currentLeaderEpoch + " of " + tp + " is older than " + epoch);
        }
        if (currentLeaderEpoch > epoch) {
            throw new ApiException(Errors.UNKNOWN_LEADER_EPOCH, "Leader epoch " + currentLeaderEpoch + " of " + tp + " is newer than " + epoch);
        }
        return p;
    }

    public boolean isLeader(Partition p) {
        return p.isLeader(nodeId);
    }

    /** Appends to a partition this broker leads, advances the high watermark and wakes waiting fetches. */
    public AppendResult appendAsLeader(Partition p, MemoryRecords records) {
        return appendAsLeader(p, records, null);
    }

    /**
     * {@link #appendAsLeader(Partition, MemoryRecords)} storing batches in {@code targetCodec} (a topic's
     * named {@code compression.type}); {@code null} keeps the producer's codec.
     */
    public AppendResult appendAsLeader(Partition p, MemoryRecords records, CompressionType targetCodec) {
        long lsoBefore = p.log().lastStableOffset();
        AppendResult r = p.log().appendAsLeader(records, p.leaderEpoch(), targetCodec);
        if (p.state().isr().size() <= 1) {
            p.log().updateHighWatermark(p.log().logEndOffset());
        }
        notifyAppended(p, records.sizeInBytes(), lsoBefore);
        return r;
    }

    /**
     * {@link #appendAsLeader(Partition, MemoryRecords, CompressionType)} only when the records continue
     * transactions already ongoing in the partition at the same producer epoch (see
     * {@link io.runnel.storage.PartitionLog#appendToOngoingTxn}); null, with nothing appended, otherwise.
     */
    public AppendResult appendToOngoingTxn(Partition p, MemoryRecords records, CompressionType targetCodec) {
        long lsoBefore = p.log().lastStableOffset();
        AppendResult r = p.log().appendToOngoingTxn(records, p.leaderEpoch(), targetCodec);
        if (r == null) return null;
        if (p.state().isr().size() <= 1) {
            p.log().updateHighWatermark(p.log().logEndOffset());
        }
        notifyAppended(p, records.sizeInBytes(), lsoBefore);
        return r;
    }

    /**
     * Appends records written by the broker itself (coordinator records, transaction markers): no
     * client-side validation, the log assigns offsets.
     */
    public AppendResult appendAsCoordinator(Partition p, MemoryRecords records) {
        long lsoBefore = p.log().lastStableOffset();
        AppendResult r = p.log().appendAsCoordinator(records, p.leaderEpoch());
        if (p.state().isr().size() <= 1) {
            p.log().updateHighWatermark(p.log().logEndOffset());
        }
        notifyAppended(p, records.sizeInBytes(), lsoBefore);
        return r;
    }

    /** Appended bytes are readable now; under read_committed only if the last stable offset moved with them. */
    private static void notifyAppended(Partition p, int bytes, long lsoBefore) {
        p.notifyWaiters(bytes, p.log().lastStableOffset() > lsoBefore ? bytes : 0);
    }

    /**
     * Appends a commit or abort control batch for producerId/producerEpoch to a partition led here; completes with
     * Errors.NONE once appended (and, later, replicated), or Kafka's error (NOT_LEADER_OR_FOLLOWER,
     * UNKNOWN_TOPIC_OR_PARTITION, INVALID_PRODUCER_EPOCH for an older epoch than the producer's,
     * TRANSACTION_COORDINATOR_FENCED for an older coordinator epoch than the last seen for the producer,
     * KAFKA_STORAGE_ERROR, ...). Never throws.
     *
     * <p>Runs on the calling thread (under the partition log's lock) and completes before returning; a marker
     * makes records readable under read_committed, so waiting fetches are woken.
     */
    public CompletableFuture<Errors> writeTxnMarker(TopicPartition tp, long producerId, short producerEpoch,
                                                    int coordinatorEpoch, boolean commit) {
        try {
            Partition p = partitions.get(tp);
            if (p == null) return CompletableFuture.completedFuture(Errors.UNKNOWN_TOPIC_OR_PARTITION);
            if (!p.isLeader(nodeId)) return CompletableFuture.completedFuture(Errors.NOT_LEADER_OR_FOLLOWER);
            PartitionLog plog = p.log();
            AppendResult r = plog.appendControlBatch(producerId, producerEpoch, coordinatorEpoch, commit, p.leaderEpoch());
            if (p.state().isr().size() <= 1) plog.updateHighWatermark(plog.logEndOffset());
            // the records of the ended transaction became stable: let fetches waiting under read_committed re-read
            p.notifyWaiters(Integer.MAX_VALUE, Integer.MAX_VALUE);
            return CompletableFuture.completedFuture(Errors.NONE);
        } catch (ApiException e) {
            log.debug("Transaction marker for producer {} epoch {} on {} failed: {}", producerId, producerEpoch, tp,
                    e.getMessage());
            return CompletableFuture.completedFuture(e.error());
        } catch (RuntimeException e) {
            log.error("Transaction marker for producer {} epoch {} on {} failed", producerId, producerEpoch, tp, e);
            return CompletableFuture.completedFuture(Errors.forException(e));
        }
    }

    /**
     * Parks a fetch until {@code bytesNeeded} more bytes are appended to any of the partitions, or
     * {@code maxWaitMs} passes; then runs {@code onComplete} once (on the appending or timer thread).
     */
    public void delayFetch(List<Partition> watched, long bytesNeeded, long maxWaitMs, java.util.function.BooleanSupplier changedSinceRead,
                           Runnable onComplete) {
        delayFetch(watched, bytesNeeded, maxWaitMs, false, changedSinceRead, onComplete);
    }

    /**
     * {@link #delayFetch(List, long, long, java.util.function.BooleanSupplier, Runnable)} for a fetch of the given
     * isolation: under read_committed only bytes that became stable count.
     */
    public void delayFetch(List<Partition> watched, long bytesNeeded, long maxWaitMs, boolean readCommitted,
                           java.util.function.BooleanSupplier changedSinceRead, Runnable onComplete) {
        DelayedFetch f = new DelayedFetch(watched, bytesNeeded, readCommitted, onComplete);
        for (Partition p : watched) p.addWaiter(f);
        f.setTimeout(timer.newTimeout(t -> f.complete(), maxWaitMs, TimeUnit.MILLISECONDS));
        // data appended between the caller's read and the registration above would otherwise be missed
        if (changedSinceRead.getAsBoolean()) f.complete();
    }

    @Override
    public void close() {
        timer.stop();
    }
}
