package io.runnel.it;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The broker in its own JVM ({@link BrokerProcess}), stopped cleanly (SIGTERM) or killed (SIGKILL) and
 * started again on the same data: every acknowledged record must still be there, intact, at the offset
 * it was acknowledged with, and an idempotent producer that lives through the restart must end up with
 * each of its records exactly once.
 */
// broker-side behaviour: one client generation (runnel-it's) is enough
@EnabledIfSystemProperty(named = "it.kafka.clients.version", matches = "4\\.1\\..*")
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class RestartIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final long BASE_TS = System.currentTimeMillis() - Duration.ofHours(2).toMillis();
    private static final int PARTITIONS = 3;

    @TempDir
    Path dir;
    BrokerProcess broker;

    @AfterEach
    void cleanUp() {
        if (broker != null) broker.close();
    }

    private BrokerProcess startBroker() {
        // topics are created on first use (auto.create.topics.enable) with num.partitions partitions, so
        // these tests depend only on the produce path
        broker = new BrokerProcess(dir.resolve("data"), Map.of("num.partitions", Integer.toString(PARTITIONS)));
        return broker.start();
    }

    private static List<TopicPartition> partitions(String topic) {
        List<TopicPartition> tps = new ArrayList<>();
        for (int p = 0; p < PARTITIONS; p++) tps.add(new TopicPartition(topic, p));
        return tps;
    }

    /** Sends {@code count} test records per partition, round robin, and waits for every ack. */
    private static Map<TopicPartition, List<TestRecords.Expected>> sendAll(KafkaProducer<byte[], byte[]> producer, String topic, String tag,
                                                                           int from, int count) throws Exception {
        Map<TopicPartition, List<TestRecords.Expected>> sent = new HashMap<>();
        List<Future<RecordMetadata>> futures = new ArrayList<>();
        List<Long> expectedOffsets = new ArrayList<>();
        for (int i = from; i < from + count; i++) {
            for (int p = 0; p < PARTITIONS; p++) {
                TestRecords.Expected e = TestRecords.expected(tag, p, i, BASE_TS);
                sent.computeIfAbsent(new TopicPartition(topic, p), k -> new ArrayList<>()).add(e);
                futures.add(producer.send(TestRecords.toProducerRecord(topic, e)));
                expectedOffsets.add((long) i);
            }
        }
        producer.flush();
        for (int k = 0; k < futures.size(); k++) {
            assertThat(futures.get(k).get(60, TimeUnit.SECONDS).offset()).as("offset acknowledged for send " + k).isEqualTo(expectedOffsets.get(k));
        }
        return sent;
    }

    private static void assertLogEquals(String bootstrap, String topic, Map<TopicPartition, List<TestRecords.Expected>> expected, String context) {
        List<ConsumerRecord<byte[], byte[]>> got = Clients.readAll(bootstrap, partitions(topic), WAIT);
        Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> byPartition = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : got) {
            byPartition.computeIfAbsent(new TopicPartition(r.topic(), r.partition()), k -> new ArrayList<>()).add(r);
        }
        for (TopicPartition tp : partitions(topic)) {
            List<TestRecords.Expected> want = expected.getOrDefault(tp, List.of());
            List<ConsumerRecord<byte[], byte[]>> have = byPartition.getOrDefault(tp, List.of());
            assertThat(have).as(context + ": records in " + tp).hasSize(want.size());
            for (int i = 0; i < want.size(); i++) {
                assertThat(have.get(i).offset()).as(context + ": offsets of " + tp).isEqualTo(i);
                TestRecords.assertSame(want.get(i), have.get(i), context);
            }
        }
    }

    @Test
    void cleanRestartKeepsRecordsAndProducerState() throws Exception {
        startBroker();
        String topic = "restart-clean";
        Map<TopicPartition, List<TestRecords.Expected>> expected = new HashMap<>();
        // an idempotent producer that lives through the restart, and a second one with another codec
        try (KafkaProducer<byte[], byte[]> idempotent = Clients.producer(broker.bootstrap(),
                Map.of(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true, ProducerConfig.COMPRESSION_TYPE_CONFIG, "zstd"));
             KafkaProducer<byte[], byte[]> plain = Clients.producer(broker.bootstrap(),
                     Map.of(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false, ProducerConfig.ACKS_CONFIG, "1"))) {
            merge(expected, sendAll(idempotent, topic, "clean", 0, 150));
            merge(expected, sendAll(plain, topic, "clean", 150, 50));

            int exit = broker.stop();
            assertThat(broker.log()).as("the broker shut down cleanly").contains("Broker stopped");
            assertThat(exit).as("exit status after SIGTERM").isIn(0, 143);
            broker.start();

            assertLogEquals(broker.bootstrap(), topic, expected, "after a clean restart");
            // the same idempotent producer carries on: its sequence numbers must still be accepted
            merge(expected, sendAll(idempotent, topic, "clean", 200, 100));
        }
        assertLogEquals(broker.bootstrap(), topic, expected, "after producing again");
    }

    private static void merge(Map<TopicPartition, List<TestRecords.Expected>> into, Map<TopicPartition, List<TestRecords.Expected>> more) {
        more.forEach((tp, l) -> into.computeIfAbsent(tp, k -> new ArrayList<>()).addAll(l));
    }

    @Test
    void kill9KeepsEveryAckedRecordAndIdempotenceHolds() throws Exception {
        startBroker();
        String topic = "restart-kill9";
        TopicPartition tp = new TopicPartition(topic, 0);
        // one partition, one idempotent producer sending without pause while the broker is killed and
        // restarted: batches appended but not acknowledged before the kill are retried afterwards and
        // must be recognised as duplicates from the producer state recovered from the log
        Map<Integer, Long> ackedOffsetByValue = new ConcurrentHashMap<>();
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        AtomicInteger sentCount = new AtomicInteger();
        AtomicBoolean sending = new AtomicBoolean(true);
        AtomicBoolean paused = new AtomicBoolean(false);
        int[] ackedBeforeKill = {0};
        Map<String, Object> props = Map.of(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true, ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000, ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000,
                ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 200, ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(broker.bootstrap(), props)) {
            Thread sender = new Thread(() -> {
                int i = 0;
                while (sending.get() && i < 200_000) {
                    if (paused.get()) {
                        sleepQuietly(5);
                        continue;
                    }
                    final int value = i++;
                    producer.send(new ProducerRecord<>(topic, 0, BASE_TS + value, null, intBytes(value)), (md, err) -> {
                        if (err != null) failures.add(err);
                        else ackedOffsetByValue.put(value, md.offset());
                    });
                    sentCount.incrementAndGet();
                    if (value % 50 == 49) sleepQuietly(1); // about 40k records/s at most
                }
            }, "it-sender");
            sender.setDaemon(true);
            sender.start();

            awaitCount(() -> ackedOffsetByValue.size(), 3_000, "acks before the kill");
            broker.kill9();
            // requests in flight at the kill are retried after the restart; new sends wait meanwhile, so
            // that the amount of data stays bounded
            paused.set(true);
            ackedBeforeKill[0] = ackedOffsetByValue.size();
            broker.start();
            paused.set(false);
            awaitCount(() -> ackedOffsetByValue.size(), ackedBeforeKill[0] + 3_000, "acks after the restart");
            sending.set(false);
            sender.join(30_000);
            assertThat(sender.isAlive()).isFalse();
            producer.flush();
        }
        assertThat(failures).as("sends that failed").isEmpty();
        int sent = sentCount.get();
        System.out.printf("kill -9 test: %d records sent, %d acknowledged before the kill%n", sent, ackedBeforeKill[0]);
        assertThat(ackedOffsetByValue).as("every send acknowledged").hasSize(sent);

        List<ConsumerRecord<byte[], byte[]>> got = Clients.readAll(broker.bootstrap(), List.of(tp), WAIT);
        List<String> problems = new ArrayList<>();
        for (int k = 0; k < got.size() && problems.size() < 10; k++) {
            ConsumerRecord<byte[], byte[]> r = got.get(k);
            int value = ByteBuffer.wrap(r.value()).getInt();
            if (r.offset() != k) problems.add("offset " + r.offset() + " at position " + k);
            if (value != k) problems.add("value " + value + " at offset " + r.offset() + " (duplicate or reordered)");
            Long acked = ackedOffsetByValue.get(value);
            if (acked == null || acked != r.offset()) problems.add("value " + value + " acknowledged at " + acked + " but found at " + r.offset());
            if (r.timestamp() != BASE_TS + value) problems.add("timestamp of value " + value + " is " + r.timestamp());
        }
        assertThat(problems).as("records read back after kill -9").isEmpty();
        assertThat(got).as("records in the log (exactly one per send, no duplicates)").hasSize(sent);
    }

    /**
     * The sharpest case for producer state after a restart: a batch the broker appended, whose response
     * never reached the producer because the broker went down right then (a proxy swallows the response
     * and stops the broker). After the restart the producer resends it; the broker must know it from
     * the recovered producer state and answer with the original offset instead of appending it again.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"SIGKILL", "SIGTERM"})
    void batchAppendedButNotAcknowledgedBeforeTheStopIsNotDuplicated(String signal) throws Exception {
        Map<String, String> overrides = new HashMap<>(Map.of("num.partitions", "1"));
        broker = new BrokerProcess(dir.resolve("data"), overrides);
        try (TcpProxy proxy = new TcpProxy(0, broker.port(), 0)) {
            overrides.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + proxy.port());
            broker.start();
            String topic = "restart-unacked-" + signal.toLowerCase(java.util.Locale.ROOT);
            TopicPartition tp = new TopicPartition(topic, 0);
            java.util.concurrent.CountDownLatch stopped = new java.util.concurrent.CountDownLatch(1);
            proxy.onDrop(() -> {
                if (signal.equals("SIGKILL")) broker.kill9();
                else broker.stop();
                stopped.countDown();
            });
            try (KafkaProducer<byte[], byte[]> producer = Clients.producer("127.0.0.1:" + proxy.port(), Map.of(
                    ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true, ProducerConfig.ACKS_CONFIG, "all",
                    ProducerConfig.LINGER_MS_CONFIG, 0, ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000,
                    ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 200))) {
                for (int i = 0; i < 100; i++) {
                    assertThat(producer.send(new ProducerRecord<>(topic, 0, null, intBytes(i))).get(30, TimeUnit.SECONDS).offset()).isEqualTo(i);
                }
                proxy.dropNextProduceResponses(1);
                Future<RecordMetadata> unacked = producer.send(new ProducerRecord<>(topic, 0, null, intBytes(100)));
                assertThat(stopped.await(60, TimeUnit.SECONDS)).as("the proxy saw the response and stopped the broker").isTrue();
                assertThat(unacked.isDone()).as("the producer has no answer yet").isFalse();
                broker.start();
                assertThat(unacked.get(60, TimeUnit.SECONDS).offset()).as("the resent batch keeps its original offset").isEqualTo(100);
                for (int i = 101; i < 150; i++) {
                    assertThat(producer.send(new ProducerRecord<>(topic, 0, null, intBytes(i))).get(30, TimeUnit.SECONDS).offset()).isEqualTo(i);
                }
            }
            assertThat(proxy.dropped()).isEqualTo(1);
            List<ConsumerRecord<byte[], byte[]>> got = Clients.readAll(broker.bootstrap(), List.of(tp), WAIT);
            assertThat(got).extracting(r -> ByteBuffer.wrap(r.value()).getInt())
                    .as("each record once, in order").containsExactlyElementsOf(java.util.stream.IntStream.range(0, 150).boxed().toList());
        }
    }

    @Test
    void kill9WithoutProducerStateKeepsAckedRecords() throws Exception {
        startBroker();
        String topic = "restart-kill9-plain";
        Map<TopicPartition, List<TestRecords.Expected>> expected;
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(broker.bootstrap(),
                Map.of(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false, ProducerConfig.ACKS_CONFIG, "1",
                        ProducerConfig.COMPRESSION_TYPE_CONFIG, "gzip"))) {
            expected = sendAll(producer, topic, "kill", 0, 120);
        }
        // metadata made through Admin just before the kill: a topic with configs, and more partitions
        try (Admin admin = Clients.admin(broker.bootstrap())) {
            admin.createTopics(List.of(new NewTopic("restart-meta", 2, (short) 1).configs(Map.of("retention.ms", "7654321"))))
                    .all().get(30, TimeUnit.SECONDS);
            admin.createPartitions(Map.of("restart-meta", NewPartitions.increaseTo(5))).all().get(30, TimeUnit.SECONDS);
        }
        broker.kill9();
        assertThat(broker.isAlive()).isFalse();
        broker.start();
        assertLogEquals(broker.bootstrap(), topic, expected, "after kill -9");
        try (Admin admin = Clients.admin(broker.bootstrap())) {
            assertThat(admin.describeTopics(List.of("restart-meta")).allTopicNames().get(30, TimeUnit.SECONDS).get("restart-meta").partitions())
                    .as("partitions after kill -9").hasSize(5);
            ConfigResource res = new ConfigResource(ConfigResource.Type.TOPIC, "restart-meta");
            assertThat(admin.describeConfigs(List.of(res)).all().get(30, TimeUnit.SECONDS).get(res).get("retention.ms").value())
                    .as("topic config after kill -9").isEqualTo("7654321");
        }
        // the recovered log takes new records at the next offsets
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(broker.bootstrap())) {
            merge(expected, sendAll(producer, topic, "kill", 120, 10));
        }
        assertLogEquals(broker.bootstrap(), topic, expected, "after producing again");
    }

    private static byte[] intBytes(int v) {
        return ByteBuffer.allocate(4).putInt(v).array();
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void awaitCount(java.util.function.IntSupplier count, int atLeast, String what) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (count.getAsInt() < atLeast) {
            if (System.nanoTime() > deadline) {
                String log = broker.log();
                throw new AssertionError(what + ": only " + count.getAsInt() + " of " + atLeast + " within " + WAIT
                        + "; broker alive: " + broker.isAlive() + "; end of its log:\n" + log.substring(Math.max(0, log.length() - 4_000)));
            }
            sleepQuietly(10);
        }
    }
}
