package io.runnel.broker.handler.group;

import io.runnel.broker.handler.ApiHandler;
import io.runnel.broker.handler.RequestContext;
import io.runnel.common.Errors;
import io.runnel.group.GroupCoordinator;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.FindCoordinatorRequest;
import io.runnel.protocol.message.FindCoordinatorResponse;

import java.util.concurrent.CompletableFuture;

/**
 * FindCoordinator: the broker leading the partition of {@code __consumer_offsets} that holds a group (key type
 * 0), or of {@code __transaction_state} that holds a transactional id (key type 1). v4+ looks up a batch of
 * keys. Share groups (key type 2) are not served: INVALID_REQUEST. The partition of a transactional id is
 * {@code abs(hash) % transaction.state.log.num.partitions}; the first lookup creates {@code __transaction_state}.
 */
public final class FindCoordinatorHandler implements ApiHandler<FindCoordinatorRequest, FindCoordinatorResponse> {
    public static final String GROUP_TOPIC = "__consumer_offsets";
    public static final String TRANSACTION_TOPIC = "__transaction_state";

    private final GroupCoordinator groups;
    private final CoordinatorLocator locator;
    private final int transactionStatePartitions;

    /**
     * @param transactionStatePartitions transaction.state.log.num.partitions (0 if this broker has no
     *                                   transaction coordinator: transactional keys get COORDINATOR_NOT_AVAILABLE)
     */
    public FindCoordinatorHandler(GroupCoordinator groups, CoordinatorLocator locator, int transactionStatePartitions) {
        this.groups = groups;
        this.locator = locator;
        this.transactionStatePartitions = transactionStatePartitions;
    }

    @Override
    public ApiKeys api() {
        return ApiKeys.FIND_COORDINATOR;
    }

    private record Found(Errors error, String message, CoordinatorLocator.Node node) {
        static final CoordinatorLocator.Node NO_NODE = new CoordinatorLocator.Node(-1, "", -1);

        Found(Errors error, CoordinatorLocator.Node node) {
            this(error, error == Errors.NONE ? null : error.message(), node);
        }
    }

    private Found find(byte keyType, String key, String listener) {
        if (key == null) return new Found(Errors.INVALID_REQUEST, Found.NO_NODE);
        String topic;
        int partition;
        switch (keyType) {
            case 0 -> {
                topic = GROUP_TOPIC;
                partition = groups.partitionFor(key);
            }
            case 1 -> {
                if (transactionStatePartitions <= 0) return new Found(Errors.COORDINATOR_NOT_AVAILABLE, Found.NO_NODE);
                topic = TRANSACTION_TOPIC;
                partition = GroupCoordinator.partitionFor(key, transactionStatePartitions);
            }
            default -> {
                return new Found(Errors.INVALID_REQUEST, Found.NO_NODE);
            }
        }
        CoordinatorLocator.Node node = locator.leaderOf(topic, partition, listener);
        return node == null ? new Found(Errors.COORDINATOR_NOT_AVAILABLE, Found.NO_NODE) : new Found(Errors.NONE, node);
    }

    @Override
    public CompletableFuture<FindCoordinatorResponse> handle(RequestContext ctx, FindCoordinatorRequest request) {
        FindCoordinatorResponse resp = new FindCoordinatorResponse();
        if (ctx.apiVersion() >= 4) {
            for (String key : request.coordinatorKeys) {
                Found f = find(request.keyType, key, ctx.listenerName());
                FindCoordinatorResponse.Coordinator c = new FindCoordinatorResponse.Coordinator();
                c.key = key;
                c.nodeId = f.node().nodeId();
                c.host = f.node().host();
                c.port = f.node().port();
                c.errorCode = f.error().code();
                c.errorMessage = f.message();
                resp.coordinators.add(c);
            }
        } else {
            Found f = find(ctx.apiVersion() >= 1 ? request.keyType : 0, request.key, ctx.listenerName());
            resp.errorCode = f.error().code();
            resp.errorMessage = f.message();
            resp.nodeId = f.node().nodeId();
            resp.host = f.node().host();
            resp.port = f.node().port();
        }
        return CompletableFuture.completedFuture(resp);
    }
}
