package io.runnel.cli;

import io.runnel.cli.EmbeddedBroker.Result;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code runnel transactions} against an in-process broker, with transactions made by the reference Java
 * producer: list, describe and describe-producers show an open transaction; find-hanging does not report it
 * while its coordinator knows it; abort ends it on the partition, so a read_committed consumer gets past it.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class TransactionsCommandTest {
    @TempDir
    static Path dataDir;
    static EmbeddedBroker broker;
    static int brokerId;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = EmbeddedBroker.start(dataDir);
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        try (Admin admin = Admin.create(p)) {
            brokerId = admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).iterator().next().id();
        }
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) broker.close();
    }

    private static KafkaProducer<String, String> transactionalProducer(String transactionalId) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, "120000");
        return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }

    private static Result ok(String... args) {
        Result r = broker.cli(args);
        assertThat(r.exitCode()).as(r.toString()).isZero();
        return r;
    }

    @Test
    void openTransactionIsListedDescribedAndAbortedOnItsPartition() throws Exception {
        String topic = "txn-cli";
        ok("topics", "--create", "--topic", topic, "--partitions", "1");
        try (KafkaProducer<String, String> producer = transactionalProducer("cli-open")) {
            producer.initTransactions();
            producer.beginTransaction();
            for (int i = 0; i < 3; i++) producer.send(new ProducerRecord<>(topic, 0, "k" + i, "v" + i)).get();

            Result list = ok("transactions", "list");
            assertThat(list.table("TransactionalId")).anySatisfy(row -> {
                assertThat(row.get(0)).isEqualTo("cli-open");
                assertThat(row.get(1)).isEqualTo(Integer.toString(brokerId));
                assertThat(row.get(3)).isEqualTo("Ongoing");
            });
            Result filtered = ok("transactions", "list", "--states", "CompleteCommit");
            assertThat(filtered.table("TransactionalId")).noneSatisfy(row -> assertThat(row.get(0)).isEqualTo("cli-open"));

            Result describe = ok("transactions", "describe", "--transactional-id", "cli-open");
            List<String> d = describe.table("CoordinatorId").get(0);
            assertThat(d.get(1)).isEqualTo("cli-open");
            assertThat(d.get(4)).isEqualTo("Ongoing");
            assertThat(d.get(d.size() - 1)).isEqualTo(topic + "-0");
            long producerId = Long.parseLong(d.get(2));

            Result producers = ok("transactions", "describe-producers", "--topic", topic, "--partition", "0");
            assertThat(producers.table("ProducerId")).anySatisfy(row -> {
                assertThat(row.get(0)).isEqualTo(Long.toString(producerId));
                assertThat(row.get(5)).isEqualTo("0");
            });

            // the coordinator lists it: not hanging, however old
            Result hanging = ok("transactions", "find-hanging", "--broker-id", Integer.toString(brokerId), "--max-transaction-timeout", "0");
            assertThat(hanging.table("Topic")).isEmpty();

            Result abort = ok("transactions", "abort", "--topic", topic, "--partition", "0", "--start-offset", "0");
            assertThat(abort.out()).contains("producer " + producerId);
            Result after = ok("transactions", "describe-producers", "--topic", topic, "--partition", "0");
            assertThat(after.table("ProducerId")).allSatisfy(row -> assertThat(row.get(5)).isEqualTo("None"));

            // the partition's transaction is over: read_committed reads past it and sees none of its records
            try (KafkaProducer<String, String> plain = new KafkaProducer<>(plainProps(), new StringSerializer(), new StringSerializer())) {
                plain.send(new ProducerRecord<>(topic, 0, "after", "after")).get();
            }
            List<String> seen = readCommitted(topic, "after");
            assertThat(seen).containsExactly("after");
            producer.close(Duration.ZERO);
        }
    }

    @Test
    void usageErrors() {
        assertThat(broker.cli("transactions", "abort", "--topic", "t", "--partition", "0").exitCode()).isEqualTo(CliMain.USAGE);
        assertThat(broker.cli("transactions", "abort", "--topic", "t", "--partition", "0", "--start-offset", "1",
                "--producer-id", "5").exitCode()).isEqualTo(CliMain.USAGE);
        assertThat(broker.cli("transactions", "describe").exitCode()).isEqualTo(CliMain.USAGE);
        assertThat(broker.cli("transactions", "list", "--producer-ids", "x").exitCode()).isEqualTo(CliMain.USAGE);
        Result unknown = broker.cli("transactions", "describe", "--transactional-id", "never-used");
        assertThat(unknown.exitCode()).as(unknown.toString()).isEqualTo(CliMain.ERROR);
        assertThat(unknown.err()).contains("TRANSACTIONAL_ID_NOT_FOUND");
    }

    private static Properties plainProps() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        return p;
    }

    /** The values a read_committed consumer reads from partition 0 until it sees {@code last}. */
    private static List<String> readCommitted(String topic, String last) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<String> seen = new ArrayList<>();
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!seen.contains(last) && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) seen.add(r.value());
            }
        }
        return seen;
    }
}
