package io.runnel.jmh;

import io.runnel.protocol.ByteBufferReadable;
import io.runnel.protocol.GrowableWritable;
import io.runnel.protocol.message.FetchResponse;
import io.runnel.protocol.message.ProduceRequest;
import io.runnel.record.CompressionType;
import io.runnel.record.MemoryRecords;
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
 * The generated protocol codec: a ProduceRequest carrying one 64 KiB batch of 100-byte records (what a
 * producer in scenario (a) sends per partition), and a FetchResponse with {@code partitions} partitions of
 * one such batch each. Records are carried as opaque bytes: encoding copies them into the output, decoding
 * takes a view of them. The figures are per message.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class CodecBenchmark {
    /** Produce v12: the last version with topic names, flexible. */
    static final short PRODUCE_VERSION = 12;
    /** Fetch v16: flexible, topic ids. */
    static final short FETCH_VERSION = 16;

    @Param({"1", "8"})
    public int partitions;

    private ProduceRequest produce;
    private FetchResponse fetch;
    private ByteBuffer produceBytes;
    private ByteBuffer fetchBytes;

    @Setup
    public void setup() {
        long now = System.currentTimeMillis();
        produce = new ProduceRequest();
        produce.acks = -1;
        produce.timeoutMs = 30_000;
        ProduceRequest.TopicData td = new ProduceRequest.TopicData();
        td.name = "bench-topic";
        for (int p = 0; p < partitions; p++) {
            ProduceRequest.PartitionData pd = new ProduceRequest.PartitionData();
            pd.index = p;
            pd.records = new MemoryRecords(Fixtures.batch(CompressionType.NONE, 100, Fixtures.BATCH_BYTES, now, p));
            td.partitionData.add(pd);
        }
        produce.topicData.add(td);

        fetch = new FetchResponse();
        FetchResponse.TopicResponse tr = new FetchResponse.TopicResponse();
        tr.topicId = io.runnel.common.Uuid.random();
        for (int p = 0; p < partitions; p++) {
            FetchResponse.PartitionData pd = new FetchResponse.PartitionData();
            pd.partitionIndex = p;
            pd.highWatermark = 1_000_000;
            pd.lastStableOffset = 1_000_000;
            pd.logStartOffset = 0;
            pd.records = new MemoryRecords(Fixtures.batch(CompressionType.NONE, 100, Fixtures.BATCH_BYTES, now, 100 + p));
            tr.partitions.add(pd);
        }
        fetch.responses.add(tr);

        produceBytes = encodeProduceRequest().toByteBuffer();
        fetchBytes = encodeFetchResponse().toByteBuffer();
        // sanity: both round-trip
        if (!new ProduceRequest(new ByteBufferReadable(produceBytes.duplicate()), PRODUCE_VERSION).equals(produce)) {
            throw new IllegalStateException("ProduceRequest does not round-trip");
        }
        if (!new FetchResponse(new ByteBufferReadable(fetchBytes.duplicate()), FETCH_VERSION).equals(fetch)) {
            throw new IllegalStateException("FetchResponse does not round-trip");
        }
    }

    @Benchmark
    public GrowableWritable encodeProduceRequest() {
        GrowableWritable out = new GrowableWritable(partitions * (Fixtures.BATCH_BYTES + 64) + 64);
        produce.write(out, PRODUCE_VERSION);
        return out;
    }

    @Benchmark
    public ProduceRequest decodeProduceRequest() {
        return new ProduceRequest(new ByteBufferReadable(produceBytes.duplicate()), PRODUCE_VERSION);
    }

    @Benchmark
    public GrowableWritable encodeFetchResponse() {
        GrowableWritable out = new GrowableWritable(partitions * (Fixtures.BATCH_BYTES + 128) + 64);
        fetch.write(out, FETCH_VERSION);
        return out;
    }

    @Benchmark
    public FetchResponse decodeFetchResponse() {
        return new FetchResponse(new ByteBufferReadable(fetchBytes.duplicate()), FETCH_VERSION);
    }
}
