package io.runnel.broker.partition;

import io.runnel.common.TopicPartition;
import io.runnel.common.Uuid;
import io.runnel.storage.PartitionLog;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One partition hosted by this broker: its log, its replica state as the metadata image (or the controller's
 * answer to an ISR change) last said, and, while this broker leads it, what the leader knows of its followers.
 *
 * <p>High-watermark rule (leader): the high watermark is the smallest log end offset over the <em>maximal
 * ISR</em> — the committed ISR plus replicas an ISR expansion in flight adds — and never moves back. A follower's
 * log end offset is the offset of its last fetch. The leader's own log end offset is the other bound. See
 * docs/replication.md.
 *
 * <p>Threads: replica state is replaced whole by the metadata thread and read without locks by network threads.
 * Leader-side decisions (follower progress, high watermark, ISR changes) are made under this object's lock.
 *
 * <p>The log of a partition found at start-up may not be loaded yet when the partition is hosted: it is then
 * loaded on the first {@link #log()} call.
 */
public final class Partition {
    private final TopicPartition topicPartition;
    private final Uuid topicId;
    private volatile PartitionLog log;
    /** Opens the log on first use when it was not loaded at hosting time; null once the log is set. */
    private java.util.function.Function<Partition, PartitionLog> loader;
    private volatile ReplicaState state;
    private final List<DelayedFetch> waiters = new CopyOnWriteArrayList<>();
    private final List<DelayedProduce> produceWaiters = new CopyOnWriteArrayList<>();

    /** This broker's replica of the partition is throttled as leader / as follower (the topic's throttled replica lists). */
    private volatile boolean leaderThrottled;
    private volatile boolean followerThrottled;
    /** The topic's min.insync.replicas; the high watermark stands still while the ISR is smaller (KIP-966). */
    private volatile int minInsyncReplicas = 1;

    // ---- leader side, guarded by this
    private final Map<Integer, FollowerState> followers = new ConcurrentHashMap<>();
    /** The ISR an AlterPartition in flight asks for; null when none is in flight. */
    private List<Integer> pendingIsr;
    /** The last ISR change that failed or was refused, while no later one succeeded: backoff and logging once. */
    private IsrFailure lastIsrFailure;
    /** The log end offset when this broker became leader of the current epoch: followers must reach it to join the ISR. */
    private long leaderEpochStartOffset = -1;
    /** (end offset, bytes) of appends not yet below the high watermark, to wake consumer fetches by bytes when it moves. */
    private final ArrayDeque<long[]> unreplicated = new ArrayDeque<>();
    private static final int MAX_UNREPLICATED_ENTRIES = 1024;

    /** Leader, epoch and replica sets as of one metadata image. */
    public record ReplicaState(int leaderId, int leaderEpoch, int partitionEpoch, List<Integer> replicas, List<Integer> isr) {
    }

    /**
     * An ISR change that failed ({@code reason}: the controller's error or the failure) as of the leader and partition
     * epochs it was asked with; not asked again before {@code retryAtMs} while those epochs are current.
     */
    record IsrFailure(List<Integer> isr, String reason, int leaderEpoch, int partitionEpoch, long retryAtMs, long backoffMs) {
    }

    /** What the leader knows of one follower. */
    static final class FollowerState {
        /** The offset of the follower's last fetch (everything below it is in its log); -1 before its first fetch. */
        long logEndOffset = -1;
        long lastFetchTimeMs;
        /** The leader's log end offset at the follower's last fetch. */
        long lastFetchLeaderLogEndOffset = -1;
        /** The last time the follower had everything the leader had (Kafka's lastCaughtUpTimeMs). */
        long lastCaughtUpTimeMs;
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

    boolean isLoaded() {
        return log != null;
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

    boolean leaderThrottled() {
        return leaderThrottled;
    }

    boolean followerThrottled() {
        return followerThrottled;
    }

    void setThrottled(boolean asLeader, boolean asFollower) {
        leaderThrottled = asLeader;
        followerThrottled = asFollower;
    }

    // ------------------------------------------------------------------ leader side

    /**
     * This broker became leader of the current epoch: the followers start unknown (ISR members get a full
     * replica.lag.time.max.ms from now), no ISR change is in flight, and the epoch starts at the log end.
     */
    synchronized void becomeLeader(int nodeId, long nowMs) {
        followers.clear();
        for (int r : state.replicas()) {
            if (r == nodeId) continue;
            FollowerState f = new FollowerState();
            f.lastCaughtUpTimeMs = state.isr().contains(r) ? nowMs : 0;
            followers.put(r, f);
        }
        pendingIsr = null;
        lastIsrFailure = null;
        unreplicated.clear();
        leaderEpochStartOffset = log().logEndOffset();
    }

    /**
     * Whether this leader's high watermark is still below the log end it had when its epoch began: after an
     * election, until the followers have caught up with what the new leader had, "latest" is not known yet
     * (ListOffsets answers OFFSET_NOT_AVAILABLE, as Kafka does).
     */
    public synchronized boolean highWatermarkBehindEpochStart() {
        return leaderEpochStartOffset > log().highWatermark();
    }

    /** New replica state for a partition this broker keeps leading (ISR or replicas changed). */
    synchronized void updateLeaderState(int nodeId, long nowMs) {
        for (int r : state.replicas()) {
            if (r == nodeId || followers.containsKey(r)) continue;
            followers.put(r, new FollowerState());
        }
        followers.keySet().retainAll(state.replicas());
        if (pendingIsr != null && pendingIsr.equals(state.isr())) pendingIsr = null;
    }

    /** The size of the maximal ISR (see {@link #maximalIsr()}), without building it. */
    synchronized int maximalIsrSize() {
        if (pendingIsr == null) return state.isr().size();
        int n = state.isr().size();
        for (int r : pendingIsr) if (!state.isr().contains(r)) n++;
        return n;
    }

    /** The ISR the high watermark counts: the committed one plus replicas a pending expansion adds. */
    synchronized Set<Integer> maximalIsr() {
        Set<Integer> s = new HashSet<>(state.isr());
        if (pendingIsr != null) s.addAll(pendingIsr);
        return s;
    }

    /**
     * Records a follower's fetch at {@code fetchOffset} while the leader's log ended at {@code leaderLogEnd}.
     *
     * @return false when {@code replicaId} is not a replica of the partition
     */
    synchronized boolean updateFollower(int replicaId, long fetchOffset, long leaderLogEnd, long nowMs) {
        FollowerState f = followers.get(replicaId);
        if (f == null) return false;
        if (fetchOffset >= leaderLogEnd) f.lastCaughtUpTimeMs = Math.max(f.lastCaughtUpTimeMs, nowMs);
        else if (fetchOffset >= f.lastFetchLeaderLogEndOffset && f.lastFetchLeaderLogEndOffset >= 0) {
            f.lastCaughtUpTimeMs = Math.max(f.lastCaughtUpTimeMs, f.lastFetchTimeMs);
        }
        f.logEndOffset = fetchOffset;
        f.lastFetchLeaderLogEndOffset = leaderLogEnd;
        f.lastFetchTimeMs = nowMs;
        return true;
    }

    /**
     * Moves the high watermark up to the smallest log end offset of the maximal ISR.
     *
     * @return the bytes of appends that moved below the high watermark, or -1 when it did not move
     */
    synchronized long maybeIncrementHighWatermark(int nodeId) {
        if (highWatermarkFrozen()) return -1;
        PartitionLog l = log();
        long hw = l.logEndOffset();
        hw = Math.min(hw, smallestFollowerEnd(state.isr(), nodeId));
        if (pendingIsr != null) hw = Math.min(hw, smallestFollowerEnd(pendingIsr, nodeId));
        if (hw < 0) return -1;
        if (hw <= l.highWatermark()) return -1;
        l.updateHighWatermark(hw);
        long bytes = 0;
        while (!unreplicated.isEmpty() && unreplicated.peekFirst()[0] <= hw) bytes += unreplicated.pollFirst()[1];
        return Math.max(bytes, 1);
    }

    void setMinInsyncReplicas(int n) {
        minInsyncReplicas = Math.max(1, n);
    }

    /**
     * KIP-966's rule (Kafka 4.1+ with eligible leader replicas): while the ISR is smaller than min.insync.replicas
     * (capped at the replica count, so a single replica is never held), the high watermark does not move. What it
     * covers is then on at least min.insync.replicas replicas, so any member of the ELR, elected later, has it.
     */
    synchronized boolean highWatermarkFrozen() {
        return state.isr().size() < Math.min(minInsyncReplicas, state.replicas().size());
    }

    /**
     * Whether every member of the maximal ISR (this leader included) has the log up to {@code offset}: with a frozen
     * high watermark, an acks=all append that got that far has all the replicas it can get.
     */
    synchronized boolean isrHas(int nodeId, long offset) {
        if (log().logEndOffset() < offset) return false;
        long followers = smallestFollowerEnd(state.isr(), nodeId);
        if (pendingIsr != null) followers = Math.min(followers, smallestFollowerEnd(pendingIsr, nodeId));
        return followers >= offset;
    }

    /** The smallest log end offset of the followers in {@code isr}; -1 if one has not fetched yet. */
    private long smallestFollowerEnd(List<Integer> isr, int nodeId) {
        long min = Long.MAX_VALUE;
        for (int r : isr) {
            if (r == nodeId) continue;
            FollowerState f = followers.get(r);
            if (f == null || f.logEndOffset < 0) return -1;
            min = Math.min(min, f.logEndOffset);
        }
        return min;
    }

    /**
     * After an append of {@code bytes} to the leader: a sole in-sync leader's high watermark moves to the log end at
     * once (the common single-node path: no allocation); otherwise the append waits in the unreplicated list.
     *
     * @return the bytes that moved below the high watermark, or -1 when it did not move
     */
    synchronized long afterLeaderAppend(int nodeId, int bytes) {
        PartitionLog l = log();
        if (pendingIsr == null && state.isr().size() == 1 && state.isr().get(0) == nodeId && unreplicated.isEmpty()
                && (minInsyncReplicas <= 1 || state.replicas().size() == 1)) {
            long leo = l.logEndOffset();
            if (leo <= l.highWatermark()) return -1;
            l.updateHighWatermark(leo);
            return bytes;
        }
        long[] last = unreplicated.peekLast();
        if (last != null && unreplicated.size() >= MAX_UNREPLICATED_ENTRIES) {
            // a follower that stopped fetching holds the high watermark for up to replica.lag.time.max.ms: bound the list
            last[0] = l.logEndOffset();
            last[1] += bytes;
        } else {
            unreplicated.addLast(new long[]{l.logEndOffset(), bytes});
        }
        return maybeIncrementHighWatermark(nodeId);
    }

    /** ISR members other than this broker that have not caught up within {@code maxLagMs}. */
    synchronized List<Integer> outOfSyncReplicas(int nodeId, long nowMs, long maxLagMs) {
        List<Integer> out = new ArrayList<>();
        for (int r : state.isr()) {
            if (r == nodeId) continue;
            FollowerState f = followers.get(r);
            if (f == null || nowMs - f.lastCaughtUpTimeMs > maxLagMs) out.add(r);
        }
        return out;
    }

    /** Whether {@code replicaId}, outside the ISR, has caught up enough to join it (Kafka's rule). */
    synchronized boolean canJoinIsr(int replicaId) {
        FollowerState f = followers.get(replicaId);
        if (f == null || state.isr().contains(replicaId) || (pendingIsr != null)) return false;
        return f.logEndOffset >= log().highWatermark() && f.logEndOffset >= leaderEpochStartOffset;
    }

    /**
     * Starts an ISR change if none is in flight and the last failed one (at the current epochs) is past its backoff;
     * false otherwise.
     */
    synchronized boolean startIsrChange(List<Integer> newIsr, long nowMs) {
        if (pendingIsr != null) return false;
        IsrFailure f = lastIsrFailure;
        if (f != null && sameEpochs(f) && nowMs < f.retryAtMs()) return false;
        pendingIsr = List.copyOf(newIsr);
        return true;
    }

    private boolean sameEpochs(IsrFailure f) {
        return f.leaderEpoch() == state.leaderEpoch() && f.partitionEpoch() == state.partitionEpoch();
    }

    /** Whether {@code newIsr} is what the last failed change asked for, at the current epochs (a retry). */
    synchronized boolean retriesFailedIsrChange(List<Integer> newIsr) {
        IsrFailure f = lastIsrFailure;
        return f != null && sameEpochs(f) && f.isr().equals(newIsr);
    }

    /** The ISR change in flight succeeded (or was overtaken by a new leadership). */
    synchronized void endIsrChange() {
        pendingIsr = null;
        lastIsrFailure = null;
    }

    /**
     * The ISR change in flight, asked as of {@code leaderEpoch}/{@code partitionEpoch}, failed: the next one waits
     * {@code initialBackoffMs}, doubling up to {@code maxBackoffMs} while the same change fails the same way.
     *
     * @return true when this failure differs from the previous one (change, reason or epochs): worth logging
     */
    synchronized boolean failIsrChange(List<Integer> isr, String reason, int leaderEpoch, int partitionEpoch, long nowMs,
                                       long initialBackoffMs, long maxBackoffMs) {
        pendingIsr = null;
        IsrFailure prev = lastIsrFailure;
        boolean same = prev != null && prev.isr().equals(isr) && prev.reason().equals(reason)
                && prev.leaderEpoch() == leaderEpoch && prev.partitionEpoch() == partitionEpoch;
        long backoff = same ? Math.min(maxBackoffMs, prev.backoffMs() * 2) : initialBackoffMs;
        lastIsrFailure = new IsrFailure(List.copyOf(isr), reason, leaderEpoch, partitionEpoch, nowMs + backoff, backoff);
        return !same;
    }

    synchronized IsrFailure lastIsrFailure() {
        return lastIsrFailure;
    }

    synchronized List<Integer> pendingIsr() {
        return pendingIsr;
    }

    /** The log end offsets the leader knows of its followers (-1: not fetched yet), by replica id. */
    synchronized Map<Integer, Long> followerLogEndOffsets() {
        Map<Integer, Long> out = new java.util.TreeMap<>();
        followers.forEach((r, f) -> out.put(r, f.logEndOffset));
        return out;
    }

    // ------------------------------------------------------------------ waiters

    void addWaiter(DelayedFetch f) {
        waiters.add(f);
    }

    void removeWaiter(DelayedFetch f) {
        waiters.remove(f);
    }

    void addProduceWaiter(DelayedProduce p) {
        produceWaiters.add(p);
    }

    void removeProduceWaiter(DelayedProduce p) {
        produceWaiters.remove(p);
    }

    List<DelayedProduce> produceWaiters() {
        return produceWaiters;
    }

    /** Tells follower fetches waiting on this partition that {@code bytes} more were appended to the log. */
    void notifyAppend(int bytes) {
        for (DelayedFetch f : waiters) if (f.isFollower()) f.onNewData(bytes, bytes);
    }

    /**
     * Tells consumer fetches waiting on this partition that {@code bytes} more are readable under read_uncommitted
     * (the high watermark moved) and {@code stableBytes} more under read_committed (the LSO moved).
     */
    void notifyReadable(long bytes, long stableBytes) {
        int b = (int) Math.min(Integer.MAX_VALUE, bytes);
        int s = (int) Math.min(Integer.MAX_VALUE, stableBytes);
        for (DelayedFetch f : waiters) if (!f.isFollower()) f.onNewData(b, s);
    }

    /** Wakes every waiting fetch (the partition went away or changed leadership). */
    void wakeAll() {
        for (DelayedFetch f : waiters) f.onNewData(Integer.MAX_VALUE, Integer.MAX_VALUE);
    }
}
