package io.runnel.broker.handler;

import io.runnel.broker.BrokerContext;
import io.runnel.config.BrokerConfigs;
import io.runnel.broker.partition.Partition;
import io.runnel.broker.partition.PartitionRead;
import io.runnel.broker.partition.ReplicaManager;
import io.runnel.common.Errors;
import io.runnel.common.TopicPartition;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.FetchRequest;
import io.runnel.protocol.message.FetchResponse;
import io.runnel.record.MemoryRecords;
import io.runnel.storage.AbortedTxn;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Fetch for consumers: reads whole batches from each partition's log up to its high watermark
 * (read_uncommitted) or last stable offset (read_committed) as file regions (sent zero-copy), within the request's per-partition and total byte limits (the first
 * non-empty partition may exceed them by one batch, as in Kafka). When less than fetch.min.bytes is
 * available the fetch waits up to fetch.max.wait.ms for appends (read_committed: for records to become stable).
 * A read_committed answer lists the aborted transactions overlapping the returned records (from the
 * segments' transaction indexes); a read_uncommitted one has a null list, as Kafka's.
 *
 * <p>Fetch sessions (KIP-227) are declined cleanly: every response carries session id 0, so clients
 * keep sending full fetch requests.
 */
public final class FetchHandler implements ApiHandler<FetchRequest, FetchResponse> {
    private final ReplicaManager partitions;
    private final BrokerContext broker;

    public FetchHandler(ReplicaManager partitions, BrokerContext broker) {
        this.partitions = partitions;
        this.broker = broker;
    }

    @Override
    public ApiKeys api() {
        return ApiKeys.FETCH;
    }

    /** One requested partition, resolved once. */
    private record Wanted(FetchRequest.FetchTopic topic, FetchRequest.FetchPartition req, Partition partition, Errors error) {
    }

    @Override
    public CompletableFuture<FetchResponse> handle(RequestContext ctx, FetchRequest req) {
        short version = ctx.apiVersion();
        if (req.sessionId != 0) {
            FetchResponse resp = new FetchResponse();
            resp.errorCode = Errors.FETCH_SESSION_ID_NOT_FOUND.code();
            return CompletableFuture.completedFuture(resp);
        }
        int replicaId = version >= 15 ? req.replicaState.replicaId : req.replicaId;
        boolean follower = replicaId >= 0;
        boolean readCommitted = !follower && req.isolationLevel == 1;
        // Kafka: a follower needs CLUSTER_ACTION on the cluster, a consumer READ on each topic
        boolean clusterActionDenied = follower && !ctx.authorizeCluster(io.runnel.metadata.AclBinding.OP_CLUSTER_ACTION);
        List<Wanted> wanted = resolve(ctx, req, version >= 13, follower, clusterActionDenied);
        long[] endsAtRead = new long[wanted.size()];
        FetchResponse first = read(ctx, req, replicaId, readCommitted, wanted, endsAtRead);
        long bytes = totalBytes(first);
        boolean anyError = wanted.stream().anyMatch(w -> w.error != Errors.NONE) || hasPartitionErrors(first);
        if (req.maxWaitMs <= 0 || bytes >= req.minBytes || anyError || wanted.isEmpty()) {
            return CompletableFuture.completedFuture(first);
        }
        CompletableFuture<FetchResponse> future = new CompletableFuture<>();
        List<Partition> watched = new ArrayList<>();
        for (Wanted w : wanted) if (w.partition != null) watched.add(w.partition);
        partitions.delayFetch(watched, req.minBytes - bytes, req.maxWaitMs, readCommitted, follower, () -> {
            for (int i = 0; i < wanted.size(); i++) {
                Partition p = wanted.get(i).partition;
                if (p != null && partitions.readableEnd(p, follower, readCommitted) != endsAtRead[i]) return true;
            }
            return false;
        }, () -> {
            try {
                future.complete(read(ctx, req, replicaId, readCommitted, wanted, new long[wanted.size()]));
            } catch (RuntimeException e) {
                future.completeExceptionally(e);
            }
        });
        return future;
    }

    private List<Wanted> resolve(RequestContext ctx, FetchRequest req, boolean byId, boolean follower, boolean clusterActionDenied) {
        List<Wanted> out = new ArrayList<>();
        for (FetchRequest.FetchTopic t : req.topics) {
            String name = byId ? partitions.topicName(t.topicId) : t.topic;
            for (FetchRequest.FetchPartition fp : t.partitions) {
                if (name == null) {
                    out.add(new Wanted(t, fp, null, byId ? Errors.UNKNOWN_TOPIC_ID : Errors.UNKNOWN_TOPIC_OR_PARTITION));
                    continue;
                }
                if (clusterActionDenied || (!follower && !ctx.authorize(io.runnel.metadata.AclBinding.OP_READ,
                        io.runnel.metadata.AclBinding.RESOURCE_TOPIC, name))) {
                    out.add(new Wanted(t, fp, null, Errors.TOPIC_AUTHORIZATION_FAILED));
                    continue;
                }
                Partition p = partitions.get(new TopicPartition(name, fp.partition));
                out.add(new Wanted(t, fp, p, p == null ? Errors.UNKNOWN_TOPIC_OR_PARTITION : Errors.NONE));
            }
        }
        return out;
    }

    private FetchResponse read(RequestContext ctx, FetchRequest req, int replicaId, boolean readCommitted, List<Wanted> wanted,
                               long[] endsAtRead) {
        FetchResponse resp = new FetchResponse();
        resp.sessionId = 0;
        long budget = req.maxBytes <= 0 ? Integer.MAX_VALUE : req.maxBytes;
        long fullBudget = budget;
        FetchResponse.TopicResponse current = null;
        FetchRequest.FetchTopic currentTopic = null;
        java.util.Set<Integer> leaders = null;
        for (int i = 0; i < wanted.size(); i++) {
            Wanted w = wanted.get(i);
            if (current == null || currentTopic != w.topic) {
                current = new FetchResponse.TopicResponse();
                current.topic = w.topic.topic;
                current.topicId = w.topic.topicId;
                currentTopic = w.topic;
                resp.responses.add(current);
            }
            FetchResponse.PartitionData pd = new FetchResponse.PartitionData();
            pd.partitionIndex = w.req.partition;
            pd.records = MemoryRecords.EMPTY;
            pd.abortedTransactions = readCommitted ? new ArrayList<>() : null;
            current.partitions.add(pd);
            if (w.error != Errors.NONE) {
                pd.errorCode = w.error.code();
                pd.highWatermark = -1;
                pd.logStartOffset = -1;
                continue;
            }
            int limit = (int) Math.min(w.req.partitionMaxBytes, budget);
            boolean minOne = budget == fullBudget;
            if (limit <= 0 && !minOne) limit = 0;
            int preferred = replicaId < 0 && ctx.apiVersion() >= 11 ? preferredReadReplica(w.partition, req.rackId) : -1;
            if (preferred >= 0) {
                // KIP-392: point the consumer at a replica in its rack; it fetches from there from now on
                pd.preferredReadReplica = preferred;
                pd.highWatermark = w.partition.log().highWatermark();
                pd.lastStableOffset = w.partition.log().lastStableOffset();
                pd.logStartOffset = w.partition.log().logStartOffset();
                endsAtRead[i] = -1;
                continue;
            }
            PartitionRead r = partitions.read(w.partition, replicaId, w.req.fetchOffset, w.req.currentLeaderEpoch,
                    w.req.lastFetchedEpoch, Math.max(limit, 0), minOne && limit >= 0, readCommitted, ctx.apiVersion() >= 11);
            endsAtRead[i] = r.readableEnd();
            pd.errorCode = r.error().code();
            pd.highWatermark = r.highWatermark();
            pd.lastStableOffset = r.lastStableOffset();
            pd.logStartOffset = r.logStartOffset();
            if (r.error() != Errors.NONE && r.error() != Errors.OFFSET_OUT_OF_RANGE) {
                pd.currentLeader.leaderId = r.leaderId();
                pd.currentLeader.leaderEpoch = r.leaderEpoch();
                if (r.error() == Errors.NOT_LEADER_OR_FOLLOWER && r.leaderId() >= 0) {
                    if (leaders == null) leaders = new java.util.TreeSet<>();
                    leaders.add(r.leaderId());
                }
            }
            if (r.divergingEpoch() >= 0 || r.divergingEndOffset() >= 0) {
                pd.divergingEpoch.epoch = r.divergingEpoch();
                pd.divergingEpoch.endOffset = r.divergingEndOffset();
            }
            pd.records = r.records();
            budget -= r.records().sizeInBytes();
            if (readCommitted && r.aborted() != null) {
                for (AbortedTxn t : r.aborted()) {
                    FetchResponse.AbortedTransaction at = new FetchResponse.AbortedTransaction();
                    at.producerId = t.producerId();
                    at.firstOffset = t.firstOffset();
                    pd.abortedTransactions.add(at);
                }
            }
        }
        if (leaders != null && ctx.apiVersion() >= 16) {
            LeaderEndpoints.add(broker, ctx.listenerName(), leaders, (id, host, port, rack) -> {
                FetchResponse.NodeEndpoint e = new FetchResponse.NodeEndpoint();
                e.nodeId = id;
                e.host = host;
                e.port = port;
                e.rack = rack;
                resp.nodeEndpoints.add(e);
            });
        }
        return resp;
    }

    /**
     * With replica.selector.class set to the rack-aware selector, the leader answers a consumer in rack R with a
     * replica in R: the leader itself if it is there (-1, read here), else an in-sync follower there; -1 when no
     * replica is in R or the client names no rack.
     */
    private int preferredReadReplica(Partition p, String clientRack) {
        if (clientRack == null || clientRack.isEmpty() || !partitions.isLeader(p)) return -1;
        if (!BrokerConfigs.RACK_AWARE_REPLICA_SELECTOR.equals(broker.config().values().getString(BrokerConfigs.REPLICA_SELECTOR_CLASS))) {
            return -1;
        }
        var image = broker.image();
        var self = image.broker(broker.nodeId());
        if (self != null && clientRack.equals(self.rack())) return -1;
        for (int r : p.state().isr()) {
            var b = image.broker(r);
            if (r != broker.nodeId() && b != null && !b.fenced() && clientRack.equals(b.rack())) return r;
        }
        return -1;
    }

    private static long totalBytes(FetchResponse resp) {
        long n = 0;
        for (FetchResponse.TopicResponse t : resp.responses) {
            for (FetchResponse.PartitionData p : t.partitions) {
                if (p.records != null) n += p.records.sizeInBytes();
            }
        }
        return n;
    }

    private static boolean hasPartitionErrors(FetchResponse resp) {
        for (FetchResponse.TopicResponse t : resp.responses) {
            for (FetchResponse.PartitionData p : t.partitions) {
                if (p.errorCode != 0 || p.preferredReadReplica >= 0) return true; // answered at once
            }
        }
        return false;
    }
}
