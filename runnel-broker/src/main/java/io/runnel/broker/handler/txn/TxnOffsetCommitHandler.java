package io.runnel.broker.handler.txn;

import io.runnel.broker.handler.ApiHandler;
import io.runnel.broker.handler.RequestContext;
import io.runnel.broker.handler.group.GroupHandlerSupport;
import io.runnel.broker.handler.group.OffsetCommitTargets;
import io.runnel.broker.txn.TxnPartitionChecker;
import io.runnel.common.Errors;
import io.runnel.group.GroupCoordinator;
import io.runnel.group.api.OffsetApi.CommitPartition;
import io.runnel.group.api.OffsetApi.CommitResult;
import io.runnel.group.api.OffsetApi.TxnCommitParams;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.TxnOffsetCommitRequest;
import io.runnel.protocol.message.TxnOffsetCommitResponse;
import io.runnel.txn.TxnErrors;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * TxnOffsetCommit: offsets committed with the producer's transaction, pending in the group coordinator until the
 * transaction's marker reaches the group's partition of {@code __consumer_offsets} (applied on commit, dropped on
 * abort). v3+ carries the consumer's generation, member id and instance id (KIP-447): stale ones are fenced with
 * ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID or FENCED_INSTANCE_ID. v5 is transaction version 2: the group's partition is
 * added to the transaction by its coordinator (on this or another broker), on the client's behalf (it sent no AddOffsetsToTxn). Partitions that do not exist
 * get UNKNOWN_TOPIC_OR_PARTITION and are not stored, as for OffsetCommit. v6 (KIP-1319) names topics by id (unknown
 * ids: UNKNOWN_TOPIC_ID) and answers GROUP_ID_NOT_FOUND / STALE_MEMBER_EPOCH where older versions say
 * ILLEGAL_GENERATION.
 */
public final class TxnOffsetCommitHandler implements ApiHandler<TxnOffsetCommitRequest, TxnOffsetCommitResponse> {
    private final GroupCoordinator groups;
    private final TxnPartitionChecker txns;

    /** @param txns reaches the transaction's coordinator, here or on another broker (v5's implicit add) */
    public TxnOffsetCommitHandler(GroupCoordinator groups, TxnPartitionChecker txns) {
        this.groups = groups;
        this.txns = txns;
    }

    @Override
    public ApiKeys api() {
        return ApiKeys.TXN_OFFSET_COMMIT;
    }

    @Override
    public CompletableFuture<TxnOffsetCommitResponse> handle(RequestContext ctx, TxnOffsetCommitRequest req) {
        short version = ctx.apiVersion();
        // Kafka: WRITE on the transactional id, READ on the group (else every partition fails with that) and READ on each topic
        Errors denied = !ctx.authorize(io.runnel.metadata.AclBinding.OP_WRITE, io.runnel.metadata.AclBinding.RESOURCE_TRANSACTIONAL_ID, req.transactionalId)
                ? Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED
                : !ctx.authorize(io.runnel.metadata.AclBinding.OP_READ, io.runnel.metadata.AclBinding.RESOURCE_GROUP, req.groupId) ? Errors.GROUP_AUTHORIZATION_FAILED : null;
        OffsetCommitTargets targets = new OffsetCommitTargets(groups.topics(), version >= 6,
                topic -> ctx.authorize(io.runnel.metadata.AclBinding.OP_READ, io.runnel.metadata.AclBinding.RESOURCE_TOPIC, topic));
        for (TxnOffsetCommitRequest.Topic t : req.topics) {
            String name = targets.addTopic(t.name, t.topicId);
            if (name == null) continue;
            for (TxnOffsetCommitRequest.Partition p : t.partitions) {
                targets.addPartition(name, p.partitionIndex, p.committedOffset, version >= 2 ? p.committedLeaderEpoch : -1,
                        p.committedMetadata);
            }
        }
        List<CommitPartition> partitions = targets.partitions();
        TxnCommitParams params = new TxnCommitParams(req.transactionalId, req.groupId, req.producerId, req.producerEpoch,
                version >= 3 ? req.generationId : -1, version >= 3 ? GroupHandlerSupport.nullToEmpty(req.memberId) : "",
                version >= 3 ? req.groupInstanceId : null, partitions, version);
        CompletableFuture<Errors> added = denied != null ? CompletableFuture.completedFuture(denied) : version >= 5
                ? txns.addOffsets(req.transactionalId, req.producerId, req.producerEpoch, req.groupId)
                : CompletableFuture.completedFuture(Errors.NONE);
        CompletableFuture<CommitResult> result = added.thenCompose(e -> {
            if (e != Errors.NONE || partitions.isEmpty()) return CompletableFuture.completedFuture(targets.failed(e));
            return groups.txnCommitOffsets(params).exceptionally(t -> targets.failed(GroupHandlerSupport.errorOf(t)));
        });
        return result.thenApply(r -> {
            TxnOffsetCommitResponse resp = new TxnOffsetCommitResponse();
            for (int i = 0; i < req.topics.size(); i++) {
                TxnOffsetCommitRequest.Topic t = req.topics.get(i);
                TxnOffsetCommitResponse.Topic rt = new TxnOffsetCommitResponse.Topic();
                rt.name = t.name;
                rt.topicId = t.topicId;
                for (TxnOffsetCommitRequest.Partition p : t.partitions) {
                    TxnOffsetCommitResponse.Partition rp = new TxnOffsetCommitResponse.Partition();
                    rp.partitionIndex = p.partitionIndex;
                    Errors pe = denied != null ? denied : targets.errorOf(i, p.partitionIndex, r);
                    rp.errorCode = TxnErrors.forVersion(TxnErrors.TXN_OFFSET_COMMIT, version, pe).code();
                    rt.partitions.add(rp);
                }
                resp.topics.add(rt);
            }
            return resp;
        });
    }
}
