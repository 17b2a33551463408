package io.runnel.broker.handler.txn;

import io.runnel.broker.handler.ApiHandler;
import io.runnel.broker.handler.RequestContext;
import io.runnel.broker.txn.TransactionCoordinator;
import io.runnel.common.Errors;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.ListTransactionsRequest;
import io.runnel.protocol.message.ListTransactionsResponse;
import io.runnel.txn.TransactionState;
import io.runnel.txn.TxnResponses.Listing;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * ListTransactions: the transactional ids coordinated by this broker, filtered by state (unknown state names are
 * returned in {@code unknownStateFilters}; if every state filter is unknown, nothing matches), producer id, v1+
 * duration (running longer than, KIP-994) and v2+ id pattern (a regular expression, KIP-1152; an invalid one gets
 * INVALID_REGULAR_EXPRESSION). COORDINATOR_LOAD_IN_PROGRESS while a partition loads.
 */
public final class ListTransactionsHandler implements ApiHandler<ListTransactionsRequest, ListTransactionsResponse> {
    private final TransactionCoordinator coordinator;

    public ListTransactionsHandler(TransactionCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    @Override
    public ApiKeys api() {
        return ApiKeys.LIST_TRANSACTIONS;
    }

    @Override
    public CompletableFuture<ListTransactionsResponse> handle(RequestContext ctx, ListTransactionsRequest req) {
        short version = ctx.apiVersion();
        ListTransactionsResponse resp = new ListTransactionsResponse();
        Set<TransactionState> states = new HashSet<>();
        for (String name : req.stateFilters) {
            TransactionState s = known(name);
            if (s == null) resp.unknownStateFilters.add(name);
            else states.add(s);
        }
        if (!req.stateFilters.isEmpty() && states.isEmpty()) return CompletableFuture.completedFuture(resp);
        Pattern pattern = null;
        if (version >= 2 && req.transactionalIdPattern != null && !req.transactionalIdPattern.isEmpty()) {
            try {
                pattern = Pattern.compile(req.transactionalIdPattern);
            } catch (PatternSyntaxException e) {
                resp.errorCode = Errors.INVALID_REGULAR_EXPRESSION.code();
                return CompletableFuture.completedFuture(resp);
            }
        }
        long duration = version >= 1 ? req.durationFilter : -1;
        return coordinator.list(states, new HashSet<>(req.producerIdFilters), duration, pattern).thenApply(l -> {
            resp.errorCode = l.error().code();
            for (Listing x : l.transactions()) {
                // Kafka: only the transactional ids the principal may describe
                if (!ctx.authorizeQuietly(io.runnel.metadata.AclBinding.OP_DESCRIBE, io.runnel.metadata.AclBinding.RESOURCE_TRANSACTIONAL_ID, x.transactionalId())) continue;
                ListTransactionsResponse.TransactionState t = new ListTransactionsResponse.TransactionState();
                t.transactionalId = x.transactionalId();
                t.producerId = x.producerId();
                t.transactionState = x.state().displayName();
                resp.transactionStates.add(t);
            }
            return resp;
        });
    }

    private static TransactionState known(String name) {
        return name == null ? null : TransactionState.fromDisplayName(name);
    }
}
