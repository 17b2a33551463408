package io.runnel.broker.handler.txn;

import io.runnel.broker.handler.ApiHandler;
import io.runnel.broker.handler.RequestContext;
import io.runnel.broker.txn.TransactionCoordinator;
import io.runnel.common.Errors;
import io.runnel.common.TopicPartition;
import io.runnel.group.TopicView;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.AddPartitionsToTxnRequest;
import io.runnel.protocol.message.AddPartitionsToTxnResponse;
import io.runnel.txn.TxnErrors;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * AddPartitionsToTxn. v0-3 (producers, transaction version below 2): adds the partitions to the producer's
 * transaction. v4+ (partition leaders, KIP-890): a batch of transactions, each either verify-only (is the partition
 * in the ongoing transaction? NONE or TRANSACTION_ABORTABLE per partition) or an add on behalf of a Produce v12.
 *
 * <p>As in Kafka, when a partition of a transaction does not exist it gets UNKNOWN_TOPIC_OR_PARTITION, the other
 * partitions OPERATION_NOT_ATTEMPTED, and nothing is added. Errors newer than the request version are downgraded
 * ({@link TxnErrors}).
 */
public final class AddPartitionsToTxnHandler implements ApiHandler<AddPartitionsToTxnRequest, AddPartitionsToTxnResponse> {
    private final TransactionCoordinator coordinator;
    private final TopicView topics;

    public AddPartitionsToTxnHandler(TransactionCoordinator coordinator, TopicView topics) {
        this.coordinator = coordinator;
        this.topics = topics;
    }

    @Override
    public ApiKeys api() {
        return ApiKeys.ADD_PARTITIONS_TO_TXN;
    }

    @Override
    public CompletableFuture<AddPartitionsToTxnResponse> handle(RequestContext ctx, AddPartitionsToTxnRequest req) {
        short version = ctx.apiVersion();
        AddPartitionsToTxnResponse resp = new AddPartitionsToTxnResponse();
        if (version >= 4 && !ctx.authorizeCluster(io.runnel.metadata.AclBinding.OP_CLUSTER_ACTION)) { // Kafka: brokers' verification requests
            resp.errorCode = Errors.CLUSTER_AUTHORIZATION_FAILED.code();
            return CompletableFuture.completedFuture(resp);
        }
        if (version <= 3) {
            return one(ctx, req.v3AndBelowTransactionalId, req.v3AndBelowProducerId, req.v3AndBelowProducerEpoch, false,
                    req.v3AndBelowTopics, (short) 1, version).thenApply(results -> {
                        resp.resultsByTopicV3AndBelow.addAll(results);
                        return resp;
                    });
        }
        List<CompletableFuture<AddPartitionsToTxnResponse.TransactionResult>> all = new ArrayList<>();
        for (AddPartitionsToTxnRequest.Transaction t : req.transactions) {
            all.add(one(ctx, t.transactionalId, t.producerId, t.producerEpoch, t.verifyOnly, t.topics, (short) 2, version).thenApply(results -> {
                AddPartitionsToTxnResponse.TransactionResult tr = new AddPartitionsToTxnResponse.TransactionResult();
                tr.transactionalId = t.transactionalId;
                tr.topicResults.addAll(results);
                return tr;
            }));
        }
        return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).thenApply(v -> {
            for (CompletableFuture<AddPartitionsToTxnResponse.TransactionResult> f : all) resp.resultsByTransaction.add(f.join());
            return resp;
        });
    }

    private CompletableFuture<List<AddPartitionsToTxnResponse.TopicResult>> one(RequestContext ctx, String id, long producerId, short epoch, boolean verifyOnly,
                                                                              List<AddPartitionsToTxnRequest.Topic> requested,
                                                                              short clientTransactionVersion, short version) {
        List<TopicPartition> tps = new ArrayList<>();
        boolean anyMissing = false;
        for (AddPartitionsToTxnRequest.Topic t : requested) {
            for (int p : t.partitions) {
                tps.add(new TopicPartition(t.name, p));
                if (!topics.partitionExists(t.name, p)) anyMissing = true;
            }
        }
        CompletableFuture<Map<TopicPartition, Errors>> result;
        // Kafka: WRITE on the transactional id (else every partition TRANSACTIONAL_ID_AUTHORIZATION_FAILED) and on each
        // topic (TOPIC_AUTHORIZATION_FAILED; the others OPERATION_NOT_ATTEMPTED)
        boolean txnDenied = !ctx.authorize(io.runnel.metadata.AclBinding.OP_WRITE, io.runnel.metadata.AclBinding.RESOURCE_TRANSACTIONAL_ID, id);
        java.util.Set<String> deniedTopics = new java.util.HashSet<>();
        for (AddPartitionsToTxnRequest.Topic t : requested) {
            if (!ctx.authorize(io.runnel.metadata.AclBinding.OP_WRITE, io.runnel.metadata.AclBinding.RESOURCE_TOPIC, t.name)) deniedTopics.add(t.name);
        }
        if (txnDenied || !deniedTopics.isEmpty()) {
            Map<TopicPartition, Errors> m = new LinkedHashMap<>();
            for (TopicPartition tp : tps) {
                m.put(tp, txnDenied ? Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED
                        : deniedTopics.contains(tp.topic()) ? Errors.TOPIC_AUTHORIZATION_FAILED : Errors.OPERATION_NOT_ATTEMPTED);
            }
            result = CompletableFuture.completedFuture(m);
        } else if (anyMissing) {
            Map<TopicPartition, Errors> m = new LinkedHashMap<>();
            for (TopicPartition tp : tps) {
                m.put(tp, topics.partitionExists(tp.topic(), tp.partition()) ? Errors.OPERATION_NOT_ATTEMPTED : Errors.UNKNOWN_TOPIC_OR_PARTITION);
            }
            result = CompletableFuture.completedFuture(m);
        } else if (verifyOnly) {
            result = coordinator.verifyPartitions(id, producerId, epoch, tps);
        } else {
            result = coordinator.addPartitions(id, producerId, epoch, tps, clientTransactionVersion).thenApply(e -> {
                Map<TopicPartition, Errors> m = new LinkedHashMap<>();
                for (TopicPartition tp : tps) m.put(tp, e);
                return m;
            });
        }
        return result.thenApply(m -> {
            List<AddPartitionsToTxnResponse.TopicResult> out = new ArrayList<>();
            for (AddPartitionsToTxnRequest.Topic t : requested) {
                AddPartitionsToTxnResponse.TopicResult tr = new AddPartitionsToTxnResponse.TopicResult();
                tr.name = t.name;
                for (int p : t.partitions) {
                    AddPartitionsToTxnResponse.PartitionResult pr = new AddPartitionsToTxnResponse.PartitionResult();
                    pr.partitionIndex = p;
                    Errors e = m.getOrDefault(new TopicPartition(t.name, p), Errors.UNKNOWN_SERVER_ERROR);
                    pr.partitionErrorCode = TxnErrors.forVersion(TxnErrors.ADD_PARTITIONS_TO_TXN, version, e).code();
                    tr.resultsByPartition.add(pr);
                }
                out.add(tr);
            }
            return out;
        });
    }
}
