package io.runnel.txn;

import java.util.concurrent.CompletableFuture;

/**
 * Where producer ids come from: the controller's AllocateProducerIds, in blocks. The broker implements it; tests use
 * a counter. The future may complete on any thread; it fails with an {@link io.runnel.common.ApiException} when the
 * controller cannot be reached.
 */
@FunctionalInterface
public interface ProducerIdBlockSource {
    CompletableFuture<ProducerIdBlock> requestBlock();
}
