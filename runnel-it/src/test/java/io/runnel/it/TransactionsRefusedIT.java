package io.runnel.it;

import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.FindCoordinatorRequest;
import io.runnel.protocol.message.FindCoordinatorResponse;
import io.runnel.protocol.message.InitProducerIdRequest;
import io.runnel.protocol.message.InitProducerIdResponse;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * Transactions are not served yet, and a transactional client must learn it at once: kafka-clients'
 * {@code initTransactions()} fails within seconds (not after max.block.ms) with an exception that says
 * why, and confluent-kafka-python's {@code init_transactions(10)} raises a fatal, non-retriable error
 * promptly. The refusal on the wire: FindCoordinator for a transactional id at every version, and
 * InitProducerId with a transactional id.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TransactionsRefusedIT {
    /** Far longer than the refusal may take: a client that retries would hit it. */
    private static final int MAX_BLOCK_MS = 60_000;
    /** CLUSTER_AUTHORIZATION_FAILED: final for kafka-clients and librdkafka alike (see TransactionsRefusal). */
    private static final short REFUSED = 31;

    @TempDir
    static Path dir;
    static TestBroker broker;

    @BeforeAll
    static void start() {
        broker = TestBroker.start(dir.resolve("broker"));
        broker.createTopic("txn", 1);
    }

    @AfterAll
    static void stop() {
        if (broker != null) broker.close();
    }

    @Test
    void javaInitTransactionsFailsAtOnceWithAClearError() throws Exception {
        try (KafkaProducer<byte[], byte[]> p = Clients.producer(broker.bootstrap(), Map.of(
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, "java-tx",
                ProducerConfig.MAX_BLOCK_MS_CONFIG, MAX_BLOCK_MS))) {
            long t0 = System.nanoTime();
            Throwable thrown = catchThrowable(p::initTransactions);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            System.out.printf("kafka-clients %s initTransactions() failed after %d ms: %s%n", Clients.kafkaVersion(), ms, thrown);
            assertThat(thrown).as("initTransactions() against a broker without transactions").isInstanceOf(KafkaException.class);
            assertThat(thrown).hasMessageContaining("Transactions are not supported by this broker");
            assertThat(ms).as("initTransactions() failed after %d ms (max.block.ms %d)", ms, MAX_BLOCK_MS).isLessThan(15_000);
            // the error is fatal: the producer does not try again
            assertThat(catchThrowable(p::initTransactions)).isInstanceOf(KafkaException.class);
        }
        // idempotent producers (no transactional.id) are still served
        try (KafkaProducer<byte[], byte[]> p = Clients.producer(broker.bootstrap(), Map.of(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true))) {
            assertThat(p.send(new ProducerRecord<>("txn", "still works".getBytes(StandardCharsets.UTF_8))).get().offset()).isZero();
        }
    }

    @Test
    void librdkafkaInitTransactionsRaisesAFatalErrorPromptly() throws Exception {
        Path script = dir.resolve("txn_init.py");
        try (InputStream in = TransactionsRefusedIT.class.getResourceAsStream("/txn_init.py")) {
            assertThat(in).as("script on the test classpath").isNotNull();
            Files.copy(in, script, StandardCopyOption.REPLACE_EXISTING);
        }
        Path err = dir.resolve("txn_init.err");
        // Debian installs confluent-kafka for the system interpreter
        Process p = new ProcessBuilder("/usr/bin/python3", script.toString(), broker.bootstrap(), "python-tx", "10")
                .redirectError(err.toFile()).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("python finished; stderr:\n%s", Files.readString(err)).isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(p.exitValue()).as("exit status; stdout %s; stderr:\n%s", out, Files.readString(err)).isZero();
        Properties r = new Properties();
        r.load(new StringReader(out));
        System.out.printf("confluent-kafka-python init_transactions(10): %s%n", r);
        assertThat(r.getProperty("raised")).as("init_transactions(10) raised: %s", r).isEqualTo("True");
        assertThat(r.getProperty("fatal")).as("fatal: %s", r).isEqualTo("True");
        assertThat(r.getProperty("retriable")).as("retriable: %s", r).isEqualTo("False");
        assertThat(r.getProperty("message")).contains("Transactions are not supported by this broker");
        assertThat(Double.parseDouble(r.getProperty("seconds"))).as("seconds until init_transactions(10) raised: %s", r).isLessThan(8.0);
    }

    @Test
    void findCoordinatorRefusesTransactionalIdsAtEveryVersion() throws Exception {
        try (RawClient c = new RawClient(broker.port())) {
            for (short v = ApiKeys.FIND_COORDINATOR.lowestVersion; v <= ApiKeys.FIND_COORDINATOR.highestVersion; v++) {
                if (v == 0) continue; // v0 has no key type: it looks up groups only
                FindCoordinatorRequest req = new FindCoordinatorRequest();
                req.keyType = 1;
                if (v >= 4) req.coordinatorKeys = List.of("raw-tx");
                else req.key = "raw-tx";
                c.send(ApiKeys.FIND_COORDINATOR, v, 10 + v, req);
                FindCoordinatorResponse r = c.<FindCoordinatorResponse>receive(ApiKeys.FIND_COORDINATOR, v).body();
                short error = v >= 4 ? r.coordinators.get(0).errorCode : r.errorCode;
                String message = v >= 4 ? r.coordinators.get(0).errorMessage : r.errorMessage;
                int node = v >= 4 ? r.coordinators.get(0).nodeId : r.nodeId;
                assertThat(error).as("FindCoordinator v%d error", v).isEqualTo(REFUSED);
                assertThat(message).as("FindCoordinator v%d message", v).contains("Transactions are not supported");
                assertThat(node).isEqualTo(-1);
            }
            // a group lookup on the same connection is unaffected (COORDINATOR_NOT_AVAILABLE until the
            // first lookup has created __consumer_offsets)
            FindCoordinatorRequest group = new FindCoordinatorRequest();
            group.keyType = 0;
            group.coordinatorKeys = List.of("a-group");
            short error = -1;
            for (long deadline = System.currentTimeMillis() + 30_000; error != 0 && System.currentTimeMillis() < deadline; ) {
                c.send(ApiKeys.FIND_COORDINATOR, (short) 4, 99, group);
                error = c.<FindCoordinatorResponse>receive(ApiKeys.FIND_COORDINATOR, (short) 4).body().coordinators.get(0).errorCode;
                if (error != 0) Thread.sleep(100);
            }
            assertThat(error).as("group coordinator lookup").isZero();
        }
    }

    @Test
    void initProducerIdRefusesTransactionalIds() throws Exception {
        try (RawClient c = new RawClient(broker.port())) {
            InitProducerIdRequest req = new InitProducerIdRequest();
            req.transactionalId = "raw-tx";
            req.transactionTimeoutMs = 60_000;
            req.producerId = -1;
            req.producerEpoch = -1;
            c.send(ApiKeys.INIT_PRODUCER_ID, (short) 4, 1, req);
            InitProducerIdResponse r = c.<InitProducerIdResponse>receive(ApiKeys.INIT_PRODUCER_ID, (short) 4).body();
            assertThat(r.errorCode).as("InitProducerId with a transactional id").isEqualTo((short) 35);
            assertThat(r.producerId).isEqualTo(-1);
        }
    }
}
