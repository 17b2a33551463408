package io.runnel.group.runtime;

import io.runnel.common.Time;

import java.util.ArrayDeque;
import java.util.PriorityQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A deterministic {@link EventExecutor} for tests, with its own clock. {@link #execute} runs the task on the
 * calling thread at once (tasks submitted from inside a task queue up and run right after it, so there is
 * no re-entrance); timers run only when {@link #advance} moves the clock past their deadline, in deadline
 * order. Not thread-safe: drive it from one thread.
 */
public final class ManualEventExecutor implements EventExecutor, Time {
    private final ArrayDeque<Runnable> ready = new ArrayDeque<>();
    private final PriorityQueue<Timer> timers = new PriorityQueue<>();
    private final AtomicLong seq = new AtomicLong();
    private long nowMs;
    private boolean running;

    public ManualEventExecutor(long startMs) {
        this.nowMs = startMs;
    }

    public ManualEventExecutor() {
        this(1_700_000_000_000L);
    }

    private static final class Timer implements Comparable<Timer>, Cancellable {
        final long deadline;
        final long seq;
        final Runnable task;
        boolean cancelled;

        Timer(long deadline, long seq, Runnable task) {
            this.deadline = deadline;
            this.seq = seq;
            this.task = task;
        }

        @Override
        public int compareTo(Timer o) {
            int c = Long.compare(deadline, o.deadline);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }

        @Override
        public void cancel() {
            cancelled = true;
        }
    }

    @Override
    public void execute(Runnable task) {
        ready.add(task);
        drain();
    }

    @Override
    public Cancellable schedule(long delayMs, Runnable task) {
        Timer t = new Timer(nowMs + Math.max(0, delayMs), seq.incrementAndGet(), task);
        timers.add(t);
        return t;
    }

    @Override
    public boolean inEventThread() {
        return running;
    }

    /** Moves the clock forward by {@code ms}, running every timer that falls due on the way, at its deadline. */
    public void advance(long ms) {
        long target = nowMs + ms;
        while (true) {
            Timer t = timers.peek();
            if (t == null || t.deadline > target) break;
            timers.poll();
            if (t.cancelled) continue;
            nowMs = Math.max(nowMs, t.deadline);
            ready.add(t.task);
            drain();
        }
        nowMs = target;
        drain();
    }

    /** The number of live (not cancelled) timers. */
    public int pendingTimers() {
        return (int) timers.stream().filter(t -> !t.cancelled).count();
    }

    private void drain() {
        if (running) return;
        running = true;
        try {
            Runnable r;
            while ((r = ready.poll()) != null) r.run();
        } finally {
            running = false;
        }
    }

    @Override
    public long milliseconds() {
        return nowMs;
    }

    @Override
    public long nanoseconds() {
        return nowMs * 1_000_000L;
    }

    /** Drops queued tasks and timers; the clock keeps its time. */
    @Override
    public void close() {
        ready.clear();
        timers.clear();
    }
}
