package io.runnel.broker.partition;

import io.runnel.common.TopicPartition;
import io.runnel.common.Uuid;
import io.runnel.storage.PartitionLog;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One partition hosted by this broker: its log and its replica state as the metadata image last said
 * (leader, leader epoch, replicas, ISR). State fields are replaced whole by the metadata thread and read
 * without locks by network threads.
 *
 * <p>The log of a partition found at start-up may not be loaded yet when the partition is hosted: it is
 * then loaded on the first {@link #log()} call (by the thread making it, unless the storage's loader
 * threads got there first), so the broker serves before every log is loaded.
 */
public final class Partition {
    private final TopicPartition topicPartition;
    private final Uuid topicId;
    private volatile PartitionLog log;
    /** Opens the log on first use when it was not loaded at hosting time; null once the log is set. */
    private java.util.function.Function<Partition, PartitionLog> loader;
    private volatile ReplicaState state;
    private final List<DelayedFetch> waiters = new CopyOnWriteArrayList<>();

    /** Leader, epoch and replica sets as of one metadata image. */
    public record ReplicaState(int leaderId, int leaderEpoch, int partitionEpoch, List<Integer> replicas, List<Integer> isr) {
    }

    Partition(TopicPartition tp, Uuid topicId, PartitionLog log, ReplicaState state) {
        this.topicPartition = tp;
        this.topicId = topicId;
        this.log = log;
        this.state = state;
    }

    /** A partition whose log {@code loader} opens on the first {@link #log()} call. */
    Partition(TopicPartition tp, Uuid topicId, java.util.function.Function<Partition, PartitionLog> loader, ReplicaState state) {
        this.topicPartition = tp;
        this.topicId = topicId;
        this.loader = loader;
        this.state = state;
    }

    public TopicPartition topicPartition() {
        return topicPartition;
    }

    public Uuid topicId() {
        return topicId;
    }

    /**
     * The partition's log, loading it first if it is not loaded yet (may block for that load).
     *
     * @throws io.runnel.common.ApiException KAFKA_STORAGE_ERROR when the log cannot be loaded
     */
    public PartitionLog log() {
        PartitionLog l = log;
        return l != null ? l : load();
    }

    private synchronized PartitionLog load() {
        if (log == null) {
            log = loader.apply(this);
            loader = null;
        }
        return log;
    }

    public ReplicaState state() {
        return state;
    }

    void setState(ReplicaState state) {
        this.state = state;
    }

    public int leaderEpoch() {
        return state.leaderEpoch();
    }

    boolean isLeader(int nodeId) {
        return state.leaderId() == nodeId;
    }

    void addWaiter(DelayedFetch f) {
        waiters.add(f);
    }

    void removeWaiter(DelayedFetch f) {
        waiters.remove(f);
    }

    /**
     * Tells fetches waiting on this partition that {@code bytes} more are readable under read_uncommitted and
     * {@code stableBytes} more under read_committed (records become stable only as the LSO moves).
     */
    void notifyWaiters(int bytes, int stableBytes) {
        for (DelayedFetch f : waiters) f.onNewData(bytes, stableBytes);
    }
}
