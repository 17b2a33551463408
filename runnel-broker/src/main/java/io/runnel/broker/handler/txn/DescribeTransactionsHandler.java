package io.runnel.broker.handler.txn;

import io.runnel.broker.handler.ApiHandler;
import io.runnel.broker.handler.RequestContext;
import io.runnel.broker.txn.TransactionCoordinator;
import io.runnel.broker.txn.TransactionCoordinator.Described;
import io.runnel.common.Errors;
import io.runnel.common.TopicPartition;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.DescribeTransactionsRequest;
import io.runnel.protocol.message.DescribeTransactionsResponse;
import io.runnel.txn.TransactionMetadata;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * DescribeTransactions: state, timeout, start time, producer id and epoch, and partitions of each transactional id
 * coordinated here; TRANSACTIONAL_ID_NOT_FOUND for an unknown id, NOT_COORDINATOR for one of another broker.
 */
public final class DescribeTransactionsHandler implements ApiHandler<DescribeTransactionsRequest, DescribeTransactionsResponse> {
    private final TransactionCoordinator coordinator;

    public DescribeTransactionsHandler(TransactionCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    @Override
    public ApiKeys api() {
        return ApiKeys.DESCRIBE_TRANSACTIONS;
    }

    @Override
    public CompletableFuture<DescribeTransactionsResponse> handle(RequestContext ctx, DescribeTransactionsRequest req) {
        List<CompletableFuture<DescribeTransactionsResponse.TransactionState>> all = new ArrayList<>();
        for (String id : req.transactionalIds) {
            CompletableFuture<Described> d = id == null || id.isEmpty()
                    ? CompletableFuture.completedFuture(new Described(Errors.TRANSACTIONAL_ID_NOT_FOUND, null))
                    : !ctx.authorize(io.runnel.metadata.AclBinding.OP_DESCRIBE, io.runnel.metadata.AclBinding.RESOURCE_TRANSACTIONAL_ID, id) // Kafka: DESCRIBE on the transactional id
                    ? CompletableFuture.completedFuture(new Described(Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, null))
                    : coordinator.describe(id);
            all.add(d.thenApply(x -> state(id, x)));
        }
        return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).thenApply(v -> {
            DescribeTransactionsResponse resp = new DescribeTransactionsResponse();
            for (CompletableFuture<DescribeTransactionsResponse.TransactionState> f : all) resp.transactionStates.add(f.join());
            return resp;
        });
    }

    private static DescribeTransactionsResponse.TransactionState state(String id, Described d) {
        DescribeTransactionsResponse.TransactionState s = new DescribeTransactionsResponse.TransactionState();
        s.transactionalId = id;
        s.errorCode = d.error().code();
        s.transactionState = "";
        s.transactionStartTimeMs = -1;
        s.producerId = -1;
        s.producerEpoch = -1;
        TransactionMetadata m = d.metadata();
        if (m == null) return s;
        s.transactionState = m.state().displayName();
        s.transactionTimeoutMs = m.timeoutMs();
        s.transactionStartTimeMs = m.startTimestamp();
        s.producerId = m.producerId();
        s.producerEpoch = m.producerEpoch();
        Map<String, List<Integer>> byTopic = new TreeMap<>();
        for (TopicPartition tp : m.partitions()) byTopic.computeIfAbsent(tp.topic(), k -> new ArrayList<>()).add(tp.partition());
        byTopic.forEach((topic, ps) -> {
            DescribeTransactionsResponse.Topic t = new DescribeTransactionsResponse.Topic();
            t.topic = topic;
            t.partitions.addAll(ps);
            s.topics.add(t);
        });
        return s;
    }
}
