package io.runnel.group;

import io.runnel.common.Errors;
import io.runnel.group.api.ClassicGroupApi.JoinResult;
import io.runnel.group.api.OffsetApi.CommitPartition;
import io.runnel.group.api.OffsetApi.CommitResult;
import io.runnel.group.api.OffsetApi.FetchParams;
import io.runnel.group.api.OffsetApi.FetchedOffset;
import io.runnel.group.api.OffsetApi.TxnCommitParams;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.runnel.group.Harness.done;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * TxnOffsetCommit in the group coordinator: offsets written as a producer's transactional batch stay pending until the
 * transaction's marker reaches the partition (applied on commit, dropped on abort), OffsetFetch with RequireStable
 * answers UNSTABLE_OFFSET_COMMIT meanwhile, a reload from the log rebuilds the same, and KIP-447 fencing refuses a
 * stale generation or member.
 */
class TxnOffsetsTest {
    private static final long PID = 4000;
    private final Harness h = new Harness();

    private CommitResult txnCommit(String group, long pid, int generation, String memberId, long offset) {
        return done(h.coordinator.txnCommitOffsets(new TxnCommitParams("tx", group, pid, (short) 0, generation, memberId, null,
                List.of(new CommitPartition("t", 0, offset, -1, null)), (short) 5)));
    }

    private FetchedOffset fetch(String group, boolean requireStable) {
        return done(h.coordinator.fetchOffsets(new FetchParams(group, Map.of("t", List.of(0)), null, -1, requireStable)))
                .offsets().getFirst();
    }

    private int partitionOf(String group) {
        return h.coordinator.partitionFor(group);
    }

    /** As the transaction coordinator does: the marker goes through the group coordinator into the log. */
    private void marker(String group, long pid, boolean commit) {
        assertThat(done(h.coordinator.writeTxnMarker(partitionOf(group), pid, (short) 0, 0, commit))).isEqualTo(Errors.NONE);
    }

    @Test
    void pendingOffsetsApplyOnCommitAndAreDroppedOnAbort() {
        assertThat(txnCommit("g", PID, -1, "", 10).partitions().values()).containsOnly(Errors.NONE);
        assertThat(fetch("g", false).offset()).as("not visible before the commit marker").isEqualTo(-1);
        assertThat(fetch("g", true).error()).isEqualTo(Errors.UNSTABLE_OFFSET_COMMIT);
        marker("g", PID, true);
        assertThat(fetch("g", true)).isEqualTo(new FetchedOffset("t", 0, 10, -1, "", Errors.NONE));

        assertThat(txnCommit("g", PID, -1, "", 20).partitions().values()).containsOnly(Errors.NONE);
        marker("g", PID, false);
        assertThat(fetch("g", true)).as("an aborted transaction's offset is dropped").isEqualTo(new FetchedOffset("t", 0, 10, -1, "", Errors.NONE));
    }

    @Test
    void aReloadRebuildsPendingAndDecidedOffsetsFromTheLog() {
        txnCommit("g", PID, -1, "", 10);
        marker("g", PID, true);
        txnCommit("g", PID, -1, "", 20);
        marker("g", PID, false);
        txnCommit("g", PID + 1, -1, "", 30); // still open
        h.reload();
        assertThat(fetch("g", false).offset()).isEqualTo(10);
        assertThat(fetch("g", true).error()).isEqualTo(Errors.UNSTABLE_OFFSET_COMMIT);
        marker("g", PID + 1, true);
        assertThat(fetch("g", true).offset()).isEqualTo(30);
    }

    @Test
    void aStaleGenerationOrUnknownMemberIsFenced() {
        JoinResult j = done(h.newMemberWith("g", "t"));
        done(h.sync("g", j, Map.of(j.memberId(), new byte[]{1})));
        assertThat(txnCommit("g", PID, j.generationId(), j.memberId(), 5).partitions().values()).containsOnly(Errors.NONE);
        assertThat(txnCommit("g", PID, j.generationId() + 1, j.memberId(), 5).partitions().values()).containsOnly(Errors.ILLEGAL_GENERATION);
        assertThat(txnCommit("g", PID, j.generationId(), "stranger", 5).partitions().values()).containsOnly(Errors.UNKNOWN_MEMBER_ID);
        assertThat(txnCommit("nogroup", PID, 3, "m", 5).partitions().values()).containsOnly(Errors.ILLEGAL_GENERATION);
        assertThat(done(h.coordinator.txnCommitOffsets(new TxnCommitParams("tx", "nogroup", PID, (short) 0, 3, "m", null,
                List.of(new CommitPartition("t", 0, 5, -1, null)), (short) 6))).partitions().values())
                .as("v6 (KIP-1319)").containsOnly(Errors.GROUP_ID_NOT_FOUND);
        marker("g", PID, true);
        assertThat(fetch("g", true).offset()).as("only the accepted commit was written").isEqualTo(5);
    }

    @Test
    void aFailedMarkerWriteKeepsTheOffsetsPending() {
        txnCommit("g", PID, -1, "", 10);
        h.log.failNextAppends(1, Errors.NOT_LEADER_OR_FOLLOWER);
        assertThat(done(h.coordinator.writeTxnMarker(partitionOf("g"), PID, (short) 0, 0, true))).isEqualTo(Errors.NOT_LEADER_OR_FOLLOWER);
        assertThat(fetch("g", true).error()).isEqualTo(Errors.UNSTABLE_OFFSET_COMMIT);
        marker("g", PID, true);
        assertThat(fetch("g", true).offset()).isEqualTo(10);
    }

    @Test
    void offsetsOfOtherPartitionsAreNotUnstable() {
        txnCommit("g", PID, -1, "", 10);
        FetchedOffset other = done(h.coordinator.fetchOffsets(new FetchParams("g", Map.of("t", List.of(1)), null, -1, true)))
                .offsets().getFirst();
        assertThat(other.error()).isEqualTo(Errors.NONE);
        assertThat(done(h.coordinator.fetchOffsets(new FetchParams("other", Map.of("t", List.of(0)), null, -1, true)))
                .offsets().getFirst().error()).isEqualTo(Errors.NONE);
    }
}
