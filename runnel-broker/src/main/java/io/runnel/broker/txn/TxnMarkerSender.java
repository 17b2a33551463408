package io.runnel.broker.txn;

import io.runnel.common.Errors;
import io.runnel.common.TopicPartition;
import io.runnel.txn.MarkerRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Carries out the coordinator's {@link MarkerRequest}s: writes the marker into every partition of the transaction
 * (through a {@link MarkerWriter}), retrying retriable errors with a growing backoff (100 ms up to 2 s) for as long
 * as the transaction's coordinator is still loaded here, and reports when every marker is written.
 *
 * <p>A partition that no longer exists (UNKNOWN_TOPIC_OR_PARTITION, UNKNOWN_TOPIC_ID) counts as written, as in
 * Kafka; a non-retriable error (a stale epoch: the transaction was already completed by a newer coordinator) is
 * logged and counts as written too, so that the transaction never hangs in PrepareCommit/PrepareAbort.
 *
 * <p>Threads: runs off the coordinator thread, on its own "txn-marker-sender" thread for the retries.
 */
public final class TxnMarkerSender implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TxnMarkerSender.class);
    private static final long MIN_BACKOFF_MS = 100;
    private static final long MAX_BACKOFF_MS = 2000;

    private final MarkerWriter writer;
    private final ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "txn-marker-sender");
        t.setDaemon(true);
        return t;
    });

    public TxnMarkerSender(MarkerWriter writer) {
        this.writer = writer;
    }

    /**
     * Writes every marker of {@code m}; the future completes once all are written, or with false when
     * {@code stillCoordinator} turned false meanwhile (the coordinator moved; the new one resends them).
     */
    public CompletableFuture<Boolean> send(MarkerRequest m, int coordinatorEpoch, BooleanSupplier stillCoordinator) {
        List<CompletableFuture<Boolean>> all = new ArrayList<>();
        for (TopicPartition tp : m.partitions()) {
            CompletableFuture<Boolean> done = new CompletableFuture<>();
            attempt(tp, m, coordinatorEpoch, stillCoordinator, MIN_BACKOFF_MS, done);
            all.add(done);
        }
        return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new))
                .thenApply(v -> all.stream().allMatch(CompletableFuture::join));
    }

    private void attempt(TopicPartition tp, MarkerRequest m, int coordinatorEpoch, BooleanSupplier stillCoordinator, long backoff,
                         CompletableFuture<Boolean> done) {
        if (!stillCoordinator.getAsBoolean()) {
            done.complete(false);
            return;
        }
        CompletableFuture<Errors> w;
        try {
            w = writer.writeTxnMarker(tp, m.producerId(), m.producerEpoch(), coordinatorEpoch, m.commit());
        } catch (RuntimeException e) {
            w = CompletableFuture.completedFuture(Errors.forException(e));
        }
        w.whenComplete((error, t) -> {
            Errors e = t != null ? Errors.forException(t) : error;
            switch (e) {
                case NONE -> done.complete(true);
                case UNKNOWN_TOPIC_OR_PARTITION, UNKNOWN_TOPIC_ID -> {
                    log.info("{} marker for producer {} skipped: {} no longer exists", m.commit() ? "commit" : "abort", m.producerId(), tp);
                    done.complete(true);
                }
                default -> {
                    if (e.retriable() || e == Errors.UNKNOWN_SERVER_ERROR) {
                        log.debug("{} marker for producer {} into {} failed with {}; retrying in {} ms",
                                m.commit() ? "commit" : "abort", m.producerId(), tp, e, backoff);
                        try {
                            retries.schedule(() -> attempt(tp, m, coordinatorEpoch, stillCoordinator,
                                    Math.min(MAX_BACKOFF_MS, backoff * 2), done), backoff, TimeUnit.MILLISECONDS);
                        } catch (RuntimeException shutDown) {
                            done.complete(false);
                        }
                    } else {
                        log.warn("{} marker for producer {} epoch {} into {} refused with {}; not retried",
                                m.commit() ? "commit" : "abort", m.producerId(), m.producerEpoch(), tp, e);
                        done.complete(true);
                    }
                }
            }
        });
    }

    @Override
    public void close() {
        retries.shutdownNow();
    }
}
