package io.runnel.record;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BatchesTest {

    private static ByteBuffer batch(long baseOffset, int records, CompressionType codec) {
        RecordBatchBuilder b = new RecordBatchBuilder(codec, TimestampType.CREATE_TIME, baseOffset);
        for (int i = 0; i < records; i++) b.append(i, ("k" + i).getBytes(), ("v" + i).getBytes(), List.of());
        return b.build();
    }

    private static List<RecordBatch> drain(BatchIterator it) {
        List<RecordBatch> out = new ArrayList<>();
        while (it.hasNext()) out.add(it.next());
        return out;
    }

    @Test
    void iteratesAllCompleteBatchesInOrder() {
        ByteBuffer a = batch(0, 3, CompressionType.NONE);
        ByteBuffer b = batch(3, 2, CompressionType.GZIP);
        ByteBuffer c = batch(5, 1, CompressionType.ZSTD);
        ByteBuffer all = RawBatches.concat(a, b, c);

        BatchIterator it = Batches.iterate(all);
        List<RecordBatch> batches = drain(it);
        assertThat(batches).extracting(RecordBatch::baseOffset).containsExactly(0L, 3L, 5L);
        assertThat(batches).extracting(RecordBatch::position).containsExactly(0, a.remaining(), a.remaining() + b.remaining());
        assertThat(batches).allMatch(RecordBatch::isValid);
        assertThat(it.validBytes()).isEqualTo(all.remaining());
        assertThat(it.hasInvalidTail()).isFalse();
        assertThat(all.position()).isZero();
        assertThatThrownBy(it::next).isInstanceOf(NoSuchElementException.class);
    }

    @Test
    void stopsAtTruncatedTailWithoutThrowing() {
        ByteBuffer a = batch(0, 3, CompressionType.NONE);
        ByteBuffer b = batch(3, 2, CompressionType.NONE);
        ByteBuffer all = RawBatches.concat(a, b);
        for (int cut = 1; cut < b.remaining(); cut += 7) {
            ByteBuffer truncated = all.duplicate().limit(all.limit() - cut);
            Batches.BatchIterator it = Batches.iterate(truncated);
            assertThat(drain(it)).hasSize(1);
            assertThat(it.validBytes()).isEqualTo(a.remaining());
            assertThat(it.tailPosition()).isEqualTo(a.remaining());
            assertThat(it.hasInvalidTail()).isTrue();
        }
    }

    @Test
    void respectsBufferPositionAndReportsAbsoluteTail() {
        ByteBuffer a = batch(0, 2, CompressionType.NONE);
        ByteBuffer padded = ByteBuffer.allocate(a.remaining() + 10);
        padded.position(10);
        padded.put(a.duplicate());
        padded.position(10);
        BatchIterator it = Batches.iterate(padded);
        RecordBatch first = it.next();
        assertThat(first.position()).isEqualTo(10);
        assertThat(first.isValid()).isTrue();
        assertThat(it.hasNext()).isFalse();
        assertThat(it.validBytes()).isEqualTo(a.remaining());
        assertThat(it.tailPosition()).isEqualTo(10 + a.remaining());
    }

    @Test
    void stopsAtImpossibleBatchLength() {
        ByteBuffer a = batch(0, 2, CompressionType.NONE);
        ByteBuffer bad = batch(2, 1, CompressionType.NONE);
        bad.putInt(8, 10); // below the v2 header size
        ByteBuffer all = RawBatches.concat(a, bad);
        BatchIterator it = Batches.iterate(all);
        assertThat(drain(it)).hasSize(1);
        assertThat(it.hasInvalidTail()).isTrue();
        assertThat(Batches.validBytes(all)).isEqualTo(a.remaining());
    }

    @Test
    void memoryRecordsExposesItsBatches() {
        MemoryRecords records = new MemoryRecords(RawBatches.concat(batch(0, 1, CompressionType.NONE), batch(1, 2, CompressionType.LZ4)));
        List<Long> bases = new ArrayList<>();
        for (RecordBatch b : records.batches()) bases.add(b.baseOffset());
        assertThat(bases).containsExactly(0L, 1L);
    }

    @Test
    void emptyBufferHasNoBatches() {
        BatchIterator it = Batches.iterate(MemoryRecords.EMPTY);
        assertThat(it.hasNext()).isFalse();
        assertThat(it.validBytes()).isZero();
        assertThat(it.hasInvalidTail()).isFalse();
    }
}
