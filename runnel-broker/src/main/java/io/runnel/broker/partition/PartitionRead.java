package io.runnel.broker.partition;

import io.runnel.common.Errors;
import io.runnel.record.Records;
import io.runnel.storage.AbortedTxn;

import java.util.List;

/**
 * What one partition answers to a fetch, in the partition layer's terms (the Fetch handler turns it into the
 * protocol's fields).
 *
 * @param error            NONE or the partition's error
 * @param leaderId         the current leader, for NOT_LEADER_OR_FOLLOWER and epoch errors (-1 unknown)
 * @param leaderEpoch      the current leader epoch (-1 unknown)
 * @param highWatermark    -1 with an error the log was not read for
 * @param lastStableOffset -1 with an error
 * @param logStartOffset   -1 with an error
 * @param records          the batches read (empty when none)
 * @param aborted          a read_committed read's aborted transactions overlapping the records; null otherwise
 * @param divergingEpoch   a follower's log diverges from the leader's after {@code divergingEndOffset} in this epoch; -1 otherwise
 * @param readableEnd      where this reader could read up to when it read (to notice new data before waiting)
 */
public record PartitionRead(Errors error, int leaderId, int leaderEpoch, long highWatermark, long lastStableOffset,
                            long logStartOffset, Records records, List<AbortedTxn> aborted, int divergingEpoch,
                            long divergingEndOffset, long readableEnd) {

    static PartitionRead error(Errors error, Partition p) {
        int leader = p == null ? -1 : p.state().leaderId();
        int epoch = p == null ? -1 : p.state().leaderEpoch();
        return new PartitionRead(error, leader, epoch, -1, -1, -1, io.runnel.record.MemoryRecords.EMPTY, null, -1, -1, -1);
    }
}
