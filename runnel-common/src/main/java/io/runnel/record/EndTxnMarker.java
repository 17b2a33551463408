package io.runnel.record;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * A transaction marker: the one record of a control batch that commits or aborts a producer's transaction
 * on a partition.
 *
 * <p>Layout (Kafka's): the batch has the transactional and control attributes, the producer's id and epoch,
 * base sequence -1 and exactly one record whose key is {@code version int16 (0), type int16 (0 = abort,
 * 1 = commit)} and whose value is {@code version int16 (0), coordinatorEpoch int32}. Readers accept higher
 * value versions (extra bytes after the coordinator epoch are ignored), as Kafka's do.
 *
 * <p>Immutable; thread-safe.
 *
 * @param commit           true for a commit marker, false for an abort marker
 * @param coordinatorEpoch the epoch of the transaction coordinator that wrote it
 */
public record EndTxnMarker(boolean commit, int coordinatorEpoch) {
    public static final short ABORT_TYPE = 0;
    public static final short COMMIT_TYPE = 1;
    private static final short CURRENT_VERSION = 0;

    /** The control batch carrying this marker, at base offset 0 (the log assigns the real one). */
    public ByteBuffer toBatch(long producerId, short producerEpoch, long timestamp) {
        byte[] key = ByteBuffer.allocate(4).putShort(CURRENT_VERSION).putShort(commit ? COMMIT_TYPE : ABORT_TYPE).array();
        byte[] value = ByteBuffer.allocate(6).putShort(CURRENT_VERSION).putInt(coordinatorEpoch).array();
        return new RecordBatchBuilder(CompressionType.NONE, TimestampType.CREATE_TIME, 0)
                .producer(producerId, producerEpoch, RecordBatch.NO_SEQUENCE)
                .transactional(true)
                .controlBatch(true)
                .append(timestamp, key, value, List.of())
                .build();
    }

    /**
     * The marker of the control batch at {@code pos} (the whole batch must be in {@code batch}), or null when
     * it is not a transaction marker (another control type, no record, or malformed).
     */
    public static EndTxnMarker read(ByteBuffer batch, int pos) {
        if (!RecordBatch.isControlBatch(batch, pos) || RecordBatch.recordCount(batch, pos) < 1) return null;
        try {
            List<Record> records = RecordBatch.at(batch, pos).records();
            if (records.isEmpty()) return null;
            Record r = records.get(0);
            if (r.key() == null || r.key().length < 4 || r.value() == null || r.value().length < 6) return null;
            ByteBuffer k = ByteBuffer.wrap(r.key());
            k.getShort(); // version
            short type = k.getShort();
            if (type != ABORT_TYPE && type != COMMIT_TYPE) return null;
            ByteBuffer v = ByteBuffer.wrap(r.value());
            v.getShort(); // version
            return new EndTxnMarker(type == COMMIT_TYPE, v.getInt());
        } catch (RuntimeException e) {
            return null;
        }
    }
}
