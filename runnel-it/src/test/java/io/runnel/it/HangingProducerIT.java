package io.runnel.it;

import io.runnel.checker.CheckResult;
import io.runnel.checker.History;
import io.runnel.checker.HistoryChecker;
import io.runnel.checker.HistoryRecorder;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A hanging transactional producer: {@link TxnProducerMain} is stopped with SIGSTOP while one of its transactions is
 * open, for longer than its transaction.timeout.ms. The coordinator aborts the transaction, so the last stable offset
 * moves on and a read_committed consumer reads what others write after it; resumed with SIGCONT, the producer's
 * commit fails (fenced, or INVALID_PRODUCER_EPOCH) and it recovers as the client expects, with its transactional id.
 * The producer's history and the reader's go through {@link HistoryChecker}. Slow (separate JVMs): kafka-clients 4.1
 * only.
 */
@EnabledIfSystemProperty(named = "it.kafka.clients.version", matches = "4\\.1\\..*")
class HangingProducerIT {
    private static final int TXN_TIMEOUT_MS = 4000;

    @TempDir
    Path dir;

    @Test
    @Timeout(180)
    void coordinatorAbortsAStoppedProducersTransactionAndTheProducerIsFencedWhenResumed() throws Exception {
        String topic = "hanging";
        Path producerHistory = dir.resolve("producer.history");
        HistoryRecorder history = new HistoryRecorder();
        try (BrokerProcess broker = new BrokerProcess(dir.resolve("data"),
                Map.of("transaction.abort.timed.out.transaction.cleanup.interval.ms", "500"))) {
            broker.start();
            try (Admin admin = Clients.admin(broker.bootstrap())) {
                admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            }
            TopicPartition tp = new TopicPartition(topic, 0);
            Set<String> read = ConcurrentHashMap.newKeySet();
            AtomicBoolean stop = new AtomicBoolean();
            Thread reader = new Thread(() -> {
                try (KafkaConsumer<byte[], byte[]> c = Clients.consumer(broker.bootstrap(),
                        Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"))) {
                    c.assign(List.of(tp));
                    c.seekToBeginning(List.of(tp));
                    while (!stop.get()) {
                        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                            String v = new String(r.value(), StandardCharsets.UTF_8);
                            history.poll("reader", null, true, r.topic(), r.partition(), r.offset(), v);
                            read.add(v);
                        }
                    }
                }
            }, "hanging-reader");
            reader.start();

            JvmProcess producer = JvmProcess.start(dir.resolve("producer.log"), TxnProducerMain.class.getName(), List.of(
                    broker.bootstrap(), topic, "hanging-txn", Integer.toString(TXN_TIMEOUT_MS), "8", "1500", producerHistory.toString()));
            try {
                // stop it while a transaction is open: after an "OPEN n" that is not yet followed by "COMMITTED n"
                int stoppedIn = -1;
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (stoppedIn < 0) {
                    assertThat(System.nanoTime()).as("producer opened a transaction; log:\n%s", producer.log()).isLessThan(deadline);
                    int open = lastIndexOf(producer.log(), "OPEN ");
                    if (open >= 1 && !producer.log().contains("COMMITTED " + open)) {
                        producer.suspend();
                        if (!producer.log().contains("COMMITTED " + open)) {
                            stoppedIn = open;
                        } else {
                            producer.resume();
                        }
                    }
                    Thread.sleep(20);
                }
                try (KafkaConsumer<byte[], byte[]> probe = Clients.consumer(broker.bootstrap(),
                        Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"))) {
                    long stoppedAt = System.nanoTime();
                    // the open transaction holds the LSO below the high watermark ...
                    assertThat(lso(probe, tp)).isLessThan(hw(broker.bootstrap(), tp));
                    // ... others keep writing ...
                    List<String> others = produceOthers(broker.bootstrap(), topic, history);
                    // ... and once the coordinator aborted the stopped producer's transaction, the LSO reaches the
                    // high watermark and the reader reads the others' records
                    await(() -> lso(probe, tp) == hw(broker.bootstrap(), tp), 60, "the LSO to reach the high watermark");
                    await(() -> read.containsAll(others), 60, "the read_committed reader to read past the aborted transaction");
                    long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stoppedAt);
                    assertThat(waitedMs).as("the process stayed stopped past its transaction timeout").isGreaterThan(TXN_TIMEOUT_MS);
                }
                System.out.println("hanging producer: stopped in transaction " + stoppedIn + ", resumed");
                producer.resume();
                assertThat(producer.awaitExit(90_000)).as("producer finished; log:\n%s", producer.log()).isTrue();
                assertThat(producer.exitCode()).as(producer.log()).isZero();
                String log = producer.log();
                assertThat(log).as("the resumed producer's commit failed").containsPattern("FENCED (ProducerFencedException|InvalidProducerEpochException)");
                assertThat(log).contains("RECOVERED", "DONE");
                int lastTxn = lastIndexOf(log, "COMMITTED ");
                assertThat(lastTxn).isEqualTo(7);
                String lastValue = "hanging-txn-producer-" + producer.pid() + "-7-v";
                await(() -> read.contains(lastValue), 60, "the reader to read the recovered producer's last commit");
            } finally {
                producer.close();
                stop.set(true);
                reader.join(30_000);
            }
            List<io.runnel.checker.Event> all = new ArrayList<>(History.read(producerHistory).events());
            all.addAll(history.history().events());
            CheckResult result = Histories.assertNoAnomaly("hanging producer", new History(all));
            assertThat(result.stats().get("aborts")).as("the stopped transaction is recorded as aborted").isGreaterThanOrEqualTo(1);
            broker.stop();
        }
    }

    private static List<String> produceOthers(String bootstrap, String topic, HistoryRecorder history) throws Exception {
        List<String> values = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> p = Clients.producer(bootstrap)) {
            for (int i = 0; i < 5; i++) {
                String v = "other-" + i;
                RecordMetadata m = p.send(new ProducerRecord<>(topic, 0, null, v.getBytes(StandardCharsets.UTF_8))).get(30, TimeUnit.SECONDS);
                history.sendOk("other", null, topic, m.partition(), m.offset(), v);
                values.add(v);
            }
        }
        return values;
    }

    private static long lso(KafkaConsumer<byte[], byte[]> readCommitted, TopicPartition tp) {
        return readCommitted.endOffsets(List.of(tp), Duration.ofSeconds(30)).get(tp);
    }

    private static long hw(String bootstrap, TopicPartition tp) {
        try (KafkaConsumer<byte[], byte[]> c = Clients.consumer(bootstrap)) {
            return c.endOffsets(List.of(tp), Duration.ofSeconds(30)).get(tp);
        }
    }

    /** The number after the last occurrence of {@code prefix} at a line start, or -1. */
    private static int lastIndexOf(String log, String prefix) {
        int last = -1;
        for (String line : log.split("\n")) {
            if (line.startsWith(prefix)) {
                try {
                    last = Integer.parseInt(line.substring(prefix.length()).trim());
                } catch (NumberFormatException ignored) {
                    // another line starting alike
                }
            }
        }
        return last;
    }

    private static void await(BooleanSupplier condition, int seconds, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waited %d s for %s", seconds, what).isLessThan(deadline);
            Thread.sleep(100);
        }
    }
}
