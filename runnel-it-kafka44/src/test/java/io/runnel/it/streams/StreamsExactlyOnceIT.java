package io.runnel.it.streams;

import io.runnel.it.TestBroker;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A Kafka Streams 4.4 application with {@code processing.guarantee=exactly_once_v2}: a word count whose
 * {@code groupBy} goes through a repartition topic and whose counts live in a changelogged store. With the record
 * cache off, every input record yields exactly one count update, so a read_committed reader of the output must see,
 * per word, exactly 1, 2, ..., n: a duplicate (processing applied twice) or a gap (an update lost) shows at once.
 * The broker is restarted in the middle of the run, which aborts the transactions in flight.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class StreamsExactlyOnceIT {
    private static final int WORDS = 20;
    private static final int PER_WORD = 60;

    @TempDir
    Path dir;

    @Test
    void wordCountIsExactAcrossABrokerRestart() throws Exception {
        Map<String, String> overrides = Map.of("group.initial.rebalance.delay.ms", "0");
        TestBroker broker = TestBroker.start(dir.resolve("broker"), overrides);
        int port = broker.port();
        broker.createTopic("words", 3);
        broker.createTopic("counts", 3);
        List<Throwable> streamErrors = new CopyOnWriteArrayList<>();
        KafkaStreams streams = new KafkaStreams(topology(), streamsProps(broker.bootstrap()));
        streams.setUncaughtExceptionHandler(e -> {
            streamErrors.add(e);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        try {
            streams.start();
            int half = WORDS * PER_WORD / 2;
            produceWords(broker.bootstrap(), 0, half);
            // some counts are out (the application is working) before the broker goes away
            Map<String, List<Long>> before = awaitCounts(broker.bootstrap(), c -> c.values().stream().mapToLong(List::size).sum() >= 50,
                    Duration.ofSeconds(90));
            assertThat(before.values().stream().mapToLong(List::size).sum()).as("count updates before the restart; errors: %s", streamErrors)
                    .isGreaterThanOrEqualTo(50);

            broker.close();
            broker = TestBroker.start(dir.resolve("broker"), Map.of(
                    "group.initial.rebalance.delay.ms", "0", "listeners", "PLAINTEXT://127.0.0.1:" + port));
            produceWords(broker.bootstrap(), half, WORDS * PER_WORD);

            Map<String, List<Long>> counts = awaitCounts(broker.bootstrap(),
                    c -> c.size() == WORDS && c.values().stream().allMatch(l -> !l.isEmpty() && l.get(l.size() - 1) >= PER_WORD),
                    Duration.ofSeconds(120));
            List<Long> expected = LongStream.rangeClosed(1, PER_WORD).boxed().toList();
            for (int w = 0; w < WORDS; w++) {
                assertThat(counts.get(word(w))).as("the committed count updates of %s (errors the application saw: %s)", word(w), streamErrors)
                        .isEqualTo(expected);
            }
        } finally {
            streams.close(Duration.ofSeconds(30));
            broker.close();
        }
    }

    private static String word(int i) {
        return "word-" + i;
    }

    private static org.apache.kafka.streams.Topology topology() {
        StreamsBuilder b = new StreamsBuilder();
        b.stream("words", Consumed.with(Serdes.String(), Serdes.String()))
                .groupBy((k, v) -> v, Grouped.with("by-word", Serdes.String(), Serdes.String()))
                .count(Materialized.as("word-counts"))
                .toStream()
                .to("counts", Produced.with(Serdes.String(), Serdes.Long()));
        return b.build();
    }

    private Properties streamsProps(String bootstrap) {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "eos-word-count");
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "100");
        p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, "0");
        p.put(StreamsConfig.STATE_DIR_CONFIG, dir.resolve("streams-state").toString());
        p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, "1");
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, "2");
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        return p;
    }

    /** Writes records {@code from} until {@code to} of the input: record i is word i % WORDS, keyless, acknowledged. */
    private static void produceWords(String bootstrap, int from, int to) throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "60000");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
            List<java.util.concurrent.Future<?>> sent = new ArrayList<>();
            for (int i = from; i < to; i++) sent.add(producer.send(new ProducerRecord<>("words", i % 3, null, word(i % WORDS))));
            for (java.util.concurrent.Future<?> f : sent) f.get(60, TimeUnit.SECONDS);
        }
    }

    /**
     * Reads the whole output with read_committed, again and again, until {@code done} holds for the count updates
     * per word (in offset order) or {@code timeout} passes; returns the last reading.
     */
    private static Map<String, List<Long>> awaitCounts(String bootstrap, java.util.function.Predicate<Map<String, List<Long>>> done,
                                                       Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<String, List<Long>> counts = new TreeMap<>();
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<String, Long> c = new KafkaConsumer<>(p, new StringDeserializer(), new LongDeserializer())) {
            List<TopicPartition> parts = List.of(new TopicPartition("counts", 0), new TopicPartition("counts", 1), new TopicPartition("counts", 2));
            c.assign(parts);
            c.seekToBeginning(parts);
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, Long> r : c.poll(Duration.ofMillis(200))) {
                    counts.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(r.value());
                }
                if (done.test(counts)) return counts;
            }
        }
        return counts;
    }
}
