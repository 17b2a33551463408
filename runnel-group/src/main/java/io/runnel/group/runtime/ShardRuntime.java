package io.runnel.group.runtime;

import io.runnel.common.ApiException;
import io.runnel.common.Errors;
import io.runnel.group.CoordinatorLog;
import io.runnel.group.CoordinatorRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The runtime of one coordinator shard, shared by the group and the transaction coordinators: one partition of an
 * internal topic, its operations serialized around its writes, and its timers. Everything here runs on the
 * coordinator thread ({@link EventExecutor}).
 *
 * <p><b>Operations and writes.</b> Each request or timer is an operation run by {@link #run}. An operation reads
 * the state, decides, and may call {@link #write} with the records that express its decision and a continuation.
 * After the operation returns, all its records go to {@link CoordinatorLog#append} as one batch (or
 * {@link CoordinatorLog#appendTransactional} for {@link #writeTransactional}); only when the append has succeeded
 * are the records applied ({@link #apply}) and the continuations run (which complete the responses, and may write
 * again). While a batch is in flight no other operation of this shard starts (they queue), so every operation sees a
 * state that includes all earlier writes, and a failed append leaves nothing to undo. Operations that write nothing
 * complete at once.
 *
 * <p><b>Timers.</b> {@link #schedule} keys timers by name; scheduling a key again replaces its timer. A timer that
 * fires runs as an operation (so it waits behind a write in flight, and is dropped if rescheduled or cancelled
 * meanwhile or if the shard was closed).
 *
 * @param <R> the shard's record type, serialized by {@link #serialize}
 */
public abstract class ShardRuntime<R> {
    private static final Logger log = LoggerFactory.getLogger(ShardRuntime.class);

    public enum Status { LOADING, ACTIVE, CLOSED }

    /** An operation and what to do if it can never run (shard closed). */
    public record Op(Runnable body, Consumer<Throwable> abort) {
    }

    public final int partition;
    private final String topic;
    private final EventExecutor executor;
    private final CoordinatorLog coordinatorLog;
    private volatile Status status = Status.LOADING;

    private final Map<String, Timer> timers = new HashMap<>();
    private final ArrayDeque<Op> waiting = new ArrayDeque<>();
    private boolean writing;
    private Batch<R> batch;

    protected ShardRuntime(String topic, int partition, EventExecutor executor, CoordinatorLog coordinatorLog) {
        this.topic = topic;
        this.partition = partition;
        this.executor = executor;
        this.coordinatorLog = coordinatorLog;
    }

    /** The bytes of a record, as appended to the partition. */
    protected abstract CoordinatorRecord serialize(R record);

    /** Applies a record once its batch is durable; {@code producerId} is -1 for a plain batch. */
    protected abstract void apply(R record, long producerId);

    /** Called by {@link #close} after queued operations were failed (drop parked responses, ...). */
    protected void onClose() {
    }

    private static final class Batch<R> {
        final List<R> records = new ArrayList<>();
        /** The producer whose transactional batch this is, or -1 for a plain batch. */
        long producerId = -1;
        short producerEpoch = -1;
        final List<Runnable> onApplied = new ArrayList<>();
        final List<Consumer<Throwable>> onFailed = new ArrayList<>();

        void applied() {
            for (Runnable r : onApplied) {
                try {
                    r.run();
                } catch (Throwable t) {
                    log.error("coordinator continuation failed", t);
                }
            }
        }

        void failed(Throwable err) {
            for (Consumer<Throwable> c : onFailed) {
                try {
                    c.accept(err);
                } catch (Throwable t) {
                    log.error("coordinator failure handler failed", t);
                }
            }
        }
    }

    private static final class Timer {
        EventExecutor.Cancellable handle;
    }

    public final Status status() {
        return status;
    }

    /** The shard serves from now on (its state is loaded). */
    protected final void markActive() {
        status = Status.ACTIVE;
    }

    /** Stops the shard: cancels timers, fails queued operations with NOT_COORDINATOR, then {@link #onClose}. */
    public final void close() {
        if (status == Status.CLOSED) return;
        status = Status.CLOSED;
        timers.values().forEach(t -> t.handle.cancel());
        timers.clear();
        ApiException notCoordinator = Errors.NOT_COORDINATOR.exception("the coordinator of " + topic + "-" + partition + " moved");
        Op op;
        while ((op = waiting.poll()) != null) op.abort().accept(notCoordinator);
        onClose();
    }

    /** Runs {@code op} now, or after the write in flight. Coordinator thread. */
    public final void run(Op op) {
        if (status != Status.ACTIVE) {
            op.abort().accept(Errors.NOT_COORDINATOR.exception(null));
            return;
        }
        if (writing) {
            waiting.add(op);
            return;
        }
        execute(op.body(), op.abort());
    }

    /** Runs {@code body} with a fresh batch, then commits the batch. */
    private void execute(Runnable body, Consumer<Throwable> abort) {
        Batch<R> b = new Batch<>();
        batch = b;
        try {
            body.run();
        } catch (Throwable t) {
            batch = null;
            log.error("coordinator operation failed on {}-{}", topic, partition, t);
            b.failed(t);
            abort.accept(t);
            return;
        }
        batch = null;
        commit(b);
    }

    /**
     * Appends the batch's records, or, when it has none, runs its continuations at once. Continuations run inside a
     * new batch of their own, so they may write too.
     */
    private void commit(Batch<R> b) {
        if (b.records.isEmpty()) {
            if (!b.onApplied.isEmpty()) execute(b::applied, t -> { });
            return;
        }
        writing = true;
        CompletableFuture<Void> appended;
        try {
            List<CoordinatorRecord> bytes = new ArrayList<>(b.records.size());
            for (R r : b.records) bytes.add(serialize(r));
            appended = b.producerId >= 0
                    ? coordinatorLog.appendTransactional(partition, b.producerId, b.producerEpoch, bytes)
                    : coordinatorLog.append(partition, bytes);
        } catch (Throwable t) {
            appended = CompletableFuture.failedFuture(t);
        }
        appended.whenComplete((v, err) -> executor.execute(() -> finishWrite(b, err)));
    }

    /** Queues {@code body} as a new operation. */
    public final void resubmit(Runnable body, Consumer<Throwable> abort) {
        executor.execute(() -> run(new Op(body, abort)));
    }

    private void finishWrite(Batch<R> b, Throwable err) {
        writing = false;
        if (status != Status.ACTIVE) {
            b.failed(Errors.NOT_COORDINATOR.exception(null));
            return;
        }
        if (err == null) {
            for (R r : b.records) apply(r, b.producerId);
            execute(b::applied, t -> { });
        } else {
            log.warn("append to {}-{} failed: {}", topic, partition, err.toString());
            execute(() -> b.failed(err), t -> { });
        }
        while (!writing && !waiting.isEmpty() && status == Status.ACTIVE) {
            Op op = waiting.poll();
            execute(op.body(), op.abort());
        }
    }

    /**
     * Adds records to the batch of the running operation (or continuation). {@code onApplied} runs after they (and
     * the rest of the batch) are durable and applied; {@code onFailed} if the append failed (nothing was applied).
     * Both run on the coordinator thread and may write again.
     */
    public final void write(List<? extends R> records, Runnable onApplied, Consumer<Throwable> onFailed) {
        if (batch == null) throw new IllegalStateException("write outside of a coordinator operation");
        if (batch.producerId >= 0 && !records.isEmpty()) throw new IllegalStateException("plain records in a transactional batch");
        batch.records.addAll(records);
        batch.onApplied.add(onApplied);
        batch.onFailed.add(onFailed);
    }

    /**
     * As {@link #write}, as one transactional batch of the producer (TxnOffsetCommit): applied with the producer id,
     * pending until the transaction's marker. The running operation must write nothing else.
     */
    public final void writeTransactional(long producerId, short producerEpoch, List<? extends R> records, Runnable onApplied,
                                         Consumer<Throwable> onFailed) {
        if (batch == null) throw new IllegalStateException("write outside of a coordinator operation");
        if (!batch.records.isEmpty()) throw new IllegalStateException("a transactional batch with other records");
        batch.producerId = producerId;
        batch.producerEpoch = producerEpoch;
        batch.records.addAll(records);
        batch.onApplied.add(onApplied);
        batch.onFailed.add(onFailed);
    }

    // ------------------------------------------------------------------ timers

    public final void schedule(String key, long delayMs, Runnable task) {
        cancel(key);
        Timer t = new Timer();
        timers.put(key, t);
        t.handle = executor.schedule(delayMs, () -> run(new Op(() -> {
            if (timers.get(key) != t) return;
            timers.remove(key);
            task.run();
        }, e -> { })));
    }

    public final void cancel(String key) {
        Timer t = timers.remove(key);
        if (t != null) t.handle.cancel();
    }

    public final boolean hasTimer(String key) {
        return timers.containsKey(key);
    }

    public final int timerCount() {
        return timers.size();
    }
}
