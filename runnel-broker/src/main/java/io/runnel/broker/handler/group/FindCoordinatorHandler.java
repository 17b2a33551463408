package io.runnel.broker.handler.group;

import io.runnel.broker.handler.ApiHandler;
import io.runnel.broker.handler.RequestContext;
import io.runnel.common.Errors;
import io.runnel.group.GroupCoordinator;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.FindCoordinatorRequest;
import io.runnel.protocol.message.FindCoordinatorResponse;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * FindCoordinator: the broker leading the partition of {@code __consumer_offsets} that holds a group (key type
 * 0), or of {@code __transaction_state} that holds a transactional id (key type 1). v4+ looks up a batch of
 * keys. Share groups (key type 2) are not served: INVALID_REQUEST. The partition of a transactional id is
 * {@code abs(hash) % transaction.state.log.num.partitions}; the first lookup creates {@code __transaction_state}
 * (and of a group, {@code __consumer_offsets}) and waits for that creation, up to {@link #CREATION_WAIT_MS}.
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

    private Found find(RequestContext ctx, byte keyType, String key, String listener) {
        if (key == null) return new Found(Errors.INVALID_REQUEST, Found.NO_NODE);
        // Kafka: DESCRIBE on the group or the transactional id
        if (keyType == 0 && !ctx.authorize(io.runnel.metadata.AclBinding.OP_DESCRIBE, io.runnel.metadata.AclBinding.RESOURCE_GROUP, key)) {
            return new Found(Errors.GROUP_AUTHORIZATION_FAILED, Found.NO_NODE);
        }
        if (keyType == 1 && !ctx.authorize(io.runnel.metadata.AclBinding.OP_DESCRIBE, io.runnel.metadata.AclBinding.RESOURCE_TRANSACTIONAL_ID, key)) {
            return new Found(Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, Found.NO_NODE);
        }
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

    /**
     * How long a lookup waits for the creation of the internal topic it started (or found running) before it answers
     * COORDINATOR_NOT_AVAILABLE: a first consumer or transactional producer then gets its coordinator in one round trip
     * instead of backing off and asking again (Kafka answers at once; clients back off up to retry.backoff.max.ms).
     */
    static final long CREATION_WAIT_MS = 2_000;

    @Override
    public CompletableFuture<FindCoordinatorResponse> handle(RequestContext ctx, FindCoordinatorRequest request) {
        byte keyType = ctx.apiVersion() >= 1 ? request.keyType : 0;
        FindCoordinatorResponse first = answer(ctx, request);
        if (!notAvailable(ctx, first)) return CompletableFuture.completedFuture(first);
        String topic = keyType == 1 ? TRANSACTION_TOPIC : GROUP_TOPIC;
        CompletableFuture<Void> creation = locator.creationOf(topic);
        if (creation.isDone()) return CompletableFuture.completedFuture(first);
        return creation.copy().completeOnTimeout(null, CREATION_WAIT_MS, TimeUnit.MILLISECONDS)
                .handle((x, e) -> answer(ctx, request));
    }

    private static boolean notAvailable(RequestContext ctx, FindCoordinatorResponse resp) {
        short code = Errors.COORDINATOR_NOT_AVAILABLE.code();
        if (ctx.apiVersion() < 4) return resp.errorCode == code;
        return resp.coordinators.stream().anyMatch(c -> c.errorCode == code);
    }

    private FindCoordinatorResponse answer(RequestContext ctx, FindCoordinatorRequest request) {
        FindCoordinatorResponse resp = new FindCoordinatorResponse();
        if (ctx.apiVersion() >= 4) {
            for (String key : request.coordinatorKeys) {
                Found f = find(ctx, request.keyType, key, ctx.listenerName());
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
            Found f = find(ctx, ctx.apiVersion() >= 1 ? request.keyType : 0, request.key, ctx.listenerName());
            resp.errorCode = f.error().code();
            resp.errorMessage = f.message();
            resp.nodeId = f.node().nodeId();
            resp.host = f.node().host();
            resp.port = f.node().port();
        }
        return resp;
    }
}
