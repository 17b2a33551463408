package io.runnel.broker.partition;

import io.netty.util.Timeout;
import io.runnel.common.Errors;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An acks=all append waiting until the high watermark passes its last record ({@code requiredOffset} is that
 * record's offset + 1). It completes exactly once: NONE, or NOT_ENOUGH_REPLICAS_AFTER_APPEND when the ISR shrank
 * below min.insync.replicas while it waited (the records are in the log, but fewer replicas have them than the
 * topic asks for); REQUEST_TIMED_OUT after the produce request's timeout; NOT_LEADER_OR_FOLLOWER when this broker
 * stops leading the partition.
 */
final class DelayedProduce {
    private final Partition partition;
    private final long requiredOffset;
    private final int minInsyncReplicas;
    private final CompletableFuture<Errors> result = new CompletableFuture<>();
    private final AtomicBoolean completed = new AtomicBoolean();
    private volatile Timeout timeout;

    DelayedProduce(Partition partition, long requiredOffset, int minInsyncReplicas) {
        this.partition = partition;
        this.requiredOffset = requiredOffset;
        this.minInsyncReplicas = minInsyncReplicas;
    }

    CompletableFuture<Errors> result() {
        return result;
    }

    void setTimeout(Timeout timeout) {
        this.timeout = timeout;
    }

    /** Completes if this broker no longer leads, or the high watermark has reached the required offset. */
    void tryComplete(int nodeId) {
        if (!partition.isLeader(nodeId)) {
            complete(Errors.NOT_LEADER_OR_FOLLOWER);
        } else if (partition.log().highWatermark() >= requiredOffset) {
            complete(partition.maximalIsrSize() < minInsyncReplicas ? Errors.NOT_ENOUGH_REPLICAS_AFTER_APPEND : Errors.NONE);
        } else if (partition.maximalIsrSize() < minInsyncReplicas && partition.isrHas(nodeId, requiredOffset)) {
            // the ISR shrank below min.insync.replicas (the high watermark stands still, KIP-966) and every replica left
            // in it has the records: they will not get more replicas than that in time
            complete(Errors.NOT_ENOUGH_REPLICAS_AFTER_APPEND);
        }
    }

    void complete(Errors error) {
        if (!completed.compareAndSet(false, true)) return;
        Timeout t = timeout;
        if (t != null) t.cancel();
        partition.removeProduceWaiter(this);
        result.complete(error);
    }
}
