package io.runnel.broker.handler;

import io.runnel.broker.network.RequestContext;
import io.runnel.broker.partition.Partition;
import io.runnel.broker.partition.PartitionManager;
import io.runnel.common.ApiException;
import io.runnel.common.Errors;
import io.runnel.common.TopicPartition;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.ProduceRequest;
import io.runnel.protocol.message.ProduceResponse;
import io.runnel.record.MemoryRecords;
import io.runnel.storage.AppendResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.CompletableFuture;

/**
 * Produce: appends each partition's record batches to its leader log (validation, offsets and
 * idempotent-producer checks happen in storage) and answers with the base offset or the partition's
 * error. acks=0 gets no response. Runs on the network thread: an append is a write into the page cache.
 */
public final class ProduceHandler implements ApiHandler<ProduceRequest, ProduceResponse> {
    private static final Logger log = LoggerFactory.getLogger(ProduceHandler.class);

    private final PartitionManager partitions;
    private final MinIsrLookup minIsr;

    /** min.insync.replicas for a topic. */
    public interface MinIsrLookup {
        int minInsyncReplicas(String topic);
    }

    public ProduceHandler(PartitionManager partitions, MinIsrLookup minIsr) {
        this.partitions = partitions;
        this.minIsr = minIsr;
    }

    @Override
    public ApiKeys api() {
        return ApiKeys.PRODUCE;
    }

    @Override
    public CompletableFuture<ProduceResponse> handle(RequestContext ctx, ProduceRequest req) {
        short version = ctx.apiVersion();
        boolean byId = version >= 13;
        boolean validAcks = req.acks == -1 || req.acks == 0 || req.acks == 1;
        ProduceResponse resp = new ProduceResponse();
        for (ProduceRequest.TopicData td : req.topicData) {
            ProduceResponse.TopicResponse tr = new ProduceResponse.TopicResponse();
            tr.name = td.name;
            tr.topicId = td.topicId;
            String topic = byId ? partitions.topicName(td.topicId) : td.name;
            for (ProduceRequest.PartitionData pd : td.partitionData) {
                ProduceResponse.PartitionResponse pr = new ProduceResponse.PartitionResponse();
                pr.index = pd.index;
                pr.baseOffset = -1;
                if (!validAcks) {
                    pr.errorCode = Errors.INVALID_REQUIRED_ACKS.code();
                } else if (topic == null) {
                    pr.errorCode = (byId ? Errors.UNKNOWN_TOPIC_ID : Errors.UNKNOWN_TOPIC_OR_PARTITION).code();
                } else {
                    appendOne(topic, pd, req.acks, pr);
                }
                tr.partitionResponses.add(pr);
            }
            resp.responses.add(tr);
        }
        return CompletableFuture.completedFuture(req.acks == 0 ? null : resp);
    }

    private void appendOne(String topic, ProduceRequest.PartitionData pd, short acks, ProduceResponse.PartitionResponse pr) {
        Partition p = partitions.get(new TopicPartition(topic, pd.index));
        if (p == null) {
            pr.errorCode = Errors.UNKNOWN_TOPIC_OR_PARTITION.code();
            return;
        }
        if (!partitions.isLeader(p)) {
            pr.errorCode = Errors.NOT_LEADER_OR_FOLLOWER.code();
            pr.currentLeader.leaderId = p.state().leaderId();
            pr.currentLeader.leaderEpoch = p.state().leaderEpoch();
            return;
        }
        if (pd.records == null || !(pd.records instanceof MemoryRecords records)) {
            pr.errorCode = Errors.INVALID_RECORD.code();
            pr.errorMessage = "the partition's records are missing";
            return;
        }
        if (acks == -1 && p.state().isr().size() < minIsr.minInsyncReplicas(topic)) {
            pr.errorCode = Errors.NOT_ENOUGH_REPLICAS.code();
            pr.errorMessage = "the in-sync replica set " + p.state().isr() + " is smaller than min.insync.replicas";
            return;
        }
        try {
            AppendResult r = partitions.appendAsLeader(p, records);
            pr.baseOffset = r.firstOffset();
            pr.logAppendTimeMs = r.logAppendTime();
            pr.logStartOffset = r.logStartOffset();
        } catch (ApiException e) {
            pr.errorCode = e.error().code();
            pr.errorMessage = e.getMessage();
        } catch (RuntimeException e) {
            log.error("Append to {} failed", p.topicPartition(), e);
            pr.errorCode = Errors.UNKNOWN_SERVER_ERROR.code();
            pr.errorMessage = String.valueOf(e.getMessage());
        }
    }
}
