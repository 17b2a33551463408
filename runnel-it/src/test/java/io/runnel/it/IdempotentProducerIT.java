package io.runnel.it;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The idempotent producer (enable.idempotence=true, Kafka's default) when responses are lost: a proxy
 * between client and broker cuts the connection instead of delivering Produce responses, after the
 * broker has appended the batches. The client resends them (up to five in flight, with the same
 * producer id, epoch and sequence numbers) and the broker must recognise every resend as a duplicate:
 * each record exactly once, in order, at the offset it was acknowledged with.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class IdempotentProducerIT {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    static Path dir;
    static TestBroker broker;
    static TcpProxy proxy;

    @BeforeAll
    static void start() {
        int brokerPort = BrokerProcess.freePort();
        proxy = new TcpProxy(0, brokerPort, 0);
        // clients are told the proxy is the broker, so every connection after bootstrap goes through it
        broker = TestBroker.start(dir.resolve("broker"), Map.of(
                "listeners", "PLAINTEXT://127.0.0.1:" + brokerPort,
                "advertised.listeners", "PLAINTEXT://127.0.0.1:" + proxy.port()));
    }

    @AfterAll
    static void stop() {
        if (proxy != null) proxy.close();
        if (broker != null) broker.close();
    }

    private static String bootstrap() {
        return "127.0.0.1:" + proxy.port();
    }

    /** Sends {@code perPartition} records to each partition and returns the acknowledged offsets, per partition. */
    private static Map<Integer, List<Long>> send(KafkaProducer<byte[], byte[]> producer, String topic, int partitions, int perPartition)
            throws Exception {
        Map<Integer, List<Future<RecordMetadata>>> futures = new HashMap<>();
        for (int i = 0; i < perPartition; i++) {
            for (int p = 0; p < partitions; p++) {
                byte[] value = (p + "-" + i).getBytes(StandardCharsets.UTF_8);
                futures.computeIfAbsent(p, k -> new ArrayList<>()).add(producer.send(new ProducerRecord<>(topic, p, null, value)));
            }
        }
        producer.flush();
        Map<Integer, List<Long>> offsets = new HashMap<>();
        for (var e : futures.entrySet()) {
            List<Long> l = new ArrayList<>();
            for (Future<RecordMetadata> f : e.getValue()) l.add(f.get(WAIT.toSeconds(), TimeUnit.SECONDS).offset());
            offsets.put(e.getKey(), l);
        }
        return offsets;
    }

    private static Map<Integer, List<String>> readValues(String topic, int partitions) {
        List<TopicPartition> tps = new ArrayList<>();
        for (int p = 0; p < partitions; p++) tps.add(new TopicPartition(topic, p));
        Map<Integer, List<String>> out = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : Clients.readAll(broker.bootstrap(), tps, WAIT)) {
            List<String> l = out.computeIfAbsent(r.partition(), k -> new ArrayList<>());
            assertThat(r.offset()).as("offsets are dense").isEqualTo(l.size());
            l.add(new String(r.value(), StandardCharsets.UTF_8));
        }
        return out;
    }

    @Test
    void resentBatchesAreNotDuplicated() throws Exception {
        String topic = "idempotent";
        int partitions = 2;
        int perPartition = 3_000;
        int drops = 4;
        broker.createTopic(topic, partitions);
        Map<String, Object> props = Map.of(
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5,
                ProducerConfig.BATCH_SIZE_CONFIG, 2_048, // many small batches, several in flight at each cut
                ProducerConfig.LINGER_MS_CONFIG, 0);
        Map<Integer, List<Long>> acked;
        int produceRequestsBefore = proxy.produceRequests();
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(bootstrap(), props)) {
            // the producer id is fetched before the cuts start, so every cut hits batches of one producer
            producer.send(new ProducerRecord<>(topic, 0, null, "0-warmup".getBytes(StandardCharsets.UTF_8))).get(30, TimeUnit.SECONDS);
            proxy.dropNextProduceResponses(drops);
            int droppedBefore = proxy.dropped();
            acked = send(producer, topic, partitions, perPartition);
            assertThat(proxy.dropped() - droppedBefore).as("Produce responses the proxy swallowed").isEqualTo(drops);
        }
        assertThat(proxy.produceRequests() - produceRequestsBefore).as("Produce requests sent").isGreaterThan(drops);

        Map<Integer, List<String>> values = readValues(topic, partitions);
        for (int p = 0; p < partitions; p++) {
            List<String> want = new ArrayList<>();
            if (p == 0) want.add("0-warmup");
            for (int i = 0; i < perPartition; i++) want.add(p + "-" + i);
            List<String> got = values.getOrDefault(p, List.of());
            assertThat(got.size()).as("records in partition %d (sent %d)", p, want.size()).isEqualTo(want.size());
            assertThat(got).as("partition %d: every record once, in order", p).isEqualTo(want);
            int first = p == 0 ? 1 : 0;
            for (int i = 0; i < perPartition; i++) {
                assertThat(acked.get(p).get(i)).as("acknowledged offset of %s", want.get(first + i)).isEqualTo(first + i);
            }
        }
    }

    /**
     * The control experiment: without idempotence the same cuts do duplicate records, so the check above
     * really observes resends (if this fails, the proxy is not exercising retries).
     */
    @Test
    void withoutIdempotenceTheSameCutsDuplicate() throws Exception {
        String topic = "not-idempotent";
        int drops = 2;
        broker.createTopic(topic, 1);
        Map<String, Object> props = Map.of(
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1,
                ProducerConfig.BATCH_SIZE_CONFIG, 2_048,
                ProducerConfig.LINGER_MS_CONFIG, 0);
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(bootstrap(), props)) {
            producer.partitionsFor(topic);
            proxy.dropNextProduceResponses(drops);
            send(producer, topic, 1, 500);
        }
        List<String> got = readValues(topic, 1).getOrDefault(0, List.of());
        assertThat(got.size()).as("records stored for 500 sends with %d lost responses", drops).isGreaterThan(500);
        assertThat(new java.util.HashSet<>(got)).as("distinct records").hasSize(500);
    }
}
