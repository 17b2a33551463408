package io.runnel.broker.handler.admin;

import io.runnel.broker.BrokerContext;
import io.runnel.broker.handler.ApiHandler;
import io.runnel.broker.handler.RequestContext;
import io.runnel.broker.txn.ProducerIdAllocator;
import io.runnel.broker.txn.TransactionCoordinator;
import io.runnel.common.Errors;
import io.runnel.metadata.ApiError;
import io.runnel.metadata.MetadataController;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.InitProducerIdRequest;
import io.runnel.protocol.message.InitProducerIdResponse;
import io.runnel.txn.TxnErrors;
import io.runnel.txn.TxnResponses.ProducerIdAndEpoch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.CompletableFuture;

/**
 * InitProducerId (v0-5).
 *
 * <p><b>Idempotent producers</b> (no transactional id): every call gets a new producer id with epoch 0, as Kafka
 * answers such producers, also when v3+ callers send their current id and epoch after an error (KIP-360): Kafka
 * then hands out a new id rather than bumping the epoch. An id and epoch must be both -1 or both set, else
 * INVALID_REQUEST. Ids come from the broker's {@link ProducerIdAllocator}, the same the transaction coordinator
 * draws from, in blocks the controller records durably, so they never repeat, also across restarts.
 *
 * <p><b>Transactional producers</b>: the transaction coordinator of the id (which this broker must be, else
 * NOT_COORDINATOR) gives a new producer id or bumps the epoch, fencing older producers (KIP-98, KIP-360, KIP-588).
 * An empty transactional id gets INVALID_REQUEST, as in Kafka. Errors newer than the request version are
 * downgraded ({@link TxnErrors}).
 */
public final class InitProducerIdHandler implements ApiHandler<InitProducerIdRequest, InitProducerIdResponse> {
    private static final Logger log = LoggerFactory.getLogger(InitProducerIdHandler.class);
    /** Kafka's block size. */
    public static final int DEFAULT_BLOCK_SIZE = ProducerIdAllocator.DEFAULT_BLOCK_SIZE;

    private final ProducerIdAllocator ids;
    private final TransactionCoordinator txns;

    /**
     * @param txns the transaction coordinator; null for none (transactional ids then get COORDINATOR_NOT_AVAILABLE)
     */
    public InitProducerIdHandler(ProducerIdAllocator ids, TransactionCoordinator txns) {
        this.ids = ids;
        this.txns = txns;
    }

    /** Idempotent producers only, with a block allocator of its own (tests). */
    public InitProducerIdHandler(MetadataController controller, BrokerContext broker) {
        this(new ProducerIdAllocator(controller, DEFAULT_BLOCK_SIZE), null);
    }

    /** With another block size (tests). */
    InitProducerIdHandler(MetadataController controller, int blockSize) {
        this(new ProducerIdAllocator(controller, blockSize), null);
    }

    @Override
    public ApiKeys api() {
        return ApiKeys.INIT_PRODUCER_ID;
    }

    @Override
    public CompletableFuture<InitProducerIdResponse> handle(RequestContext ctx, InitProducerIdRequest req) {
        short version = ctx.apiVersion();
        if ((req.producerId == -1) != (req.producerEpoch == -1)) {
            return CompletableFuture.completedFuture(error(Errors.INVALID_REQUEST));
        }
        if (req.transactionalId != null) {
            if (req.transactionalId.isEmpty()) return CompletableFuture.completedFuture(error(Errors.INVALID_REQUEST));
            if (!ctx.authorize(io.runnel.metadata.AclBinding.OP_WRITE, io.runnel.metadata.AclBinding.RESOURCE_TRANSACTIONAL_ID, req.transactionalId)) {
                return CompletableFuture.completedFuture(error(Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED));
            }
            if (txns == null) return CompletableFuture.completedFuture(error(Errors.COORDINATOR_NOT_AVAILABLE));
            return txns.initProducerId(req.transactionalId, req.transactionTimeoutMs, req.producerId, req.producerEpoch)
                    .thenApply(r -> response(r, version));
        }
        // Kafka (KIP-679): an idempotent producer needs IDEMPOTENT_WRITE on the cluster or WRITE on some topic. Kafka
        // does not log the cluster check's denial (logIfDenied=false): a producer let through by WRITE on a topic leaves
        // no audit line; otherwise the cluster check is audited (allowed, or the request's refusal)
        boolean byTopicWrite = !ctx.authorizeQuietly(io.runnel.metadata.AclBinding.OP_IDEMPOTENT_WRITE,
                io.runnel.metadata.AclBinding.RESOURCE_CLUSTER, io.runnel.metadata.AclBinding.CLUSTER_NAME)
                && ctx.authorization().authorizeAny(ctx.principal(), ctx.clientHost(), io.runnel.metadata.AclBinding.OP_WRITE, io.runnel.metadata.AclBinding.RESOURCE_TOPIC);
        if (!byTopicWrite && !ctx.authorizeCluster(io.runnel.metadata.AclBinding.OP_IDEMPOTENT_WRITE)) {
            return CompletableFuture.completedFuture(error(Errors.CLUSTER_AUTHORIZATION_FAILED));
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

    private static InitProducerIdResponse response(ProducerIdAndEpoch r, short version) {
        if (r.error() != Errors.NONE) return error(TxnErrors.forVersion(TxnErrors.INIT_PRODUCER_ID, version, r.error()));
        InitProducerIdResponse resp = new InitProducerIdResponse();
        resp.producerId = r.producerId();
        resp.producerEpoch = r.producerEpoch();
        return resp;
    }

    private static InitProducerIdResponse error(Errors code) {
        InitProducerIdResponse resp = new InitProducerIdResponse();
        resp.errorCode = code.code();
        resp.producerId = -1;
        resp.producerEpoch = -1;
        return resp;
    }

    /** The next free producer id for an idempotent producer. */
    CompletableFuture<Long> nextProducerId() {
        return ids.nextProducerId();
    }
}
