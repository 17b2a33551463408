package io.runnel.broker.txn;

import io.runnel.metadata.MetadataController;
import io.runnel.txn.ProducerIdBlock;
import io.runnel.txn.ProducerIdBlockSource;

import java.util.concurrent.CompletableFuture;

/**
 * The broker's one source of producer ids, for idempotent producers (InitProducerId without a transactional id)
 * and for the transaction coordinator alike: ids come from blocks that the metadata controller records durably
 * ({@link MetadataController#allocateProducerIds}, a ProducerIdsRecord in the metadata log), so they never repeat,
 * also across restarts; a block handed out but not used up is skipped after a restart. A new block is asked for
 * only when the current one is used up; callers arriving meanwhile wait for it without blocking a thread.
 *
 * <p>As a {@link ProducerIdBlockSource} it hands the transaction coordinator's {@code ProducerIdManager} blocks of
 * one id taken from here, so that both kinds of producer draw from the same sequence.
 *
 * <p>Thread-safe.
 */
public final class ProducerIdAllocator implements ProducerIdBlockSource {
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

    public ProducerIdAllocator(MetadataController controller, int blockSize) {
        if (blockSize <= 0) throw new IllegalArgumentException("block size must be positive: " + blockSize);
        this.controller = controller;
        this.blockSize = blockSize;
    }

    /** The next free producer id; fails with the controller's error when no block can be had. */
    public CompletableFuture<Long> nextProducerId() {
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

    @Override
    public CompletableFuture<ProducerIdBlock> requestBlock() {
        return nextProducerId().thenApply(id -> new ProducerIdBlock(id, 1));
    }
}
