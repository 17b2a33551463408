package io.runnel.broker.txn;

import io.runnel.common.Errors;
import io.runnel.common.Time;
import io.runnel.common.TopicPartition;
import io.runnel.group.InMemoryCoordinatorLog;
import io.runnel.group.runtime.ThreadEventExecutor;
import io.runnel.txn.ProducerIdBlock;
import io.runnel.txn.ProducerIdManager;
import io.runnel.txn.TransactionState;
import io.runnel.txn.TxnCoordinatorConfig;
import io.runnel.txn.TxnResponses.ProducerIdAndEpoch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The broker's transaction coordinator on the shared runtime, with an in-memory __transaction_state and a marker
 * writer that records (and can refuse) markers: markers after PrepareCommit/PrepareAbort, completion once all are
 * written, retries of retriable marker errors, markers resent when the partition is loaded again, and the periodic
 * abort of timed-out transactions.
 */
class TransactionCoordinatorTest {
    private static final TopicPartition A = new TopicPartition("a", 0);
    private static final TopicPartition B = new TopicPartition("b", 0);

    private record Marker(TopicPartition tp, long producerId, short epoch, boolean commit) {
    }

    private final InMemoryCoordinatorLog log = new InMemoryCoordinatorLog();
    private final ConcurrentLinkedQueue<Marker> markers = new ConcurrentLinkedQueue<>();
    private volatile TopicPartition refused;
    private final AtomicLong nextId = new AtomicLong(100);
    private TransactionCoordinator coordinator;

    private TransactionCoordinator start(long abortIntervalMs) throws Exception {
        TxnCoordinatorConfig config = new TxnCoordinatorConfig(1, 900_000, 7L * 24 * 3600_000, abortIntervalMs, 3600_000, 50, (short) 2);
        ProducerIdManager ids = new ProducerIdManager(() -> CompletableFuture.completedFuture(new ProducerIdBlock(nextId.getAndAdd(1000), 1000)));
        MarkerWriter writer = (tp, pid, epoch, coordinatorEpoch, commit) -> {
            if (tp.equals(refused)) return CompletableFuture.completedFuture(Errors.NOT_LEADER_OR_FOLLOWER);
            markers.add(new Marker(tp, pid, epoch, commit));
            return CompletableFuture.completedFuture(Errors.NONE);
        };
        coordinator = new TransactionCoordinator(config, log, ids, writer, p -> 0, Time.SYSTEM,
                new ThreadEventExecutor("txn-coordinator-test"), Runnable::run, null);
        coordinator.onElection(0).get(10, TimeUnit.SECONDS);
        return coordinator;
    }

    @AfterEach
    void stop() {
        if (coordinator != null) coordinator.close();
    }

    private static <T> T get(CompletableFuture<T> f) throws Exception {
        return f.get(10, TimeUnit.SECONDS);
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waiting for %s", what).isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    private TransactionState state(String id) throws Exception {
        return get(coordinator.describe(id)).metadata().state();
    }

    @Test
    void aCommitWritesEveryMarkerAndThenCompletes() throws Exception {
        start(10_000);
        ProducerIdAndEpoch p = get(coordinator.initProducerId("t", 60_000, -1, (short) -1));
        assertThat(p.error()).isEqualTo(Errors.NONE);
        assertThat(get(coordinator.addPartitions("t", p.producerId(), p.producerEpoch(), List.of(A, B), (short) 1))).isEqualTo(Errors.NONE);
        assertThat(state("t")).isEqualTo(TransactionState.ONGOING);
        assertThat(get(coordinator.endTxn("t", p.producerId(), p.producerEpoch(), true, (short) 1)).error()).isEqualTo(Errors.NONE);
        await("CompleteCommit", () -> {
            try {
                return state("t") == TransactionState.COMPLETE_COMMIT;
            } catch (Exception e) {
                return false;
            }
        });
        assertThat(markers).containsExactlyInAnyOrder(new Marker(A, p.producerId(), p.producerEpoch(), true),
                new Marker(B, p.producerId(), p.producerEpoch(), true));
        assertThat(get(coordinator.list(Set.of(TransactionState.COMPLETE_COMMIT), Set.of(), -1, null)).transactions())
                .extracting(l -> l.transactionalId()).containsExactly("t");
    }

    @Test
    void refusedMarkersAreRetriedAndResentAfterTheCoordinatorMoves() throws Exception {
        start(10_000);
        refused = B;
        ProducerIdAndEpoch p = get(coordinator.initProducerId("t", 60_000, -1, (short) -1));
        get(coordinator.addPartitions("t", p.producerId(), p.producerEpoch(), List.of(A, B), (short) 1));
        get(coordinator.endTxn("t", p.producerId(), p.producerEpoch(), false, (short) 1));
        await("the marker into a", () -> markers.contains(new Marker(A, p.producerId(), p.producerEpoch(), false)));
        Thread.sleep(300); // some retries of b
        assertThat(state("t")).as("waiting for the marker into b").isEqualTo(TransactionState.PREPARE_ABORT);

        // the coordinator moves away and back: the loaded PrepareAbort's markers are sent again
        get(coordinator.onResignation(0));
        assertThat(get(coordinator.describe("t")).error()).isEqualTo(Errors.NOT_COORDINATOR);
        refused = null;
        get(coordinator.onElection(0));
        await("CompleteAbort after the reload", () -> {
            try {
                return state("t") == TransactionState.COMPLETE_ABORT;
            } catch (Exception e) {
                return false;
            }
        });
        assertThat(markers).contains(new Marker(B, p.producerId(), p.producerEpoch(), false));
    }

    @Test
    void aTransactionOlderThanItsTimeoutIsAbortedWithAnEpochBump() throws Exception {
        start(50);
        ProducerIdAndEpoch p = get(coordinator.initProducerId("slow", 200, -1, (short) -1));
        get(coordinator.addPartitions("slow", p.producerId(), p.producerEpoch(), List.of(A), (short) 1));
        await("the timeout abort", () -> {
            try {
                return state("slow") == TransactionState.COMPLETE_ABORT;
            } catch (Exception e) {
                return false;
            }
        });
        short fenced = (short) (p.producerEpoch() + 1);
        assertThat(markers).containsExactly(new Marker(A, p.producerId(), fenced, false));
        assertThat(get(coordinator.endTxn("slow", p.producerId(), p.producerEpoch(), true, (short) 1)).error())
                .as("the producer's late commit").isEqualTo(Errors.PRODUCER_FENCED);
    }

    @Test
    void aPartitionNotLoadedHereIsNotCoordinatedHere() throws Exception {
        start(10_000);
        get(coordinator.onResignation(0));
        assertThat(get(coordinator.initProducerId("t", 60_000, -1, (short) -1)).error()).isEqualTo(Errors.NOT_COORDINATOR);
        assertThat(get(coordinator.checkProducePartition("t", 1, (short) 0, A, true)))
                .as("Produce hears a retriable error").isEqualTo(Errors.NOT_ENOUGH_REPLICAS);
    }
}
