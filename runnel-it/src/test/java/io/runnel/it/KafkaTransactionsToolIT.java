package io.runnel.it;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Apache Kafka's own {@code kafka-transactions.sh} ({@code org.apache.kafka.tools.TransactionsCommand}, kafka-tools
 * 4.1, in runnel-it only) against Runnel: list, describe and describe-producers show an open transaction, find-hanging
 * does not report it while its coordinator knows it, and abort ends it on its partition.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
@EnabledIfSystemProperty(named = "it.kafka.clients.version", matches = "4\\.1\\..*")
class KafkaTransactionsToolIT {
    @TempDir
    Path dir;
    private int runs;

    /** Runs kafka-transactions.sh with {@code args} in its own JVM; returns its output after asserting exit 0. */
    private String tool(TestBroker broker, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("--bootstrap-server", broker.bootstrap()));
        all.addAll(List.of(args));
        Path log = dir.resolve("tool-" + (++runs) + ".log");
        try (JvmProcess p = JvmProcess.start(log, "org.apache.kafka.tools.TransactionsCommand", all)) {
            assertThat(p.awaitExit(60_000)).as("kafka-transactions %s finished", all).isTrue();
            assertThat(p.exitCode()).as("kafka-transactions %s exit code; output:%n%s", all, p.log()).isZero();
            return p.log();
        }
    }

    /** The whitespace-separated cells of the output line whose first cell is {@code first}. */
    private static List<String> row(String output, String first) {
        return output.lines().map(l -> List.of(l.trim().split("\\s+"))).filter(c -> c.get(0).equals(first)).findFirst()
                .orElseThrow(() -> new AssertionError("no row starting with " + first + " in:\n" + output));
    }

    @Test
    void listDescribeFindHangingAndAbortAnOpenTransaction() throws Exception {
        TestBroker broker = TestBroker.start(dir.resolve("broker"));
        try {
            broker.createTopic("tool-txn", 1);
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
            p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "tool-open");
            p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, "120000");
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
                producer.initTransactions();
                producer.beginTransaction();
                for (int i = 0; i < 3; i++) producer.send(new ProducerRecord<>("tool-txn", 0, "k", "v" + i)).get();

                List<String> listed = row(tool(broker, "list"), "tool-open");
                assertThat(listed.get(3)).isEqualTo("Ongoing");
                String producerId = listed.get(2);

                List<String> described = row(tool(broker, "describe", "--transactional-id", "tool-open"), "1");
                assertThat(described).contains("tool-open", producerId, "Ongoing", "tool-txn-0");

                List<String> producers = row(tool(broker, "describe-producers", "--topic", "tool-txn", "--partition", "0"), producerId);
                assertThat(producers.get(producers.size() - 1)).as("CurrentTransactionStartOffset").isEqualTo("0");

                String hanging = tool(broker, "find-hanging", "--broker-id", "1");
                assertThat(hanging.lines().filter(l -> l.startsWith("tool-txn"))).as(hanging).isEmpty();

                tool(broker, "abort", "--topic", "tool-txn", "--partition", "0", "--start-offset", "0");
                List<String> after = row(tool(broker, "describe-producers", "--topic", "tool-txn", "--partition", "0"), producerId);
                assertThat(after.get(after.size() - 1)).as("CurrentTransactionStartOffset after abort").isEqualTo("None");
                producer.close(Duration.ZERO);
            }
        } finally {
            broker.close();
        }
    }
}
