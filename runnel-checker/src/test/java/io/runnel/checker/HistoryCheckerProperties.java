package io.runnel.checker;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Simulated correct runs (transactional producers that commit or abort at random into a few partitions, with a
 * marker after each transaction, read by read_committed and read_uncommitted consumers that restart now and then)
 * never report an anomaly; the same runs with one read dropped, repeated or altered report the matching anomaly.
 */
class HistoryCheckerProperties {
    record Rec(int partition, long offset, String value, String txn, boolean committed) {
    }

    /** A correct run: returns the log; the recorder gets sends, outcomes and full reads. */
    static List<List<Rec>> simulate(long seed, int transactions, HistoryRecorder r) {
        Random rnd = new Random(seed);
        List<List<Rec>> log = new ArrayList<>();
        for (int p = 0; p < 3; p++) log.add(new ArrayList<>());
        long[] next = new long[3];
        int v = 0;
        for (int t = 0; t < transactions; t++) {
            String txn = "t" + t;
            String producer = "p" + rnd.nextInt(3);
            boolean commit = rnd.nextInt(4) != 0;
            boolean[] touched = new boolean[3];
            int writes = 1 + rnd.nextInt(4);
            for (int i = 0; i < writes; i++) {
                int p = rnd.nextInt(3);
                touched[p] = true;
                Rec rec = new Rec(p, next[p]++, "v" + v++, txn, commit);
                log.get(p).add(rec);
                r.sendOk(producer, txn, "topic", p, rec.offset(), rec.value());
            }
            for (int p = 0; p < 3; p++) if (touched[p]) next[p]++;   // the marker takes an offset
            if (commit) r.commit(producer, txn);
            else r.abort(producer, txn);
        }
        return log;
    }

    static void readAll(HistoryRecorder r, List<List<Rec>> log, String consumer, boolean readCommitted, long seed) {
        Random rnd = new Random(seed);
        for (int p = 0; p < 3; p++) {
            for (Rec rec : log.get(p)) {
                if (readCommitted && !rec.committed()) continue;
                r.poll(consumer, null, readCommitted, "topic", p, rec.offset(), rec.value());
            }
            if (rnd.nextInt(3) == 0) {
                // a restart that reads the partition again from the start
                r.reset(consumer);
                for (Rec rec : log.get(p)) if (!readCommitted || rec.committed()) r.poll(consumer, null, readCommitted, "topic", p, rec.offset(), rec.value());
            }
        }
    }

    @Property(tries = 200, seed = "424242")
    void correctRunsAreValid(@ForAll @LongRange(min = 0, max = 1_000_000) long seed, @ForAll @IntRange(min = 1, max = 40) int transactions) {
        HistoryRecorder r = new HistoryRecorder();
        List<List<Rec>> log = simulate(seed, transactions, r);
        readAll(r, log, "rc", true, seed);
        readAll(r, log, "ru", false, seed + 1);
        CheckResult result = HistoryChecker.check(r.history());
        assertThat(result.valid()).as(result.report()).isTrue();
    }

    @Property(tries = 200, seed = "434343")
    void aDroppedReadIsFound(@ForAll @LongRange(min = 0, max = 1_000_000) long seed, @ForAll @IntRange(min = 2, max = 40) int transactions) {
        HistoryRecorder r = new HistoryRecorder();
        List<List<Rec>> log = simulate(seed, transactions, r);
        List<Rec> committed = new ArrayList<>();
        for (List<Rec> l : log) for (Rec x : l) if (x.committed()) committed.add(x);
        if (committed.isEmpty()) return;
        Rec lost = committed.get(new Random(seed).nextInt(committed.size()));
        // one consumer that never returns `lost`
        for (int p = 0; p < 3; p++) {
            for (Rec x : log.get(p)) if (x.committed() && x != lost) r.poll("rc", null, true, "topic", p, x.offset(), x.value());
        }
        CheckResult result = HistoryChecker.check(r.history());
        boolean last = log.get(lost.partition()).stream().filter(Rec::committed).reduce((a, b) -> b).orElseThrow() == lost;
        boolean first = log.get(lost.partition()).stream().filter(Rec::committed).findFirst().orElseThrow() == lost;
        if (last) {
            assertThat(result.counts().get(Anomaly.UNSEEN)).as(result.report()).isEqualTo(1);
        } else {
            assertThat(result.counts().get(Anomaly.LOST_WRITE)).as(result.report()).isEqualTo(1);
            if (!first) assertThat(result.counts().get(Anomaly.POLL_SKIP)).as(result.report()).isEqualTo(1);
        }
        assertThat(result.of(Anomaly.LOST_WRITE).size() + result.of(Anomaly.UNSEEN).size()).isEqualTo(1);
        assertThat(result.counts().get(Anomaly.G1A) + result.counts().get(Anomaly.DUPLICATE)).isZero();
    }

    @Property(tries = 200, seed = "444444")
    void anAbortedReadIsFound(@ForAll @LongRange(min = 0, max = 1_000_000) long seed, @ForAll @IntRange(min = 2, max = 40) int transactions) {
        HistoryRecorder r = new HistoryRecorder();
        List<List<Rec>> log = simulate(seed, transactions, r);
        readAll(r, log, "rc", true, seed);
        Rec aborted = null;
        for (List<Rec> l : log) for (Rec x : l) if (!x.committed()) aborted = x;
        if (aborted == null) return;
        r.reset("rc");
        r.poll("rc", null, true, "topic", aborted.partition(), aborted.offset(), aborted.value());
        CheckResult result = HistoryChecker.check(r.history());
        assertThat(result.counts().get(Anomaly.G1A)).as(result.report()).isEqualTo(1);
    }
}
