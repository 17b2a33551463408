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
 */
public final class Partition {
    private final TopicPartition topicPartition;
    private final Uuid topicId;
    private final PartitionLog log;
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

    public TopicPartition topicPartition() {
        return topicPartition;
    }

    public Uuid topicId() {
        return topicId;
    }

    public PartitionLog log() {
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

    /** Tells fetches waiting on this partition that {@code bytes} more are readable. */
    void notifyWaiters(int bytes) {
        for (DelayedFetch f : waiters) f.onNewData(bytes);
    }
}
