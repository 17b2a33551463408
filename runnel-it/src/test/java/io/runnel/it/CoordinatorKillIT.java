package io.runnel.it;

import io.runnel.checker.HistoryChecker;
import io.runnel.checker.HistoryRecorder;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TransactionAbortableException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The transaction coordinator (a broker in its own JVM) killed with SIGKILL in the middle of a transaction that spans
 * two partitions: once between the sends and the commit (the producer commits after the restart), and several times
 * while the commit is in flight, at growing delays after it was sent, to land between the PrepareCommit record and
 * the markers. After the restart each transaction must be all-or-nothing for a read_committed reader, and
 * {@link HistoryChecker} must find no anomaly (no aborted read, no committed write lost). A commit whose outcome the
 * client could not learn is left undecided for the checker, but is still checked for atomicity.
 * Slow (broker restarts): kafka-clients 4.1 only.
 */
@EnabledIfSystemProperty(named = "it.kafka.clients.version", matches = "4\\.1\\..*")
class CoordinatorKillIT {
    private static final String TOPIC = "coord-kill";
    private static final String TXN_ID = "coord-kill";

    @TempDir
    Path dir;

    @Test
    @Timeout(180)
    void aTransactionIsAllOrNothingWhenItsCoordinatorIsKilled() throws Exception {
        HistoryRecorder h = new HistoryRecorder();
        Map<String, List<String>> valuesOf = new HashMap<>();
        try (BrokerProcess broker = new BrokerProcess(dir.resolve("data"),
                Map.of("transaction.abort.timed.out.transaction.cleanup.interval.ms", "500"))) {
            broker.start();
            try (Admin admin = Clients.admin(broker.bootstrap())) {
                admin.createTopics(List.of(new NewTopic(TOPIC, 2, (short) 1))).all().get(30, TimeUnit.SECONDS);
            }
            // between the sends and the commit
            String txn = "t-before-commit";
            try (KafkaProducer<byte[], byte[]> p = producer(broker.bootstrap())) {
                p.initTransactions();
                p.beginTransaction();
                valuesOf.put(txn, sendBoth(p, h, txn));
                broker.kill9();
                broker.start();
                String outcome;
                try {
                    p.commitTransaction();
                    h.commit("p", txn);
                    outcome = "committed";
                } catch (ProducerFencedException | InvalidProducerEpochException | TransactionAbortableException e) {
                    h.abort("p", txn); // the coordinator aborted it (timed out across the restart) or told the client to
                    outcome = "aborted (" + e.getClass().getSimpleName() + ")";
                }
                System.out.println("coordinator kill: " + txn + " " + outcome);
            }
            // while the commit is in flight
            for (int delayMs : new int[] {0, 2, 5, 10, 20}) {
                txn = "t-commit-in-flight-" + delayMs;
                String outcome;
                try (KafkaProducer<byte[], byte[]> p = producer(broker.bootstrap())) {
                    p.initTransactions();
                    p.beginTransaction();
                    valuesOf.put(txn, sendBoth(p, h, txn));
                    CompletableFuture<Void> commit = CompletableFuture.runAsync(p::commitTransaction);
                    Thread.sleep(delayMs);
                    broker.kill9();
                    broker.start();
                    try {
                        commit.get(90, TimeUnit.SECONDS);
                        h.commit("p", txn);
                        outcome = "committed";
                    } catch (java.util.concurrent.ExecutionException e) {
                        outcome = "unknown to the client (" + e.getCause().getClass().getSimpleName() + ")";
                    }
                    p.close(Duration.ofSeconds(5));
                } catch (KafkaException e) {
                    outcome = "unknown to the client (" + e.getClass().getSimpleName() + ")";
                }
                System.out.println("coordinator kill: " + txn + " " + outcome);
            }
            // a new producer with the id ends whatever is still in doubt
            try (KafkaProducer<byte[], byte[]> p = producer(broker.bootstrap())) {
                p.initTransactions();
            }

            Set<String> read = new HashSet<>();
            for (ConsumerRecord<byte[], byte[]> r : readCommitted(broker.bootstrap())) {
                String v = new String(r.value(), StandardCharsets.UTF_8);
                h.poll("reader", null, true, r.topic(), r.partition(), r.offset(), v);
                read.add(v);
            }
            valuesOf.forEach((t, values) -> {
                long seen = values.stream().filter(read::contains).count();
                System.out.println("coordinator kill: " + t + " read " + seen + "/" + values.size());
                assertThat(seen).as("transaction %s is all-or-nothing for read_committed", t).isIn(0L, (long) values.size());
            });
            Histories.assertNoAnomaly("coordinator kill", h.history());
            broker.stop();
        }
    }

    private static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
        return Clients.producer(bootstrap, Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, TXN_ID,
                ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 20_000, ProducerConfig.MAX_BLOCK_MS_CONFIG, 60_000,
                ProducerConfig.LINGER_MS_CONFIG, 0));
    }

    /** Two values to each of the two partitions, acknowledged; the values. */
    private static List<String> sendBoth(KafkaProducer<byte[], byte[]> p, HistoryRecorder h, String txn) throws Exception {
        List<String> values = new ArrayList<>();
        for (int partition = 0; partition < 2; partition++) {
            for (int i = 0; i < 2; i++) {
                String v = txn + "-" + partition + "-" + i;
                RecordMetadata m = p.send(new ProducerRecord<>(TOPIC, partition, null, v.getBytes(StandardCharsets.UTF_8))).get(30, TimeUnit.SECONDS);
                h.sendOk("p", txn, TOPIC, m.partition(), m.offset(), v);
                values.add(v);
            }
        }
        return values;
    }

    private static List<ConsumerRecord<byte[], byte[]>> readCommitted(String bootstrap) {
        List<TopicPartition> tps = List.of(new TopicPartition(TOPIC, 0), new TopicPartition(TOPIC, 1));
        try (KafkaConsumer<byte[], byte[]> c = Clients.consumer(bootstrap, Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"))) {
            c.assign(tps);
            c.seekToBeginning(tps);
            List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            // the LSO equals the high watermark once no transaction is open: wait for that, then read up to it
            Map<TopicPartition, Long> ends;
            while (true) {
                ends = c.endOffsets(tps, Duration.ofSeconds(30));
                Map<TopicPartition, Long> hws;
                try (KafkaConsumer<byte[], byte[]> u = Clients.consumer(bootstrap)) {
                    hws = u.endOffsets(tps, Duration.ofSeconds(30));
                }
                if (ends.equals(hws)) break;
                assertThat(System.nanoTime()).as("no transaction left open (LSO %s, high watermark %s)", ends, hws).isLessThan(deadline);
                sleep(200);
            }
            while (true) {
                boolean done = true;
                for (TopicPartition tp : tps) if (c.position(tp) < ends.get(tp)) done = false;
                if (done) return out;
                assertThat(System.nanoTime()).as("read up to %s", ends).isLessThan(deadline);
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) out.add(r);
            }
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
