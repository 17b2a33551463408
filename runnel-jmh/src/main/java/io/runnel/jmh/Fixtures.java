package io.runnel.jmh;

import io.runnel.record.CompressionType;
import io.runnel.record.RecordBatchBuilder;
import io.runnel.record.TimestampType;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Random;

/** Test data shared by the benchmarks: record batches shaped like what Kafka's perf tools send. */
final class Fixtures {
    private Fixtures() {
    }

    /** 64 KiB: the producer batch.size of scenario (a). */
    static final int BATCH_BYTES = 64 * 1024;

    /**
     * One magic-v2 batch, base offset 0, no producer id, with as many {@code valueSize}-byte, key-less records
     * as fit in {@code targetBytes} uncompressed. Values are random upper-case letters, as ProducerPerformance's
     * payloads are (which makes the lz4 variant compress to roughly what it does in the end-to-end runs).
     */
    static ByteBuffer batch(CompressionType compression, int valueSize, int targetBytes, long timestamp, long seed) {
        Random rnd = new Random(seed);
        RecordBatchBuilder b = new RecordBatchBuilder(compression, TimestampType.CREATE_TIME, 0);
        while (true) {
            byte[] value = new byte[valueSize];
            for (int i = 0; i < valueSize; i++) value[i] = (byte) ('A' + rnd.nextInt(26));
            b.append(timestamp, null, value, List.of());
            // ~8 bytes of per-record framing for a 100-byte record: stop before crossing the target
            if (b.uncompressedSizeInBytes() + valueSize + 16 > targetBytes) break;
        }
        return b.build();
    }
}
