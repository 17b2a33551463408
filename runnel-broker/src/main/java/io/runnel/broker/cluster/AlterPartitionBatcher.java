package io.runnel.broker.cluster;

import io.runnel.common.Errors;
import io.runnel.metadata.BrokerLifecycleMessages.AlterPartitionReply;
import io.runnel.metadata.BrokerLifecycleMessages.IsrChange;
import io.runnel.metadata.BrokerLifecycleMessages.IsrChangeResult;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * A broker's ISR changes on their way to the active controller, as Kafka's AlterPartitionManager sends them: at
 * most one AlterPartition in flight; the changes that arrive meanwhile wait and go together in the next one (up
 * to {@link #MAX_CHANGES}). A broker that leads thousands of partitions and needs them all changed at once (a
 * restarted follower catching up everywhere) then costs the controller a few proposals instead of one per
 * partition, and its heartbeats are not starved behind them.
 *
 * <p>Thread-safe; the sender is called outside the lock, and each change's future completes with its own result.
 */
public final class AlterPartitionBatcher {
    /** The most changes sent in one AlterPartition. */
    static final int MAX_CHANGES = 1_000;

    private record Pending(IsrChange change, CompletableFuture<IsrChangeResult> result) {
    }

    private final Function<List<IsrChange>, CompletableFuture<AlterPartitionReply>> sender;
    private final ArrayDeque<Pending> queue = new ArrayDeque<>();
    private boolean inFlight;

    /** @param sender sends one AlterPartition with these changes (this broker's id and epoch added by it) */
    public AlterPartitionBatcher(Function<List<IsrChange>, CompletableFuture<AlterPartitionReply>> sender) {
        this.sender = sender;
    }

    /** Queues {@code change}; completes with its result, or with the whole request's error as its result's error. */
    public CompletableFuture<IsrChangeResult> submit(IsrChange change) {
        CompletableFuture<IsrChangeResult> f = new CompletableFuture<>();
        List<Pending> batch;
        synchronized (this) {
            queue.add(new Pending(change, f));
            if (inFlight) return f;
            batch = take();
        }
        send(batch);
        return f;
    }

    /** The next batch (the caller sends it), or null when nothing waits; marks a request in flight. Under the lock. */
    private List<Pending> take() {
        if (queue.isEmpty()) {
            inFlight = false;
            return null;
        }
        List<Pending> batch = new ArrayList<>(Math.min(queue.size(), MAX_CHANGES));
        while (!queue.isEmpty() && batch.size() < MAX_CHANGES) batch.add(queue.poll());
        inFlight = true;
        return batch;
    }

    private void send(List<Pending> batch) {
        while (batch != null) {
            CompletableFuture<AlterPartitionReply> reply;
            try {
                reply = sender.apply(batch.stream().map(Pending::change).toList());
            } catch (RuntimeException e) {
                reply = CompletableFuture.failedFuture(e);
            }
            List<Pending> sent = batch;
            if (!reply.isDone()) {
                reply.whenComplete((r, t) -> {
                    complete(sent, r, t);
                    List<Pending> next;
                    synchronized (this) {
                        next = take();
                    }
                    send(next);
                });
                return;
            }
            // answered at once (an error, or a test's sender): complete and go on in this loop, not by recursion
            complete(sent, reply.getNow(null), reply.isCompletedExceptionally() ? failure(reply) : null);
            synchronized (this) {
                batch = take();
            }
        }
    }

    private static Throwable failure(CompletableFuture<?> f) {
        try {
            f.join();
            return null;
        } catch (RuntimeException e) {
            return e.getCause() != null ? e.getCause() : e;
        }
    }

    private static void complete(List<Pending> sent, AlterPartitionReply r, Throwable t) {
        for (int i = 0; i < sent.size(); i++) {
            Pending p = sent.get(i);
            if (t != null) {
                p.result().completeExceptionally(t);
            } else if (r.error() != Errors.NONE) {
                p.result().complete(new IsrChangeResult(p.change().topicId(), p.change().partition(), r.error(), null));
            } else {
                p.result().complete(resultFor(p.change(), r.results(), i));
            }
        }
    }

    /** The reply's result for {@code c}: at its index when it matches (the controller answers in order), else by partition. */
    private static IsrChangeResult resultFor(IsrChange c, List<IsrChangeResult> results, int index) {
        if (index < results.size() && matches(c, results.get(index))) return results.get(index);
        for (IsrChangeResult x : results) if (matches(c, x)) return x;
        return new IsrChangeResult(c.topicId(), c.partition(), Errors.UNKNOWN_SERVER_ERROR, null);
    }

    private static boolean matches(IsrChange c, IsrChangeResult r) {
        return r.topicId().equals(c.topicId()) && r.partition() == c.partition();
    }
}
