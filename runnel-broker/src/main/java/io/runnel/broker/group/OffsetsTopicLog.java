package io.runnel.broker.group;

import io.runnel.broker.partition.Partition;
import io.runnel.broker.partition.PartitionManager;
import io.runnel.common.ApiException;
import io.runnel.common.Errors;
import io.runnel.common.Time;
import io.runnel.common.TopicPartition;
import io.runnel.group.CoordinatorLog;
import io.runnel.group.CoordinatorRecord;
import io.runnel.record.Batches;
import io.runnel.record.CompressionType;
import io.runnel.record.MemoryRecords;
import io.runnel.record.Record;
import io.runnel.record.RecordBatch;
import io.runnel.record.RecordBatchBuilder;
import io.runnel.record.TimestampType;
import io.runnel.storage.LogReadResult;
import io.runnel.storage.PartitionLog;

import java.nio.ByteBuffer;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The group coordinator's storage: the partitions of {@code __consumer_offsets}, written through the
 * broker's partition logs (one batch per append, as the coordinator requires) and read back in offset
 * order when a partition's coordinator loads.
 */
public final class OffsetsTopicLog implements CoordinatorLog {
    public static final String TOPIC = "__consumer_offsets";
    private static final int READ_CHUNK = 1 << 20;

    private final PartitionManager partitions;
    private final Time time;

    public OffsetsTopicLog(PartitionManager partitions, Time time) {
        this.partitions = partitions;
        this.time = time;
    }

    @Override
    public CompletableFuture<Void> append(int partition, List<CoordinatorRecord> records) {
        try {
            Partition p = leader(partition);
            RecordBatchBuilder b = new RecordBatchBuilder(CompressionType.NONE, TimestampType.CREATE_TIME, 0);
            long now = time.milliseconds();
            for (CoordinatorRecord r : records) b.append(now, r.key(), r.value(), List.of());
            partitions.appendAsCoordinator(p, new MemoryRecords(b.build()));
            return CompletableFuture.completedFuture(null);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public void replay(int partition, Consumer<CoordinatorRecord> sink) {
        PartitionLog log = leader(partition).log();
        long offset = log.logStartOffset();
        long end = log.logEndOffset();
        while (offset < end) {
            LogReadResult r = log.read(offset, READ_CHUNK, end, true);
            ByteBuffer buf = r.records().readInto();
            if (!buf.hasRemaining()) break;
            long next = offset;
            for (Iterator<RecordBatch> it = Batches.iterate(buf); it.hasNext(); ) {
                RecordBatch batch = it.next();
                next = batch.nextOffset();
                if (batch.isControlBatch()) continue;
                for (Record rec : batch.records()) {
                    if (rec.offset() < offset || rec.key() == null) continue;
                    sink.accept(new CoordinatorRecord(rec.key(), rec.value()));
                }
            }
            if (next <= offset) break;
            offset = next;
        }
    }

    private Partition leader(int partition) {
        Partition p = partitions.get(new TopicPartition(TOPIC, partition));
        if (p == null || !partitions.isLeader(p)) {
            throw new ApiException(Errors.NOT_COORDINATOR, "This broker does not lead " + TOPIC + "-" + partition);
        }
        return p;
    }
}
