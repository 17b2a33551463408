package io.runnel.checker;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Each anomaly provably found in a synthetic history that has it, and none in clean histories. */
class HistoryCheckerTest {
    final HistoryRecorder r = new HistoryRecorder();

    CheckResult check() {
        return HistoryChecker.check(r.history());
    }

    /** Asserts that the history has exactly {@code count} anomalies, all named {@code name}. */
    static void onlyAnomaly(CheckResult result, String name, int count) {
        Map<String, Integer> expected = new java.util.LinkedHashMap<>();
        for (String n : Anomaly.NAMES) expected.put(n, n.equals(name) ? count : 0);
        assertThat(result.counts()).as(result.report()).isEqualTo(expected);
        assertThat(result.valid()).isFalse();
        assertThat(result.report()).contains(name + ": ");
    }

    /** A clean transactional run: two committed transactions, one aborted, read_committed and read_uncommitted consumers. */
    void cleanTransactionalRun() {
        r.sendOk("p1", "t1", "orders", 0, 0, "a");
        r.sendOk("p1", "t1", "orders", 0, 1, "b");
        r.commit("p1", "t1");                                  // marker at offset 2
        r.sendOk("p1", "t2", "orders", 0, 3, "x");
        r.abort("p1", "t2");                                   // marker at 4
        r.sendOk("p1", "t3", "orders", 0, 5, "c");
        r.commit("p1", "t3");                                  // marker at 6
        r.sendOk("p2", null, "orders", 1, 0, "plain");
        for (String c : new String[]{"rc1", "rc2"}) {
            r.poll(c, null, true, "orders", 0, 0, "a");
            r.poll(c, null, true, "orders", 0, 1, "b");
            r.poll(c, null, true, "orders", 0, 5, "c");
            r.poll(c, null, true, "orders", 1, 0, "plain");
        }
        r.poll("ru", null, false, "orders", 0, 0, "a");
        r.poll("ru", null, false, "orders", 0, 1, "b");
        r.poll("ru", null, false, "orders", 0, 3, "x");     // read_uncommitted may read aborted data
        r.poll("ru", null, false, "orders", 0, 5, "c");
        // a consumer that restarts and reads again from the start is not non-monotonic
        r.reset("rc1");
        r.poll("rc1", null, true, "orders", 0, 0, "a");
    }

    @Test
    void cleanHistoriesHaveNoAnomalies() {
        cleanTransactionalRun();
        CheckResult result = check();
        assertThat(result.valid()).as(result.report()).isTrue();
        assertThat(result.counts().values()).allMatch(c -> c == 0);
        assertThat(result.stats()).containsEntry("commits", 2L).containsEntry("aborts", 1L).containsEntry("sends-acknowledged", 5L);
        assertThat(result.report()).startsWith("history is valid");
        assertThat(HistoryChecker.check(new History(java.util.List.of())).valid()).isTrue();
    }

    @Test
    void anUndecidedTransactionIsNeitherRequiredNorForbidden() {
        r.sendOk("p1", "t9", "orders", 0, 0, "maybe");
        r.sendOk("p1", "t10", "orders", 0, 1, "maybe-too");
        r.poll("c", null, true, "orders", 0, 1, "maybe-too");
        assertThat(check().valid()).as(check().report()).isTrue();
    }

    @Test
    void lostWrite() {
        r.sendOk("p1", null, "orders", 0, 0, "a");
        r.sendOk("p1", null, "orders", 0, 1, "b");
        r.sendOk("p1", null, "orders", 0, 2, "c");
        r.poll("c1", null, true, "orders", 0, 0, "a");
        r.poll("c2", null, true, "orders", 0, 2, "c");
        r.reset("c1");
        r.poll("c1", null, true, "orders", 0, 2, "c");
        CheckResult result = check();
        // b at offset 1 was never read; c2 jumped over it too (a skip)
        assertThat(result.of(Anomaly.LOST_WRITE)).singleElement().satisfies(a -> {
            assertThat(a.explanation()).contains("value b", "orders-0@1", "offset 2");
            assertThat(a.events()).extracting(Event::value).containsExactly("b");
        });
        assertThat(result.counts()).containsEntry(Anomaly.UNSEEN, 0).containsEntry(Anomaly.DUPLICATE, 0);
    }

    @Test
    void lostCommittedTransactionalWrite() {
        r.sendOk("p1", "t1", "orders", 0, 0, "a");
        r.sendOk("p1", "t1", "orders", 0, 1, "b");
        r.commit("p1", "t1");
        r.sendOk("p1", "t2", "orders", 0, 3, "c");
        r.commit("p1", "t2");
        r.poll("c", null, true, "orders", 0, 0, "a");
        r.reset("c");
        r.poll("c", null, true, "orders", 0, 3, "c");
        onlyAnomaly(check(), Anomaly.LOST_WRITE, 1);
    }

    @Test
    void unseen() {
        r.sendOk("p1", null, "orders", 0, 0, "a");
        r.sendOk("p1", null, "orders", 0, 1, "b");
        r.poll("c", null, true, "orders", 0, 0, "a");
        CheckResult result = check();
        onlyAnomaly(result, Anomaly.UNSEEN, 1);
        assertThat(result.of(Anomaly.UNSEEN).getFirst().explanation()).contains("value b", "reads reached offset 0");
    }

    @Test
    void duplicate() {
        // a retried send written twice
        r.sendOk("p1", null, "orders", 0, 0, "a");
        r.poll("c", null, true, "orders", 0, 0, "a");
        r.poll("c", null, true, "orders", 0, 1, "a");
        CheckResult result = check();
        onlyAnomaly(result, Anomaly.DUPLICATE, 1);
        assertThat(result.of(Anomaly.DUPLICATE).getFirst().explanation()).contains("value a", "orders-0@0", "orders-0@1");
    }

    @Test
    void inconsistentOffsets() {
        r.sendOk("p1", null, "orders", 0, 0, "a");
        r.sendOk("p1", null, "orders", 0, 1, "b");
        r.poll("c1", null, true, "orders", 0, 0, "a");
        r.poll("c1", null, true, "orders", 0, 1, "b");
        r.poll("c2", null, true, "orders", 0, 0, "a");
        r.poll("c2", null, true, "orders", 0, 1, "z");   // another value at the same offset
        CheckResult result = check();
        assertThat(result.of(Anomaly.INCONSISTENT_OFFSETS)).singleElement()
                .satisfies(a -> assertThat(a.explanation()).contains("orders-0@1", "b", "z"));
        assertThat(result.counts()).containsEntry(Anomaly.LOST_WRITE, 0).containsEntry(Anomaly.G1A, 0);
    }

    @Test
    void abortedReadIsG1a() {
        r.sendOk("p1", "t1", "orders", 0, 0, "x");
        r.abort("p1", "t1");
        r.sendOk("p1", "t2", "orders", 0, 2, "a");
        r.commit("p1", "t2");
        r.poll("c", null, true, "orders", 0, 0, "x");
        r.poll("c", null, true, "orders", 0, 2, "a");
        CheckResult result = check();
        onlyAnomaly(result, Anomaly.G1A, 1);
        assertThat(result.of(Anomaly.G1A).getFirst().explanation()).contains("aborted transaction t1");
        assertThat(result.of(Anomaly.G1A).getFirst().events()).extracting(Event::type)
                .containsExactly(Event.Type.SEND_OK, Event.Type.ABORT, Event.Type.POLL);
    }

    @Test
    void cyclicInformationFlowIsG1c() {
        // t1 writes a, t2 reads a and writes b, t1 reads b: each saw the other
        r.sendOk("p1", "t1", "in", 0, 0, "a");
        r.sendOk("p2", "t2", "out", 0, 0, "b");
        r.poll("p2", "t2", true, "in", 0, 0, "a");
        r.poll("p1", "t1", true, "out", 0, 0, "b");
        r.commit("p1", "t1");
        r.commit("p2", "t2");
        CheckResult result = check();
        onlyAnomaly(result, Anomaly.G1C, 1);
        assertThat(result.of(Anomaly.G1C).getFirst().explanation()).contains("t1 -(a)-> t2 -(b)-> t1");
    }

    @Test
    void aLongerCycleIsG1cButACycleThroughAnAbortedTransactionIsNot() {
        r.sendOk("p1", "t1", "a", 0, 0, "x1");
        r.sendOk("p2", "t2", "b", 0, 0, "x2");
        r.sendOk("p3", "t3", "c", 0, 0, "x3");
        r.poll("p2", "t2", true, "a", 0, 0, "x1");
        r.poll("p3", "t3", true, "b", 0, 0, "x2");
        r.poll("p1", "t1", true, "c", 0, 0, "x3");
        r.commit("p1", "t1");
        r.commit("p2", "t2");
        r.commit("p3", "t3");
        CheckResult result = check();
        assertThat(result.of(Anomaly.G1C)).singleElement()
                .satisfies(a -> assertThat(a.explanation()).contains("t1 -(x1)-> t2 -(x2)-> t3 -(x3)-> t1"));

        HistoryRecorder other = new HistoryRecorder();
        other.sendOk("p1", "t1", "a", 0, 0, "x1");
        other.sendOk("p2", "t2", "b", 0, 0, "x2");
        other.poll("p2", "t2", false, "a", 0, 0, "x1");
        other.poll("p1", "t1", false, "b", 0, 0, "x2");
        other.commit("p1", "t1");
        other.abort("p2", "t2");
        CheckResult second = HistoryChecker.check(other.history());
        assertThat(second.counts().get(Anomaly.G1C)).as(second.report()).isZero();
    }

    @Test
    void aReadProcessWriteChainWithoutACycleIsNotG1c() {
        r.sendOk("p1", "t1", "in", 0, 0, "a");
        r.commit("p1", "t1");
        r.poll("p2", "t2", true, "in", 0, 0, "a");
        r.sendOk("p2", "t2", "out", 0, 0, "b");
        r.commit("p2", "t2");
        r.poll("p3", "t3", true, "out", 0, 0, "b");
        r.sendOk("p3", "t3", "final", 0, 0, "c");
        r.commit("p3", "t3");
        r.poll("c", null, true, "final", 0, 0, "c");
        assertThat(check().valid()).as(check().report()).isTrue();
    }

    @Test
    void pollSkip() {
        for (int i = 0; i < 4; i++) r.sendOk("p1", null, "orders", 0, i, "v" + i);
        for (int i = 0; i < 4; i++) r.poll("c1", null, true, "orders", 0, i, "v" + i);
        r.poll("c2", null, true, "orders", 0, 0, "v0");
        r.poll("c2", null, true, "orders", 0, 3, "v3");
        CheckResult result = check();
        onlyAnomaly(result, Anomaly.POLL_SKIP, 1);
        assertThat(result.of(Anomaly.POLL_SKIP).getFirst().explanation()).contains("c2", "@0 to @3", "2 visible");
    }

    @Test
    void readCommittedMaySkipAbortedRecordsAndMarkersButReadUncommittedMayNot() {
        r.sendOk("p1", "t1", "orders", 0, 0, "a");
        r.commit("p1", "t1");
        r.sendOk("p1", "t2", "orders", 0, 2, "x");
        r.abort("p1", "t2");
        r.sendOk("p1", "t3", "orders", 0, 4, "c");
        r.commit("p1", "t3");
        r.poll("rc", null, true, "orders", 0, 0, "a");
        r.poll("rc", null, true, "orders", 0, 4, "c");
        assertThat(check().valid()).as(check().report()).isTrue();
        r.poll("ru", null, false, "orders", 0, 0, "a");
        r.poll("ru", null, false, "orders", 0, 4, "c");
        onlyAnomaly(check(), Anomaly.POLL_SKIP, 1);
    }

    @Test
    void nonmonotonicPoll() {
        for (int i = 0; i < 3; i++) r.sendOk("p1", null, "orders", 0, i, "v" + i);
        r.poll("c", null, true, "orders", 0, 0, "v0");
        r.poll("c", null, true, "orders", 0, 1, "v1");
        r.poll("c", null, true, "orders", 0, 2, "v2");
        r.poll("c", null, true, "orders", 0, 1, "v1");
        CheckResult result = check();
        onlyAnomaly(result, Anomaly.NONMONOTONIC_POLL, 1);
        assertThat(result.of(Anomaly.NONMONOTONIC_POLL).getFirst().explanation()).contains("orders-0@1 after @2");
    }

    @Test
    void theReportNamesEveryCountAndTheRecordsInvolved() {
        r.sendOk("p1", null, "orders", 0, 0, "a");
        String report = check().report();
        for (String n : Anomaly.NAMES) assertThat(report).contains(n);
        assertThat(report).contains("unseen: value a", "p1 sent a -> orders-0@0");
    }
}
