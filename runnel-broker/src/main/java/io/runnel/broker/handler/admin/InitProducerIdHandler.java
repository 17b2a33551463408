package io.runnel.broker.handler.admin;

import io.runnel.broker.BrokerContext;
import io.runnel.broker.handler.ApiHandler;
import io.runnel.broker.handler.RequestContext;
import io.runnel.broker.handler.TransactionsRefusal;
import io.runnel.common.Errors;
import io.runnel.metadata.ApiError;
import io.runnel.metadata.MetadataController;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.InitProducerIdRequest;
import io.runnel.protocol.message.InitProducerIdResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.CompletableFuture;

/**
 * InitProducerId (v0-5) for idempotent producers without a transactional id: every call gets a new
 * producer id with epoch 0, as Kafka answers such producers, also when v3+ callers send their current
 * id and epoch after an error (KIP-360): Kafka then hands out a new id rather than bumping the epoch.
 * An id and epoch must be both -1 or both set, else INVALID_REQUEST.
 *
 * <p>Ids come from blocks that the metadata controller records durably
 * ({@link MetadataController#allocateProducerIds}), so they never repeat, also across restarts; a block
 * that is handed out but not used up is skipped after a restart. A new block is asked for only when the
 * current one is used up; requests arriving meanwhile wait for it without blocking any thread.
 *
 * <p>Transactions are not supported yet: a request with a transactional id is refused as
 * {@link TransactionsRefusal} says. An empty transactional id gets INVALID_REQUEST, as in Kafka.
 */
public final class InitProducerIdHandler implements ApiHandler<InitProducerIdRequest, InitProducerIdResponse> {
    private static final Logger log = LoggerFactory.getLogger(InitProducerIdHandler.class);
    /** Kafka's block size. */
    public static final int DEFAULT_BLOCK_SIZE = 1000;

    private final MetadataController controller;
    private final int blockSize;
    private final Object lock = new Object();
    // the current block: ids next..end-1 are free; guarded by lock
    private long next;
    private long end;
    /** Completes once the block asked for is installed; null when none is being asked for. Guarded by lock. */
    private CompletableFuture<Void> pending;

    public InitProducerIdHandler(MetadataController controller, BrokerContext broker) {
        this(controller, DEFAULT_BLOCK_SIZE);
    }

    /** With another block size (tests). */
    InitProducerIdHandler(MetadataController controller, int blockSize) {
        if (blockSize <= 0) throw new IllegalArgumentException("block size must be positive: " + blockSize);
        this.controller = controller;
        this.blockSize = blockSize;
    }

    @Override
    public ApiKeys api() {
        return ApiKeys.INIT_PRODUCER_ID;
    }

    @Override
    public CompletableFuture<InitProducerIdResponse> handle(RequestContext ctx, InitProducerIdRequest req) {
        if (req.transactionalId != null) {
            return CompletableFuture.completedFuture(error(req.transactionalId.isEmpty()
                    ? Errors.INVALID_REQUEST : TransactionsRefusal.INIT_PRODUCER_ID));
        }
        if ((req.producerId == -1) != (req.producerEpoch == -1)) {
            return CompletableFuture.completedFuture(error(Errors.INVALID_REQUEST));
        }
        return nextProducerId().handle((id, err) -> {
            if (err != null) {
                ApiError e = AdminSupport.errorOf(err);
                // a controller that is shutting down is transient: the producer retries this code
                Errors code = e.error() == Errors.NOT_CONTROLLER ? Errors.COORDINATOR_LOAD_IN_PROGRESS : e.error();
                log.warn("Could not allocate a producer id: {}", e.message());
                return error(code);
            }
            InitProducerIdResponse resp = new InitProducerIdResponse();
            resp.producerId = id;
            resp.producerEpoch = 0;
            return resp;
        });
    }

    private static InitProducerIdResponse error(Errors code) {
        InitProducerIdResponse resp = new InitProducerIdResponse();
        resp.errorCode = code.code();
        resp.producerId = -1;
        resp.producerEpoch = -1;
        return resp;
    }

    /** The next free producer id; asks the controller for a new block when the current one is used up. */
    CompletableFuture<Long> nextProducerId() {
        CompletableFuture<Void> wait;
        boolean ask = false;
        synchronized (lock) {
            if (next < end) return CompletableFuture.completedFuture(next++);
            if (pending == null) {
                pending = new CompletableFuture<>();
                ask = true;
            }
            wait = pending;
        }
        if (ask) {
            controller.allocateProducerIds(blockSize).whenComplete((block, err) -> {
                CompletableFuture<Void> installed;
                synchronized (lock) {
                    installed = pending;
                    pending = null;
                    if (block != null) {
                        next = block.firstProducerId();
                        end = block.endProducerId();
                    }
                }
                if (err != null) installed.completeExceptionally(err);
                else installed.complete(null);
            });
        }
        return wait.thenCompose(v -> nextProducerId());
    }
}
