package io.runnel.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.runnel.checker.HistoryRecorder;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Replication under faults with real processes and Apache Kafka's own verification tools: three combined nodes
 * (separate JVMs), a topic with replication factor 3 and min.insync.replicas 2, {@code VerifiableProducer} (acks=all,
 * idempotent, throttled) and {@code VerifiableConsumer} (a consumer group committing after each batch) running while
 * the leader of a partition is, round after round, shut down cleanly, killed with SIGKILL, bounced cleanly and bounced
 * hard; each round starts once every partition's ISR is full again. Afterwards every acknowledged record is in the log
 * once, at the offset it was acknowledged with, in its partition's send order; the group consumed every one of them,
 * and the history checker (sends, the group's reads with its rebalances as resets, a final read of the whole topic)
 * finds no anomaly. The seed (which partition's leader each round hits) is printed; {@code -Dfaults.seed=N} replays
 * the fault sequence (not the timing).
 *
 * <p>Slow (separate JVMs): kafka-clients 4.1 only.
 */
@EnabledIfSystemProperty(named = "it.kafka.clients.version", matches = "4\\.1\\..*")
class ReplicationFaultsIT {
    private static final String TOPIC = "faults";
    private static final int PARTITIONS = 3;
    private static final String GROUP = "faults-group";
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What a round does to the leader it picked. */
    private enum Fault { SHUTDOWN, SIGKILL, CLEAN_BOUNCE, HARD_BOUNCE }

    /** Kept when a test fails: the brokers' and tools' logs are there (the path is printed). */
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;
    private ClusterHarness cluster;
    private final List<JvmProcess> tools = new ArrayList<>();

    @AfterEach
    void tearDown() {
        tools.forEach(JvmProcess::close);
        if (cluster != null) cluster.close();
    }

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void everyAcknowledgedRecordSurvivesLeaderFaults() throws Exception {
        long seed = Long.getLong("faults.seed", System.nanoTime());
        int rounds = Integer.getInteger("faults.rounds", 8);
        System.out.println("[faults] ReplicationFaultsIT seed " + seed + ", " + rounds + " rounds (replay the fault sequence with -Dfaults.seed="
                + seed + "); logs in " + dir);
        Random random = new Random(seed);
        long t0 = System.nanoTime();
        cluster = ClusterHarness.create(ClusterHarness.Mode.PROCESS, dir, 3, ReplicatedClusters.clusterConfig()).startAll();
        try (Admin admin = Clients.admin(cluster.bootstrap())) {
            ReplicatedClusters.awaitBrokers(admin, 3);
            admin.createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short) 3).configs(Map.of("min.insync.replicas", "2"))))
                    .all().get(30, TimeUnit.SECONDS);
            ReplicatedClusters.awaitFullIsr(admin, TOPIC);
            log(t0, "cluster up, topic created");

            JvmProcess consumer = startConsumer();
            JvmProcess producer = startProducer();
            awaitAcked(producer, 200);
            log(t0, "traffic flowing");

            for (int round = 0; round < rounds; round++) {
                Fault fault = Fault.values()[round % Fault.values().length];
                int partition = random.nextInt(PARTITIONS);
                int leader = ReplicatedClusters.describe(admin, TOPIC, partition).leader().id();
                int ackedBefore = acked(producer);
                log(t0, "round " + round + ": " + fault + " of node " + leader + " (leader of " + TOPIC + "-" + partition + "), "
                        + ackedBefore + " acknowledged so far");
                switch (fault) {
                    case SHUTDOWN -> {
                        assertThat(cluster.stop(leader)).as("exit on SIGTERM").isIn(0, 143);
                        awaitNewLeader(admin, partition, leader);
                        awaitAcked(producer, ackedBefore + 300);
                        cluster.start(leader);
                    }
                    case SIGKILL -> {
                        cluster.kill(leader);
                        awaitNewLeader(admin, partition, leader);
                        awaitAcked(producer, ackedBefore + 300);
                        cluster.start(leader);
                    }
                    case CLEAN_BOUNCE -> {
                        assertThat(cluster.stop(leader)).as("exit on SIGTERM").isIn(0, 143);
                        cluster.start(leader);
                    }
                    case HARD_BOUNCE -> {
                        cluster.kill(leader);
                        cluster.start(leader);
                    }
                }
                ReplicatedClusters.awaitFullIsr(admin, TOPIC);
                ReplicatedClusters.awaitFullIsr(admin, "__consumer_offsets");
                awaitAcked(producer, acked(producer) + 100);
                log(t0, "round " + round + ": healthy again, " + acked(producer) + " acknowledged");
            }

            assertThat(producer.stop(60_000)).as("the producer ends on SIGTERM").isTrue();
            List<JsonNode> produced = events(dir.resolve("producer.out"));
            Map<String, long[]> ackedAt = new LinkedHashMap<>(); // value -> {partition, offset}
            HistoryRecorder history = new HistoryRecorder();
            int errors = 0;
            for (JsonNode e : produced) {
                String value = e.path("value").asText();
                switch (e.path("name").asText()) {
                    case "producer_send_success" -> {
                        ackedAt.put(value, new long[]{e.path("partition").asInt(), e.path("offset").asLong()});
                        history.sendOk("producer", null, TOPIC, e.path("partition").asInt(), e.path("offset").asLong(), value);
                    }
                    case "producer_send_error" -> {
                        errors++;
                        history.sendUnknown("producer", null, TOPIC, value); // may have been written before the error
                    }
                    default -> { }
                }
            }
            log(t0, "producer stopped: " + ackedAt.size() + " acknowledged, " + errors + " send errors");
            assertThat(ackedAt.size()).as("acknowledged records").isGreaterThan(1000);

            // the group reads on until it has every acknowledged value
            ClusterHarness.await(WAIT, "the group consumed every acknowledged record", () ->
                    consumedValues(events(dir.resolve("consumer.out"))).containsAll(ackedAt.keySet()));
            assertThat(consumer.stop(30_000)).as("the consumer ends on SIGTERM").isTrue();
            List<JsonNode> consumed = events(dir.resolve("consumer.out"));
            int reads = 0;
            for (JsonNode e : consumed) {
                switch (e.path("name").asText()) {
                    case "partitions_assigned", "partitions_revoked" -> history.reset("group");
                    case "record_data" -> {
                        reads++;
                        history.poll("group", null, false, e.path("topic").asText(), e.path("partition").asInt(), e.path("offset").asLong(),
                                e.path("value").asText());
                    }
                    default -> { }
                }
            }

            // the whole topic, read once more from the beginning
            List<TopicPartition> tps = new ArrayList<>();
            for (int p = 0; p < PARTITIONS; p++) tps.add(new TopicPartition(TOPIC, p));
            List<ConsumerRecord<byte[], byte[]>> all = Clients.readAll(cluster.bootstrap(), tps, WAIT);
            Map<String, long[]> inLog = new HashMap<>();
            Map<Integer, List<Long>> valuesByPartition = new TreeMap<>();
            for (ConsumerRecord<byte[], byte[]> r : all) {
                String v = new String(r.value(), StandardCharsets.UTF_8);
                history.poll("reader", null, false, r.topic(), r.partition(), r.offset(), v);
                assertThat(inLog.put(v, new long[]{r.partition(), r.offset()})).as("value %s is in the log once", v).isNull();
                valuesByPartition.computeIfAbsent(r.partition(), k -> new ArrayList<>()).add(Long.parseLong(v));
            }
            log(t0, "group read " + reads + " records (with redeliveries), the log holds " + all.size());
            ackedAt.forEach((v, at) -> {
                assertThat(inLog).as("acknowledged value %s", v).containsKey(v);
                assertThat(inLog.get(v)).as("value %s at its acknowledged partition and offset", v).containsExactly(at);
            });
            valuesByPartition.forEach((p, values) -> assertThat(values).as("partition %d in send order", p).isSorted());
            Histories.assertNoAnomaly("[faults] replication faults", history.history());
            for (int id = 1; id <= 3; id++) {
                // a stop must not tear a follower append (an interrupted fetcher closed the segment's channel)
                assertThat(cluster.log(id)).as("node %d's log", id).doesNotContain("ClosedByInterruptException", "I/O error on the log");
            }
            log(t0, "done");
        }
    }

    // ------------------------------------------------------------------ the tools

    private JvmProcess startProducer() throws IOException {
        Path config = dir.resolve("producer.properties");
        Files.writeString(config, String.join("\n",
                "enable.idempotence=true",
                "retries=2147483647",
                "max.in.flight.requests.per.connection=5",
                "acks=all",
                "linger.ms=5",
                "retry.backoff.ms=50",
                "request.timeout.ms=10000",
                "delivery.timeout.ms=120000",
                "metadata.max.age.ms=5000"));
        JvmProcess p = JvmProcess.start(dir.resolve("producer.out"), dir.resolve("producer.err"), "org.apache.kafka.tools.VerifiableProducer",
                List.of("--bootstrap-server", cluster.bootstrap(), "--topic", TOPIC, "--throughput", "200", "--acks", "-1",
                        "--producer.config", config.toString()));
        tools.add(p);
        return p;
    }

    private JvmProcess startConsumer() throws IOException {
        Path config = dir.resolve("consumer.properties");
        Files.writeString(config, String.join("\n",
                "retry.backoff.ms=50",
                "request.timeout.ms=10000",
                "default.api.timeout.ms=30000",
                "metadata.max.age.ms=5000",
                "heartbeat.interval.ms=1000"));
        JvmProcess c = JvmProcess.start(dir.resolve("consumer.out"), dir.resolve("consumer.err"), "org.apache.kafka.tools.VerifiableConsumer",
                List.of("--bootstrap-server", cluster.bootstrap(), "--topic", TOPIC, "--group-id", GROUP, "--verbose",
                        "--session-timeout", "10000", "--reset-policy", "earliest", "--consumer.config", config.toString()));
        tools.add(c);
        return c;
    }

    /** The JSON events a tool printed so far (whole lines only). */
    static List<JsonNode> events(Path out) {
        List<JsonNode> events = new ArrayList<>();
        try {
            if (!Files.exists(out)) return events;
            String text = Files.readString(out);
            int end = text.lastIndexOf('\n');
            if (end < 0) return events;
            for (String line : text.substring(0, end).split("\n")) {
                if (line.startsWith("{")) events.add(JSON.readTree(line));
            }
            return events;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Set<String> consumedValues(List<JsonNode> events) {
        Set<String> out = new HashSet<>();
        for (JsonNode e : events) if (e.path("name").asText().equals("record_data")) out.add(e.path("value").asText());
        return out;
    }

    private int acked(JvmProcess producer) {
        int n = 0;
        for (JsonNode e : events(dir.resolve("producer.out"))) if (e.path("name").asText().equals("producer_send_success")) n++;
        return n;
    }

    private void awaitAcked(JvmProcess producer, int n) {
        ClusterHarness.await(WAIT, n + " records acknowledged (producer stderr tail: " + tail(dir.resolve("producer.err")) + ")", () -> {
            if (!producer.isAlive()) throw new AssertionError("the producer exited: " + tail(dir.resolve("producer.err")));
            return acked(producer) >= n;
        });
    }

    private static String tail(Path file) {
        try {
            String s = Files.exists(file) ? Files.readString(file) : "";
            return s.length() > 2000 ? s.substring(s.length() - 2000) : s;
        } catch (IOException e) {
            return "(unreadable)";
        }
    }

    private static void awaitNewLeader(Admin admin, int partition, int old) {
        ClusterHarness.await(WAIT, TOPIC + "-" + partition + " has a leader other than " + old, () -> {
            try {
                TopicPartitionInfo p = ReplicatedClusters.describe(admin, TOPIC, partition);
                return p.leader() != null && !p.leader().isEmpty() && p.leader().id() != old;
            } catch (Exception e) {
                return false;
            }
        });
    }

    private static void log(long t0, String what) {
        System.out.printf("[faults] %6.1f s: %s%n", (System.nanoTime() - t0) / 1e9, what);
    }
}
