package io.runnel.group.runtime;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * An {@link EventExecutor} backed by one daemon thread (a single-threaded scheduled pool that drops
 * cancelled timers at once). A task that throws is logged and does not stop the thread.
 */
public final class ThreadEventExecutor implements EventExecutor {
    private static final Logger log = LoggerFactory.getLogger(ThreadEventExecutor.class);

    private final ScheduledThreadPoolExecutor pool;
    private volatile Thread thread;

    public ThreadEventExecutor(String name) {
        pool = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            thread = t;
            return t;
        });
        pool.setRemoveOnCancelPolicy(true);
        pool.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }

    @Override
    public void execute(Runnable task) {
        pool.execute(guard(task));
    }

    @Override
    public Cancellable schedule(long delayMs, Runnable task) {
        ScheduledFuture<?> f = pool.schedule(guard(task), Math.max(0, delayMs), TimeUnit.MILLISECONDS);
        return () -> f.cancel(false);
    }

    @Override
    public boolean inEventThread() {
        return Thread.currentThread() == thread;
    }

    @Override
    public void close() {
        pool.shutdownNow();
        try {
            pool.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Runnable guard(Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (Throwable t) {
                log.error("group coordinator task failed", t);
            }
        };
    }
}
