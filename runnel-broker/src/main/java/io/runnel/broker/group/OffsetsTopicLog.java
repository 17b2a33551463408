package io.runnel.broker.group;

import io.runnel.broker.partition.Partition;
import io.runnel.broker.partition.ReplicaManager;
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
import io.runnel.storage.AppendResult;
import io.runnel.storage.LogReadResult;
import io.runnel.storage.PartitionLog;

import java.nio.ByteBuffer;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * A coordinator's storage: the partitions of an internal topic ({@code __consumer_offsets} for groups,
 * {@code __transaction_state} for transactions), written through the broker's partition logs (one batch per
 * append, as the coordinator requires) and read back in offset order when a partition's coordinator loads.
 * Transactional batches (TxnOffsetCommit) carry the producer id and epoch; control batches (markers) are reported
 * by {@link #replayWithTransactions}.
 */
public final class OffsetsTopicLog implements CoordinatorLog {
    public static final String TOPIC = "__consumer_offsets";
    private static final int READ_CHUNK = 1 << 20;

    private final ReplicaManager partitions;
    private final Time time;
    private final String topic;
    /**
     * The next sequence of each producer's transactional batches per partition. Storage checks producer sequences
     * on coordinator appends too, so TxnOffsetCommit batches carry a valid one (0 for a new epoch, then the next);
     * learnt again from the batches when a partition is replayed.
     */
    private final Map<Long, Seq> sequences = new ConcurrentHashMap<>();

    private record Seq(short epoch, int next) {
    }

    private static long seqKey(int partition, long producerId) {
        return producerId * 1_000_003L + partition;
    }

    public OffsetsTopicLog(ReplicaManager partitions, Time time) {
        this(partitions, time, TOPIC);
    }

    /** The log of another internal topic, e.g. {@code __transaction_state}. */
    public OffsetsTopicLog(ReplicaManager partitions, Time time, String topic) {
        this.partitions = partitions;
        this.time = time;
        this.topic = topic;
    }

    @Override
    public CompletableFuture<Void> append(int partition, List<CoordinatorRecord> records) {
        return append(partition, -1, (short) -1, records);
    }

    @Override
    public CompletableFuture<Void> appendTransactional(int partition, long producerId, short producerEpoch,
                                                       List<CoordinatorRecord> records) {
        return append(partition, producerId, producerEpoch, records);
    }

    private CompletableFuture<Void> append(int partition, long producerId, short producerEpoch, List<CoordinatorRecord> records) {
        try {
            Partition p = leader(partition);
            RecordBatchBuilder b = new RecordBatchBuilder(CompressionType.NONE, TimestampType.CREATE_TIME, 0);
            int firstSeq = 0;
            if (producerId >= 0) {
                Seq seq = sequences.get(seqKey(partition, producerId));
                firstSeq = seq != null && seq.epoch() == producerEpoch ? seq.next() : 0;
                b.producer(producerId, producerEpoch, firstSeq).transactional(true);
            }
            long now = time.milliseconds();
            for (CoordinatorRecord r : records) b.append(now, r.key(), r.value(), List.of());
            AppendResult appended = partitions.appendAsCoordinator(p, new MemoryRecords(b.build()));
            if (producerId >= 0) sequences.put(seqKey(partition, producerId), new Seq(producerEpoch, firstSeq + records.size()));
            // acknowledged only once the ISR has it, as Kafka's coordinators write with acks=all: a commit a client saw
            // succeed must survive the loss of this broker (up to replica.lag.time.max.ms; then the client retries)
            return partitions.awaitReplication(p, appended.lastOffset() + 1, 1, partitions.config().lagTimeMaxMs())
                    .thenAccept(e -> {
                        if (e != Errors.NONE) throw new ApiException(e, "The coordinator's records were not replicated: " + e);
                    });
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public CompletableFuture<Errors> writeMarker(int partition, long producerId, short producerEpoch, int coordinatorEpoch,
                                                 boolean commit) {
        return partitions.writeTxnMarker(new TopicPartition(topic, partition), producerId, producerEpoch, coordinatorEpoch, commit);
    }

    @Override
    public void replay(int partition, Consumer<CoordinatorRecord> sink) {
        replayWithTransactions(partition, new ReplaySink() {
            @Override
            public void record(CoordinatorRecord r) {
                sink.accept(r);
            }

            @Override
            public void transactional(long producerId, CoordinatorRecord r) {
                sink.accept(r);
            }

            @Override
            public void marker(long producerId, boolean commit) {
            }
        });
    }

    @Override
    public void replayWithTransactions(int partition, ReplaySink sink) {
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
                if (batch.isControlBatch()) {
                    // a control record's key: int16 version, int16 type (0 abort, 1 commit)
                    for (Record rec : batch.records()) {
                        byte[] k = rec.key();
                        if (rec.offset() >= offset && k != null && k.length >= 4) {
                            sink.marker(batch.producerId(), ByteBuffer.wrap(k).getShort(2) == 1);
                        }
                    }
                    continue;
                }
                boolean txn = batch.isTransactional();
                if (txn) sequences.put(seqKey(partition, batch.producerId()), new Seq(batch.producerEpoch(), batch.lastSequence() + 1));
                for (Record rec : batch.records()) {
                    if (rec.offset() < offset || rec.key() == null) continue;
                    CoordinatorRecord cr = new CoordinatorRecord(rec.key(), rec.value());
                    if (txn) sink.transactional(batch.producerId(), cr);
                    else sink.record(cr);
                }
            }
            if (next <= offset) break;
            offset = next;
        }
    }

    private Partition leader(int partition) {
        Partition p = partitions.get(new TopicPartition(topic, partition));
        if (p == null || !partitions.isLeader(p)) {
            throw new ApiException(Errors.NOT_COORDINATOR, "This broker does not lead " + topic + "-" + partition);
        }
        return p;
    }
}
