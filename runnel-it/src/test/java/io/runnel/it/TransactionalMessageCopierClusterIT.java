package io.runnel.it;

import io.runnel.checker.HistoryRecorder;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
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
import java.util.concurrent.TimeUnit;

import static io.runnel.it.TransactionalMessageCopierIT.PARTITIONS;
import static io.runnel.it.TransactionalMessageCopierIT.TOTAL;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Apache Kafka's {@code TransactionalMessageCopier} (three copier JVMs in one group, random aborts, group metadata)
 * against a three-node cluster of broker processes — RF 3 and min.insync.replicas 2 for the input, the output,
 * {@code __consumer_offsets} and {@code __transaction_state} — while the broker that coordinates a copier's
 * transactional id is killed with SIGKILL mid-run and later restarted. The coordinator moves to another broker, which
 * resends the markers of the transactions it finds prepared; markers cross brokers (WriteTxnMarkers) throughout, since
 * the partitions are led by all three. Every input value must reach the output exactly once, in its partition's
 * order, and the history checker finds no anomaly. Copiers that exit are restarted with their transactional id, as a
 * supervisor would (see {@link TransactionalMessageCopierIT}).
 *
 * <p>Slow (four JVMs and three copiers), so it runs with kafka-clients 4.1 only.
 */
@EnabledIfSystemProperty(named = "it.kafka.clients.version", matches = "4\\.1\\..*")
class TransactionalMessageCopierClusterIT {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;
    private ClusterHarness cluster;

    @AfterEach
    void tearDown() {
        if (cluster != null) cluster.close();
    }

    @Test
    @Timeout(180)
    void coordinatorBrokerKilledWithSigkillMidRun() throws Exception {
        String in = "copier-in";
        String out = "copier-out";
        String group = "copier-group";
        cluster = ClusterHarness.create(ClusterHarness.Mode.PROCESS, dir.resolve("cluster"), 3, Map.of(
                "transaction.state.log.replication.factor", "3",
                "transaction.state.log.min.isr", "2",
                "offsets.topic.replication.factor", "3",
                "transaction.abort.timed.out.transaction.cleanup.interval.ms", "1000",
                "replica.lag.time.max.ms", "5000",
                "broker.session.timeout.ms", "6000")).startAll();
        HistoryRecorder history = new HistoryRecorder();
        String bootstrap = cluster.bootstrap();
        try (Admin admin = Clients.admin(bootstrap)) {
            ClusterHarness.await(WAIT, "three unfenced brokers", () -> {
                try {
                    return ClusterIT.brokerIds(admin, false).size() == 3;
                } catch (Exception e) {
                    return false;
                }
            });
            Map<String, String> replicated = Map.of("min.insync.replicas", "2");
            admin.createTopics(List.of(new NewTopic(in, PARTITIONS, (short) 3).configs(replicated),
                    new NewTopic(out, PARTITIONS, (short) 3).configs(replicated))).all().get(30, TimeUnit.SECONDS);
            List<List<String>> expected = TransactionalMessageCopierIT.produceInput(bootstrap, in, history);

            List<JvmProcess> copiers = new ArrayList<>();
            long[] lastStart = new long[PARTITIONS];
            for (int i = 0; i < PARTITIONS; i++) {
                copiers.add(TransactionalMessageCopierIT.copier(dir, bootstrap, i, in, out, group));
                lastStart[i] = System.nanoTime();
            }
            List<List<String>> output = new ArrayList<>();
            for (int p = 0; p < PARTITIONS; p++) output.add(new ArrayList<>());
            int killed = -1;
            int seenAtKill = -1;
            long killedAt = 0;
            int progressWhileDown = -1;
            int restarts = 0;
            try (KafkaConsumer<byte[], byte[]> reader = Clients.consumer(bootstrap,
                    Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"))) {
                List<TopicPartition> tps = TransactionalMessageCopierIT.partitions(out);
                reader.assign(tps);
                reader.seekToBeginning(tps);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(110);
                long quietUntil = Long.MAX_VALUE; // once complete, read 3 s more so that duplicates show
                while (System.nanoTime() < Math.min(deadline, quietUntil)) {
                    for (ConsumerRecord<byte[], byte[]> r : reader.poll(Duration.ofMillis(200))) {
                        String v = new String(r.value(), StandardCharsets.UTF_8);
                        history.poll("out-reader", null, true, r.topic(), r.partition(), r.offset(), "copy:" + v);
                        output.get(r.partition()).add(v);
                    }
                    int seen = output.stream().mapToInt(List::size).sum();
                    if (seen >= TOTAL && quietUntil == Long.MAX_VALUE) quietUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
                    if (killed < 0 && seen >= TOTAL / 4) {
                        killed = admin.describeTransactions(List.of("copier-0")).description("copier-0")
                                .get(30, TimeUnit.SECONDS).coordinatorId();
                        System.out.println("copier cluster run: SIGKILL of broker " + killed + " (coordinator of copier-0) after "
                                + seen + " committed copies");
                        cluster.kill(killed);
                        seenAtKill = seen;
                        killedAt = System.nanoTime();
                    } else if (killed > 0 && progressWhileDown < 0
                            && (seen >= seenAtKill + TOTAL / 6 || seen >= TOTAL || System.nanoTime() - killedAt > TimeUnit.SECONDS.toNanos(40))) {
                        progressWhileDown = seen - seenAtKill;
                        System.out.println("copier cluster run: " + progressWhileDown + " copies committed while broker " + killed
                                + " was down; restarting it");
                        cluster.start(killed);
                    }
                    if (seen < TOTAL) {
                        for (int i = 0; i < PARTITIONS; i++) {
                            if (!copiers.get(i).isAlive() && System.nanoTime() - lastStart[i] > TimeUnit.SECONDS.toNanos(3)) {
                                System.out.println("copier cluster run: copier " + i + " exited with " + copiers.get(i).exitCode()
                                        + ", restarting");
                                copiers.set(i, TransactionalMessageCopierIT.copier(dir, bootstrap, i, in, out, group));
                                lastStart[i] = System.nanoTime();
                                restarts++;
                            }
                        }
                    }
                }
            } finally {
                for (JvmProcess c : copiers) c.close();
            }
            int copied = output.stream().mapToInt(List::size).sum();
            System.out.println("copier cluster run: " + copied + " of " + TOTAL + " copies read, copier restarts " + restarts);
            assertThat(killed).as("the coordinator's broker was killed").isPositive();
            assertThat(progressWhileDown).as("copies committed while the coordinator's broker was down (the coordinator moved)")
                    .isPositive();
            if (!cluster.running(killed)) cluster.start(killed);

            for (ConsumerRecord<byte[], byte[]> r : Clients.readAll(bootstrap, TransactionalMessageCopierIT.partitions(in), Duration.ofSeconds(30))) {
                history.poll("in-reader", null, false, r.topic(), r.partition(), r.offset(), new String(r.value(), StandardCharsets.UTF_8));
            }
            List<List<String>> reread = new ArrayList<>();
            for (int p = 0; p < PARTITIONS; p++) reread.add(new ArrayList<>());
            for (ConsumerRecord<byte[], byte[]> r : TransactionalMessageCopierIT.readCommitted(bootstrap, TransactionalMessageCopierIT.partitions(out))) {
                String v = new String(r.value(), StandardCharsets.UTF_8);
                history.poll("out-rereader", null, true, r.topic(), r.partition(), r.offset(), "copy:" + v);
                reread.get(r.partition()).add(v);
            }
            Histories.assertNoAnomaly("copier cluster run, coordinator SIGKILL (copier restarts " + restarts + ")", history.history());
            assertThat(copied).as("copies read while the copiers ran (110 s at most; copier restarts %d)", restarts).isEqualTo(TOTAL);
            for (int p = 0; p < PARTITIONS; p++) {
                // the committed output read again after the run: exactly once, in order
                assertThat(reread.get(p)).as("output partition %d re-read after the run: every input value once, in input order", p)
                        .containsExactlyElementsOf(expected.get(p));
            }
            for (int p = 0; p < PARTITIONS; p++) {
                assertThat(output.get(p)).as("output partition %d read while copying: every input value once, in input order", p)
                        .containsExactlyElementsOf(expected.get(p));
            }
        }
    }
}
