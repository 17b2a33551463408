package io.runnel.record;

import java.nio.ByteBuffer;
import java.util.NoSuchElementException;

/**
 * Walks the record batches laid end to end in a buffer (a segment, a fetch response, a produce request).
 * Only the batch framing (baseOffset int64, batchLength int32) is read; batch content is not checked:
 * use {@link RecordBatch#isValid()} or the {@link BatchValidator} for that. Stateless; thread-safe.
 */
public final class Batches {
    private Batches() {}

    /**
     * Iterates complete batches in {@code buf} from its position to its limit (neither is changed). Stops
     * at a truncated or corrupt tail without throwing; {@link BatchIterator#tailPosition()} tells where the
     * valid data ended.
     */
    public static BatchIterator iterate(ByteBuffer buf) {
        return new BatchIterator(buf);
    }

    /** Iterates the batches of {@code records}. */
    public static BatchIterator iterate(MemoryRecords records) {
        return new BatchIterator(records.buffer());
    }

    /** Length of the prefix of {@code buf} (position..limit) made of complete batches. */
    public static int validBytes(ByteBuffer buf) {
        BatchIterator it = iterate(buf);
        while (it.hasNext()) it.next();
        return it.validBytes();
    }

    /**
     * The iterator type of {@link Batches#iterate}; the same contract as {@link io.runnel.record.BatchIterator},
     * which it implements (either name may be used for the result).
     */
    public static final class BatchIterator implements io.runnel.record.BatchIterator {
        private final ByteBuffer buf;
        private final int start;
        private final int end;
        private int next;
        private boolean ended;
        private int nextSize = -1;

        private BatchIterator(ByteBuffer buf) {
            this.buf = buf.order() == java.nio.ByteOrder.BIG_ENDIAN ? buf : buf.duplicate().order(java.nio.ByteOrder.BIG_ENDIAN);
            this.start = buf.position();
            this.end = buf.limit();
            this.next = start;
        }

        @Override
        public boolean hasNext() {
            if (nextSize >= 0) return true;
            if (ended) return false;
            int remaining = end - next;
            if (remaining >= RecordBatch.LOG_OVERHEAD) {
                int length = buf.getInt(next + RecordBatch.LENGTH_OFFSET);
                if (length >= RecordBatch.MIN_BATCH_LENGTH && length <= remaining - RecordBatch.LOG_OVERHEAD) {
                    nextSize = RecordBatch.LOG_OVERHEAD + length;
                    return true;
                }
            }
            ended = true;
            return false;
        }

        @Override
        public RecordBatch next() {
            if (!hasNext()) throw new NoSuchElementException();
            RecordBatch batch = RecordBatch.at(buf, next);
            next += nextSize;
            nextSize = -1;
            return batch;
        }

        @Override
        public int validBytes() {
            return next - start;
        }

        @Override
        public int tailPosition() {
            return next;
        }

        @Override
        public boolean hasInvalidTail() {
            return ended && next < end;
        }
    }
}
