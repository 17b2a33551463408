package io.runnel.jmh;

import io.runnel.record.BatchValidator;
import io.runnel.record.CompressionType;
import io.runnel.record.MemoryRecords;
import io.runnel.record.TimestampType;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * Broker-side validation and offset assignment of one Produce partition: a 64 KiB (uncompressed size) batch
 * of 100-byte records, uncompressed or lz4. The same buffer is validated again and again: with first offset 0
 * and a fixed leader epoch the in-place stamping writes the same bytes each time, so no copy is needed.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class BatchValidatorBenchmark {
    @Param({"NONE", "LZ4"})
    public String compression;

    /** 100: scenario (a)'s records, in 64 KiB batches; 1024: scenario (b)'s, in 128 KiB batches. */
    @Param({"100", "1024"})
    public int valueSize;

    private MemoryRecords records;
    private long now;
    /** Records per batch, for converting the time per batch into records/s. */
    public int recordCount;

    @Setup
    public void setup() {
        now = System.currentTimeMillis();
        ByteBuffer heap = Fixtures.batch(CompressionType.valueOf(compression), valueSize,
                valueSize > 100 ? 2 * Fixtures.BATCH_BYTES : Fixtures.BATCH_BYTES, now, 42);
        // the broker validates what Netty read: a direct buffer
        ByteBuffer batch = ByteBuffer.allocateDirect(heap.remaining()).put(heap).flip();
        records = new MemoryRecords(batch);
        BatchValidator.Result r = validate();
        recordCount = (int) (r.lastOffset() - r.firstOffset() + 1);
        validate(); // a second pass over the stamped buffer must pass too
    }

    @Benchmark
    public BatchValidator.Result validate() {
        return BatchValidator.validateAndAssignOffsets(records, 0L, 0, TimestampType.CREATE_TIME, now,
                Long.MAX_VALUE, 3_600_000L, 1024 * 1024 + 12, false);
    }
}
