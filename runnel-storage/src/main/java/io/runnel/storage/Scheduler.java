package io.runnel.storage;

/**
 * Runs background work of the storage layer (deleting unlinked segment files after
 * file.delete.delay.ms, flushing a rolled segment). {@link LogManager} supplies one backed by its
 * scheduler threads; tests may supply {@link #INLINE}.
 *
 * <p>Implementations must be thread-safe.
 */
@FunctionalInterface
public interface Scheduler {
    /** Runs the task on the calling thread at once, ignoring the delay. For tests and tools. */
    Scheduler INLINE = (name, task, delayMs) -> task.run();

    /** Runs {@code task} once, after {@code delayMs} milliseconds. */
    void scheduleOnce(String name, Runnable task, long delayMs);
}
