package io.runnel.group;

import io.runnel.common.ApiException;
import io.runnel.common.Errors;
import io.runnel.common.Time;
import io.runnel.common.Uuid;
import io.runnel.group.records.GroupRecord;
import io.runnel.group.records.RecordSerde;
import io.runnel.group.runtime.EventExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;

/**
 * The runtime of one coordinator shard: one partition of {@code __consumer_offsets} and the groups that hash
 * to it. Everything here runs on the coordinator thread ({@link EventExecutor}).
 *
 * <p><b>Operations and writes.</b> Each request or timer is an operation run by {@link #run}. An operation
 * reads the state, decides, and may call {@link #write} with the records that express its decision and a
 * continuation. After the operation returns, all its records go to {@link CoordinatorLog#append} as one
 * batch; only when the append has succeeded are the records replayed into {@link ShardState} and the
 * continuations run (which complete the responses). While a batch is in flight no other operation of this
 * shard starts (they queue), so every operation sees a state that includes all earlier writes, and a failed
 * append leaves nothing to undo. Operations that write nothing complete at once.
 *
 * <p><b>Timers.</b> {@link #schedule} keys timers by name; scheduling a key again replaces its timer. A timer
 * that fires runs as an operation (so it waits behind a write in flight, and is dropped if rescheduled or
 * cancelled meanwhile or if the shard was unloaded).
 */
final class GroupShard {
    private static final Logger log = LoggerFactory.getLogger(GroupShard.class);

    enum Status { LOADING, ACTIVE, CLOSED }

    final int partition;
    final GroupCoordinatorConfig config;
    final Time time;
    final TopicView topics;
    final GroupConfigView groupConfigs;
    /** The source of member ids; injected like time so a seeded test replays the same ids. Coordinator thread only. */
    final RandomGenerator random;
    private final EventExecutor executor;
    private final CoordinatorLog coordinatorLog;
    volatile Status status = Status.LOADING;
    ShardState state;

    final ClassicGroupManager classic;
    final ConsumerGroupManager consumer;
    final OffsetManager offsets;

    private final Map<String, Timer> timers = new HashMap<>();
    private final ArrayDeque<Op> waiting = new ArrayDeque<>();
    private boolean writing;
    private Batch batch;

    GroupShard(int partition, GroupCoordinatorConfig config, Time time, TopicView topics, GroupConfigView groupConfigs,
               RandomGenerator random, EventExecutor executor, CoordinatorLog coordinatorLog) {
        this.random = random;
        this.partition = partition;
        this.config = config;
        this.time = time;
        this.topics = topics;
        this.groupConfigs = groupConfigs;
        this.executor = executor;
        this.coordinatorLog = coordinatorLog;
        this.classic = new ClassicGroupManager(this);
        this.consumer = new ConsumerGroupManager(this);
        this.offsets = new OffsetManager(this);
    }

    /** An operation and what to do if it can never run (shard unloaded). */
    record Op(Runnable body, Consumer<Throwable> abort) {
    }

    private static final class Batch {
        final List<GroupRecord> records = new ArrayList<>();
        /** The producer whose transactional batch this is (TxnOffsetCommit), or -1 for a plain batch. */
        long producerId = -1;
        short producerEpoch = -1;
        final List<Runnable> onApplied = new ArrayList<>();
        final List<Consumer<Throwable>> onFailed = new ArrayList<>();

        void applied() {
            for (Runnable r : onApplied) {
                try {
                    r.run();
                } catch (Throwable t) {
                    log.error("group coordinator continuation failed", t);
                }
            }
        }

        void failed(Throwable err) {
            for (Consumer<Throwable> c : onFailed) {
                try {
                    c.accept(err);
                } catch (Throwable t) {
                    log.error("group coordinator failure handler failed", t);
                }
            }
        }
    }

    private static final class Timer {
        EventExecutor.Cancellable handle;
    }

    /** A consumer-protocol member id: a random Uuid in Kafka's text form. */
    String newMemberId() {
        return Uuid.random(random).toString();
    }

    /** A classic member id: {@code prefix-<uuid>}, as Kafka builds it from group.instance.id or client.id. */
    String newMemberId(String prefix) {
        return prefix + "-" + new UUID(random.nextLong(), random.nextLong());
    }

    long now() {
        return time.milliseconds();
    }

    ShardState state() {
        return state;
    }

    /** Installs the loaded state and starts the timers of what it holds. */
    void activate(ShardState loaded) {
        this.state = loaded;
        this.status = Status.ACTIVE;
        run(new Op(() -> {
            for (Group g : new ArrayList<>(state.groups.values())) {
                if (g instanceof ClassicGroup c) classic.onLoaded(c);
                else if (g instanceof ConsumerGroup c) consumer.onLoaded(c);
            }
            offsets.scheduleExpiry();
        }, t -> { }));
    }

    /** Stops the shard: cancels timers, fails queued operations and parked responses with NOT_COORDINATOR. */
    void close() {
        if (status == Status.CLOSED) return;
        status = Status.CLOSED;
        timers.values().forEach(t -> t.handle.cancel());
        timers.clear();
        ApiException notCoordinator = Errors.NOT_COORDINATOR.exception("the coordinator of partition " + partition + " moved");
        Op op;
        while ((op = waiting.poll()) != null) op.abort().accept(notCoordinator);
        if (state != null) {
            for (Group g : state.groups.values()) if (g instanceof ClassicGroup c) classic.onUnloaded(c);
        }
    }

    /** Runs {@code op} now, or after the write in flight. Coordinator thread. */
    void run(Op op) {
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
        Batch b = new Batch();
        batch = b;
        try {
            body.run();
        } catch (Throwable t) {
            batch = null;
            log.error("group coordinator operation failed on partition {}", partition, t);
            b.failed(t);
            abort.accept(t);
            return;
        }
        batch = null;
        commit(b);
    }

    /**
     * Appends the batch's records, or, when it has none, runs its continuations at once. Continuations run
     * inside a new batch of their own, so they may write too.
     */
    private void commit(Batch b) {
        if (b.records.isEmpty()) {
            if (!b.onApplied.isEmpty()) execute(b::applied, t -> { });
            return;
        }
        writing = true;
        CompletableFuture<Void> appended;
        try {
            List<CoordinatorRecord> bytes = new ArrayList<>(b.records.size());
            for (GroupRecord r : b.records) bytes.add(RecordSerde.serialize(r));
            appended = b.producerId >= 0
                    ? coordinatorLog.appendTransactional(partition, b.producerId, b.producerEpoch, bytes)
                    : coordinatorLog.append(partition, bytes);
        } catch (Throwable t) {
            appended = CompletableFuture.failedFuture(t);
        }
        appended.whenComplete((v, err) -> executor.execute(() -> finishWrite(b, err)));
    }

    /** Queues {@code body} as a new operation. */
    void resubmit(Runnable body, Consumer<Throwable> abort) {
        executor.execute(() -> run(new Op(body, abort)));
    }

    private void finishWrite(Batch b, Throwable err) {
        writing = false;
        if (status != Status.ACTIVE) {
            b.failed(Errors.NOT_COORDINATOR.exception(null));
            return;
        }
        if (err == null) {
            for (GroupRecord r : b.records) {
                if (b.producerId >= 0) state.replayTransactional(b.producerId, r);
                else state.replay(r);
            }
            execute(b::applied, t -> { });
        } else {
            log.warn("append to __consumer_offsets-{} failed: {}", partition, err.toString());
            execute(() -> b.failed(err), t -> { });
        }
        while (!writing && !waiting.isEmpty() && status == Status.ACTIVE) {
            Op op = waiting.poll();
            execute(op.body(), op.abort());
        }
    }

    /**
     * Adds records to the batch of the running operation (or continuation). {@code onApplied} runs after they
     * (and the rest of the batch) are durable and replayed; {@code onFailed} if the append failed (nothing was
     * applied). Both run on the coordinator thread and may write again.
     */
    void write(List<? extends GroupRecord> records, Runnable onApplied, Consumer<Throwable> onFailed) {
        if (batch == null) throw new IllegalStateException("write outside of a coordinator operation");
        if (batch.producerId >= 0 && !records.isEmpty()) throw new IllegalStateException("plain records in a transactional batch");
        batch.records.addAll(records);
        batch.onApplied.add(onApplied);
        batch.onFailed.add(onFailed);
    }

    /**
     * As {@link #write}, as one transactional batch of the producer (TxnOffsetCommit): replayed as pending until the
     * transaction's marker. The running operation must write nothing else.
     */
    void writeTransactional(long producerId, short producerEpoch, List<? extends GroupRecord> records, Runnable onApplied,
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

    void schedule(String key, long delayMs, Runnable task) {
        cancel(key);
        Timer t = new Timer();
        timers.put(key, t);
        t.handle = executor.schedule(delayMs, () -> run(new Op(() -> {
            if (timers.get(key) != t) return;
            timers.remove(key);
            task.run();
        }, e -> { })));
    }

    void cancel(String key) {
        Timer t = timers.remove(key);
        if (t != null) t.handle.cancel();
    }

    boolean hasTimer(String key) {
        return timers.containsKey(key);
    }

    int timerCount() {
        return timers.size();
    }

    // ------------------------------------------------------------------ errors

    /** The error a response carries when appending its records failed (Kafka's mapping). */
    static Errors appendError(Throwable err, boolean offsetCommit) {
        Errors e = Errors.forException(err);
        return switch (e) {
            case UNKNOWN_TOPIC_OR_PARTITION, NOT_ENOUGH_REPLICAS, NOT_ENOUGH_REPLICAS_AFTER_APPEND, REQUEST_TIMED_OUT,
                 COORDINATOR_NOT_AVAILABLE -> Errors.COORDINATOR_NOT_AVAILABLE;
            case NOT_LEADER_OR_FOLLOWER, KAFKA_STORAGE_ERROR, NOT_COORDINATOR -> Errors.NOT_COORDINATOR;
            case MESSAGE_TOO_LARGE, RECORD_LIST_TOO_LARGE, INVALID_FETCH_SIZE ->
                    offsetCommit ? Errors.INVALID_COMMIT_OFFSET_SIZE : Errors.UNKNOWN_SERVER_ERROR;
            default -> e;
        };
    }
}
