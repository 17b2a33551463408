package io.runnel.it;

import io.runnel.checker.CheckResult;
import io.runnel.checker.History;
import io.runnel.checker.HistoryChecker;

import static org.assertj.core.api.Assertions.assertThat;

/** The history checker as every transactional IT uses it: check, print the counts for the closing note, assert no anomaly. */
public final class Histories {
    private Histories() {
    }

    /** Checks {@code history}, prints {@code label} with its statistics and anomaly counts, and fails on any anomaly. */
    public static CheckResult assertNoAnomaly(String label, History history) {
        CheckResult result = HistoryChecker.check(history);
        System.out.println(label + ": " + result.stats() + " " + result.counts());
        assertThat(result.valid()).as(result.report()).isTrue();
        return result;
    }
}
