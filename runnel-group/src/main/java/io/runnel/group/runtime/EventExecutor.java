package io.runnel.group.runtime;

/**
 * The owner thread of the coordinator. Every task runs on that one thread, one at a time, in submission
 * order; delayed tasks run after their delay, interleaved with the others. All group state is touched only
 * from tasks of this executor, so it needs no locks.
 *
 * <p>{@link ThreadEventExecutor} is the production implementation; {@link ManualEventExecutor} runs tasks
 * on the caller's thread and timers only when a test advances its clock.
 */
public interface EventExecutor extends AutoCloseable {
    void execute(Runnable task);

    /** Runs {@code task} after {@code delayMs} (measured with the executor's clock); the handle cancels it. */
    Cancellable schedule(long delayMs, Runnable task);

    /** True when called from the owner thread (or, for the manual executor, from inside a task). */
    boolean inEventThread();

    @Override
    void close();

    interface Cancellable {
        void cancel();
    }
}
