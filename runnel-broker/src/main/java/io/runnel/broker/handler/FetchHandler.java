package io.runnel.broker.handler;

import io.runnel.broker.partition.Partition;
import io.runnel.broker.partition.PartitionManager;
import io.runnel.common.ApiException;
import io.runnel.common.Errors;
import io.runnel.common.TopicPartition;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.FetchRequest;
import io.runnel.protocol.message.FetchResponse;
import io.runnel.record.MemoryRecords;
import io.runnel.storage.AbortedTxn;
import io.runnel.storage.LogReadResult;
import io.runnel.storage.PartitionLog;

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
    private final PartitionManager partitions;

    public FetchHandler(PartitionManager partitions) {
        this.partitions = partitions;
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
        List<Wanted> wanted = resolve(req, version >= 13);
        long[] endsAtRead = new long[wanted.size()];
        FetchResponse first = read(req, wanted, endsAtRead);
        long bytes = totalBytes(first);
        boolean anyError = wanted.stream().anyMatch(w -> w.error != Errors.NONE) || hasPartitionErrors(first);
        if (req.maxWaitMs <= 0 || bytes >= req.minBytes || anyError || wanted.isEmpty()) {
            return CompletableFuture.completedFuture(first);
        }
        CompletableFuture<FetchResponse> future = new CompletableFuture<>();
        List<Partition> watched = new ArrayList<>();
        for (Wanted w : wanted) if (w.partition != null) watched.add(w.partition);
        boolean readCommitted = req.isolationLevel == 1;
        partitions.delayFetch(watched, req.minBytes - bytes, req.maxWaitMs, readCommitted, () -> {
            for (int i = 0; i < wanted.size(); i++) {
                Partition p = wanted.get(i).partition;
                if (p != null && readableEnd(p.log(), readCommitted) != endsAtRead[i]) return true;
            }
            return false;
        }, () -> {
            try {
                future.complete(read(req, wanted, new long[wanted.size()]));
            } catch (RuntimeException e) {
                future.completeExceptionally(e);
            }
        });
        return future;
    }

    private List<Wanted> resolve(FetchRequest req, boolean byId) {
        List<Wanted> out = new ArrayList<>();
        for (FetchRequest.FetchTopic t : req.topics) {
            String name = byId ? partitions.topicName(t.topicId) : t.topic;
            for (FetchRequest.FetchPartition fp : t.partitions) {
                if (name == null) {
                    out.add(new Wanted(t, fp, null, byId ? Errors.UNKNOWN_TOPIC_ID : Errors.UNKNOWN_TOPIC_OR_PARTITION));
                    continue;
                }
                Partition p = partitions.get(new TopicPartition(name, fp.partition));
                if (p == null) {
                    out.add(new Wanted(t, fp, null, Errors.UNKNOWN_TOPIC_OR_PARTITION));
                } else if (!partitions.isLeader(p)) {
                    out.add(new Wanted(t, fp, p, Errors.NOT_LEADER_OR_FOLLOWER));
                } else {
                    out.add(new Wanted(t, fp, p, Errors.NONE));
                }
            }
        }
        return out;
    }

    private FetchResponse read(FetchRequest req, List<Wanted> wanted, long[] endsAtRead) {
        FetchResponse resp = new FetchResponse();
        resp.sessionId = 0;
        long budget = req.maxBytes <= 0 ? Integer.MAX_VALUE : req.maxBytes;
        boolean readCommitted = req.isolationLevel == 1;
        FetchResponse.TopicResponse current = null;
        FetchRequest.FetchTopic currentTopic = null;
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
                if (w.partition != null) {
                    pd.currentLeader.leaderId = w.partition.state().leaderId();
                    pd.currentLeader.leaderEpoch = w.partition.state().leaderEpoch();
                }
                continue;
            }
            PartitionLog plog = w.partition.log();
            int epoch = w.partition.leaderEpoch();
            long hw = plog.highWatermark();
            long lso = plog.lastStableOffset();
            long end = readCommitted ? lso : hw;
            endsAtRead[i] = end;
            pd.highWatermark = hw;
            pd.lastStableOffset = lso;
            pd.logStartOffset = plog.logStartOffset();
            if (w.req.currentLeaderEpoch >= 0 && w.req.currentLeaderEpoch != epoch) {
                pd.errorCode = (w.req.currentLeaderEpoch < epoch ? Errors.FENCED_LEADER_EPOCH : Errors.UNKNOWN_LEADER_EPOCH).code();
                pd.currentLeader.leaderId = w.partition.state().leaderId();
                pd.currentLeader.leaderEpoch = epoch;
                continue;
            }
            int limit = (int) Math.min(w.req.partitionMaxBytes, budget);
            boolean minOne = budget == (req.maxBytes <= 0 ? Integer.MAX_VALUE : req.maxBytes);
            if (limit <= 0 && !minOne) continue;
            try {
                LogReadResult r = plog.read(w.req.fetchOffset, Math.max(limit, 0), end, minOne);
                pd.records = r.records();
                budget -= r.records().sizeInBytes();
                if (readCommitted && r.records().sizeInBytes() > 0) {
                    for (AbortedTxn t : plog.abortedTransactions(w.req.fetchOffset, end)) {
                        FetchResponse.AbortedTransaction at = new FetchResponse.AbortedTransaction();
                        at.producerId = t.producerId();
                        at.firstOffset = t.firstOffset();
                        pd.abortedTransactions.add(at);
                    }
                }
            } catch (ApiException e) {
                pd.errorCode = e.error().code();
            }
        }
        return resp;
    }

    /** Where a consumer of this isolation may read up to: the last stable offset or the high watermark. */
    private static long readableEnd(PartitionLog log, boolean readCommitted) {
        return readCommitted ? log.lastStableOffset() : log.highWatermark();
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
                if (p.errorCode != 0) return true;
            }
        }
        return false;
    }
}
