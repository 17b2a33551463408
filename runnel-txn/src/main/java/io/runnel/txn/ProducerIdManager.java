package io.runnel.txn;

import io.runnel.common.Errors;

import java.util.concurrent.CompletableFuture;

/**
 * Hands out producer ids one at a time from blocks of a {@link ProducerIdBlockSource}, asking for the next block
 * when the current one is 90% used, so that the coordinator rarely waits. When no id is at hand (the first block has
 * not arrived yet, or the next one is late) {@link #generateProducerId} fails with COORDINATOR_LOAD_IN_PROGRESS, a
 * retriable error: the client retries InitProducerId, as with Kafka.
 *
 * <p>Threads: {@link #generateProducerId} is called from one thread at a time (the coordinator thread); block futures
 * may complete on any thread.
 */
public final class ProducerIdManager {
    private final ProducerIdBlockSource source;
    private ProducerIdBlock current;
    private long next;
    private CompletableFuture<ProducerIdBlock> pending;

    public ProducerIdManager(ProducerIdBlockSource source) {
        this.source = source;
    }

    /**
     * The next unused producer id.
     *
     * @throws io.runnel.common.ApiException COORDINATOR_LOAD_IN_PROGRESS while no block is available
     */
    public long generateProducerId() {
        if (current == null || next > current.lastProducerId()) {
            prefetch();
            takePending();
        }
        if (current == null || next > current.lastProducerId()) {
            prefetch();
            throw Errors.COORDINATOR_LOAD_IN_PROGRESS.exception("waiting for a block of producer ids from the controller");
        }
        long id = next++;
        if ((next - current.firstProducerId()) * 10 >= current.size() * 9L) prefetch();
        return id;
    }

    private void takePending() {
        if (pending == null || !pending.isDone()) return;
        CompletableFuture<ProducerIdBlock> done = pending;
        pending = null;
        if (done.isCompletedExceptionally()) return;
        ProducerIdBlock b = done.join();
        if (current != null && b.firstProducerId() <= current.lastProducerId()) {
            throw new IllegalStateException("producer id block " + b + " overlaps " + current);
        }
        current = b;
        next = b.firstProducerId();
    }

    private void prefetch() {
        if (pending == null) pending = source.requestBlock();
    }
}
