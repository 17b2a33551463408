package io.runnel.broker.group;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntPredicate;

/**
 * Which partitions of one coordinator topic ({@code __consumer_offsets}, {@code __transaction_state}) this broker has
 * loaded, as futures a FindCoordinator can wait on. A first lookup starts the topic's creation; creating fifty logs
 * takes a few hundred milliseconds on a cold broker, and the lookup needs only its own partition: it answers as soon as
 * that one is loaded here, whichever of the fifty it is (on average half-way through the creation).
 */
public final class CoordinatorReadiness {
    private final ConcurrentHashMap<Integer, CompletableFuture<Void>> loaded = new ConcurrentHashMap<>();
    private final IntPredicate active;

    /** @param active whether the coordinator serves (has loaded) a partition right now */
    public CoordinatorReadiness(IntPredicate active) {
        this.active = active;
    }

    /** Completes once this broker's coordinator has loaded {@code partition} (at once when it already has). */
    public CompletableFuture<Void> loadedHere(int partition) {
        CompletableFuture<Void> f = loaded.computeIfAbsent(partition, p -> new CompletableFuture<>());
        if (active.test(partition)) f.complete(null); // loaded before anyone asked, or the future was replaced meanwhile
        return f;
    }

    /** The coordinator finished loading {@code partition}. */
    public void onLoaded(int partition) {
        loaded.computeIfAbsent(partition, p -> new CompletableFuture<>()).complete(null);
    }

    /** This broker stopped leading {@code partition}: a later lookup waits for a new load. */
    public void onResigned(int partition) {
        loaded.computeIfPresent(partition, (p, f) -> f.isDone() ? null : f);
    }

    /** Whether the coordinator serves {@code partition} on this broker. */
    public boolean isLoadedHere(int partition) {
        return active.test(partition);
    }
}
