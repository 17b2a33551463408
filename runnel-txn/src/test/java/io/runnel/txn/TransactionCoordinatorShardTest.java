package io.runnel.txn;

import io.runnel.common.Errors;
import io.runnel.common.TopicPartition;
import io.runnel.txn.TxnResponses.ProducerIdAndEpoch;
import io.runnel.txn.records.TxnRecord;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import static io.runnel.txn.TxnHarness.tp;
import static org.assertj.core.api.Assertions.assertThat;

class TransactionCoordinatorShardTest {
    static final short TV1 = 0;
    static final short TV2 = 2;
    final TxnHarness h = new TxnHarness();

    ProducerIdAndEpoch init(String id) {
        return h.run(h.shard.initProducerId(id, 60_000, -1, (short) -1));
    }

    Errors add(String id, ProducerIdAndEpoch p, TopicPartition... tps) {
        return h.run(h.shard.addPartitions(id, p.producerId(), p.producerEpoch(), List.of(tps), TV1));
    }

    ProducerIdAndEpoch end(String id, ProducerIdAndEpoch p, boolean commit, short tv) {
        return h.run(h.shard.endTxn(id, p.producerId(), p.producerEpoch(), commit, tv));
    }

    TransactionMetadata meta(String id) {
        return h.shard.describe(id).orElseThrow();
    }

    @Test
    void aNewTransactionalIdGetsANewProducerIdAtEpochZeroAndTheNextInitBumpsTheEpoch() {
        ProducerIdAndEpoch first = init("t");
        assertThat(first).isEqualTo(ProducerIdAndEpoch.ok(1000, (short) 0));
        assertThat(meta("t").state()).isEqualTo(TransactionState.EMPTY);
        ProducerIdAndEpoch second = init("t");
        assertThat(second).isEqualTo(ProducerIdAndEpoch.ok(1000, (short) 1));
        // the first producer is now a zombie
        assertThat(add("t", first, tp("a", 0))).isEqualTo(Errors.PRODUCER_FENCED);
        assertThat(end("t", first, true, TV1).error()).isEqualTo(Errors.PRODUCER_FENCED);
        assertThat(init("u").producerId()).isEqualTo(1001);
    }

    @Test
    void badInitRequestsAreRefusedAndWriteNothing() {
        assertThat(h.run(h.shard.initProducerId("", 1000, -1, (short) -1)).error()).isEqualTo(Errors.INVALID_REQUEST);
        assertThat(h.run(h.shard.initProducerId("t", 0, -1, (short) -1)).error()).isEqualTo(Errors.INVALID_TRANSACTION_TIMEOUT);
        assertThat(h.run(h.shard.initProducerId("t", 15 * 60_000 + 1, -1, (short) -1)).error())
                .isEqualTo(Errors.INVALID_TRANSACTION_TIMEOUT);
        assertThat(h.run(h.shard.initProducerId("t", 15 * 60_000, -1, (short) -1)).error()).isEqualTo(Errors.NONE);
        assertThat(h.log).hasSize(1);
        // an idempotent producer (no transactional id) gets an id and nothing is written
        assertThat(h.run(h.shard.initProducerId(null, 0, -1, (short) -1))).isEqualTo(ProducerIdAndEpoch.ok(1001, (short) 0));
        assertThat(h.log).hasSize(1);
    }

    @Test
    void commitWithTransactionVersion1() {
        ProducerIdAndEpoch p = init("t");
        assertThat(end("t", p, true, TV1).error()).isEqualTo(Errors.INVALID_TXN_STATE);
        assertThat(add("t", p, tp("a", 0), tp("b", 1))).isEqualTo(Errors.NONE);
        int written = h.log.size();
        assertThat(add("t", p, tp("a", 0))).isEqualTo(Errors.NONE);
        assertThat(h.log).as("already in the transaction: nothing written").hasSize(written);
        assertThat(meta("t").state()).isEqualTo(TransactionState.ONGOING);

        assertThat(end("t", p, true, TV1)).isEqualTo(p);
        assertThat(meta("t").state()).isEqualTo(TransactionState.PREPARE_COMMIT);
        assertThat(h.markers).singleElement().satisfies(m -> {
            assertThat(m.commit()).isTrue();
            assertThat(m.producerEpoch()).isEqualTo(p.producerEpoch());
            assertThat(m.partitions()).containsExactly(tp("a", 0), tp("b", 1));
        });
        // while the markers are written
        assertThat(add("t", p, tp("c", 0))).isEqualTo(Errors.CONCURRENT_TRANSACTIONS);
        assertThat(end("t", p, true, TV1).error()).isEqualTo(Errors.CONCURRENT_TRANSACTIONS);
        assertThat(end("t", p, false, TV1).error()).isEqualTo(Errors.INVALID_TXN_STATE);
        assertThat(init("t").error()).isEqualTo(Errors.CONCURRENT_TRANSACTIONS);

        h.writeMarkers();
        assertThat(meta("t").state()).isEqualTo(TransactionState.COMPLETE_COMMIT);
        assertThat(meta("t").partitions()).isEmpty();
        assertThat(end("t", p, true, TV1)).as("a retried commit").isEqualTo(p);
        assertThat(end("t", p, false, TV1).error()).isEqualTo(Errors.INVALID_TXN_STATE);
        // the next transaction, aborted
        assertThat(add("t", p, tp("c", 0))).isEqualTo(Errors.NONE);
        assertThat(end("t", p, false, TV1)).isEqualTo(p);
        assertThat(h.markers).singleElement().satisfies(m -> assertThat(m.commit()).isFalse());
        h.writeMarkers();
        assertThat(meta("t").state()).isEqualTo(TransactionState.COMPLETE_ABORT);
        assertThat(meta("t").producerEpoch()).isEqualTo(p.producerEpoch());
    }

    @Test
    void unknownIdsAndForeignProducerIdsAreInvalidMappings() {
        ProducerIdAndEpoch p = init("t");
        ProducerIdAndEpoch other = new ProducerIdAndEpoch(Errors.NONE, 5, (short) 0);
        assertThat(add("nope", p, tp("a", 0))).isEqualTo(Errors.INVALID_PRODUCER_ID_MAPPING);
        assertThat(add("t", other, tp("a", 0))).isEqualTo(Errors.INVALID_PRODUCER_ID_MAPPING);
        assertThat(end("t", other, true, TV1).error()).isEqualTo(Errors.INVALID_PRODUCER_ID_MAPPING);
        assertThat(end("t", other, true, TV2).error()).isEqualTo(Errors.INVALID_PRODUCER_ID_MAPPING);
        assertThat(end("nope", p, true, TV2).error()).isEqualTo(Errors.INVALID_PRODUCER_ID_MAPPING);
        assertThat(h.run(h.shard.addPartitions("", 1, (short) 0, List.of(tp("a", 0)), TV1))).isEqualTo(Errors.INVALID_REQUEST);
    }

    @Test
    void transactionVersion2BumpsTheEpochOnEveryEndTxnAndFencesALateEndTxn() {
        ProducerIdAndEpoch p0 = init("t");
        assertThat(h.run(h.shard.addPartitions("t", p0.producerId(), p0.producerEpoch(), List.of(tp("a", 0)), TV2))).isEqualTo(Errors.NONE);
        ProducerIdAndEpoch p1 = end("t", p0, true, TV2);
        assertThat(p1).isEqualTo(ProducerIdAndEpoch.ok(p0.producerId(), (short) 1));
        assertThat(h.markers).singleElement().satisfies(m -> assertThat(m.producerEpoch()).isEqualTo((short) 1));
        // a retry of the same EndTxn (the old epoch) while the markers are written, then after
        assertThat(end("t", p0, true, TV2).error()).isEqualTo(Errors.CONCURRENT_TRANSACTIONS);
        h.writeMarkers();
        assertThat(end("t", p0, true, TV2)).isEqualTo(p1);
        assertThat(end("t", p0, false, TV2).error()).isEqualTo(Errors.INVALID_TXN_STATE);
        // the next transaction starts (implicitly, from the partition leader) with the new epoch
        assertThat(h.run(h.shard.addPartitions("t", p1.producerId(), p1.producerEpoch(), List.of(tp("a", 0)), TV2))).isEqualTo(Errors.NONE);
        // the late EndTxn of the first transaction is fenced and ends nothing
        assertThat(end("t", p0, true, TV2).error()).isEqualTo(Errors.PRODUCER_FENCED);
        assertThat(meta("t").state()).isEqualTo(TransactionState.ONGOING);
        ProducerIdAndEpoch p2 = end("t", p1, false, TV2);
        assertThat(p2.producerEpoch()).isEqualTo((short) 2);
        h.writeMarkers();
        // an abort with no transaction open is accepted and bumps the epoch too
        assertThat(meta("t").state()).isEqualTo(TransactionState.COMPLETE_ABORT);
        ProducerIdAndEpoch p3 = end("t", p2, false, TV2);
        assertThat(p3.producerEpoch()).isEqualTo((short) 3);
        assertThat(h.markers).singleElement().satisfies(m -> assertThat(m.partitions()).isEmpty());
        h.writeMarkers();
        assertThat(end("t", p3, true, TV2).error()).isEqualTo(Errors.INVALID_TXN_STATE);
    }

    @Test
    void initProducerIdDuringATransactionAbortsItAndFencesTheOldProducer() {
        ProducerIdAndEpoch old = init("t");
        add("t", old, tp("a", 0));
        assertThat(init("t").error()).isEqualTo(Errors.CONCURRENT_TRANSACTIONS);
        assertThat(meta("t").state()).isEqualTo(TransactionState.PREPARE_ABORT);
        assertThat(meta("t").producerEpoch()).isEqualTo((short) 1);
        assertThat(h.markers).singleElement().satisfies(m -> {
            assertThat(m.commit()).isFalse();
            assertThat(m.producerEpoch()).isEqualTo((short) 1);
            assertThat(m.partitions()).containsExactly(tp("a", 0));
        });
        assertThat(end("t", old, true, TV1).error()).isEqualTo(Errors.PRODUCER_FENCED);
        assertThat(init("t").error()).as("still aborting").isEqualTo(Errors.CONCURRENT_TRANSACTIONS);
        h.writeMarkers();
        assertThat(init("t")).isEqualTo(ProducerIdAndEpoch.ok(old.producerId(), (short) 2));
        assertThat(add("t", old, tp("a", 0))).isEqualTo(Errors.PRODUCER_FENCED);
    }

    @Test
    void kip360RecoveryWithTheExpectedProducerIdAndEpoch() {
        ProducerIdAndEpoch p = init("t");
        add("t", p, tp("a", 0));
        end("t", p, false, TV1);
        h.writeMarkers();
        ProducerIdAndEpoch bumped = h.run(h.shard.initProducerId("t", 60_000, p.producerId(), p.producerEpoch()));
        assertThat(bumped).isEqualTo(ProducerIdAndEpoch.ok(p.producerId(), (short) 1));
        assertThat(meta("t").lastProducerEpoch()).isEqualTo((short) 0);
        // the response was lost and the producer retries: same epoch, no second bump
        assertThat(h.run(h.shard.initProducerId("t", 60_000, p.producerId(), p.producerEpoch()))).isEqualTo(bumped);
        // an epoch that is neither current nor the last one is a zombie
        assertThat(h.run(h.shard.initProducerId("t", 60_000, p.producerId(), (short) 7)).error()).isEqualTo(Errors.PRODUCER_FENCED);
        // another producer id altogether
        assertThat(h.run(h.shard.initProducerId("t", 60_000, 4242, (short) 0)).error()).isEqualTo(Errors.PRODUCER_FENCED);
        // an expired (unknown) id: a recovering producer simply gets a new producer id
        assertThat(h.run(h.shard.initProducerId("gone", 60_000, 4242, (short) 3))).isEqualTo(ProducerIdAndEpoch.ok(1001, (short) 0));
    }

    @Test
    void anExhaustedEpochRotatesToANewProducerIdFromTheBlockSource() {
        ProducerIdAndEpoch p = init("t");
        h.run(TxnResult.write(new TxnRecord("t", withEpoch(meta("t"), (short) (Short.MAX_VALUE - 2))), null));
        ProducerIdAndEpoch last = init("t");
        assertThat(last).isEqualTo(ProducerIdAndEpoch.ok(p.producerId(), (short) (Short.MAX_VALUE - 1)));
        ProducerIdAndEpoch rotated = init("t");
        assertThat(rotated).isEqualTo(ProducerIdAndEpoch.ok(1001, (short) 0));
        assertThat(meta("t").previousProducerId()).isEqualTo(p.producerId());
        // KIP-360 retry naming the previous id at its exhausted epoch is recognised, not fenced
        h.run(TxnResult.write(new TxnRecord("t", withEpoch(meta("t"), (short) (Short.MAX_VALUE - 1))), null));
        ProducerIdAndEpoch viaExpected = h.run(h.shard.initProducerId("t", 60_000, rotated.producerId(), (short) (Short.MAX_VALUE - 1)));
        assertThat(viaExpected).isEqualTo(ProducerIdAndEpoch.ok(1002, (short) 0));
        assertThat(meta("t").lastProducerEpoch()).isEqualTo((short) (Short.MAX_VALUE - 1));
        ProducerIdAndEpoch retried = h.run(h.shard.initProducerId("t", 60_000, rotated.producerId(), (short) (Short.MAX_VALUE - 1)));
        assertThat(retried).isEqualTo(viaExpected);
    }

    @Test
    void transactionVersion2RotatesTheProducerIdWhenEndTxnExhaustsTheEpoch() {
        init("t");
        short e = (short) (Short.MAX_VALUE - 1);
        h.run(TxnResult.write(new TxnRecord("t", withEpoch(meta("t"), e)), null));
        ProducerIdAndEpoch p = new ProducerIdAndEpoch(Errors.NONE, 1000, e);
        assertThat(h.run(h.shard.addPartitions("t", 1000, e, List.of(tp("a", 0)), TV2))).isEqualTo(Errors.NONE);
        ProducerIdAndEpoch next = end("t", p, true, TV2);
        assertThat(next).isEqualTo(ProducerIdAndEpoch.ok(1001, (short) 0));
        assertThat(meta("t").nextProducerId()).isEqualTo(1001);
        assertThat(meta("t").producerEpoch()).isEqualTo(Short.MAX_VALUE);
        assertThat(h.markers).singleElement().satisfies(m -> {
            assertThat(m.producerId()).isEqualTo(1000);
            assertThat(m.producerEpoch()).isEqualTo(Short.MAX_VALUE);
        });
        assertThat(end("t", p, true, TV2).error()).as("retry while completing").isEqualTo(Errors.CONCURRENT_TRANSACTIONS);
        h.writeMarkers();
        TransactionMetadata m = meta("t");
        assertThat(m.producerId()).isEqualTo(1001);
        assertThat(m.producerEpoch()).isZero();
        assertThat(m.previousProducerId()).isEqualTo(1000);
        assertThat(end("t", p, true, TV2)).as("retry after the rotation").isEqualTo(next);
        assertThat(h.run(h.shard.addPartitions("t", 1001, (short) 0, List.of(tp("a", 0)), TV2))).isEqualTo(Errors.NONE);
    }

    @Test
    void timedOutTransactionsAreAbortedWithAnEpochBump() {
        ProducerIdAndEpoch p = init("t");
        add("t", p, tp("a", 0));
        ProducerIdAndEpoch q = init("quick");
        add("quick", q, tp("b", 0));
        assertThat(h.run(h.shard.abortTimedOut())).isEmpty();
        h.advance(60_001);
        end("quick", q, true, TV1);
        assertThat(h.run(h.shard.abortTimedOut())).containsExactly("t");
        TransactionMetadata m = meta("t");
        assertThat(m.state()).isEqualTo(TransactionState.PREPARE_ABORT);
        assertThat(m.producerEpoch()).isEqualTo((short) 1);
        assertThat(end("t", p, true, TV1).error()).isEqualTo(Errors.PRODUCER_FENCED);
        assertThat(add("t", p, tp("a", 1))).isEqualTo(Errors.PRODUCER_FENCED);
        h.writeMarkers();
        assertThat(meta("t").state()).isEqualTo(TransactionState.COMPLETE_ABORT);
        assertThat(meta("quick").state()).as("committed, not aborted").isEqualTo(TransactionState.COMPLETE_COMMIT);
    }

    @Test
    void aTimedOutTransactionVersion2TransactionIsFencedSoTheOldEpochIsNoRetry() {
        ProducerIdAndEpoch p = init("t");
        h.run(h.shard.addPartitions("t", p.producerId(), p.producerEpoch(), List.of(tp("a", 0)), TV2));
        h.advance(60_001);
        h.run(h.shard.abortTimedOut());
        h.writeMarkers();
        assertThat(meta("t").producerEpoch()).isEqualTo((short) 2);
        assertThat(end("t", p, false, TV2).error()).isEqualTo(Errors.PRODUCER_FENCED);
        assertThat(end("t", p, true, TV2).error()).isEqualTo(Errors.PRODUCER_FENCED);
    }

    @Test
    void idleTransactionalIdsExpireButOpenTransactionsDoNot() {
        ProducerIdAndEpoch a = init("idle");
        ProducerIdAndEpoch b = init("busy");
        add("busy", b, tp("a", 0));
        h.advance(TxnCoordinatorConfig.DEFAULT.idExpirationMs() - 1);
        assertThat(h.run(h.shard.expireTransactionalIds())).isEmpty();
        h.advance(1);
        assertThat(h.run(h.shard.expireTransactionalIds())).containsExactly("idle");
        assertThat(h.shard.describe("idle")).isEmpty();
        assertThat(h.log.getLast()[1]).as("a tombstone").isNull();
        assertThat(add("idle", a, tp("a", 0))).isEqualTo(Errors.INVALID_PRODUCER_ID_MAPPING);
        assertThat(h.shard.describe("busy")).isPresent();
        h.reload();
        assertThat(h.shard.describe("idle")).isEmpty();
        assertThat(h.shard.describe("busy")).isPresent();
    }

    @Test
    void verifyOnlyAddPartitionsNamesThePartitionsOutsideTheTransaction() {
        ProducerIdAndEpoch p = init("t");
        add("t", p, tp("a", 0));
        int written = h.log.size();
        Map<TopicPartition, Errors> r = h.shard.verifyPartitions("t", p.producerId(), p.producerEpoch(), List.of(tp("a", 0), tp("a", 1)));
        assertThat(r).containsEntry(tp("a", 0), Errors.NONE).containsEntry(tp("a", 1), Errors.TRANSACTION_ABORTABLE);
        assertThat(h.shard.verifyPartitions("t", p.producerId(), (short) 9, List.of(tp("a", 0))))
                .containsEntry(tp("a", 0), Errors.PRODUCER_FENCED);
        assertThat(h.shard.verifyPartitions("t", 77, p.producerEpoch(), List.of(tp("a", 0))))
                .containsEntry(tp("a", 0), Errors.INVALID_PRODUCER_ID_MAPPING);
        assertThat(h.log).hasSize(written);
        end("t", p, true, TV1);
        assertThat(h.shard.verifyPartitions("t", p.producerId(), p.producerEpoch(), List.of(tp("a", 0))))
                .containsEntry(tp("a", 0), Errors.CONCURRENT_TRANSACTIONS);
    }

    @Test
    void addOffsetsAddsTheGroupsOffsetsPartition() {
        ProducerIdAndEpoch p = init("t");
        assertThat(h.run(h.shard.addOffsets("t", p.producerId(), p.producerEpoch(), "my-group", TV1))).isEqualTo(Errors.NONE);
        assertThat(meta("t").partitions())
                .containsExactly(tp("__consumer_offsets", Math.abs("my-group".hashCode()) % 50));
    }

    @Test
    void reloadRebuildsTheStateAndResendsPendingMarkers() {
        ProducerIdAndEpoch p = init("t");
        add("t", p, tp("a", 0));
        end("t", p, true, TV1);
        ProducerIdAndEpoch q = init("u");
        add("u", q, tp("b", 0));
        var before = h.shard.snapshot();
        List<MarkerRequest> resend = h.reload();
        assertThat(h.shard.snapshot()).isEqualTo(before);
        assertThat(resend).singleElement().satisfies(m -> {
            assertThat(m.transactionalId()).isEqualTo("t");
            assertThat(m.commit()).isTrue();
            assertThat(m.partitions()).containsExactly(tp("a", 0));
        });
        h.writeMarkers();
        assertThat(meta("t").state()).isEqualTo(TransactionState.COMPLETE_COMMIT);
        assertThat(h.run(h.shard.markersWritten("t", p.producerId(), p.producerEpoch()))).as("a duplicate completion").isNull();
    }

    @Test
    void listAndDescribeFilter() {
        ProducerIdAndEpoch p = init("orders-1");
        init("orders-2");
        init("billing");
        add("orders-1", p, tp("a", 0));
        h.advance(5000);
        assertThat(h.shard.list(Set.of(TransactionState.ONGOING), null, -1, null)).extracting(TxnResponses.Listing::transactionalId)
                .containsExactly("orders-1");
        assertThat(h.shard.list(null, Set.of(p.producerId()), -1, null)).hasSize(1);
        assertThat(h.shard.list(null, null, -1, Pattern.compile("orders-.*"))).hasSize(2);
        assertThat(h.shard.list(Set.of(TransactionState.ONGOING), null, 4000, null)).hasSize(1);
        assertThat(h.shard.list(Set.of(TransactionState.ONGOING), null, 6000, null)).isEmpty();
        assertThat(h.shard.describe("nope")).isEmpty();
    }

    @Test
    void withoutAProducerIdBlockInitIsRetriableAndWritesNothing() {
        TxnHarness slow = new TxnHarness();
        slow.blocksAvailable = false;
        assertThat(slow.run(slow.shard.initProducerId("t", 1000, -1, (short) -1)).error()).isEqualTo(Errors.COORDINATOR_LOAD_IN_PROGRESS);
        assertThat(slow.log).isEmpty();
        assertThat(slow.blocksRequested).isEqualTo(1);
        assertThat(slow.run(slow.shard.initProducerId("t", 1000, -1, (short) -1)).error()).isEqualTo(Errors.COORDINATOR_LOAD_IN_PROGRESS);
        assertThat(slow.blocksRequested).as("one request in flight at a time").isEqualTo(1);
    }

    static TransactionMetadata withEpoch(TransactionMetadata m, short epoch) {
        return new TransactionMetadata(m.transactionalId(), m.producerId(), m.previousProducerId(), m.nextProducerId(), epoch,
                m.lastProducerEpoch(), m.timeoutMs(), m.state(), m.partitions(), m.startTimestamp(), m.lastUpdateTimestamp(),
                m.clientTransactionVersion());
    }
}
