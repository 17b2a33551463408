package io.runnel.group.runtime;

import io.runnel.common.ApiException;
import io.runnel.common.Errors;
import io.runnel.group.CoordinatorLog;
import io.runnel.group.CoordinatorRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The runtime of a coordinator sharded by the partitions of an internal topic (load, replay, write, unload),
 * for any state machine whose commands return records plus a response: the transaction coordinator uses it for
 * {@code __transaction_state}.
 *
 * <ul>
 *   <li><b>Shards.</b> {@link #onElection} creates a LOADING shard and replays the partition on the loader
 *       executor into a fresh state ({@link StateMachine#load}), then hands it to the coordinator thread (ACTIVE).
 *       {@link #onResignation} drops it. Commands for a partition without a shard fail with NOT_COORDINATOR, for a
 *       loading one with COORDINATOR_LOAD_IN_PROGRESS.</li>
 *   <li><b>Writes.</b> {@link #submit} runs a command on the coordinator thread. Its records go to
 *       {@link CoordinatorLog#append} as one batch; only once durable are they applied
 *       ({@link StateMachine#apply}), the future completed with the response, and the result's continuation
 *       run. While a batch is in flight the shard's next commands queue, so each one sees every earlier write;
 *       a failed append applies nothing and fails the future with the append's error.</li>
 *   <li><b>Timers</b> ({@link #schedule}) run as commands of their shard and end with it.</li>
 * </ul>
 *
 * <p>Threads: public methods are thread-safe and never block; futures complete on the coordinator thread (the
 * {@link EventExecutor}), so callers must not block in their callbacks.
 *
 * @param <S> the state of one shard, owned by the coordinator thread once loaded
 */
public final class CoordinatorRuntime<S> implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CoordinatorRuntime.class);

    /** How a shard's state is built and changed. */
    public interface StateMachine<S> {
        /** Builds the state of a partition from its log; runs on the loader executor. */
        S load(int partition, CoordinatorLog log);

        /** Applies one record this runtime appended; coordinator thread. */
        void apply(S state, CoordinatorRecord record);

        /** The shard is active (start timers, resume work); coordinator thread. */
        default void onLoaded(int partition, S state) {
        }

        /** The shard is dropped; coordinator thread. */
        default void onUnloaded(int partition, S state) {
        }
    }

    /**
     * What a command decided: records to append (may be empty), the response, and what to run once the records
     * are applied (on the coordinator thread; may submit further commands).
     */
    public record Result<T>(List<CoordinatorRecord> records, T response, Runnable afterApplied) {
        public Result {
            records = List.copyOf(records);
        }

        public static <T> Result<T> of(T response) {
            return new Result<>(List.of(), response, null);
        }
    }

    private enum Status { LOADING, ACTIVE, CLOSED }

    private final String name;
    private final CoordinatorLog coordinatorLog;
    private final StateMachine<S> machine;
    private final EventExecutor executor;
    private final Executor loader;
    private final AtomicReferenceArray<Shard> shards;

    /**
     * @param name     the internal topic, for log lines
     * @param executor the coordinator thread
     * @param loader   where partitions are replayed when loading
     */
    public CoordinatorRuntime(String name, int partitions, CoordinatorLog coordinatorLog, StateMachine<S> machine,
                              EventExecutor executor, Executor loader) {
        this.name = name;
        this.coordinatorLog = coordinatorLog;
        this.machine = machine;
        this.executor = executor;
        this.loader = loader;
        this.shards = new AtomicReferenceArray<>(partitions);
    }

    public int partitions() {
        return shards.length();
    }

    public EventExecutor executor() {
        return executor;
    }

    // ------------------------------------------------------------------ lifecycle

    /** This broker leads the partition: load it (nothing more if it is loaded or loading). Completes when active. */
    public CompletableFuture<Void> onElection(int partition) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        executor.execute(() -> {
            if (shards.get(partition) != null) {
                done.complete(null);
                return;
            }
            Shard shard = new Shard(partition);
            shards.set(partition, shard);
            loader.execute(() -> load(shard, done));
        });
        return done;
    }

    private void load(Shard shard, CompletableFuture<Void> done) {
        long start = System.nanoTime();
        S state = null;
        Throwable failure = null;
        try {
            state = machine.load(shard.partition, coordinatorLog);
        } catch (Throwable t) {
            failure = t;
        }
        S loaded = state;
        Throwable err = failure;
        executor.execute(() -> {
            if (shards.get(shard.partition) != shard) {
                done.complete(null);
                return;
            }
            if (err != null) {
                log.error("loading {}-{} failed", name, shard.partition, err);
                shards.set(shard.partition, null);
                shard.close();
                done.completeExceptionally(err);
                return;
            }
            shard.state = loaded;
            shard.status = Status.ACTIVE;
            log.info("loaded {}-{} in {} ms", name, shard.partition, (System.nanoTime() - start) / 1_000_000);
            try {
                machine.onLoaded(shard.partition, loaded);
            } catch (RuntimeException e) {
                log.error("starting {}-{} failed", name, shard.partition, e);
            }
            done.complete(null);
        });
    }

    /** This broker no longer leads the partition: drop the shard; queued commands fail with NOT_COORDINATOR. */
    public CompletableFuture<Void> onResignation(int partition) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        executor.execute(() -> {
            Shard s = shards.get(partition);
            shards.set(partition, null);
            if (s != null) s.close();
            done.complete(null);
        });
        return done;
    }

    /** Whether the partition is loaded here. */
    public boolean isActive(int partition) {
        Shard s = shards.get(partition);
        return s != null && s.status == Status.ACTIVE;
    }

    /** Whether some partition is still loading. */
    public boolean anyLoading() {
        for (int p = 0; p < shards.length(); p++) {
            Shard s = shards.get(p);
            if (s != null && s.status == Status.LOADING) return true;
        }
        return false;
    }

    // ------------------------------------------------------------------ commands

    /**
     * Runs {@code command} on the partition's state after the shard's earlier writes. The future fails with an
     * {@link ApiException}: NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS, COORDINATOR_NOT_AVAILABLE (shut down) or
     * the append's error (see {@link #appendError} for Kafka's mapping).
     */
    public <T> CompletableFuture<T> submit(int partition, Function<S, Result<T>> command) {
        CompletableFuture<T> f = new CompletableFuture<>();
        try {
            executor.execute(() -> {
                Shard s = shards.get(partition);
                if (s == null) {
                    f.completeExceptionally(Errors.NOT_COORDINATOR.exception("this broker does not coordinate " + name + "-" + partition));
                } else if (s.status == Status.LOADING) {
                    f.completeExceptionally(Errors.COORDINATOR_LOAD_IN_PROGRESS.exception(null));
                } else {
                    s.run(new Op<>(command, f));
                }
            });
        } catch (RuntimeException rejected) {
            f.completeExceptionally(Errors.COORDINATOR_NOT_AVAILABLE.exception("the coordinator is shut down"));
        }
        return f;
    }

    /** Runs {@code read} on every active shard, on the coordinator thread; the results in partition order. */
    public <T> CompletableFuture<List<T>> readAll(Function<S, T> read) {
        CompletableFuture<List<T>> out = new CompletableFuture<>();
        executor.execute(() -> {
            List<CompletableFuture<T>> fs = new java.util.ArrayList<>();
            for (int p = 0; p < shards.length(); p++) {
                Shard s = shards.get(p);
                if (s == null || s.status != Status.ACTIVE) continue;
                CompletableFuture<T> f = new CompletableFuture<>();
                s.run(new Op<T>(st -> Result.of(read.apply(st)), f));
                fs.add(f);
            }
            CompletableFuture.allOf(fs.toArray(CompletableFuture[]::new)).whenComplete((v, t) -> {
                List<T> all = new java.util.ArrayList<>();
                for (CompletableFuture<T> f : fs) if (!f.isCompletedExceptionally()) all.add(f.join());
                out.complete(all);
            });
        });
        return out;
    }

    /**
     * Runs {@code command} after {@code delayMs} as a command of the partition's shard, if it is still the same
     * shard; scheduling a key again replaces its timer. Errors of the command are logged.
     */
    public void schedule(int partition, String key, long delayMs, Function<S, Result<?>> command) {
        executor.execute(() -> {
            Shard s = shards.get(partition);
            if (s == null || s.status == Status.CLOSED) return;
            EventExecutor.Cancellable old = s.timers.remove(key);
            if (old != null) old.cancel();
            EventExecutor.Cancellable[] handle = new EventExecutor.Cancellable[1];
            handle[0] = executor.schedule(delayMs, () -> {
                if (shards.get(partition) != s || s.timers.get(key) != handle[0]) return;
                s.timers.remove(key);
                CompletableFuture<Object> f = new CompletableFuture<>();
                f.whenComplete((v, t) -> {
                    if (t != null) log.warn("timer {} of {}-{} failed: {}", key, name, partition, t.toString());
                });
                @SuppressWarnings({"unchecked", "rawtypes"})
                Function<S, Result<Object>> c = (Function) command;
                s.run(new Op<Object>(c, f));
            });
            s.timers.put(key, handle[0]);
        });
    }

    /** The error a response carries when appending its records failed (Kafka's mapping for coordinators). */
    public static Errors appendError(Throwable err) {
        Throwable t = err instanceof java.util.concurrent.CompletionException && err.getCause() != null ? err.getCause() : err;
        Errors e = Errors.forException(t);
        return switch (e) {
            case UNKNOWN_TOPIC_OR_PARTITION, NOT_ENOUGH_REPLICAS, NOT_ENOUGH_REPLICAS_AFTER_APPEND, REQUEST_TIMED_OUT,
                 COORDINATOR_NOT_AVAILABLE -> Errors.COORDINATOR_NOT_AVAILABLE;
            case NOT_LEADER_OR_FOLLOWER, KAFKA_STORAGE_ERROR, NOT_COORDINATOR -> Errors.NOT_COORDINATOR;
            case MESSAGE_TOO_LARGE, RECORD_LIST_TOO_LARGE, INVALID_FETCH_SIZE -> Errors.UNKNOWN_SERVER_ERROR;
            default -> e;
        };
    }

    @Override
    public void close() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            executor.execute(() -> {
                for (int p = 0; p < shards.length(); p++) {
                    Shard s = shards.get(p);
                    shards.set(p, null);
                    if (s != null) s.close();
                }
                done.complete(null);
            });
            if (!executor.inEventThread()) done.get(5, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception e) {
            log.warn("closing the {} coordinator: {}", name, e.toString());
        }
    }

    // ------------------------------------------------------------------ one shard

    private final class Op<T> {
        final Function<S, Result<T>> command;
        final CompletableFuture<T> future;

        Op(Function<S, Result<T>> command, CompletableFuture<T> future) {
            this.command = command;
            this.future = future;
        }
    }

    private final class Shard {
        final int partition;
        volatile Status status = Status.LOADING;
        S state;
        final ArrayDeque<Op<?>> waiting = new ArrayDeque<>();
        final Map<String, EventExecutor.Cancellable> timers = new HashMap<>();
        boolean writing;

        Shard(int partition) {
            this.partition = partition;
        }

        <T> void run(Op<T> op) {
            if (status != Status.ACTIVE) {
                op.future.completeExceptionally(Errors.NOT_COORDINATOR.exception(null));
                return;
            }
            if (writing) {
                waiting.add(op);
                return;
            }
            execute(op);
        }

        private <T> void execute(Op<T> op) {
            Result<T> r;
            try {
                r = op.command.apply(state);
            } catch (Throwable t) {
                log.error("{} coordinator command failed on partition {}", name, partition, t);
                op.future.completeExceptionally(t);
                return;
            }
            if (r.records().isEmpty()) {
                finish(op, r);
                return;
            }
            writing = true;
            CompletableFuture<Void> appended;
            try {
                appended = coordinatorLog.append(partition, r.records());
            } catch (Throwable t) {
                appended = CompletableFuture.failedFuture(t);
            }
            appended.whenComplete((v, err) -> executor.execute(() -> written(op, r, err)));
        }

        private <T> void written(Op<T> op, Result<T> r, Throwable err) {
            writing = false;
            if (status != Status.ACTIVE) {
                op.future.completeExceptionally(Errors.NOT_COORDINATOR.exception("the coordinator of partition " + partition + " moved"));
                return;
            }
            if (err != null) {
                log.warn("append to {}-{} failed: {}", name, partition, err.toString());
                op.future.completeExceptionally(err);
            } else {
                for (CoordinatorRecord rec : r.records()) machine.apply(state, rec);
                finish(op, r);
            }
            while (!writing && !waiting.isEmpty() && status == Status.ACTIVE) execute(waiting.poll());
        }

        private <T> void finish(Op<T> op, Result<T> r) {
            op.future.complete(r.response());
            if (r.afterApplied() != null) {
                try {
                    r.afterApplied().run();
                } catch (Throwable t) {
                    log.error("{} coordinator continuation failed on partition {}", name, partition, t);
                }
            }
        }

        void close() {
            if (status == Status.CLOSED) return;
            boolean wasActive = status == Status.ACTIVE;
            status = Status.CLOSED;
            timers.values().forEach(EventExecutor.Cancellable::cancel);
            timers.clear();
            ApiException notCoordinator = Errors.NOT_COORDINATOR.exception("the coordinator of partition " + partition + " moved");
            Op<?> op;
            while ((op = waiting.poll()) != null) op.future.completeExceptionally(notCoordinator);
            if (wasActive) {
                try {
                    machine.onUnloaded(partition, state);
                } catch (RuntimeException e) {
                    log.error("unloading {}-{} failed", name, partition, e);
                }
            }
        }
    }

    /** For {@link Consumer}-style callers: a command that writes nothing. */
    public static <S> Function<S, Result<Void>> reading(Consumer<S> read) {
        return s -> {
            read.accept(s);
            return Result.of(null);
        };
    }
}
