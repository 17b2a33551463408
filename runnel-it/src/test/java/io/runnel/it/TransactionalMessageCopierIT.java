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
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Apache Kafka's own exactly-once test tool, {@code org.apache.kafka.tools.TransactionalMessageCopier}, against a
 * broker in its own JVM: three copier processes in one consumer group (random aborts, the group-metadata
 * {@code sendOffsetsToTransaction}) copy an input topic written by an idempotent producer to an output topic, which a
 * read_committed consumer reads. Every input value must arrive exactly once, in its partition's order (the copier
 * keeps the partition) — in a quiet run, across a broker SIGKILL and a broker SIGTERM, and across a copier SIGKILL.
 * Copiers that exit (a fault can make the tool give up) are restarted with the same transactional id, as a supervisor
 * would. The history (input acks, input and output reads) goes through {@link HistoryChecker}; the output values are
 * recorded as {@code copy:<value>}, a write of its own.
 *
 * <p>Slow (separate JVMs), so it runs with kafka-clients 4.1 only.
 */
@EnabledIfSystemProperty(named = "it.kafka.clients.version", matches = "4\\.1\\..*")
class TransactionalMessageCopierIT {
    private static final String COPIER = "org.apache.kafka.tools.TransactionalMessageCopier";
    static final int PARTITIONS = 3;
    static final int PER_PARTITION = 500;
    static final int TOTAL = PARTITIONS * PER_PARTITION;

    @TempDir
    Path dir;

    private enum Fault { NONE, BROKER_SIGKILL, BROKER_SIGTERM, COPIER_SIGKILL }

    @Test
    @Timeout(180)
    void quietRunCopiesEveryRecordExactlyOnce() throws Exception {
        run(Fault.NONE);
    }

    @Test
    @Timeout(180)
    void brokerKilledWithSigkillMidRun() throws Exception {
        run(Fault.BROKER_SIGKILL);
    }

    @Test
    @Timeout(180)
    void brokerStoppedWithSigtermMidRun() throws Exception {
        run(Fault.BROKER_SIGTERM);
    }

    @Test
    @Timeout(180)
    void copierKilledWithSigkillAndRestarted() throws Exception {
        run(Fault.COPIER_SIGKILL);
    }

    private void run(Fault fault) throws Exception {
        String in = "copier-in";
        String out = "copier-out";
        String group = "copier-group";
        HistoryRecorder history = new HistoryRecorder();
        try (BrokerProcess broker = new BrokerProcess(dir.resolve("data"),
                Map.of("transaction.abort.timed.out.transaction.cleanup.interval.ms", "1000"))) {
            broker.start();
            try (Admin admin = Clients.admin(broker.bootstrap())) {
                admin.createTopics(List.of(new NewTopic(in, PARTITIONS, (short) 1), new NewTopic(out, PARTITIONS, (short) 1)))
                        .all().get(30, TimeUnit.SECONDS);
            }
            List<List<String>> expected = produceInput(broker.bootstrap(), in, history);

            List<JvmProcess> copiers = new ArrayList<>();
            long[] lastStart = new long[PARTITIONS];
            int restarts = 0;
            for (int i = 0; i < PARTITIONS; i++) {
                copiers.add(copier(broker.bootstrap(), i, in, out, group));
                lastStart[i] = System.nanoTime();
            }
            List<List<String>> output = new ArrayList<>();
            for (int p = 0; p < PARTITIONS; p++) output.add(new ArrayList<>());
            boolean injected = fault == Fault.NONE;
            try (KafkaConsumer<byte[], byte[]> reader = Clients.consumer(broker.bootstrap(),
                    Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"))) {
                List<TopicPartition> tps = new ArrayList<>();
                for (int p = 0; p < PARTITIONS; p++) tps.add(new TopicPartition(out, p));
                reader.assign(tps);
                reader.seekToBeginning(tps);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(140);
                long quietUntil = Long.MAX_VALUE; // once complete, read 3 s more so that duplicates show
                while (System.nanoTime() < Math.min(deadline, quietUntil)) {
                    for (ConsumerRecord<byte[], byte[]> r : reader.poll(Duration.ofMillis(200))) {
                        String v = new String(r.value(), StandardCharsets.UTF_8);
                        history.poll("out-reader", null, true, r.topic(), r.partition(), r.offset(), "copy:" + v);
                        output.get(r.partition()).add(v);
                    }
                    int seen = output.stream().mapToInt(List::size).sum();
                    if (seen >= TOTAL && quietUntil == Long.MAX_VALUE) quietUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
                    if (!injected && seen >= TOTAL / 3) {
                        injected = true;
                        System.out.println("copier run " + fault + ": injecting after " + seen + " committed copies");
                        switch (fault) {
                            case BROKER_SIGKILL -> {
                                broker.kill9();
                                broker.start();
                            }
                            case BROKER_SIGTERM -> {
                                assertThat(broker.stop()).as("exit on SIGTERM").isIn(0, 143); // 143: ended by SIGTERM
                                broker.start();
                            }
                            case COPIER_SIGKILL -> {
                                copiers.get(0).kill9();
                                copiers.set(0, copier(broker.bootstrap(), 0, in, out, group));
                                lastStart[0] = System.nanoTime();
                                restarts++;
                            }
                            case NONE -> { }
                        }
                    }
                    if (seen < TOTAL) {
                        // a supervisor: a copier that ended (done with what it was assigned, or gave up on an error
                        // during a fault) is started again while output is missing
                        for (int i = 0; i < PARTITIONS; i++) {
                            if (!copiers.get(i).isAlive() && System.nanoTime() - lastStart[i] > TimeUnit.SECONDS.toNanos(3)) {
                                System.out.println("copier run " + fault + ": copier " + i + " exited with " + copiers.get(i).exitCode()
                                        + ", restarting");
                                copiers.set(i, copier(broker.bootstrap(), i, in, out, group));
                                lastStart[i] = System.nanoTime();
                                restarts++;
                            }
                        }
                    }
                }
            } finally {
                for (JvmProcess c : copiers) c.close();
            }
            // the input as a read_committed reader sees it: every acknowledged input write is there once
            for (ConsumerRecord<byte[], byte[]> r : Clients.readAll(broker.bootstrap(), partitions(in), Duration.ofSeconds(30))) {
                history.poll("in-reader", null, false, r.topic(), r.partition(), r.offset(), new String(r.value(), StandardCharsets.UTF_8));
            }

            // a fresh read_committed reader of the whole output agrees with the one that followed the run
            for (ConsumerRecord<byte[], byte[]> r : readCommitted(broker.bootstrap(), partitions(out))) {
                history.poll("out-rereader", null, true, r.topic(), r.partition(), r.offset(),
                        "copy:" + new String(r.value(), StandardCharsets.UTF_8));
            }

            Histories.assertNoAnomaly("copier run " + fault + " (copier restarts " + restarts + ")", history.history());
            for (int p = 0; p < PARTITIONS; p++) {
                assertThat(output.get(p)).as("output partition %d: every input value once, in input order", p)
                        .containsExactlyElementsOf(expected.get(p));
            }
            broker.stop();
        }
    }

    private JvmProcess copier(String bootstrap, int i, String in, String out, String group) {
        return copier(dir, bootstrap, i, in, out, group);
    }

    /** Copier {@code i} (transactional id copier-i) of the group, its log in {@code dir}. */
    static JvmProcess copier(Path dir, String bootstrap, int i, String in, String out, String group) {
        return JvmProcess.start(dir.resolve("copier-" + i + ".log"), COPIER, List.of(
                "--broker-list", bootstrap,
                "--input-topic", in,
                "--input-partition", "0", // required by the tool; ignored in group mode
                "--output-topic", out,
                "--consumer-group", group,
                "--transactional-id", "copier-" + i,
                "--max-messages", Integer.toString(TOTAL),
                "--transaction-size", "50",
                "--transaction-timeout", "20000",
                "--enable-random-aborts",
                "--group-mode",
                "--use-group-metadata"));
    }

    /** Everything a read_committed consumer reads from the beginning of {@code tps} up to their LSOs. */
    static List<ConsumerRecord<byte[], byte[]>> readCommitted(String bootstrap, List<TopicPartition> tps) {
        try (KafkaConsumer<byte[], byte[]> c = Clients.consumer(bootstrap, Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"))) {
            c.assign(tps);
            c.seekToBeginning(tps);
            Map<TopicPartition, Long> ends = c.endOffsets(tps, Duration.ofSeconds(30));
            List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (tps.stream().anyMatch(tp -> c.position(tp) < ends.get(tp))) {
                assertThat(System.nanoTime()).as("read_committed reached the LSOs %s in 30 s", ends).isLessThan(deadline);
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) out.add(r);
            }
            return out;
        }
    }

    static List<TopicPartition> partitions(String topic) {
        List<TopicPartition> tps = new ArrayList<>();
        for (int p = 0; p < PARTITIONS; p++) tps.add(new TopicPartition(topic, p));
        return tps;
    }

    /** Writes {@link #PER_PARTITION} values to each partition with an idempotent producer; the values per partition. */
    static List<List<String>> produceInput(String bootstrap, String topic, HistoryRecorder history) throws Exception {
        List<List<String>> expected = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(bootstrap, Map.of(
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true, ProducerConfig.ACKS_CONFIG, "all"))) {
            List<Future<RecordMetadata>> acks = new ArrayList<>();
            List<String> values = new ArrayList<>();
            for (int p = 0; p < PARTITIONS; p++) {
                expected.add(new ArrayList<>());
                for (int i = 0; i < PER_PARTITION; i++) {
                    String v = "in-" + p + "-" + i;
                    values.add(v);
                    expected.get(p).add(v);
                    acks.add(producer.send(new ProducerRecord<>(topic, p, null, v.getBytes(StandardCharsets.UTF_8))));
                }
            }
            for (int i = 0; i < acks.size(); i++) {
                RecordMetadata m = acks.get(i).get(30, TimeUnit.SECONDS);
                history.sendOk("input-producer", null, topic, m.partition(), m.offset(), values.get(i));
            }
        }
        return expected;
    }
}
