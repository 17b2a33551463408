package io.runnel.broker.partition;

import io.runnel.common.ApiException;
import io.runnel.common.Errors;
import io.runnel.common.Time;
import io.runnel.common.TopicPartition;
import io.runnel.common.Uuid;
import io.runnel.protocol.message.FetchRequest;
import io.runnel.protocol.message.FetchResponse;
import io.runnel.record.MemoryRecords;
import io.runnel.storage.EpochEndOffset;
import io.runnel.storage.PartitionLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The follower's fetch logic for the partitions it follows from one leader, without a transport: builds the Fetch
 * request (as replica {@code nodeId}: log end offset as fetch offset, latest epoch as {@code LastFetchedEpoch}, the
 * followed leader epoch as {@code CurrentLeaderEpoch}) and applies the leader's answer: appends with offsets and
 * epochs kept, follows the high watermark and log start offset, truncates on {@code DivergingEpoch}, starts over
 * on OFFSET_OUT_OF_RANGE past its end, and holds a partition back {@code replica.fetch.backoff.ms} after an error.
 * {@link ReplicaFetcher} sends what this builds over a socket; the replication simulation test over its network.
 *
 * <p>Threads: {@link #add} and {@link #remove} from the metadata thread; {@link #prepare} and {@link #apply} from
 * one fetching thread at a time.
 */
final class FollowerFetch {
    private static final Logger log = LoggerFactory.getLogger(FollowerFetch.class);
    /** The retry after NOT_LEADER_OR_FOLLOWER or UNKNOWN_LEADER_EPOCH: the leader is catching up with the metadata. */
    static final long LEADER_CATCH_UP_RETRY_MS = 50;

    private final int nodeId;
    private final int leaderId;
    private final ReplicationConfig config;
    private final ReplicaManager replicas;
    private final LongSupplier brokerEpoch;
    private final Time time;
    private final Map<TopicPartition, State> partitions = new ConcurrentHashMap<>();

    /** A followed partition: the leader epoch it is followed at, and when it may be fetched again after an error. */
    private static final class State {
        final Partition partition;
        final int leaderEpoch;
        volatile long retryAtMs;

        State(Partition partition, int leaderEpoch) {
            this.partition = partition;
            this.leaderEpoch = leaderEpoch;
        }
    }

    /** A built request and which followed partition each of its entries is, to match the answer with. */
    record Prepared(FetchRequest request, Map<Uuid, Map<Integer, State>> byTopic) {
    }

    FollowerFetch(int nodeId, int leaderId, ReplicationConfig config, ReplicaManager replicas, LongSupplier brokerEpoch, Time time) {
        this.nodeId = nodeId;
        this.leaderId = leaderId;
        this.config = config;
        this.replicas = replicas;
        this.brokerEpoch = brokerEpoch;
        this.time = time;
    }

    int leaderId() {
        return leaderId;
    }

    void add(Partition p, int leaderEpoch) {
        partitions.put(p.topicPartition(), new State(p, leaderEpoch));
    }

    void remove(TopicPartition tp) {
        partitions.remove(tp);
    }

    List<TopicPartition> partitions() {
        return new ArrayList<>(partitions.keySet());
    }

    /** The Fetch request for every followed partition not backing off; null when there is none to fetch. */
    Prepared prepare() {
        long now = time.milliseconds();
        Map<Uuid, Map<Integer, State>> byTopic = new LinkedHashMap<>();
        FetchRequest req = new FetchRequest();
        req.replicaState.replicaId = nodeId;
        req.replicaState.replicaEpoch = brokerEpoch.getAsLong();
        req.maxWaitMs = config.fetchWaitMaxMs();
        req.minBytes = config.fetchMinBytes();
        req.maxBytes = config.fetchResponseMaxBytes();
        req.isolationLevel = 0;
        req.sessionId = 0;
        req.sessionEpoch = -1;
        Map<Uuid, FetchRequest.FetchTopic> topics = new LinkedHashMap<>();
        boolean followerQuotaSpent = replicas.followerQuota.isExceeded();
        for (State s : partitions.values()) {
            if (s.retryAtMs > now) continue;
            Partition p = s.partition;
            // throttled replicas outside the ISR wait while the follower's throttle is spent (Kafka's rule)
            if (followerQuotaSpent && isThrottled(p)) continue;
            PartitionLog plog;
            try {
                plog = p.log();
            } catch (ApiException e) {
                s.retryAtMs = now + config.fetchBackoffMs();
                continue;
            }
            FetchRequest.FetchTopic t = topics.computeIfAbsent(p.topicId(), id -> {
                FetchRequest.FetchTopic ft = new FetchRequest.FetchTopic();
                ft.topicId = id;
                return ft;
            });
            FetchRequest.FetchPartition fp = new FetchRequest.FetchPartition();
            fp.partition = p.topicPartition().partition();
            fp.currentLeaderEpoch = s.leaderEpoch;
            fp.fetchOffset = plog.logEndOffset();
            fp.lastFetchedEpoch = plog.latestEpoch().orElse(-1);
            fp.logStartOffset = plog.logStartOffset();
            fp.partitionMaxBytes = config.fetchMaxBytes();
            t.partitions.add(fp);
            byTopic.computeIfAbsent(p.topicId(), id -> new LinkedHashMap<>()).put(fp.partition, s);
        }
        if (topics.isEmpty()) return null;
        req.topics = new ArrayList<>(topics.values());
        return new Prepared(req, byTopic);
    }

    /**
     * Applies the leader's answer to {@code prepared}, partition by partition. A partition removed or re-added since
     * the request was built is skipped.
     *
     * @return the answer's top-level error; when not NONE nothing was applied (the caller backs off)
     */
    Errors apply(Prepared prepared, FetchResponse resp) {
        if (resp.errorCode != 0) return Errors.forCode(resp.errorCode);
        for (FetchResponse.TopicResponse tr : resp.responses) {
            Map<Integer, State> parts = prepared.byTopic().get(tr.topicId);
            if (parts == null) continue;
            for (FetchResponse.PartitionData pd : tr.partitions) {
                State s = parts.get(pd.partitionIndex);
                if (s == null || partitions.get(s.partition.topicPartition()) != s) continue; // removed or re-added meanwhile
                handle(s, pd);
            }
        }
        return Errors.NONE;
    }

    private void handle(State s, FetchResponse.PartitionData pd) {
        Partition p = s.partition;
        Errors error = Errors.forCode(pd.errorCode);
        try {
            switch (error) {
                case NONE -> {
                    if (pd.divergingEpoch.epoch >= 0 || pd.divergingEpoch.endOffset >= 0) {
                        truncateOnDivergence(p, pd.divergingEpoch.epoch, pd.divergingEpoch.endOffset);
                        return;
                    }
                    MemoryRecords records = pd.records instanceof MemoryRecords m ? m : MemoryRecords.EMPTY;
                    if (isThrottled(p)) replicas.followerQuota.record(records.sizeInBytes());
                    replicas.appendAsFollower(p, records, pd.highWatermark, pd.logStartOffset);
                }
                case OFFSET_OUT_OF_RANGE -> {
                    PartitionLog plog = p.log();
                    if (pd.logStartOffset > plog.logEndOffset()) {
                        log.info("{}: the leader's log starts at {}, after this replica's end {}; starting over there",
                                p.topicPartition(), pd.logStartOffset, plog.logEndOffset());
                        plog.truncateFullyAndStartAt(pd.logStartOffset);
                    } else {
                        s.retryAtMs = time.milliseconds() + config.fetchBackoffMs();
                    }
                }
                case NOT_LEADER_OR_FOLLOWER, UNKNOWN_LEADER_EPOCH -> {
                    // after a leader change the follower often learns of it before the new leader has applied it:
                    // the leader is behind, not us, and catches up within milliseconds; waiting the full backoff
                    // here would hold the high watermark (and acks=all writes) back for a second after a failover.
                    // If we are the ones behind, the metadata re-adds the partition and it is fetched at once anyway.
                    log.debug("{}: fetch from broker {} answered {}; retrying soon", p.topicPartition(), leaderId, error);
                    s.retryAtMs = time.milliseconds() + Math.min(config.fetchBackoffMs(), LEADER_CATCH_UP_RETRY_MS);
                }
                default -> {
                    // FENCED_LEADER_EPOCH, UNKNOWN_TOPIC_*: the metadata will move us on
                    log.debug("{}: fetch from broker {} answered {}", p.topicPartition(), leaderId, error);
                    s.retryAtMs = time.milliseconds() + config.fetchBackoffMs();
                }
            }
        } catch (RuntimeException e) {
            log.warn("{}: cannot apply the fetch from broker {}: {}", p.topicPartition(), leaderId, e.toString());
            s.retryAtMs = time.milliseconds() + config.fetchBackoffMs();
        }
    }

    private boolean isThrottled(Partition p) {
        return p.followerThrottled() && !p.state().isr().contains(nodeId);
    }

    /**
     * The leader's log ends epoch {@code epoch} at {@code endOffset}; this replica keeps what both logs agree on:
     * up to the smaller of that and where its own log ends the same epoch (or the largest epoch below it).
     */
    private void truncateOnDivergence(Partition p, int epoch, long endOffset) {
        PartitionLog plog = p.log();
        long target = endOffset;
        if (epoch >= 0) {
            EpochEndOffset local = plog.endOffsetForEpoch(epoch);
            if (local.endOffset() >= 0) target = Math.min(target, local.endOffset());
        }
        target = Math.max(target, 0);
        if (target < plog.logEndOffset()) {
            log.info("{}: truncating from {} to {}: the leader's epoch {} ends at {}", p.topicPartition(), plog.logEndOffset(),
                    target, epoch, endOffset);
        }
        // also at the log end: an epoch this replica led without appending is dropped, else it is sent again as the
        // last fetched epoch and the leader answers the same divergence for ever
        plog.truncateTo(target);
    }
}
