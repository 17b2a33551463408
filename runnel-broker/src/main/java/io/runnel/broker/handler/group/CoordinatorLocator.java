package io.runnel.broker.handler.group;

/**
 * Where the leader of a partition of an internal topic ({@code __consumer_offsets}, {@code __transaction_state})
 * is, as FindCoordinator reports it. The broker implements it over its metadata image; it must not block.
 * When the topic does not exist yet the broker starts creating it and answers null (Kafka's behaviour:
 * clients get COORDINATOR_NOT_AVAILABLE and retry).
 */
@FunctionalInterface
public interface CoordinatorLocator {
    /** A broker endpoint. */
    record Node(int nodeId, String host, int port) {
    }

    /** The leader of {@code topic}-{@code partition} on the client's listener, or null if there is none (yet). */
    Node leaderOf(String topic, int partition, String listenerName);

    /**
     * Completes when the creation of {@code topic} that this broker started has ended (at once when none runs), so
     * FindCoordinator can answer with the new leader instead of a COORDINATOR_NOT_AVAILABLE the client backs off from.
     */
    default java.util.concurrent.CompletableFuture<Void> creationOf(String topic) {
        return java.util.concurrent.CompletableFuture.completedFuture(null);
    }
}
