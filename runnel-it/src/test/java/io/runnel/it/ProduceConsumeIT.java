package io.runnel.it;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static io.runnel.it.Clients.pollUntil;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * KafkaProducer and KafkaConsumer (assign mode) against an in-process broker: every compression codec
 * with acks 0, 1 and all; reading from the beginning, from the end and from a timestamp; records
 * (keys, values, headers, timestamps) must come back exactly as sent.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ProduceConsumeIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    /** Create times of the test records: one second apart from here, well inside the broker's limits. */
    private static final long BASE_TS = System.currentTimeMillis() - Duration.ofDays(1).toMillis();
    private static final int PARTITIONS = 2;
    private static final int PER_PARTITION = 60;

    @TempDir
    static Path dir;
    static TestBroker broker;

    @BeforeAll
    static void start() {
        broker = TestBroker.start(dir.resolve("broker"));
    }

    @AfterAll
    static void stop() {
        if (broker != null) broker.close();
    }

    static Stream<Arguments> codecsAndAcks() {
        List<Arguments> out = new ArrayList<>();
        for (String codec : List.of("none", "gzip", "snappy", "lz4", "zstd")) {
            for (String acks : List.of("0", "1", "all")) out.add(Arguments.of(codec, acks));
        }
        return out.stream();
    }

    private static Map<String, Object> producerProps(String codec, String acks) {
        Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, codec);
        p.put(ProducerConfig.ACKS_CONFIG, acks);
        // idempotence needs acks=all; with acks 0/1 it is switched off explicitly (as users must)
        if (!acks.equals("all")) p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        return p;
    }

    @ParameterizedTest(name = "compression={0} acks={1}")
    @MethodSource("codecsAndAcks")
    void recordsRoundTripIntact(String codec, String acks) throws Exception {
        String topic = "roundtrip-" + codec + "-" + acks;
        broker.createTopic(topic, PARTITIONS);
        List<TopicPartition> tps = new ArrayList<>();
        for (int p = 0; p < PARTITIONS; p++) tps.add(new TopicPartition(topic, p));

        List<List<TestRecords.Expected>> sent = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(broker.bootstrap(), producerProps(codec, acks))) {
            List<List<Future<RecordMetadata>>> acksByPartition = new ArrayList<>();
            for (int p = 0; p < PARTITIONS; p++) {
                List<TestRecords.Expected> records = new ArrayList<>();
                List<Future<RecordMetadata>> futures = new ArrayList<>();
                for (int i = 0; i < PER_PARTITION; i++) {
                    TestRecords.Expected e = TestRecords.expected(codec + acks, p, i, BASE_TS);
                    records.add(e);
                    futures.add(producer.send(TestRecords.toProducerRecord(topic, e)));
                }
                sent.add(records);
                acksByPartition.add(futures);
            }
            producer.flush();
            for (int p = 0; p < PARTITIONS; p++) {
                for (int i = 0; i < PER_PARTITION; i++) {
                    RecordMetadata md = acksByPartition.get(p).get(i).get(30, TimeUnit.SECONDS);
                    assertThat(md.partition()).isEqualTo(p);
                    if (acks.equals("0")) {
                        assertThat(md.offset()).as("acks=0 gets no offset back").isEqualTo(-1L);
                    } else {
                        assertThat(md.offset()).as("offset of record %d in partition %d", i, p).isEqualTo(i);
                        assertThat(md.timestamp()).as("create time echoed for record %d", i).isEqualTo(BASE_TS + i * 1000L);
                    }
                }
            }
        }

        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(broker.bootstrap())) {
            // from the beginning
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            List<ConsumerRecord<byte[], byte[]>> got = pollUntil(consumer, PARTITIONS * PER_PARTITION, WAIT, true);
            assertThat(got).as("records read back").hasSize(PARTITIONS * PER_PARTITION);
            int[] next = new int[PARTITIONS];
            for (ConsumerRecord<byte[], byte[]> r : got) {
                int i = next[r.partition()]++;
                assertThat(r.offset()).as("offsets are dense and in order").isEqualTo(i);
                TestRecords.assertSame(sent.get(r.partition()).get(i), r, codec + "/acks=" + acks);
            }

            Map<TopicPartition, Long> begin = consumer.beginningOffsets(tps, WAIT);
            Map<TopicPartition, Long> end = consumer.endOffsets(tps, WAIT);
            for (TopicPartition tp : tps) {
                assertThat(begin.get(tp)).as("beginning offset of " + tp).isZero();
                assertThat(end.get(tp)).as("end offset of " + tp).isEqualTo(PER_PARTITION);
            }

            // from a timestamp: exact hits, between two records, before the first and after the last
            TopicPartition tp0 = tps.get(0);
            Map<Long, Long> expectations = new HashMap<>();
            expectations.put(0L, 0L);
            expectations.put(BASE_TS, 0L);
            expectations.put(BASE_TS + 17_000, 17L);
            expectations.put(BASE_TS + 17_001, 18L);
            expectations.put(BASE_TS + (PER_PARTITION - 1) * 1000L, PER_PARTITION - 1L);
            for (Map.Entry<Long, Long> e : expectations.entrySet()) {
                OffsetAndTimestamp oat = consumer.offsetsForTimes(Map.of(tp0, e.getKey()), WAIT).get(tp0);
                assertThat(oat).as("offsetsForTimes(%d)", e.getKey()).isNotNull();
                assertThat(oat.offset()).as("offsetsForTimes(%d)", e.getKey()).isEqualTo(e.getValue());
                assertThat(oat.timestamp()).as("timestamp of the record found for %d", e.getKey())
                        .isEqualTo(BASE_TS + e.getValue() * 1000L);
            }
            long afterLast = BASE_TS + PER_PARTITION * 1000L;
            assertThat(consumer.offsetsForTimes(Map.of(tp0, afterLast), WAIT).get(tp0))
                    .as("no record at or after the last timestamp").isNull();

            // seek to the offset found for a timestamp and read from there
            consumer.assign(List.of(tp0));
            consumer.seek(tp0, consumer.offsetsForTimes(Map.of(tp0, BASE_TS + 41_500), WAIT).get(tp0).offset());
            List<ConsumerRecord<byte[], byte[]>> tail = pollUntil(consumer, PER_PARTITION - 42, WAIT, true);
            assertThat(tail).hasSize(PER_PARTITION - 42);
            for (int k = 0; k < tail.size(); k++) TestRecords.assertSame(sent.get(0).get(42 + k), tail.get(k), "from timestamp");

            // from the end: nothing until something new is produced
            consumer.seekToEnd(List.of(tp0));
            assertThat(consumer.position(tp0, WAIT)).isEqualTo(PER_PARTITION);
            assertThat(consumer.poll(Duration.ofMillis(100))).as("nothing past the end").isEmpty();
        }
    }

    @Test
    void consumeFromEndSeesOnlyNewRecords() throws Exception {
        String topic = "from-end";
        broker.createTopic(topic, 1);
        TopicPartition tp = new TopicPartition(topic, 0);
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(broker.bootstrap(), Map.of(ProducerConfig.ACKS_CONFIG, "all"));
             KafkaConsumer<byte[], byte[]> latest = Clients.consumer(broker.bootstrap(), Map.of(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest"));
             KafkaConsumer<byte[], byte[]> sought = Clients.consumer(broker.bootstrap())) {
            for (int i = 0; i < 10; i++) producer.send(TestRecords.toProducerRecord(topic, TestRecords.expected("old", 0, i, BASE_TS)));
            producer.flush();

            latest.assign(List.of(tp));
            sought.assign(List.of(tp));
            sought.seekToEnd(List.of(tp));
            assertThat(latest.position(tp, WAIT)).as("auto.offset.reset=latest starts at the end").isEqualTo(10);
            assertThat(sought.position(tp, WAIT)).as("seekToEnd").isEqualTo(10);
            // both consumers now have a fetch parked at the end of the log; new records must wake them
            assertThat(latest.poll(Duration.ofMillis(300))).isEmpty();
            assertThat(sought.poll(Duration.ofMillis(300))).isEmpty();

            List<TestRecords.Expected> fresh = new ArrayList<>();
            for (int i = 10; i < 15; i++) {
                TestRecords.Expected e = TestRecords.expected("new", 0, i, BASE_TS);
                fresh.add(e);
                producer.send(TestRecords.toProducerRecord(topic, e));
            }
            producer.flush();
            for (KafkaConsumer<byte[], byte[]> c : List.of(latest, sought)) {
                List<ConsumerRecord<byte[], byte[]>> got = pollUntil(c, 5, WAIT, true);
                assertThat(got).hasSize(5);
                for (int k = 0; k < 5; k++) {
                    assertThat(got.get(k).offset()).isEqualTo(10 + k);
                    TestRecords.assertSame(fresh.get(k), got.get(k), "from end");
                }
            }
        }
    }

    @Test
    void longPollIsWokenByProduce() throws Exception {
        String topic = "long-poll";
        broker.createTopic(topic, 1);
        TopicPartition tp = new TopicPartition(topic, 0);
        // the consumer asks the broker to hold each fetch for up to 10 s; the record must arrive long before
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(broker.bootstrap(),
                Map.of(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 10_000, ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, 30_000));
             KafkaProducer<byte[], byte[]> producer = Clients.producer(broker.bootstrap(), Map.of(ProducerConfig.LINGER_MS_CONFIG, 0))) {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            assertThat(consumer.position(tp, WAIT)).isZero();
            assertThat(consumer.poll(Duration.ofMillis(200))).isEmpty(); // a fetch is now parked on the broker
            long t0 = System.nanoTime();
            producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topic, 0, null, "wake".getBytes(StandardCharsets.UTF_8)))
                    .get(30, TimeUnit.SECONDS);
            List<ConsumerRecord<byte[], byte[]>> got = pollUntil(consumer, 1, WAIT, false);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertThat(got).hasSize(1);
            assertThat(new String(got.get(0).value(), StandardCharsets.UTF_8)).isEqualTo("wake");
            assertThat(ms).as("the parked fetch answered when data arrived, not after fetch.max.wait.ms").isLessThan(5_000);
            consumer.close(Duration.ZERO); // do not wait for the fetch the consumer has parked again
        }
    }

    @Test
    void smallFetchLimitsStillReturnWholeBatches() throws Exception {
        String topic = "small-fetch";
        broker.createTopic(topic, 1);
        TopicPartition tp = new TopicPartition(topic, 0);
        List<TestRecords.Expected> sent = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(broker.bootstrap())) {
            for (int i = 0; i < 50; i++) {
                TestRecords.Expected e = TestRecords.expected("small", 0, i, BASE_TS);
                sent.add(e);
                producer.send(TestRecords.toProducerRecord(topic, e));
            }
            producer.flush();
        }
        // limits far below one batch (some records alone are 40 kB): the broker must still hand out one
        // batch per fetch so that the consumer progresses, as Kafka does
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(broker.bootstrap(),
                Map.of(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 512, ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 1024))) {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            List<ConsumerRecord<byte[], byte[]>> got = pollUntil(consumer, 50, WAIT, true);
            assertThat(got).hasSize(50);
            for (int i = 0; i < 50; i++) TestRecords.assertSame(sent.get(i), got.get(i), "small fetch");
        }
    }

    @Test
    void manyMegabytesRoundTrip() throws Exception {
        // enough data that fetches return many batches per partition, from several segments' worth of file
        // regions, in responses far larger than one socket buffer
        String topic = "volume";
        int partitions = 4;
        int perPartition = 4_000;
        broker.createTopic(topic, partitions);
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(broker.bootstrap(), Map.of(ProducerConfig.BATCH_SIZE_CONFIG, 64 * 1024))) {
            for (int i = 0; i < perPartition; i++) {
                for (int p = 0; p < partitions; p++) producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topic, p, null, volumeValue(p, i)));
            }
            producer.flush();
        }
        List<TopicPartition> tps = new ArrayList<>();
        for (int p = 0; p < partitions; p++) tps.add(new TopicPartition(topic, p));
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(broker.bootstrap())) {
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            int[] next = new int[partitions];
            int total = 0;
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (total < partitions * perPartition && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    int i = next[r.partition()]++;
                    if (r.offset() != i || !java.util.Arrays.equals(r.value(), volumeValue(r.partition(), i))) {
                        throw new AssertionError("record " + i + " of partition " + r.partition() + " differs (offset " + r.offset() + ")");
                    }
                    total++;
                }
            }
            assertThat(total).isEqualTo(partitions * perPartition);
            assertThat(consumer.endOffsets(tps, WAIT).values()).containsOnly((long) perPartition);
        }
    }

    private static byte[] volumeValue(int partition, int i) {
        byte[] v = new byte[1_000];
        new java.util.Random(partition * 1_000_003L + i).nextBytes(v);
        return v;
    }

    @Test
    void seekWithLeaderEpochIsValidated() throws Exception {
        String topic = "epoch-seek";
        broker.createTopic(topic, 1);
        TopicPartition tp = new TopicPartition(topic, 0);
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(broker.bootstrap())) {
            for (int i = 0; i < 10; i++) producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topic, 0, null, new byte[]{(byte) i}));
            producer.flush();
        }
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(broker.bootstrap())) {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            List<ConsumerRecord<byte[], byte[]>> all = pollUntil(consumer, 10, WAIT, false);
            assertThat(all).hasSize(10);
            java.util.Optional<Integer> epoch = all.get(6).leaderEpoch();
            assertThat(epoch).as("fetched records carry the leader epoch").isPresent();
            // a position with an epoch makes the consumer check it against the leader (OffsetsForLeaderEpoch)
            // before fetching; the log has not diverged, so it carries on from there
            consumer.seek(tp, new org.apache.kafka.clients.consumer.OffsetAndMetadata(6, epoch, ""));
            List<ConsumerRecord<byte[], byte[]>> again = pollUntil(consumer, 4, WAIT, true);
            assertThat(again).extracting(ConsumerRecord::offset).containsExactly(6L, 7L, 8L, 9L);
        }
    }

    /**
     * lz4 batches of several 64 KiB blocks, as scenario (b) sends them: 1 KiB records of random letters (which lz4
     * barely shrinks), 256 KiB batches, so each request arrives in several socket reads and each frame holds several
     * blocks. Stored as sent (compression.type producer) and transcoded to gzip (a topic's explicit compression.type),
     * both read back intact.
     */
    @ParameterizedTest(name = "topic compression.type={0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"producer", "gzip"})
    void multiBlockLz4BatchesRoundTrip(String topicCompression) throws Exception {
        String topic = "lz4-blocks-" + topicCompression;
        broker.createTopic(topic, 1, Map.of("compression.type", topicCompression));
        java.util.Random rnd = new java.util.Random(7);
        List<byte[]> values = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            byte[] v = new byte[1024];
            for (int j = 0; j < v.length; j++) v[j] = (byte) ('A' + rnd.nextInt(26));
            values.add(v);
        }
        double batchBytes;
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(broker.bootstrap(), Map.of(
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4", ProducerConfig.BATCH_SIZE_CONFIG, 262_144,
                ProducerConfig.LINGER_MS_CONFIG, 200))) {
            List<Future<RecordMetadata>> acks = new ArrayList<>();
            for (byte[] v : values) acks.add(producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topic, 0, null, v)));
            for (int i = 0; i < acks.size(); i++) assertThat(acks.get(i).get(30, TimeUnit.SECONDS).offset()).isEqualTo(i);
            batchBytes = producer.metrics().entrySet().stream().filter(e -> e.getKey().name().equals("batch-size-avg")
                    && e.getKey().group().equals("producer-metrics")).mapToDouble(e -> (Double) e.getValue().metricValue())
                    .findFirst().orElseThrow();
        }
        assertThat(batchBytes).as("average compressed batch size: more than one 64 KiB lz4 block each").isGreaterThan(131_072);
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(broker.bootstrap())) {
            consumer.assign(List.of(new TopicPartition(topic, 0)));
            consumer.seekToBeginning(List.of(new TopicPartition(topic, 0)));
            List<ConsumerRecord<byte[], byte[]>> got = pollUntil(consumer, values.size(), WAIT, true);
            assertThat(got).hasSize(values.size());
            for (int i = 0; i < got.size(); i++) {
                assertThat(got.get(i).offset()).isEqualTo(i);
                assertThat(got.get(i).value()).as("record %d", i).isEqualTo(values.get(i));
            }
        }
    }

    @Test
    void adminListOffsetsSpecs() throws Exception {
        String topic = "list-offsets";
        broker.createTopic(topic, 1);
        TopicPartition tp = new TopicPartition(topic, 0);
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(broker.bootstrap(), Map.of(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4"));
             Admin admin = Clients.admin(broker.bootstrap())) {
            // timestamps out of order: the largest is in the middle
            long[] ts = {BASE_TS + 5_000, BASE_TS + 1_000, BASE_TS + 9_000, BASE_TS + 3_000, BASE_TS + 7_000};
            for (long t : ts) producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topic, 0, t, null, new byte[]{1}));
            producer.flush();

            assertThat(offset(admin, tp, OffsetSpec.earliest())).isEqualTo(0);
            assertThat(offset(admin, tp, OffsetSpec.latest())).isEqualTo(5);
            ListOffsetsResult.ListOffsetsResultInfo max = admin.listOffsets(Map.of(tp, OffsetSpec.maxTimestamp())).partitionResult(tp)
                    .get(30, TimeUnit.SECONDS);
            assertThat(max.offset()).as("offset of the largest timestamp").isEqualTo(2);
            assertThat(max.timestamp()).isEqualTo(BASE_TS + 9_000);
            // first offset whose timestamp is >= the target, not the first timestamp >= target in time order
            assertThat(offset(admin, tp, OffsetSpec.forTimestamp(BASE_TS + 4_000))).isEqualTo(0);
            assertThat(offset(admin, tp, OffsetSpec.forTimestamp(BASE_TS + 6_000))).isEqualTo(2);
            assertThat(offset(admin, tp, OffsetSpec.forTimestamp(BASE_TS + 8_000))).isEqualTo(2);
            assertThat(offset(admin, tp, OffsetSpec.forTimestamp(BASE_TS + 9_001))).as("nothing that late").isEqualTo(-1);
        }
    }

    private static long offset(Admin admin, TopicPartition tp, OffsetSpec spec) throws Exception {
        return admin.listOffsets(Map.of(tp, spec)).partitionResult(tp).get(30, TimeUnit.SECONDS).offset();
    }
}
