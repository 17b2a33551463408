package io.runnel.it;

import io.runnel.common.Errors;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.ProduceRequest;
import io.runnel.protocol.message.ProduceResponse;
import io.runnel.record.CompressionType;
import io.runnel.record.MemoryRecords;
import io.runnel.record.RecordBatch;
import io.runnel.record.RecordBatchBuilder;
import io.runnel.record.TimestampType;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * Per-record errors of Produce (KIP-467): a batch rejected because of some of its records names them in
 * the response, and the Kafka producer fails exactly those with the broker's reason (the rest of the batch
 * fails as collateral) and retries none.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RecordErrorsIT {
    @TempDir
    static Path dir;
    static TestBroker broker;
    static Admin admin;

    @BeforeAll
    static void start() {
        broker = TestBroker.start(dir.resolve("broker"));
        admin = Clients.admin(broker.bootstrap());
    }

    @AfterAll
    static void stop() {
        if (admin != null) admin.close(Duration.ofSeconds(10));
        if (broker != null) broker.close();
    }

    private static byte[] utf8(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void keylessRecordsInACompactedTopicFailAloneAndAreNotRetried() throws Exception {
        for (String codec : new String[]{"none", "lz4"}) {
            String topic = "compacted-" + codec;
            broker.createTopic(topic, 1, Map.of("cleanup.policy", "compact"));
            // one batch of four records: linger long enough that flush() sends them together
            try (KafkaProducer<byte[], byte[]> producer = Clients.producer(broker.bootstrap(), Map.of(
                    ProducerConfig.LINGER_MS_CONFIG, 60_000, ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000,
                    ProducerConfig.COMPRESSION_TYPE_CONFIG, codec))) {
                List<Future<RecordMetadata>> sent = new ArrayList<>();
                String[] keys = {"a", null, "b", null};
                for (int i = 0; i < keys.length; i++) {
                    sent.add(producer.send(new ProducerRecord<>(topic, 0, utf8(keys[i]), utf8("v" + i))));
                }
                producer.flush();

                for (int i : new int[]{1, 3}) {
                    Throwable t = cause(catchThrowable(() -> sent.get(i).get(30, TimeUnit.SECONDS)));
                    assertThat(t).as("%s: keyless record %d", codec, i).isInstanceOf(InvalidRecordException.class)
                            .hasMessageContaining("without key");
                }
                for (int i : new int[]{0, 2}) {
                    Throwable t = cause(catchThrowable(() -> sent.get(i).get(30, TimeUnit.SECONDS)));
                    // the client's collateral failure: a plain KafkaException, not the record's own error
                    assertThat(t).as("%s: keyed record %d", codec, i).isExactlyInstanceOf(KafkaException.class)
                            .hasMessageContaining("part of a batch");
                }
                assertThat(metric(producer, "record-retry-total")).as("nothing retried").isZero();
                assertThat(metric(producer, "record-error-total")).isEqualTo(4.0);

                // the rejected batch took no offsets; keyed records go in
                Future<RecordMetadata> ok = producer.send(new ProducerRecord<>(topic, 0, utf8("c"), utf8("ok")));
                producer.flush();
                assertThat(ok.get(30, TimeUnit.SECONDS).offset()).isZero();
            }
            TopicPartition tp = new TopicPartition(topic, 0);
            assertThat(admin.listOffsets(Map.of(tp, OffsetSpec.latest())).partitionResult(tp).get(30, TimeUnit.SECONDS).offset())
                    .isEqualTo(1);
        }
    }

    @Test
    void badOffsetDeltaIsInvalidRecordWithRecordErrors() throws Exception {
        String topic = "bad-offset-delta";
        broker.createTopic(topic, 1);
        for (CompressionType codec : new CompressionType[]{CompressionType.NONE, CompressionType.LZ4}) {
            // records with offset deltas 0, 2, 3 under a header claiming three records (last delta 2)
            ByteBuffer batch = new RecordBatchBuilder(codec, TimestampType.CREATE_TIME, 0)
                    .appendWithOffset(0, System.currentTimeMillis(), utf8("k0"), utf8("v0"), List.of())
                    .appendWithOffset(2, System.currentTimeMillis(), utf8("k1"), utf8("v1"), List.of())
                    .appendWithOffset(3, System.currentTimeMillis(), utf8("k2"), utf8("v2"), List.of())
                    .build();
            batch.putInt(23, 2); // lastOffsetDelta, a field covered by the CRC
            RecordBatch.at(batch, 0).updateChecksum();

            try (RawClient c = new RawClient(broker.port())) {
                short v = ApiKeys.PRODUCE.highestVersion >= 12 ? 12 : ApiKeys.PRODUCE.highestVersion;
                c.send(ApiKeys.PRODUCE, v, 7, produce(topic, batch));
                ProduceResponse.PartitionResponse pr = c.<ProduceResponse>receive(ApiKeys.PRODUCE, v).body().responses.get(0).partitionResponses.get(0);
                assertThat(pr.errorCode).as("%s: %s", codec, pr.errorMessage).isEqualTo(Errors.INVALID_RECORD.code());
                assertThat(pr.baseOffset).isEqualTo(-1);
                assertThat(pr.recordErrors).extracting(e -> e.batchIndex).as(codec.toString()).containsExactly(1, 2);
                assertThat(pr.recordErrors.get(0).batchIndexErrorMessage).contains("offset delta 2 where 1 was expected");
                assertThat(pr.errorMessage).startsWith("2 records of the batch rejected");

                // Produce v7 has no RecordErrors field: the error code alone
                c.send(ApiKeys.PRODUCE, (short) 7, 8, produce(topic, batch));
                ProduceResponse.PartitionResponse v7 = c.<ProduceResponse>receive(ApiKeys.PRODUCE, (short) 7).body().responses.get(0).partitionResponses.get(0);
                assertThat(v7.errorCode).isEqualTo(Errors.INVALID_RECORD.code());
                assertThat(v7.recordErrors).isEmpty();
            }
        }
        TopicPartition tp = new TopicPartition(topic, 0);
        assertThat(admin.listOffsets(Map.of(tp, OffsetSpec.latest())).partitionResult(tp).get(30, TimeUnit.SECONDS).offset())
                .as("nothing appended").isZero();
    }

    private static ProduceRequest produce(String topic, ByteBuffer batch) {
        ProduceRequest req = new ProduceRequest();
        req.acks = -1;
        req.timeoutMs = 10_000;
        ProduceRequest.TopicData td = new ProduceRequest.TopicData();
        td.name = topic;
        ProduceRequest.PartitionData pd = new ProduceRequest.PartitionData();
        pd.index = 0;
        pd.records = new MemoryRecords(batch.duplicate());
        td.partitionData.add(pd);
        req.topicData.add(td);
        return req;
    }

    private static double metric(KafkaProducer<?, ?> producer, String name) {
        for (Map.Entry<org.apache.kafka.common.MetricName, ? extends Metric> e : producer.metrics().entrySet()) {
            if (e.getKey().name().equals(name) && e.getKey().group().equals("producer-metrics")) {
                return ((Number) e.getValue().metricValue()).doubleValue();
            }
        }
        throw new AssertionError("no producer metric " + name);
    }

    private static Throwable cause(Throwable t) {
        return t instanceof ExecutionException && t.getCause() != null ? t.getCause() : t;
    }
}
