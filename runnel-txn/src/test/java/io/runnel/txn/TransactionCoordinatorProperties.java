package io.runnel.txn;

import io.runnel.common.Errors;
import io.runnel.txn.TxnResponses.ProducerIdAndEpoch;
import io.runnel.txn.records.TxnRecord;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

import static io.runnel.txn.TxnHarness.tp;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Seeded random sequences of init / add / commit / abort / timeout / fence (a second producer with the same id) /
 * marker completion / reload / expiry against one coordinator shard, both transaction versions. After every step:
 * <ul>
 *   <li>replaying the records written so far (as bytes, in Kafka's layout) into a fresh shard gives the live state;</li>
 *   <li>no transaction is both committed and aborted (its prepare record, its markers and its completion agree);</li>
 *   <li>a fenced producer (one whose id was initialised again since) never gets a commit accepted.</li>
 * </ul>
 * The seed is fixed so a failure reproduces; jqwik prints the shrunk sequence.
 */
class TransactionCoordinatorProperties {
    enum Kind { INIT, ADD, COMMIT, ABORT, TIMEOUT, MARKERS, RELOAD, EXPIRE, TICK, RECOVER }

    record Action(Kind kind, int id, int producer, int partition, boolean tv2) {
    }

    @Provide
    Arbitrary<List<Action>> actions() {
        Arbitrary<Action> a = Combinators.combine(
                Arbitraries.frequency(
                        net.jqwik.api.Tuple.of(2, Kind.INIT), net.jqwik.api.Tuple.of(6, Kind.ADD), net.jqwik.api.Tuple.of(4, Kind.COMMIT),
                        net.jqwik.api.Tuple.of(2, Kind.ABORT), net.jqwik.api.Tuple.of(4, Kind.MARKERS), net.jqwik.api.Tuple.of(1, Kind.TIMEOUT),
                        net.jqwik.api.Tuple.of(1, Kind.RELOAD), net.jqwik.api.Tuple.of(1, Kind.EXPIRE), net.jqwik.api.Tuple.of(1, Kind.TICK),
                        net.jqwik.api.Tuple.of(1, Kind.RECOVER)),
                Arbitraries.integers().between(0, 1),
                Arbitraries.integers().between(0, 3),
                Arbitraries.integers().between(0, 3),
                Arbitraries.of(true, false)).as(Action::new);
        return a.list().ofMinSize(20).ofMaxSize(80);
    }

    /** A producer instance: the id and epoch it holds, and the transaction version it speaks. */
    static final class Producer {
        final String id;
        final int generation;
        long pid;
        short epoch;
        final boolean tv2;
        /** Set once a newer producer of the id was initialised or the coordinator aborted its transaction. */
        boolean fenced;

        Producer(String id, int generation, ProducerIdAndEpoch p, boolean tv2) {
            this.id = id;
            this.generation = generation;
            this.pid = p.producerId();
            this.epoch = p.producerEpoch();
            this.tv2 = tv2;
        }
    }

    @Property(tries = 400, seed = "8080808")
    void replayEqualsLiveStateNoTornOutcomesAndZombiesNeverCommit(@ForAll("actions") List<Action> actions) {
        TxnHarness h = new TxnHarness(new TxnCoordinatorConfig(50, 60_000, 3_600_000, 10_000, 3_600_000, 50, (short) 2));
        List<Producer> producers = new ArrayList<>();
        Map<String, Integer> generation = new HashMap<>();
        // per id: the number of the current transaction, and the outcome (commit?) decided for each one
        Map<String, Integer> txnNumber = new HashMap<>();
        Map<String, Boolean> outcome = new HashMap<>();
        Map<String, TransactionState> lastState = new HashMap<>();
        int logSeen = 0;
        boolean committed = false;
        boolean zombieRefused = false;
        boolean timedOut = false;

        for (Action a : actions) {
            String id = "txn-" + a.id();
            // mostly the newest producer of the id (it can commit), sometimes any earlier one (a zombie, or an old handle)
            Producer p = null;
            for (Producer x : producers) if (x.id.equals(id)) p = x;
            if (a.producer() == 3 && !producers.isEmpty()) p = producers.get(a.partition() % producers.size());
            switch (a.kind()) {
                case INIT -> {
                    boolean open = isOngoing(h, id);
                    ProducerIdAndEpoch r = h.run(h.shard.initProducerId(id, 30_000, -1, (short) -1));
                    if (r.error() == Errors.NONE || (open && r.error() == Errors.CONCURRENT_TRANSACTIONS)) fenceAll(producers, id);
                    if (r.error() == Errors.NONE) {
                        int g = generation.merge(id, 1, Integer::sum);
                        producers.add(new Producer(id, g, r, a.tv2()));
                    }
                }
                case RECOVER -> {
                    if (p != null) {
                        boolean open = isOngoing(h, p.id);
                        ProducerIdAndEpoch r = h.run(h.shard.initProducerId(p.id, 30_000, p.pid, p.epoch));
                        if (r.error() == Errors.NONE || (open && r.error() == Errors.CONCURRENT_TRANSACTIONS)) fenceAll(producers, p.id);
                        if (r.error() == Errors.NONE) {
                            int g = generation.merge(p.id, 1, Integer::sum);
                            producers.add(new Producer(p.id, g, r, p.tv2));
                        }
                    }
                }
                case ADD -> {
                    if (p != null) h.run(h.shard.addPartitions(p.id, p.pid, p.epoch, List.of(tp("t", a.partition())), p.tv2 ? (short) 2 : 0));
                }
                case COMMIT, ABORT -> {
                    if (p != null) {
                        boolean commit = a.kind() == Kind.COMMIT;
                        TransactionState before = h.shard.describe(p.id).map(TransactionMetadata::state).orElse(null);
                        ProducerIdAndEpoch r = h.run(h.shard.endTxn(p.id, p.pid, p.epoch, commit, p.tv2 ? (short) 2 : 0));
                        TransactionState after = h.shard.describe(p.id).map(TransactionMetadata::state).orElse(null);
                        if (commit && r.error() == Errors.NONE && before == TransactionState.ONGOING) {
                            assertThat(after).isEqualTo(TransactionState.PREPARE_COMMIT);
                            assertThat(p.fenced).as("a commit accepted from a fenced producer of " + p.id).isFalse();
                            assertThat(p.generation).isEqualTo(generation.get(p.id));
                            committed = true;
                        }
                        if (commit && p.generation != generation.get(p.id) && r.error() != Errors.NONE) zombieRefused = true;
                        if (r.error() == Errors.NONE && p.tv2) {
                            p.pid = r.producerId();
                            p.epoch = r.producerEpoch();
                        }
                    }
                }
                case TIMEOUT -> {
                    h.advance(30_001);
                    List<String> aborted = h.run(h.shard.abortTimedOut());
                    for (String t : aborted) fenceAll(producers, t);
                    timedOut |= !aborted.isEmpty();
                }
                case MARKERS -> h.writeMarkers();
                case RELOAD -> h.reload();
                case EXPIRE -> {
                    h.advance(3_600_000);
                    h.run(h.shard.expireTransactionalIds());
                }
                case TICK -> h.advance(1000);
            }

            // follow the log: number transactions per id and check each gets exactly one outcome
            for (; logSeen < h.log.size(); logSeen++) {
                TxnRecord r = io.runnel.txn.records.TxnRecordSerde.read(h.log.get(logSeen)[0], h.log.get(logSeen)[1]);
                String key = r.transactionalId();
                TransactionState prev = lastState.get(key);
                TransactionState now = r.isTombstone() ? null : r.value().state();
                if (now == TransactionState.ONGOING && prev != TransactionState.ONGOING) txnNumber.merge(key, 1, Integer::sum);
                String txn = key + "#" + txnNumber.getOrDefault(key, 0) + (prev == TransactionState.ONGOING ? "" : "/empty@" + logSeen);
                if (now == TransactionState.PREPARE_COMMIT || now == TransactionState.PREPARE_ABORT) {
                    boolean commit = now == TransactionState.PREPARE_COMMIT;
                    Boolean earlier = outcome.put(txn, commit);
                    assertThat(earlier).as("transaction " + txn + " decided twice").isNull();
                    assertThat(prev).as("prepared from " + prev).isIn(TransactionState.ONGOING, TransactionState.EMPTY,
                            TransactionState.COMPLETE_ABORT, TransactionState.COMPLETE_COMMIT, null);
                }
                if (now == TransactionState.COMPLETE_COMMIT) assertThat(prev).isEqualTo(TransactionState.PREPARE_COMMIT);
                if (now == TransactionState.COMPLETE_ABORT) assertThat(prev).isEqualTo(TransactionState.PREPARE_ABORT);
                lastState.put(key, now);
            }
            // every queued marker agrees with the prepare record of its transaction
            for (MarkerRequest m : h.markers) {
                TransactionMetadata md = h.shard.describe(m.transactionalId()).orElseThrow();
                assertThat(md.state()).isIn(TransactionState.PREPARE_COMMIT, TransactionState.PREPARE_ABORT);
                assertThat(m.commit()).isEqualTo(md.state() == TransactionState.PREPARE_COMMIT);
            }
            assertReplayEqualsLive(h);
        }
        // the sequences must reach the interesting cases, or the property proves little
        Statistics.label("commit accepted").collect(committed);
        Statistics.label("zombie commit refused").collect(zombieRefused);
        Statistics.label("timed-out transaction aborted").collect(timedOut);
        Statistics.label("commit accepted").coverage(c -> c.check(true).percentage(pc -> pc > 20));
        Statistics.label("zombie commit refused").coverage(c -> c.check(true).percentage(pc -> pc > 5));
        Statistics.label("timed-out transaction aborted").coverage(c -> c.check(true).percentage(pc -> pc > 5));
    }

    /** An Ongoing transaction is what InitProducerId aborts (fencing); while one completes it only answers CONCURRENT_TRANSACTIONS. */
    private static boolean isOngoing(TxnHarness h, String id) {
        return h.shard.describe(id).map(m -> m.state() == TransactionState.ONGOING).orElse(false);
    }

    private static void fenceAll(List<Producer> producers, String id) {
        for (Producer x : producers) if (x.id.equals(id)) x.fenced = true;
    }

    private static void assertReplayEqualsLive(TxnHarness h) {
        TransactionCoordinatorShard fresh = new TransactionCoordinatorShard(0, h.config, h.clock::get, h.ids);
        for (byte[][] kv : h.log) fresh.replay(io.runnel.txn.records.TxnRecordSerde.read(kv[0], kv[1]));
        assertThat(stored(fresh.snapshot())).isEqualTo(stored(h.shard.snapshot()));
    }

    private static SortedMap<String, TransactionMetadata> stored(SortedMap<String, TransactionMetadata> m) {
        SortedMap<String, TransactionMetadata> out = new TreeMap<>();
        m.forEach((k, v) -> out.put(k, v.asStored()));
        return out;
    }
}
