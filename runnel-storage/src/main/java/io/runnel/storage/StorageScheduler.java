package io.runnel.storage;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The {@link Scheduler} of a {@link LogManager}: a pool of daemon threads named
 * {@code runnel-storage-scheduler-N} running one-off and periodic tasks. A task that throws is logged
 * and, if periodic, keeps its schedule. After {@link #shutdown} new tasks are dropped and pending
 * delayed ones are discarded (leftover {@code .deleted} files are removed at the next start).
 *
 * <p>Thread-safe.
 */
final class StorageScheduler implements Scheduler {
    private static final Logger LOG = LoggerFactory.getLogger(StorageScheduler.class);
    private final ScheduledThreadPoolExecutor executor;

    StorageScheduler(int threads) {
        AtomicInteger n = new AtomicInteger();
        ThreadFactory tf = r -> {
            Thread t = new Thread(r, "runnel-storage-scheduler-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        executor = new ScheduledThreadPoolExecutor(threads, tf);
        executor.setContinueExistingPeriodicTasksAfterShutdownPolicy(false);
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        executor.setRemoveOnCancelPolicy(true);
    }

    @Override
    public void scheduleOnce(String name, Runnable task, long delayMs) {
        if (executor.isShutdown()) return;
        try {
            executor.schedule(wrap(name, task), Math.max(0, delayMs), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            LOG.debug("Dropping task {} after shutdown", name);
        }
    }

    ScheduledFuture<?> schedulePeriodic(String name, Runnable task, long initialDelayMs, long periodMs) {
        return executor.scheduleWithFixedDelay(wrap(name, task), Math.max(0, initialDelayMs), periodMs,
                TimeUnit.MILLISECONDS);
    }

    private static Runnable wrap(String name, Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (Throwable t) {
                LOG.error("Storage task {} failed", name, t);
            }
        };
    }

    void shutdown() {
        executor.shutdown();
        try {
            if (!executor.awaitTermination(30, TimeUnit.SECONDS)) executor.shutdownNow();
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
