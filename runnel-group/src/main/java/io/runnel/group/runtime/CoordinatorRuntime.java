package io.runnel.group.runtime;

import io.runnel.common.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.BiConsumer;

/**
 * The shards of a coordinator sharded by the partitions of an internal topic, and their life cycle, shared by the
 * group coordinator ({@code __consumer_offsets}) and the transaction coordinator ({@code __transaction_state}):
 *
 * <ul>
 *   <li>{@link #onElection}: this broker leads the partition. A LOADING shard is created; the partition is replayed
 *       on the loader executor into a fresh state ({@link ShardFactory#load}), which is then handed to the
 *       coordinator thread ({@link ShardFactory#activate}: the shard becomes ACTIVE).</li>
 *   <li>{@link #onResignation}: it no longer leads it; the shard is closed ({@link ShardRuntime#close}).</li>
 *   <li>{@link #submit}: runs an operation on the partition's shard, after its writes in flight
 *       ({@link ShardRuntime#run}); NOT_COORDINATOR without a shard, COORDINATOR_LOAD_IN_PROGRESS while it loads,
 *       COORDINATOR_NOT_AVAILABLE once the runtime is shut down.</li>
 * </ul>
 *
 * <p>Threads: public methods are thread-safe and never block; shards are touched only on the coordinator thread
 * (the {@link EventExecutor}), so futures complete there and callers must not block in their callbacks.
 *
 * @param <T> the shard type
 * @param <L> what loading a partition yields (the replayed state)
 */
public final class CoordinatorRuntime<T extends ShardRuntime<?>, L> implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CoordinatorRuntime.class);

    /** How the shards of one coordinator are made, loaded and started. */
    public interface ShardFactory<T, L> {
        /** A new, LOADING shard; coordinator thread. */
        T create(int partition);

        /** Replays the partition into a fresh state; loader executor. */
        L load(int partition);

        /** Installs the loaded state into the shard, which becomes ACTIVE; coordinator thread. */
        void activate(T shard, L loaded);
    }

    private final String topic;
    private final ShardFactory<T, L> factory;
    private final EventExecutor executor;
    private final Executor loader;
    /** Written only on the coordinator thread; read anywhere. */
    private final AtomicReferenceArray<T> shards;

    /**
     * @param topic    the internal topic, for log lines
     * @param executor the coordinator thread
     * @param loader   where partitions are replayed when loading
     */
    public CoordinatorRuntime(String topic, int partitions, ShardFactory<T, L> factory, EventExecutor executor, Executor loader) {
        this.topic = topic;
        this.factory = factory;
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

    /** The partition's shard, or null; coordinator thread. */
    public T shard(int partition) {
        return shards.get(partition);
    }

    /** Loads the partition (nothing more if it is loaded or loading). Completes when it is active. */
    public CompletableFuture<Void> onElection(int partition) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        executor.execute(() -> {
            if (shards.get(partition) != null) {
                done.complete(null);
                return;
            }
            T shard = factory.create(partition);
            shards.set(partition, shard);
            loader.execute(() -> load(partition, shard, done));
        });
        return done;
    }

    private void load(int partition, T shard, CompletableFuture<Void> done) {
        long start = System.nanoTime();
        L state = null;
        Throwable failure = null;
        try {
            state = factory.load(partition);
        } catch (Throwable t) {
            failure = t;
        }
        L loaded = state;
        Throwable err = failure;
        executor.execute(() -> {
            if (shards.get(partition) != shard) {
                done.complete(null);
                return;
            }
            if (err != null) {
                log.error("loading {}-{} failed", topic, partition, err);
                shards.set(partition, null);
                shard.close();
                done.completeExceptionally(err);
                return;
            }
            try {
                factory.activate(shard, loaded);
            } catch (RuntimeException e) {
                log.error("activating {}-{} failed", topic, partition, e);
            }
            log.info("loaded {}-{} in {} ms", topic, partition, (System.nanoTime() - start) / 1_000_000);
            done.complete(null);
        });
    }

    /** Drops the partition's shard. */
    public CompletableFuture<Void> onResignation(int partition) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        executor.execute(() -> {
            T s = shards.get(partition);
            shards.set(partition, null);
            if (s != null) s.close();
            done.complete(null);
        });
        return done;
    }

    /** Whether the partition is loaded here. */
    public boolean isActive(int partition) {
        T s = shards.get(partition);
        return s != null && s.status() == ShardRuntime.Status.ACTIVE;
    }

    /** Whether some partition is still loading. */
    public boolean anyLoading() {
        for (int p = 0; p < shards.length(); p++) {
            T s = shards.get(p);
            if (s != null && s.status() == ShardRuntime.Status.LOADING) return true;
        }
        return false;
    }

    /**
     * Runs {@code op} as an operation of the partition's shard; the future fails with an
     * {@link io.runnel.common.ApiException} (NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS, COORDINATOR_NOT_AVAILABLE)
     * when it cannot run, and {@code op} completes it otherwise.
     */
    public <V> CompletableFuture<V> submit(int partition, BiConsumer<T, CompletableFuture<V>> op) {
        CompletableFuture<V> f = new CompletableFuture<>();
        try {
            executor.execute(() -> {
                T s = shards.get(partition);
                if (s == null) {
                    f.completeExceptionally(Errors.NOT_COORDINATOR.exception("this broker does not coordinate " + topic + "-" + partition));
                } else if (s.status() == ShardRuntime.Status.LOADING) {
                    f.completeExceptionally(Errors.COORDINATOR_LOAD_IN_PROGRESS.exception(null));
                } else {
                    s.run(new ShardRuntime.Op(() -> op.accept(s, f), f::completeExceptionally));
                }
            });
        } catch (RuntimeException rejected) {
            f.completeExceptionally(Errors.COORDINATOR_NOT_AVAILABLE.exception("the coordinator is shut down"));
        }
        return f;
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

    /** Closes every shard (on the coordinator thread, waiting up to 5 s for it); the executor stays open. */
    @Override
    public void close() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            executor.execute(() -> {
                for (int p = 0; p < shards.length(); p++) {
                    T s = shards.get(p);
                    shards.set(p, null);
                    if (s != null) s.close();
                }
                done.complete(null);
            });
            if (!executor.inEventThread()) done.get(5, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception e) {
            log.warn("closing the {} coordinator: {}", topic, e.toString());
        }
    }
}
