package io.runnel.record;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.LongRange;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Random records through builder, validator and decoder keep keys, values, headers and get consecutive
 * offsets; the stamped batch stays readable by Kafka's reference implementation. Some values exceed the
 * record scanner's 16 KiB window, compressed and not.
 */
class RecordRoundTripProperties {
    private static final long NOW = 1_700_000_000_000L;

    record Input(long timestamp, byte[] key, byte[] value, List<Header> headers) {}

    @Provide
    Arbitrary<List<Input>> inputs() {
        // now and then a value larger than the scanner's 16 KiB window, so records straddle and skip across windows
        Arbitrary<byte[]> bytes = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(15, Arbitraries.bytes().array(byte[].class).ofMaxSize(300)),
                net.jqwik.api.Tuple.of(1, Arbitraries.bytes().array(byte[].class).ofMinSize(5_000).ofMaxSize(40_000))).injectNull(0.15);
        Arbitrary<byte[]> nonNullBytes = Arbitraries.bytes().array(byte[].class).ofMaxSize(40);
        Arbitrary<Header> header = Combinators.combine(
                Arbitraries.strings().ofMaxLength(12),
                nonNullBytes.injectNull(0.2)).as(Header::new);
        Arbitrary<Long> timestamp = Arbitraries.longs().between(NOW - 1_000_000, NOW + 1_000_000);
        Arbitrary<Input> input = Combinators.combine(timestamp, bytes, bytes, header.list().ofMaxSize(4)).as(Input::new);
        return input.list().ofMinSize(1).ofMaxSize(40);
    }

    @Property(tries = 250)
    void builderValidatorDecoderRoundTrip(@ForAll("inputs") List<Input> inputs,
                                          @ForAll CompressionType codec,
                                          @ForAll @LongRange(min = 0, max = Long.MAX_VALUE / 2) long firstOffset,
                                          @ForAll boolean logAppendTime) {
        RecordBatchBuilder builder = new RecordBatchBuilder(codec, TimestampType.CREATE_TIME, 0);
        for (Input in : inputs) builder.append(in.timestamp(), in.key(), in.value(), in.headers());
        MemoryRecords records = new MemoryRecords(builder.build());
        TimestampType topicType = logAppendTime ? TimestampType.LOG_APPEND_TIME : TimestampType.CREATE_TIME;

        BatchValidator.Result result = BatchValidator.validateAndAssignOffsets(records, firstOffset, 3, topicType,
                NOW, 2_000_000, 2_000_000, Integer.MAX_VALUE, false);

        assertThat(result.firstOffset()).isEqualTo(firstOffset);
        assertThat(result.lastOffset()).isEqualTo(firstOffset + inputs.size() - 1);
        List<Record> expected = new ArrayList<>();
        long max = -1;
        long offsetOfMax = -1;
        for (int i = 0; i < inputs.size(); i++) {
            Input in = inputs.get(i);
            expected.add(new Record(firstOffset + i, logAppendTime ? NOW : in.timestamp(), in.key(), in.value(), in.headers()));
            if (in.timestamp() > max) {
                max = in.timestamp();
                offsetOfMax = firstOffset + i;
            }
        }
        assertThat(result.maxTimestamp()).isEqualTo(logAppendTime ? NOW : max);
        assertThat(result.offsetOfMaxTimestamp()).isEqualTo(logAppendTime ? firstOffset : offsetOfMax);

        BatchIterator it = Batches.iterate(records);
        RecordBatch batch = it.next();
        assertThat(it.hasNext()).isFalse();
        assertThat(batch.isValid()).isTrue();
        assertThat(batch.partitionLeaderEpoch()).isEqualTo(3);
        assertThat(batch.records()).isEqualTo(expected);

        ByteBuffer copy = records.buffer();
        org.apache.kafka.common.record.MutableRecordBatch kb =
                org.apache.kafka.common.record.MemoryRecords.readableRecords(copy).batches().iterator().next();
        kb.ensureValid();
        assertThat(kb.lastOffset()).isEqualTo(result.lastOffset());
        assertThat(kb.countOrNull()).isEqualTo(inputs.size());
    }
}
