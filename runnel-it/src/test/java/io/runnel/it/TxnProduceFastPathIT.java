package io.runnel.it;

import io.runnel.broker.txn.TransactionCoordinator;
import io.runnel.checker.HistoryRecorder;
import io.runnel.txn.TransactionState;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
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
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Only the batch that starts a transaction in a partition asks the transaction coordinator (Produce v12 adds the
 * partition, older versions verify it: KIP-890); the later batches of that transaction are appended at once on the
 * produce path, and the first batch after the transaction's marker asks again. Proven with kafka-clients against a
 * real broker by the coordinator's count of Produce checks, with every batch in its own Produce request; the records
 * go through the history checker (committed ones seen once, aborted ones never).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TxnProduceFastPathIT {
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

    @Test
    void onlyTheFirstBatchOfATransactionInAPartitionAsksTheCoordinator() throws Exception {
        String topic = "txn-fast-path";
        broker.createTopic(topic, 2);
        TransactionCoordinator coordinator = broker.server().transactions();
        HistoryRecorder h = new HistoryRecorder();
        List<String> committed = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> p = Clients.producer(broker.bootstrap(), Map.of(
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, "fast-path", ProducerConfig.LINGER_MS_CONFIG, 0))) {
            p.initTransactions();
            for (int t = 0; t < 3; t++) {
                String txn = "t" + t;
                boolean commit = t != 1;
                // EndTxn is answered before its markers are written; until they are, a new transaction's first
                // batch is refused (retriable) and retried, which would ask the coordinator more than once
                awaitCompleted(coordinator, "fast-path");
                p.beginTransaction();
                long before = coordinator.producePartitionChecks();
                for (int i = 0; i < 10; i++) {
                    for (int partition = 0; partition < 2; partition++) {
                        String v = txn + "-" + partition + "-" + i;
                        // waited for one by one: every record is its own batch and its own Produce request
                        RecordMetadata md = p.send(new ProducerRecord<>(topic, partition, null, v.getBytes(StandardCharsets.UTF_8)))
                                .get(30, TimeUnit.SECONDS);
                        h.sendOk("producer", txn, topic, md.partition(), md.offset(), v);
                        if (commit) committed.add(v);
                    }
                }
                assertThat(coordinator.producePartitionChecks() - before)
                        .as("coordinator checks for 20 batches of transaction %s in 2 partitions", txn).isEqualTo(2);
                if (commit) {
                    p.commitTransaction();
                    h.commit("producer", txn);
                } else {
                    p.abortTransaction();
                    h.abort("producer", txn);
                }
            }
        }
        assertThat(readCommitted(topic, h)).containsExactlyInAnyOrderElementsOf(committed);
        Histories.assertNoAnomaly("history checker", h.history());
    }

    /**
     * Regression (found by bench scenario h): with up to 5 Produce requests in flight, a later batch whose
     * transaction had just opened in the partition was appended at once while an earlier one still waited for the
     * coordinator, and the producer failed with OutOfOrderSequenceException. Every transaction starts with many
     * small batches in flight; all must be acknowledged and read back in order.
     */
    @Test
    void pipelinedBatchesStayInSequence() throws Exception {
        String topic = "txn-fast-path-pipelined";
        broker.createTopic(topic, 2);
        HistoryRecorder h = new HistoryRecorder();
        List<String> sent = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> p = Clients.producer(broker.bootstrap(), Map.of(
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, "fast-path-pipelined", ProducerConfig.LINGER_MS_CONFIG, 0,
                ProducerConfig.BATCH_SIZE_CONFIG, 64, ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5))) {
            p.initTransactions();
            for (int t = 0; t < 10; t++) {
                String txn = "t" + t;
                p.beginTransaction();
                List<java.util.concurrent.Future<RecordMetadata>> fs = new ArrayList<>();
                List<String> values = new ArrayList<>();
                for (int i = 0; i < 200; i++) {
                    String v = txn + "-" + i;
                    values.add(v);
                    fs.add(p.send(new ProducerRecord<>(topic, i % 2, null, v.getBytes(StandardCharsets.UTF_8))));
                }
                p.commitTransaction(); // flushes; fails if any send failed
                for (int i = 0; i < values.size(); i++) {
                    RecordMetadata md = fs.get(i).get(30, TimeUnit.SECONDS);
                    h.sendOk("producer", txn, topic, md.partition(), md.offset(), values.get(i));
                }
                h.commit("producer", txn);
                sent.addAll(values);
            }
        }
        List<String> read = readCommitted(topic, h);
        assertThat(read).containsExactlyInAnyOrderElementsOf(sent);
        for (int partition = 0; partition < 2; partition++) {
            int part = partition;
            List<String> expected = sent.stream().filter(v -> Integer.parseInt(v.substring(v.indexOf('-') + 1)) % 2 == part).toList();
            assertThat(read.stream().filter(expected::contains).toList()).as("order in partition %d", part).isEqualTo(expected);
        }
        Histories.assertNoAnomaly("history checker", h.history());
    }

    private static void awaitCompleted(TransactionCoordinator coordinator, String transactionalId) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            TransactionState s = coordinator.describe(transactionalId).get(30, TimeUnit.SECONDS).metadata().state();
            if (s == TransactionState.EMPTY || s == TransactionState.COMPLETE_COMMIT || s == TransactionState.COMPLETE_ABORT) return;
            assertThat(System.nanoTime()).as("transaction %s completing, now %s", transactionalId, s).isLessThan(deadline);
            Thread.sleep(10);
        }
    }

    /** Reads both partitions to their last stable offsets with read_committed, recording the polls. */
    private static List<String> readCommitted(String topic, HistoryRecorder h) {
        List<TopicPartition> tps = List.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1));
        List<String> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = Clients.consumer(broker.bootstrap(),
                Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"))) {
            c.assign(tps);
            c.seekToBeginning(tps);
            Map<TopicPartition, Long> ends = c.endOffsets(tps, Duration.ofSeconds(30));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline) {
                boolean done = true;
                for (TopicPartition tp : tps) if (c.position(tp, Duration.ofSeconds(30)) < ends.get(tp)) done = false;
                if (done) break;
                for (ConsumerRecord<byte[], byte[]> rec : c.poll(Duration.ofMillis(200))) {
                    String v = new String(rec.value(), StandardCharsets.UTF_8);
                    out.add(v);
                    h.poll("rc", null, true, rec.topic(), rec.partition(), rec.offset(), v);
                }
            }
        }
        return out;
    }
}
