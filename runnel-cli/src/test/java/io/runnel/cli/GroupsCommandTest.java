package io.runnel.cli;

import io.runnel.cli.EmbeddedBroker.Result;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code runnel groups} against an in-process broker, with groups made by the reference Java client: a
 * classic group and a KIP-848 consumer group, each with 3 partitions of 10 records and some committed offsets.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class GroupsCommandTest {
    private static final int PER_PARTITION = 10;

    @TempDir
    static Path dataDir;
    static EmbeddedBroker broker;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = EmbeddedBroker.start(dataDir);
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) broker.close();
    }

    /** Creates {@code topic} with 3 partitions through the CLI and writes PER_PARTITION records to each. */
    private static void topicWithRecords(String topic) throws Exception {
        Result created = broker.cli("topics", "--create", "--topic", topic, "--partitions", "3");
        assertThat(created.exitCode()).as(created.toString()).isZero();
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
            for (int partition = 0; partition < 3; partition++) {
                for (int i = 0; i < PER_PARTITION; i++) producer.send(new ProducerRecord<>(topic, partition, "k" + i, "v" + i)).get();
            }
        }
    }

    private static KafkaConsumer<String, String> consumer(String group, String clientId, String protocol) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        p.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, protocol);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        return new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer());
    }

    /** Polls until the consumer owns all 3 partitions of {@code topic} and has read every record. */
    private static void consumeAll(KafkaConsumer<String, String> c, String topic) {
        c.subscribe(List.of(topic));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        int read = 0;
        while (c.assignment().size() < 3 || read < 3 * PER_PARTITION) {
            assertThat(System.nanoTime()).as("consumer did not get its partitions and records in time").isLessThan(deadline);
            read += c.poll(Duration.ofMillis(100)).count();
        }
    }

    /** Commits offsets 4 (partition 0) and 10 (partition 1); partition 2 stays uncommitted. */
    private static void commitSome(KafkaConsumer<String, String> c, String topic) {
        c.commitSync(Map.of(new TopicPartition(topic, 0), new OffsetAndMetadata(4), new TopicPartition(topic, 1), new OffsetAndMetadata(10)));
    }

    /** Runs {@code args} until {@code ok} holds for the result (the broker's view may trail the client's). */
    private static Result eventually(Predicate<Result> ok, String... args) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        Result r = broker.cli(args);
        while (!ok.test(r) && System.nanoTime() < deadline) {
            Thread.sleep(200);
            r = broker.cli(args);
        }
        assertThat(ok).as(r.toString()).accepts(r);
        return r;
    }

    private static List<String> row(Result r, String topic, int partition) {
        return r.table("GROUP").stream().filter(x -> x.get(1).equals(topic) && x.get(2).equals(String.valueOf(partition))).findFirst()
                .orElseThrow(() -> new AssertionError("no row for " + topic + "-" + partition + " in\n" + r));
    }

    private static Map<TopicPartition, OffsetAndMetadata> committedByAdmin(String group) throws Exception {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        try (Admin admin = Admin.create(p)) {
            return new HashMap<>(admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS));
        }
    }

    @Test
    void classicGroupListDescribeResetDelete() throws Exception {
        String topic = "classic-orders", group = "classic-group";
        topicWithRecords(topic);
        KafkaConsumer<String, String> c = consumer(group, "classic-client", "classic");
        try {
            consumeAll(c, topic);
            commitSome(c, topic);
            String memberId = c.groupMetadata().memberId();

            Result list = broker.cli("groups", "--list");
            assertThat(list.exitCode()).as(list.toString()).isZero();
            assertThat(list.table("GROUP")).contains(List.of(group, "classic", "Stable"));

            Result d = eventually(r -> r.exitCode() == 0 && r.table("GROUP").size() == 3, "groups", "--describe", "--group", group);
            assertThat(d.out()).contains("CURRENT-OFFSET").contains("LOG-END-OFFSET").contains("CONSUMER-ID").contains("CLIENT-ID");
            // GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG CONSUMER-ID HOST CLIENT-ID
            assertThat(row(d, topic, 0)).containsExactly(group, topic, "0", "4", "10", "6", memberId, "/127.0.0.1", "classic-client");
            assertThat(row(d, topic, 1)).containsExactly(group, topic, "1", "10", "10", "0", memberId, "/127.0.0.1", "classic-client");
            assertThat(row(d, topic, 2)).containsExactly(group, topic, "2", "-", "10", "-", memberId, "/127.0.0.1", "classic-client");

            Result members = broker.cli("groups", "--describe", "--group", group, "--members", "--verbose");
            assertThat(members.exitCode()).as(members.toString()).isZero();
            assertThat(members.table("GROUP")).containsExactly(
                    List.of(group, memberId, "-", "/127.0.0.1", "classic-client", "3", topic + "(0,1,2)"));

            Result state = broker.cli("groups", "--describe", "--group", group, "--state");
            assertThat(state.exitCode()).as(state.toString()).isZero();
            assertThat(state.out()).contains("Stable").contains("range").contains(broker.bootstrap() + " (1)");

            // an active group can be neither deleted nor reset
            Result del = broker.cli("groups", "--delete", "--group", group);
            assertThat(del.exitCode()).as(del.toString()).isEqualTo(1);
            assertThat(del.err()).contains("NON_EMPTY_GROUP");
            Result reset = broker.cli("groups", "--reset-offsets", "--group", group, "--topic", topic, "--to-earliest", "--execute");
            assertThat(reset.exitCode()).as(reset.toString()).isEqualTo(1);
            assertThat(reset.err()).contains("inactive").contains("Stable");
        } finally {
            c.close(Duration.ofSeconds(10));
        }

        // the member left: offsets stay, nobody owns the partitions
        Result d = eventually(r -> r.exitCode() == 0 && r.out().contains("has no active members"), "groups", "--describe", "--group", group);
        assertThat(row(d, topic, 0)).containsExactly(group, topic, "0", "4", "10", "6", "-", "-", "-");
        assertThat(row(d, topic, 1)).containsExactly(group, topic, "1", "10", "10", "0", "-", "-", "-");
        assertThat(d.table("GROUP")).hasSize(2);

        // dry run (the default) changes nothing
        Result dry = broker.cli("groups", "--reset-offsets", "--group", group, "--topic", topic, "--to-earliest");
        assertThat(dry.exitCode()).as(dry.toString()).isZero();
        assertThat(dry.table("GROUP")).containsExactly(List.of(group, topic, "0", "0"), List.of(group, topic, "1", "0"), List.of(group, topic, "2", "0"));
        assertThat(dry.err()).contains("--execute");
        assertThat(committedByAdmin(group).get(new TopicPartition(topic, 0)).offset()).isEqualTo(4);

        Result reset = broker.cli("groups", "--reset-offsets", "--group", group, "--topic", topic, "--to-earliest", "--execute");
        assertThat(reset.exitCode()).as(reset.toString()).isZero();
        Map<TopicPartition, OffsetAndMetadata> committed = committedByAdmin(group);
        for (int p = 0; p < 3; p++) assertThat(committed.get(new TopicPartition(topic, p)).offset()).isZero();

        reset = broker.cli("groups", "--reset-offsets", "--group", group, "--topic", topic + ":1", "--to-offset", "7", "--execute");
        assertThat(reset.exitCode()).as(reset.toString()).isZero();
        assertThat(reset.table("GROUP")).containsExactly(List.of(group, topic, "1", "7"));
        reset = broker.cli("groups", "--reset-offsets", "--group", group, "--topic", topic + ":2", "--to-latest", "--execute");
        assertThat(reset.exitCode()).as(reset.toString()).isZero();
        reset = broker.cli("groups", "--reset-offsets", "--group", group, "--all-topics", "--shift-by", "2", "--execute");
        assertThat(reset.exitCode()).as(reset.toString()).isZero();
        // 0+2, 7+2, 10+2 kept at the log end
        assertThat(reset.table("GROUP")).containsExactly(List.of(group, topic, "0", "2"), List.of(group, topic, "1", "9"), List.of(group, topic, "2", "10"));
        committed = committedByAdmin(group);
        assertThat(committed.get(new TopicPartition(topic, 0)).offset()).isEqualTo(2);
        assertThat(committed.get(new TopicPartition(topic, 1)).offset()).isEqualTo(9);
        assertThat(committed.get(new TopicPartition(topic, 2)).offset()).isEqualTo(10);

        d = broker.cli("groups", "--describe", "--group", group);
        assertThat(row(d, topic, 0)).containsExactly(group, topic, "0", "2", "10", "8", "-", "-", "-");
        assertThat(row(d, topic, 1)).containsExactly(group, topic, "1", "9", "10", "1", "-", "-", "-");
        assertThat(row(d, topic, 2)).containsExactly(group, topic, "2", "10", "10", "0", "-", "-", "-");

        Result list = broker.cli("groups", "--list", "--state", "Empty");
        assertThat(list.table("GROUP")).contains(List.of(group, "classic", "Empty"));

        // empty now: deleted, and gone
        Result del = broker.cli("groups", "--delete", "--group", group);
        assertThat(del.exitCode()).as(del.toString()).isZero();
        assertThat(del.out()).contains("'" + group + "'").contains("successful");
        list = broker.cli("groups", "--list");
        assertThat(list.table("GROUP")).noneMatch(r -> r.get(0).equals(group));
        Result gone = broker.cli("groups", "--describe", "--group", group);
        assertThat(gone.exitCode()).as(gone.toString()).isEqualTo(1);
        assertThat(gone.err()).contains("GROUP_ID_NOT_FOUND").contains("does not exist");
        assertThat(committedByAdmin(group)).isEmpty();
    }

    @Test
    void consumerProtocolGroupIsDescribedWithItsAssignment() throws Exception {
        String topic = "kip848-orders", group = "kip848-group";
        topicWithRecords(topic);
        KafkaConsumer<String, String> c = consumer(group, "kip848-client", "consumer");
        try {
            consumeAll(c, topic);
            commitSome(c, topic);
            String memberId = c.groupMetadata().memberId();

            Result list = broker.cli("groups", "--list", "--type", "consumer");
            assertThat(list.exitCode()).as(list.toString()).isZero();
            assertThat(list.table("GROUP")).contains(List.of(group, "consumer", "Stable"));
            assertThat(list.table("GROUP")).allMatch(r -> r.get(1).equals("consumer"));

            // the broker's current assignment may trail the client's by a heartbeat
            Result d = eventually(r -> r.exitCode() == 0 && r.table("GROUP").size() == 3
                            && r.table("GROUP").stream().allMatch(x -> x.get(6).equals(memberId)),
                    "groups", "--describe", "--group", group);
            assertThat(row(d, topic, 0)).containsExactly(group, topic, "0", "4", "10", "6", memberId, "/127.0.0.1", "kip848-client");
            assertThat(row(d, topic, 1)).containsExactly(group, topic, "1", "10", "10", "0", memberId, "/127.0.0.1", "kip848-client");
            assertThat(row(d, topic, 2).subList(3, 9)).containsExactly("-", "10", "-", memberId, "/127.0.0.1", "kip848-client");

            Result state = broker.cli("groups", "--describe", "--group", group, "--state");
            assertThat(state.out()).contains("consumer").contains("Stable");

            Result del = broker.cli("groups", "--delete", "--group", group);
            assertThat(del.exitCode()).as(del.toString()).isEqualTo(1);
            assertThat(del.err()).contains("NON_EMPTY_GROUP");
        } finally {
            c.close(Duration.ofSeconds(10));
        }
        eventually(r -> r.exitCode() == 0 && r.out().contains("has no active members"), "groups", "--describe", "--group", group);
        Result reset = broker.cli("groups", "--reset-offsets", "--group", group, "--topic", topic, "--to-latest", "--execute");
        assertThat(reset.exitCode()).as(reset.toString()).isZero();
        Map<TopicPartition, OffsetAndMetadata> committed = committedByAdmin(group);
        for (int p = 0; p < 3; p++) assertThat(committed.get(new TopicPartition(topic, p)).offset()).isEqualTo(PER_PARTITION);
        Result del = broker.cli("groups", "--delete", "--group", group);
        assertThat(del.exitCode()).as(del.toString()).isZero();
    }

    @Test
    void unknownGroupsAndTopicsAreKafkaErrors() {
        Result d = broker.cli("groups", "--describe", "--group", "no-such-group");
        assertThat(d.exitCode()).as(d.toString()).isEqualTo(1);
        assertThat(d.err()).contains("GROUP_ID_NOT_FOUND");

        Result del = broker.cli("groups", "--delete", "--group", "no-such-group");
        assertThat(del.exitCode()).as(del.toString()).isEqualTo(1);
        assertThat(del.err()).contains("GROUP_ID_NOT_FOUND");

        Result reset = broker.cli("groups", "--reset-offsets", "--group", "no-such-group", "--topic", "no-such-topic", "--to-earliest");
        assertThat(reset.exitCode()).as(reset.toString()).isEqualTo(1);
        assertThat(reset.err()).contains("UNKNOWN_TOPIC_OR_PARTITION");
    }

    @Test
    void usageErrorsExitWith2() {
        assertThat(broker.cli("groups", "--describe").exitCode()).isEqualTo(2);
        assertThat(broker.cli("groups", "--list", "--describe").exitCode()).isEqualTo(2);
        assertThat(broker.cli("groups").exitCode()).isEqualTo(2);
        assertThat(broker.cli("groups", "--reset-offsets", "--group", "g", "--topic", "t").exitCode()).isEqualTo(2);
        assertThat(broker.cli("groups", "--reset-offsets", "--group", "g", "--to-earliest").exitCode()).isEqualTo(2);
        assertThat(broker.cli("groups", "--reset-offsets", "--group", "g", "--topic", "t", "--to-earliest", "--to-latest").exitCode()).isEqualTo(2);
        assertThat(broker.cli("groups", "--list", "--no-such-option").exitCode()).isEqualTo(2);
        Result r = EmbeddedBroker.run("groups", "--list", "--bootstrap-server", "no-port");
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("--bootstrap-server");
        assertThat(EmbeddedBroker.run("nonsense").exitCode()).isEqualTo(2);
        assertThat(EmbeddedBroker.run("groups", "--help").exitCode()).isZero();
    }
}
