package io.runnel.metadata;

import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.Delayed;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Virtual time for {@link ControllerSimulation}: one queue of events ordered by (time, sequence), run one at a time on
 * the caller's thread, so a seed replays exactly. {@link Lane}s are the single-thread executors of the simulated
 * nodes (a controller thread, a quorum event thread): tasks of one lane run in submission order, each a few random
 * milliseconds after it was queued (never before the lane's previous task), so the lanes of different nodes
 * interleave differently per seed. A lane that is killed (its node crashed) drops its tasks and refuses new ones.
 */
final class SimScheduler {
    /** A task that ran longer than this in real time blocked the (single) simulation thread: a bug. */
    static final long BLOCKED_TASK_NANOS = TimeUnit.SECONDS.toNanos(5);
    /** Where the simulated nanosecond clock starts (any value; not zero, so code cannot rely on it). */
    static final long NANO_ORIGIN = 7_000_000_000_000L;

    private record Event(long at, long seq, Runnable action) implements Comparable<Event> {
        @Override
        public int compareTo(Event o) {
            return at != o.at ? Long.compare(at, o.at) : Long.compare(seq, o.seq);
        }
    }

    private final PriorityQueue<Event> events = new PriorityQueue<>();
    private final Random rnd;
    private long seq;
    private long nowMs;

    SimScheduler(Random rnd) {
        this.rnd = rnd;
    }

    long nowMs() {
        return nowMs;
    }

    /** The simulated {@code System.nanoTime()}. */
    long nanoTime() {
        return NANO_ORIGIN + nowMs * 1_000_000L;
    }

    /** Runs {@code action} {@code delayMs} from now (after every event already queued for that time). */
    void at(long delayMs, Runnable action) {
        events.add(new Event(nowMs + Math.max(0, delayMs), seq++, action));
    }

    /** Runs every event due up to now + {@code ms}, in order, then sets the clock there. */
    void advance(long ms, Runnable afterEach) {
        long until = nowMs + ms;
        while (!events.isEmpty() && events.peek().at() <= until) {
            Event e = events.poll();
            nowMs = Math.max(nowMs, e.at());
            long started = System.nanoTime();
            e.action().run();
            long took = System.nanoTime() - started;
            if (took > BLOCKED_TASK_NANOS) {
                throw new AssertionError("a simulated task ran " + TimeUnit.NANOSECONDS.toMillis(took)
                        + " ms of real time: something blocked the simulation thread");
            }
            afterEach.run();
        }
        nowMs = until;
    }

    /** A new single-thread executor of a simulated node; {@code maxJitterMs} is the most a task waits once queued. */
    Lane lane(String name, int maxJitterMs) {
        return new Lane(name, maxJitterMs);
    }

    /**
     * One simulated thread. Implements {@link ScheduledExecutorService} for {@link MetadataController}: execute,
     * submit, schedule and scheduleWithFixedDelay; shutdown drops queued tasks (nothing waits for them in virtual time).
     * A task's exception is kept ({@link #failure}): the controller lets none escape, and on a real executor one
     * escaping a periodic task would stop it for good.
     */
    final class Lane extends AbstractExecutorService implements ScheduledExecutorService {
        private final String name;
        private final int maxJitterMs;
        private boolean alive = true;
        private long lastAt;
        private Throwable failure;

        private Lane(String name, int maxJitterMs) {
            this.name = name;
            this.maxJitterMs = maxJitterMs;
        }

        /** The first exception a task let escape, or null. */
        Throwable failure() {
            return failure;
        }

        /** The node crashed: queued and periodic tasks are dropped, new ones refused. */
        void kill() {
            alive = false;
        }

        private void run(Runnable r) {
            if (!alive) return;
            try {
                r.run();
            } catch (Throwable t) {
                if (failure == null) failure = new AssertionError("a task on " + name + " threw " + t, t);
            }
        }

        @Override
        public void execute(Runnable command) {
            if (!alive) throw new RejectedExecutionException(name + " is stopped");
            long at = Math.max(nowMs + (maxJitterMs <= 0 ? 0 : rnd.nextInt(maxJitterMs + 1)), lastAt);
            lastAt = at;
            events.add(new Event(at, seq++, () -> run(command)));
        }

        @Override
        public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
            if (!alive) throw new RejectedExecutionException(name + " is stopped");
            Task t = new Task(nowMs + unit.toMillis(delay), 0, command);
            t.post();
            return t;
        }

        @Override
        public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
            throw new UnsupportedOperationException("not used by the controller");
        }

        @Override
        public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
            return scheduleWithFixedDelay(command, initialDelay, period, unit);
        }

        @Override
        public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
            if (!alive) throw new RejectedExecutionException(name + " is stopped");
            if (delay <= 0) throw new IllegalArgumentException("delay " + delay);
            Task t = new Task(nowMs + unit.toMillis(initialDelay), Math.max(1, unit.toMillis(delay)), command);
            t.post();
            return t;
        }

        @Override
        public void shutdown() {
            alive = false;
        }

        @Override
        public List<Runnable> shutdownNow() {
            alive = false;
            return new ArrayList<>();
        }

        @Override
        public boolean isShutdown() {
            return !alive;
        }

        @Override
        public boolean isTerminated() {
            return !alive;
        }

        @Override
        public boolean awaitTermination(long timeout, TimeUnit unit) {
            return !alive;
        }

        /** A delayed or periodic task on this lane. */
        private final class Task implements ScheduledFuture<Object> {
            private long at;
            private final long periodMs;
            private final Runnable command;
            private boolean cancelled;
            private boolean done;

            Task(long at, long periodMs, Runnable command) {
                this.at = at;
                this.periodMs = periodMs;
                this.command = command;
            }

            void post() {
                events.add(new Event(at, seq++, () -> {
                    if (cancelled || !alive) return;
                    run(command);
                    if (periodMs > 0) {
                        at = nowMs + periodMs;
                        post();
                    } else {
                        done = true;
                    }
                }));
            }

            @Override
            public long getDelay(TimeUnit unit) {
                return unit.convert(at - nowMs, TimeUnit.MILLISECONDS);
            }

            @Override
            public int compareTo(Delayed o) {
                return Long.compare(getDelay(TimeUnit.MILLISECONDS), o.getDelay(TimeUnit.MILLISECONDS));
            }

            @Override
            public boolean cancel(boolean mayInterruptIfRunning) {
                if (done) return false;
                cancelled = true;
                return true;
            }

            @Override
            public boolean isCancelled() {
                return cancelled;
            }

            @Override
            public boolean isDone() {
                return done || cancelled;
            }

            @Override
            public Object get() {
                if (cancelled) throw new CancellationException();
                if (!done) throw new IllegalStateException("waiting on a simulated task would block the simulation");
                return null;
            }

            @Override
            public Object get(long timeout, TimeUnit unit) {
                return get();
            }
        }
    }
}
