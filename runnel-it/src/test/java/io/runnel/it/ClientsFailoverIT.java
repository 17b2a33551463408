package io.runnel.it;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Non-Java clients across a leader failover in a three-process cluster (replication factor 3, min.insync.replicas 2):
 * kcat, confluent-kafka-python and kafkajs each produce with acks=all (idempotent) while a reader of the same client
 * follows the partition, and the partition's leader is killed with SIGKILL a second into the run. Every acknowledged
 * value is read back by the client's own reader and is in the log exactly once.
 *
 * <p>Slow (separate JVMs): kafka-clients 4.1 only.
 */
@EnabledIfSystemProperty(named = "it.kafka.clients.version", matches = "4\\.1\\..*")
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ClientsFailoverIT {
    private static final int COUNT = 300;
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    static Path dir;
    static ClusterHarness cluster;
    static Admin admin;

    @BeforeAll
    static void start() {
        System.out.println("[clients-failover] logs in " + dir);
        cluster = ClusterHarness.create(ClusterHarness.Mode.PROCESS, dir, 3, ReplicatedClusters.clusterConfig()).startAll();
        admin = Clients.admin(cluster.bootstrap());
        ReplicatedClusters.awaitBrokers(admin, 3);
    }

    @AfterAll
    static void stop() {
        if (admin != null) admin.close();
        if (cluster != null) cluster.close();
    }

    /** The node killed by a test is back and every replica of the test's topic in sync before the next test. */
    @AfterEach
    void restartKilled() {
        for (int id = 1; id <= 3; id++) if (!cluster.running(id)) cluster.start(id);
        ReplicatedClusters.awaitBrokers(admin, 3);
    }

    private static String createTopic(String topic) throws Exception {
        admin.createTopics(List.of(new NewTopic(topic, 1, (short) 3).configs(Map.of("min.insync.replicas", "2"))))
                .all().get(30, TimeUnit.SECONDS);
        ReplicatedClusters.awaitFullIsr(admin, topic);
        // the leader has applied the topic (Admin retries UNKNOWN_TOPIC_OR_PARTITION): a node restarted by the test
        // before can lag a second behind the controller, and librdkafka resets a consumer asked to start at the
        // beginning to the END when its first offset query fails, so it would skip what is produced meanwhile
        // listOffsets fails at once (no retry) when the node it asks for metadata has not applied the topic yet
        ClusterHarness.await(WAIT, topic + " known to every node the admin client asks", () -> {
            try {
                admin.listOffsets(Map.of(new org.apache.kafka.common.TopicPartition(topic, 0),
                        org.apache.kafka.clients.admin.OffsetSpec.earliest())).all().get(30, TimeUnit.SECONDS);
                return true;
            } catch (java.util.concurrent.ExecutionException e) {
                if (e.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException) return false;
                throw new IllegalStateException(e);
            } catch (InterruptedException | java.util.concurrent.TimeoutException e) {
                throw new IllegalStateException(e);
            }
        });
        return topic;
    }

    /** Kills the leader of {@code topic}-0 and waits for another to be elected; the killed node's id. */
    private static int killLeader(String topic) throws Exception {
        int leader = ReplicatedClusters.describe(admin, topic, 0).leader().id();
        System.out.println("[clients-failover] " + topic + ": killing leader " + leader);
        cluster.kill(leader);
        ClusterHarness.await(WAIT, topic + " has a new leader", () -> {
            try {
                var p = ReplicatedClusters.describe(admin, topic, 0);
                return p.leader() != null && !p.leader().isEmpty() && p.leader().id() != leader;
            } catch (Exception e) {
                return false;
            }
        });
        return leader;
    }

    @Test
    void confluentKafkaPython() throws Exception {
        String topic = createTopic("py-failover");
        Path script = resource("failover_client.py");
        runScripted(topic, new ProcessBuilder("/usr/bin/python3", script.toString(), cluster.bootstrap(), topic, Integer.toString(COUNT)));
    }

    @Test
    void kafkajs() throws Exception {
        String topic = createTopic("js-failover");
        Path modules = KafkajsIT.installKafkajs();
        Path script = resource("failover_client.js");
        ProcessBuilder pb = new ProcessBuilder("node", script.toString(), cluster.bootstrap(), topic, Integer.toString(COUNT));
        pb.environment().put("NODE_PATH", modules.toString());
        runScripted(topic, pb);
    }

    /** A client script that prints "acked V", "consumed V" and finally "done": killed leader one second in. */
    private static void runScripted(String topic, ProcessBuilder pb) throws Exception {
        Path out = dir.resolve(topic + ".out");
        // the client's library logs to stderr: kept apart, so that its lines cannot land inside a "consumed V" line
        Path err = dir.resolve(topic + ".err");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try {
            ClusterHarness.await(WAIT, topic + ": the client's first acknowledgements", () -> lines(out, "acked ").size() >= 50);
            killLeader(topic);
            assertThat(p.waitFor(150, TimeUnit.SECONDS)).as("the client finished; output:\n%s\nstderr:\n%s", read(out), read(err)).isTrue();
        } finally {
            p.destroyForcibly();
        }
        Set<String> acked = lines(out, "acked ");
        Set<String> consumed = lines(out, "consumed ");
        System.out.println("[clients-failover] " + topic + ": " + acked.size() + " acknowledged, " + lines(out, "failed ").size()
                + " failed, " + consumed.size() + " consumed");
        assertThat(p.exitValue()).as("exit code; output:\n%s\nstderr:\n%s", read(out), read(err)).isZero();
        assertThat(read(out)).as("the client read back every acknowledged value").contains("\ndone\n");
        assertThat(acked.size()).as("acknowledged values").isGreaterThan(COUNT / 2);
        assertThat(consumed).containsAll(acked);
        assertOnceInLog(topic, acked);
    }

    @Test
    void kcat() throws Exception {
        String topic = createTopic("kcat-failover");
        Path consumedFile = dir.resolve(topic + ".consumed");
        Path consumerErr = dir.resolve(topic + ".consumer.err");
        ProcessBuilder consumerCommand = new ProcessBuilder("kcat", "-b", cluster.bootstrap(), "-C", "-t", topic, "-p", "0",
                "-o", "beginning", "-c", Integer.toString(COUNT), "-f", "%s\\n", "-X", "topic.metadata.refresh.interval.ms=2000")
                .redirectOutput(consumedFile.toFile()).redirectError(consumerErr.toFile());
        Process consumer = consumerCommand.start();
        // kcat -C gives up at once when the node it asks has not applied the topic just created yet ("Unknown topic or
        // partition", as against Kafka; a node restarted by the test before can lag a second or two): a user would
        // start it again after a moment. kcat fails within ~0.1 s, so pause between attempts: 20 of them span >= 10 s.
        for (int attempt = 0; consumer.waitFor(1, TimeUnit.SECONDS) && read(consumerErr).contains("Unknown topic"); attempt++) {
            assertThat(attempt).as("kcat -C found the topic; stderr:\n%s", read(consumerErr)).isLessThan(20);
            Thread.sleep(500);
            consumer = consumerCommand.start();
        }
        Path producerErr = dir.resolve(topic + ".producer.err");
        Process producer = new ProcessBuilder("kcat", "-b", cluster.bootstrap(), "-P", "-t", topic, "-p", "0",
                "-X", "acks=all", "-X", "enable.idempotence=true", "-X", "message.timeout.ms=60000", "-X", "linger.ms=5")
                .redirectError(producerErr.toFile()).start();
        List<String> sent = new ArrayList<>();
        try {
            try (OutputStream in = producer.getOutputStream()) {
                for (int i = 0; i < COUNT; i++) {
                    String v = "kcat-" + i;
                    in.write((v + "\n").getBytes(StandardCharsets.UTF_8));
                    in.flush();
                    sent.add(v);
                    if (i == COUNT / 3) killLeader(topic);
                    Thread.sleep(10);
                }
            }
            assertThat(producer.waitFor(120, TimeUnit.SECONDS)).as("kcat -P finished; stderr:\n%s", read(producerErr)).isTrue();
            // kcat -P exits non-zero when a message could not be delivered: then it was not acknowledged
            assertThat(producer.exitValue()).as("kcat -P delivered every message; stderr:\n%s", read(producerErr)).isZero();
            assertThat(consumer.waitFor(120, TimeUnit.SECONDS)).as("kcat -C read %d messages; stderr:\n%s", COUNT, read(consumerErr)).isTrue();
        } finally {
            producer.destroyForcibly();
            consumer.destroyForcibly();
        }
        List<String> consumed = Files.readAllLines(consumedFile);
        System.out.println("[clients-failover] " + topic + ": " + sent.size() + " acknowledged, " + consumed.size() + " consumed");
        assertThat(consumed).as("kcat -C read every value once, in order; its stderr:\n%s", read(consumerErr))
                .containsExactlyElementsOf(sent);
        assertOnceInLog(topic, new LinkedHashSet<>(sent));
    }

    /**
     * Every value of {@code acked} is in the partition's log exactly once: kafka-clients reads from the beginning until
     * it has seen them all (a new leader's high watermark may trail the old one's for a moment, so no fixed end).
     */
    private static void assertOnceInLog(String topic, Set<String> acked) {
        TopicPartition tp = new TopicPartition(topic, 0);
        Map<String, Long> offsetOf = new java.util.HashMap<>();
        try (var c = Clients.consumer(cluster.bootstrap())) {
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long deadline = System.nanoTime() + WAIT.toNanos();
            long quietUntil = Long.MAX_VALUE; // once all are seen, read a second more so that duplicates show
            while (System.nanoTime() < Math.min(deadline, quietUntil)) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    String v = new String(r.value(), StandardCharsets.UTF_8);
                    Long before = offsetOf.put(v, r.offset());
                    assertThat(before).as("%s is in the log once (offsets %s and %d)", v, before, r.offset()).isNull();
                }
                if (quietUntil == Long.MAX_VALUE && offsetOf.keySet().containsAll(acked)) quietUntil = System.nanoTime() + 1_000_000_000L;
            }
        }
        assertThat(offsetOf.keySet()).containsAll(acked);
    }

    private static Set<String> lines(Path out, String prefix) {
        Set<String> s = new LinkedHashSet<>();
        for (String line : read(out).split("\n")) if (line.startsWith(prefix)) s.add(line.substring(prefix.length()).split(" ")[0]);
        return s;
    }

    private static String read(Path f) {
        try {
            return Files.exists(f) ? Files.readString(f) : "";
        } catch (java.io.IOException e) {
            return "(unreadable)";
        }
    }

    private static Path resource(String name) throws Exception {
        Path script = dir.resolve(name);
        try (InputStream in = ClientsFailoverIT.class.getResourceAsStream("/" + name)) {
            assertThat(in).as("%s on the test classpath", name).isNotNull();
            Files.copy(in, script, StandardCopyOption.REPLACE_EXISTING);
        }
        return script;
    }
}
