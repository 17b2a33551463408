package io.runnel.broker.partition;

import io.runnel.broker.interbroker.InterBrokerChannel;
import io.runnel.common.ApiException;
import io.runnel.common.Errors;
import io.runnel.common.TopicPartition;
import io.runnel.common.Uuid;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.FetchRequest;
import io.runnel.protocol.message.FetchResponse;
import io.runnel.record.MemoryRecords;
import io.runnel.storage.EpochEndOffset;
import io.runnel.storage.PartitionLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntFunction;

/**
 * One follower fetcher thread ("replica-fetcher-&lt;leader&gt;-&lt;n&gt;"): fetches its partitions from one leader with
 * Fetch as replica {@code nodeId} (v17: replica state, topic ids, {@code LastFetchedEpoch}), appends what comes back
 * with offsets and epochs kept, follows the leader's high watermark and log start offset, and truncates where the
 * leader says the logs diverge. A partition whose fetch failed waits {@code replica.fetch.backoff.ms} before it is
 * fetched again; a failed connection makes the whole thread wait as long.
 */
final class ReplicaFetcher extends Thread {
    private static final Logger log = LoggerFactory.getLogger(ReplicaFetcher.class);
    static final short FETCH_VERSION = 17;

    private final int nodeId;
    private final int leaderId;
    private final ReplicationConfig config;
    private final IntFunction<InetSocketAddress> endpoints;
    private final ReplicaManager replicas;
    private final java.util.function.LongSupplier brokerEpoch;
    private final Map<TopicPartition, State> partitions = new ConcurrentHashMap<>();
    private final Object changed = new Object();
    private volatile boolean running = true;
    private InterBrokerChannel channel;
    private long lastFailureLogMs;

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

    ReplicaFetcher(int nodeId, int leaderId, int index, ReplicationConfig config, IntFunction<InetSocketAddress> endpoints,
                   ReplicaManager replicas, java.util.function.LongSupplier brokerEpoch) {
        super("replica-fetcher-" + leaderId + "-" + index);
        setDaemon(true);
        this.nodeId = nodeId;
        this.leaderId = leaderId;
        this.config = config;
        this.endpoints = endpoints;
        this.replicas = replicas;
        this.brokerEpoch = brokerEpoch;
    }

    void add(Partition p, int leaderEpoch) {
        partitions.put(p.topicPartition(), new State(p, leaderEpoch));
        synchronized (changed) {
            changed.notifyAll();
        }
    }

    void remove(TopicPartition tp) {
        partitions.remove(tp);
    }

    /**
     * Asks the thread to stop after its current fetch (at most a fetch's wait plus its socket timeout); see
     * {@link #awaitShutdown}. The thread is not interrupted: an interrupt during a follower append closes the log
     * segment's FileChannel (ClosedByInterruptException), which fails the append and the log.
     */
    void shutdown() {
        running = false;
        synchronized (changed) {
            changed.notifyAll();
        }
    }

    /** Waits up to {@code timeoutMs} for the thread to end after {@link #shutdown}. */
    void awaitShutdown(long timeoutMs) {
        try {
            join(Math.max(1, timeoutMs));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void run() {
        try {
            while (running) {
                if (!fetchOnce()) {
                    synchronized (changed) {
                        changed.wait(50);
                    }
                }
            }
        } catch (InterruptedException e) {
            // shutting down
        } finally {
            InterBrokerChannel c = channel;
            if (c != null) c.close();
        }
    }

    /** One fetch round; false when there was nothing to fetch (the caller waits a little). */
    private boolean fetchOnce() throws InterruptedException {
        long now = System.currentTimeMillis();
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
        if (topics.isEmpty()) return false;
        req.topics = new ArrayList<>(topics.values());
        InetSocketAddress leader = endpoints.apply(leaderId);
        if (leader == null) {
            backoff("no endpoint is known for leader " + leaderId);
            return true;
        }
        if (channel == null) {
            channel = new InterBrokerChannel("replica-fetcher-" + nodeId, leader.getHostString(), leader.getPort(),
                    config.socketTimeoutMs());
        } else {
            channel.retarget(leader.getHostString(), leader.getPort());
        }
        FetchResponse resp;
        try {
            resp = channel.send(ApiKeys.FETCH, FETCH_VERSION, req, config.socketTimeoutMs() + config.fetchWaitMaxMs());
        } catch (IOException e) {
            if (!running) return true;
            backoff("fetch from broker " + leaderId + " at " + channel.address() + " failed: " + e.getMessage());
            return true;
        }
        if (resp.errorCode != 0) {
            backoff("fetch from broker " + leaderId + " failed: " + Errors.forCode(resp.errorCode));
            return true;
        }
        for (FetchResponse.TopicResponse tr : resp.responses) {
            Map<Integer, State> parts = byTopic.get(tr.topicId);
            if (parts == null) continue;
            for (FetchResponse.PartitionData pd : tr.partitions) {
                State s = parts.get(pd.partitionIndex);
                if (s == null || partitions.get(s.partition.topicPartition()) != s) continue; // removed or re-added meanwhile
                handle(s, pd);
            }
        }
        return true;
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
                        s.retryAtMs = System.currentTimeMillis() + config.fetchBackoffMs();
                    }
                }
                default -> {
                    // NOT_LEADER_OR_FOLLOWER, FENCED/UNKNOWN_LEADER_EPOCH, UNKNOWN_TOPIC_*: the metadata will move us on
                    log.debug("{}: fetch from broker {} answered {}", p.topicPartition(), leaderId, error);
                    s.retryAtMs = System.currentTimeMillis() + config.fetchBackoffMs();
                }
            }
        } catch (RuntimeException e) {
            log.warn("{}: cannot apply the fetch from broker {}: {}", p.topicPartition(), leaderId, e.toString());
            s.retryAtMs = System.currentTimeMillis() + config.fetchBackoffMs();
        }
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
        // also at the log end: an epoch this replica began as leader without records is dropped (else the next
        // fetch's LastFetchedEpoch diverges at the same offset, forever)
        plog.truncateTo(target);
    }

    private boolean isThrottled(Partition p) {
        return p.followerThrottled() && !p.state().isr().contains(nodeId);
    }

    private void backoff(String why) throws InterruptedException {
        long now = System.currentTimeMillis();
        if (now - lastFailureLogMs > 10_000) {
            log.info("Replica fetcher {}: {}", getName(), why);
            lastFailureLogMs = now;
        } else {
            log.debug("Replica fetcher {}: {}", getName(), why);
        }
        synchronized (changed) {
            if (running) changed.wait(Math.max(1, config.fetchBackoffMs())); // woken by shutdown
        }
    }

    List<TopicPartition> partitions() {
        return new ArrayList<>(partitions.keySet());
    }
}
