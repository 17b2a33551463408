package io.runnel.it;

import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.FetchRequest;
import io.runnel.protocol.message.FetchResponse;
import io.runnel.record.MemoryRecords;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DeletedRecords;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidTimestampException;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.record.TimestampType;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static io.runnel.it.Clients.pollUntil;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Produce and fetch rules that a Kafka broker enforces and clients rely on: record size limits (and
 * the client's batch splitting on MESSAGE_TOO_LARGE), timestamp limits, LogAppendTime topics,
 * min.insync.replicas, broker-side recompression, offsets out of range, DeleteRecords, and fetch size
 * limits over several partitions.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ProduceEdgeCasesIT {
    private static final Duration WAIT = Duration.ofSeconds(30);

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

    private static Throwable cause(Throwable t) {
        return t instanceof ExecutionException && t.getCause() != null ? t.getCause() : t;
    }

    private static byte[] bytes(int n, int seed) {
        byte[] b = new byte[n];
        java.util.Random r = new java.util.Random(seed);
        r.nextBytes(b); // incompressible, so sizes on the wire are what they seem
        return b;
    }

    @Test
    void recordLargerThanMaxMessageBytesIsRejected() throws Exception {
        String topic = "too-large";
        broker.createTopic(topic, 1, Map.of("max.message.bytes", "2000"));
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(broker.bootstrap(), Map.of(ProducerConfig.LINGER_MS_CONFIG, 0))) {
            // a batch of one record over the topic's limit: MESSAGE_TOO_LARGE, which the client does not retry
            Future<RecordMetadata> big = producer.send(new ProducerRecord<>(topic, 0, null, bytes(5_000, 1)));
            assertThatThrownBy(() -> big.get(30, TimeUnit.SECONDS)).extracting(ProduceEdgeCasesIT::cause)
                    .isInstanceOf(RecordTooLargeException.class);
            // records that fit still go in, at offset 0: the refused batch took no offsets
            RecordMetadata ok = producer.send(new ProducerRecord<>(topic, 0, null, bytes(1_000, 2))).get(30, TimeUnit.SECONDS);
            assertThat(ok.offset()).isZero();
        }
        // the broker-wide limit applies to topics without their own
        String dflt = "too-large-default";
        broker.createTopic(dflt, 1);
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(broker.bootstrap(), Map.of(ProducerConfig.LINGER_MS_CONFIG, 0,
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 4 << 20))) {
            Future<RecordMetadata> big = producer.send(new ProducerRecord<>(dflt, 0, null, bytes(1_100_000, 3)));
            assertThatThrownBy(() -> big.get(30, TimeUnit.SECONDS)).as("over message.max.bytes (1048588)")
                    .extracting(ProduceEdgeCasesIT::cause).isInstanceOf(RecordTooLargeException.class);
            assertThat(producer.send(new ProducerRecord<>(dflt, 0, null, bytes(1_000_000, 4))).get(30, TimeUnit.SECONDS).offset())
                    .as("a 1 MB record fits").isZero();
        }
        List<ConsumerRecord<byte[], byte[]>> got = Clients.readAll(broker.bootstrap(), List.of(new TopicPartition(dflt, 0)), WAIT);
        assertThat(got).hasSize(1);
        assertThat(got.get(0).value()).isEqualTo(bytes(1_000_000, 4));
    }

    @Test
    void timestampsOutsideTheTopicLimitsAreRejected() throws Exception {
        String topic = "timestamps";
        broker.createTopic(topic, 1, Map.of("message.timestamp.before.max.ms", "3600000", "message.timestamp.after.max.ms", "3600000"));
        long now = System.currentTimeMillis();
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(broker.bootstrap(), Map.of(ProducerConfig.LINGER_MS_CONFIG, 0))) {
            for (long ts : new long[]{now + 2 * 3_600_000L, now - 2 * 3_600_000L}) {
                Future<RecordMetadata> f = producer.send(new ProducerRecord<>(topic, 0, ts, null, new byte[]{1}));
                assertThatThrownBy(() -> f.get(30, TimeUnit.SECONDS)).as("timestamp %d (now %d)", ts, now)
                        .extracting(ProduceEdgeCasesIT::cause).isInstanceOf(InvalidTimestampException.class);
            }
            RecordMetadata ok = producer.send(new ProducerRecord<>(topic, 0, now - 60_000, null, new byte[]{2})).get(30, TimeUnit.SECONDS);
            assertThat(ok.offset()).as("rejected batches take no offsets").isZero();
        }
    }

    @Test
    void logAppendTimeTopicStampsBrokerTime() throws Exception {
        String topic = "log-append-time";
        broker.createTopic(topic, 1, Map.of("message.timestamp.type", "LogAppendTime"));
        long before = System.currentTimeMillis();
        List<RecordMetadata> acks = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(broker.bootstrap(), Map.of(ProducerConfig.COMPRESSION_TYPE_CONFIG, "snappy"))) {
            List<Future<RecordMetadata>> fs = new ArrayList<>();
            for (int i = 0; i < 5; i++) fs.add(producer.send(new ProducerRecord<>(topic, 0, 1_000L + i, null, new byte[]{(byte) i})));
            producer.flush();
            for (Future<RecordMetadata> f : fs) acks.add(f.get(30, TimeUnit.SECONDS));
        }
        long after = System.currentTimeMillis();
        for (RecordMetadata md : acks) {
            assertThat(md.timestamp()).as("the append time the broker returned, not the create time").isBetween(before, after);
        }
        List<ConsumerRecord<byte[], byte[]>> got = Clients.readAll(broker.bootstrap(), List.of(new TopicPartition(topic, 0)), WAIT);
        assertThat(got).hasSize(5);
        for (int i = 0; i < 5; i++) {
            assertThat(got.get(i).timestampType()).isEqualTo(TimestampType.LOG_APPEND_TIME);
            assertThat(got.get(i).timestamp()).isEqualTo(acks.get(i).timestamp());
        }
    }

    @Test
    void acksAllNeedsMinInsyncReplicas() throws Exception {
        String topic = "min-isr";
        broker.createTopic(topic, 1, Map.of("min.insync.replicas", "2"));
        try (KafkaProducer<byte[], byte[]> all = Clients.producer(broker.bootstrap(), Map.of(ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false, ProducerConfig.RETRIES_CONFIG, 0));
             KafkaProducer<byte[], byte[]> one = Clients.producer(broker.bootstrap(), Map.of(ProducerConfig.ACKS_CONFIG, "1",
                     ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false))) {
            Future<RecordMetadata> f = all.send(new ProducerRecord<>(topic, 0, null, new byte[]{1}));
            assertThatThrownBy(() -> f.get(30, TimeUnit.SECONDS)).extracting(ProduceEdgeCasesIT::cause)
                    .isInstanceOf(NotEnoughReplicasException.class);
            assertThat(one.send(new ProducerRecord<>(topic, 0, null, new byte[]{2})).get(30, TimeUnit.SECONDS).offset())
                    .as("acks=1 does not need min.insync.replicas, and the refused record took no offset").isZero();
        }
    }

    @Test
    void topicCompressionTypeRecompresses() throws Exception {
        long baseTs = System.currentTimeMillis() - 600_000;
        // topic codec, its id in the batch attributes, and a different producer codec
        Object[][] cases = {{"gzip", 1, "lz4"}, {"uncompressed", 0, "zstd"}, {"snappy", 2, "none"}};
        for (Object[] c : cases) {
            String topic = "recompress-" + c[0];
            broker.createTopic(topic, 1, Map.of("compression.type", (String) c[0]));
            List<TestRecords.Expected> sent = new ArrayList<>();
            try (KafkaProducer<byte[], byte[]> producer = Clients.producer(broker.bootstrap(),
                    Map.of(ProducerConfig.COMPRESSION_TYPE_CONFIG, (String) c[2], ProducerConfig.LINGER_MS_CONFIG, 20))) {
                for (int i = 0; i < 40; i++) {
                    TestRecords.Expected e = TestRecords.expected("recompress", 0, i, baseTs);
                    sent.add(e);
                    producer.send(TestRecords.toProducerRecord(topic, e));
                }
                producer.flush();
            }
            List<ConsumerRecord<byte[], byte[]>> got = Clients.readAll(broker.bootstrap(), List.of(new TopicPartition(topic, 0)), WAIT);
            assertThat(got).hasSize(40);
            for (int i = 0; i < 40; i++) {
                assertThat(got.get(i).offset()).isEqualTo(i);
                TestRecords.assertSame(sent.get(i), got.get(i), "topic compression.type=" + c[0]);
            }
            // the stored batches use the topic's codec, whatever the producer used
            ByteBuffer records = rawFetch(topic, 0);
            assertThat(records.remaining()).isGreaterThan(61);
            int p = records.position();
            while (p + 61 <= records.limit()) {
                short attributes = records.getShort(p + 21);
                assertThat(attributes & 0x7).as("codec of the batch at byte %d of %s", p, topic).isEqualTo((int) c[1]);
                p += 12 + records.getInt(p + 8);
            }
        }
    }

    @Test
    void dynamicBrokerDefaultsApplyToTopicsWithoutOverrides() throws Exception {
        String topic = "dynamic-defaults";
        broker.createTopic(topic, 1);
        org.apache.kafka.common.config.ConfigResource cluster =
                new org.apache.kafka.common.config.ConfigResource(org.apache.kafka.common.config.ConfigResource.Type.BROKER, "");
        try {
            admin.incrementalAlterConfigs(Map.of(cluster, List.of(
                    new org.apache.kafka.clients.admin.AlterConfigOp(new org.apache.kafka.clients.admin.ConfigEntry("min.insync.replicas", "2"),
                            org.apache.kafka.clients.admin.AlterConfigOp.OpType.SET),
                    new org.apache.kafka.clients.admin.AlterConfigOp(new org.apache.kafka.clients.admin.ConfigEntry("compression.type", "zstd"),
                            org.apache.kafka.clients.admin.AlterConfigOp.OpType.SET)))).all().get(30, TimeUnit.SECONDS);
            try (KafkaProducer<byte[], byte[]> all = Clients.producer(broker.bootstrap(), Map.of(ProducerConfig.ACKS_CONFIG, "all",
                    ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false, ProducerConfig.RETRIES_CONFIG, 0));
                 KafkaProducer<byte[], byte[]> one = Clients.producer(broker.bootstrap(), Map.of(ProducerConfig.ACKS_CONFIG, "1",
                         ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false))) {
                Future<RecordMetadata> f = all.send(new ProducerRecord<>(topic, 0, null, new byte[]{1}));
                assertThatThrownBy(() -> f.get(30, TimeUnit.SECONDS)).as("cluster-wide min.insync.replicas=2")
                        .extracting(ProduceEdgeCasesIT::cause).isInstanceOf(NotEnoughReplicasException.class);
                one.send(new ProducerRecord<>(topic, 0, null, "zzz".repeat(100).getBytes(StandardCharsets.UTF_8))).get(30, TimeUnit.SECONDS);
            }
            ByteBuffer records = rawFetch(topic, 0);
            assertThat(records.remaining()).isGreaterThan(61);
            assertThat(records.getShort(records.position() + 21) & 0x7).as("stored with the cluster-wide codec zstd").isEqualTo(4);
        } finally {
            admin.incrementalAlterConfigs(Map.of(cluster, List.of(
                    new org.apache.kafka.clients.admin.AlterConfigOp(new org.apache.kafka.clients.admin.ConfigEntry("min.insync.replicas", ""),
                            org.apache.kafka.clients.admin.AlterConfigOp.OpType.DELETE),
                    new org.apache.kafka.clients.admin.AlterConfigOp(new org.apache.kafka.clients.admin.ConfigEntry("compression.type", ""),
                            org.apache.kafka.clients.admin.AlterConfigOp.OpType.DELETE)))).all().get(30, TimeUnit.SECONDS);
        }
    }

    /** The records of one partition, fetched with a raw Fetch v12 request (topic by name). */
    private static ByteBuffer rawFetch(String topic, int partition) throws Exception {
        FetchRequest req = new FetchRequest();
        req.replicaId = -1;
        req.maxWaitMs = 0;
        req.minBytes = 0;
        req.maxBytes = 1 << 20;
        FetchRequest.FetchTopic ft = new FetchRequest.FetchTopic();
        ft.topic = topic;
        FetchRequest.FetchPartition fp = new FetchRequest.FetchPartition();
        fp.partition = partition;
        fp.fetchOffset = 0;
        fp.partitionMaxBytes = 1 << 20;
        ft.partitions.add(fp);
        req.topics.add(ft);
        try (RawClient c = new RawClient(broker.port())) {
            c.send(ApiKeys.FETCH, (short) 12, 3, req);
            RawClient.Response<FetchResponse> r = c.receive(ApiKeys.FETCH, (short) 12);
            FetchResponse.PartitionData pd = r.body().responses.get(0).partitions.get(0);
            assertThat(pd.errorCode).isZero();
            return ((MemoryRecords) pd.records).buffer().duplicate();
        }
    }

    @Test
    void offsetOutOfRangeIsReportedAndResetsWork() throws Exception {
        String topic = "out-of-range";
        broker.createTopic(topic, 1);
        TopicPartition tp = new TopicPartition(topic, 0);
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(broker.bootstrap())) {
            for (int i = 0; i < 10; i++) producer.send(new ProducerRecord<>(topic, 0, null, new byte[]{(byte) i}));
            producer.flush();
        }
        try (KafkaConsumer<byte[], byte[]> none = Clients.consumer(broker.bootstrap(), Map.of(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none"))) {
            none.assign(List.of(tp));
            none.seek(tp, 1_000);
            assertThatThrownBy(() -> {
                long deadline = System.nanoTime() + WAIT.toNanos();
                while (System.nanoTime() < deadline) none.poll(Duration.ofMillis(200));
            }).isInstanceOf(OffsetOutOfRangeException.class);
        }
        try (KafkaConsumer<byte[], byte[]> earliest = Clients.consumer(broker.bootstrap())) {
            earliest.assign(List.of(tp));
            earliest.seek(tp, 1_000);
            List<ConsumerRecord<byte[], byte[]>> got = pollUntil(earliest, 10, WAIT, true);
            assertThat(got).as("reset to the earliest offset").extracting(ConsumerRecord::offset)
                    .containsExactlyElementsOf(java.util.stream.LongStream.range(0, 10).boxed().toList());
        }
    }

    @Test
    void deleteRecordsMovesTheLogStart() throws Exception {
        String topic = "delete-records";
        broker.createTopic(topic, 1);
        TopicPartition tp = new TopicPartition(topic, 0);
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(broker.bootstrap())) {
            for (int i = 0; i < 10; i++) producer.send(new ProducerRecord<>(topic, 0, null, new byte[]{(byte) i}));
            producer.flush();
        }
        DeletedRecords dr = admin.deleteRecords(Map.of(tp, RecordsToDelete.beforeOffset(6))).lowWatermarks().get(tp).get(30, TimeUnit.SECONDS);
        assertThat(dr.lowWatermark()).isEqualTo(6);
        assertThat(admin.listOffsets(Map.of(tp, OffsetSpec.earliest())).partitionResult(tp).get(30, TimeUnit.SECONDS).offset()).isEqualTo(6);
        try (KafkaConsumer<byte[], byte[]> c = Clients.consumer(broker.bootstrap())) {
            c.assign(List.of(tp));
            assertThat(c.beginningOffsets(List.of(tp), WAIT).get(tp)).isEqualTo(6);
            c.seekToBeginning(List.of(tp));
            List<ConsumerRecord<byte[], byte[]>> got = pollUntil(c, 4, WAIT, true);
            assertThat(got).extracting(ConsumerRecord::offset).containsExactly(6L, 7L, 8L, 9L);
        }
        assertThatThrownBy(() -> admin.deleteRecords(Map.of(tp, RecordsToDelete.beforeOffset(50))).all().get(30, TimeUnit.SECONDS))
                .extracting(ProduceEdgeCasesIT::cause).isInstanceOf(org.apache.kafka.common.errors.OffsetOutOfRangeException.class);
    }

    @Test
    void fetchLimitsAcrossPartitions() throws Exception {
        String topic = "fetch-limits";
        int partitions = 4;
        broker.createTopic(topic, partitions);
        Map<Integer, List<byte[]>> sent = new HashMap<>();
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(broker.bootstrap(), Map.of(ProducerConfig.BATCH_SIZE_CONFIG, 4_096))) {
            for (int i = 0; i < 100; i++) {
                int p = i % partitions;
                byte[] v = bytes(1_500, i);
                sent.computeIfAbsent(p, k -> new ArrayList<>()).add(v);
                producer.send(new ProducerRecord<>(topic, p, null, v));
            }
            producer.flush();
        }
        List<TopicPartition> tps = new ArrayList<>();
        for (int p = 0; p < partitions; p++) tps.add(new TopicPartition(topic, p));
        // a total limit below one batch and a per-partition limit below one record: every fetch still
        // makes progress, and over the run every partition is served
        try (KafkaConsumer<byte[], byte[]> c = Clients.consumer(broker.bootstrap(), Map.of(
                ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 2_000, ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 1_000))) {
            c.assign(tps);
            c.seekToBeginning(tps);
            List<ConsumerRecord<byte[], byte[]>> got = pollUntil(c, 100, WAIT, true);
            assertThat(got).hasSize(100);
            Map<Integer, Integer> next = new HashMap<>();
            for (ConsumerRecord<byte[], byte[]> r : got) {
                int i = next.merge(r.partition(), 1, Integer::sum) - 1;
                assertThat(r.offset()).isEqualTo(i);
                assertThat(r.value()).isEqualTo(sent.get(r.partition()).get(i));
            }
        }
    }

    @Test
    void readCommittedConsumerReadsPlainRecords() throws Exception {
        String topic = "read-committed";
        broker.createTopic(topic, 1);
        TopicPartition tp = new TopicPartition(topic, 0);
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(broker.bootstrap())) {
            for (int i = 0; i < 5; i++) producer.send(new ProducerRecord<>(topic, 0, null, new byte[]{(byte) i}));
            producer.flush();
        }
        try (KafkaConsumer<byte[], byte[]> c = Clients.consumer(broker.bootstrap(), Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"))) {
            c.assign(List.of(tp));
            assertThat(c.endOffsets(List.of(tp), WAIT).get(tp)).as("last stable offset").isEqualTo(5);
            c.seekToBeginning(List.of(tp));
            assertThat(pollUntil(c, 5, WAIT, true)).hasSize(5);
        }
    }
}
