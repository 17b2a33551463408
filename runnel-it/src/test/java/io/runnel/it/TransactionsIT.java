package io.runnel.it;

import io.runnel.checker.HistoryRecorder;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.ApiMessage;
import io.runnel.protocol.message.AddPartitionsToTxnRequest;
import io.runnel.protocol.message.AddPartitionsToTxnResponse;
import io.runnel.protocol.message.FindCoordinatorRequest;
import io.runnel.protocol.message.FindCoordinatorResponse;
import io.runnel.protocol.message.InitProducerIdRequest;
import io.runnel.protocol.message.InitProducerIdResponse;
import io.runnel.protocol.message.ProduceRequest;
import io.runnel.protocol.message.ProduceResponse;
import io.runnel.record.CompressionType;
import io.runnel.record.MemoryRecords;
import io.runnel.record.RecordBatchBuilder;
import io.runnel.record.TimestampType;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.FeatureUpdate;
import org.apache.kafka.clients.admin.UpdateFeaturesOptions;
import org.apache.kafka.clients.admin.ListTransactionsOptions;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.InvalidUpdateVersionException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TransactionalIdNotFoundException;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * Transactions with kafka-clients against a real broker: commit and abort seen by read_committed and
 * read_uncommitted consumers, read-process-write with {@code sendOffsetsToTransaction}, zombie fencing, a stale
 * group generation refused, the coordinator aborting a transaction that outlived its timeout, the Admin client's
 * listTransactions/describeTransactions, and a broker restart in the middle of a transaction. Every run that
 * produces and consumes goes through the history checker, which must report no anomaly.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class TransactionsIT {
    @TempDir
    static Path dir;
    static TestBroker broker;

    @BeforeAll
    static void start() {
        // abort timed-out transactions every 500 ms (Kafka's default is 10 s) so the timeout test is quick
        broker = TestBroker.start(dir.resolve("broker"), Map.of("transaction.abort.timed.out.transaction.cleanup.interval.ms", "500"));
    }

    @AfterAll
    static void stop() {
        if (broker != null) broker.close();
    }

    private static KafkaProducer<byte[], byte[]> txnProducer(String bootstrap, String id, Map<String, Object> extra) {
        Map<String, Object> p = new HashMap<>(Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, id));
        p.putAll(extra);
        return Clients.producer(bootstrap, p);
    }

    private static KafkaConsumer<byte[], byte[]> reader(String bootstrap, boolean readCommitted) {
        return Clients.consumer(bootstrap, Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, readCommitted ? "read_committed" : "read_uncommitted"));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String str(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    /** Sends in the producer's open transaction and records the acknowledged offsets under {@code txn}. */
    private static void send(KafkaProducer<byte[], byte[]> p, HistoryRecorder h, String process, String txn, String topic,
                             List<String> values) throws Exception {
        List<java.util.concurrent.Future<RecordMetadata>> fs = new ArrayList<>();
        for (String v : values) fs.add(p.send(new ProducerRecord<>(topic, bytes(v))));
        p.flush();
        for (int i = 0; i < values.size(); i++) {
            RecordMetadata md = fs.get(i).get(30, TimeUnit.SECONDS);
            h.sendOk(process, txn, topic, md.partition(), md.offset(), values.get(i));
        }
    }

    /** Reads every partition of {@code topic} from the start to its end offset for that isolation level, recording polls. */
    private static List<String> readAll(String bootstrap, String topic, int partitions, boolean readCommitted, HistoryRecorder h,
                                        String process) {
        List<TopicPartition> tps = new ArrayList<>();
        for (int i = 0; i < partitions; i++) tps.add(new TopicPartition(topic, i));
        List<String> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = reader(bootstrap, readCommitted)) {
            c.assign(tps);
            c.seekToBeginning(tps);
            Map<TopicPartition, Long> ends = c.endOffsets(tps, Duration.ofSeconds(30));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline) {
                boolean done = true;
                for (TopicPartition tp : tps) if (c.position(tp, Duration.ofSeconds(30)) < ends.get(tp)) done = false;
                if (done) break;
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    out.add(str(r.value()));
                    if (h != null) h.poll(process, null, readCommitted, r.topic(), r.partition(), r.offset(), str(r.value()));
                }
            }
        }
        return out;
    }

    private static void assertNoAnomaly(HistoryRecorder h) {
        Histories.assertNoAnomaly("history checker", h.history());
    }

    @Test
    void commitAndAbortAsSeenByBothIsolationLevels() throws Exception {
        String topic = "txn-basic";
        broker.createTopic(topic, 2);
        HistoryRecorder h = new HistoryRecorder();
        try (KafkaProducer<byte[], byte[]> p = txnProducer(broker.bootstrap(), "basic", Map.of())) {
            p.initTransactions();
            p.beginTransaction();
            send(p, h, "producer", "t1", topic, List.of("c1", "c2", "c3"));
            p.commitTransaction();
            h.commit("producer", "t1");
            p.beginTransaction();
            send(p, h, "producer", "t2", topic, List.of("a1", "a2"));
            p.abortTransaction();
            h.abort("producer", "t2");
            p.beginTransaction();
            send(p, h, "producer", "t3", topic, List.of("c4"));
            p.commitTransaction();
            h.commit("producer", "t3");
        }
        List<String> committed = readAll(broker.bootstrap(), topic, 2, true, h, "rc");
        List<String> uncommitted = readAll(broker.bootstrap(), topic, 2, false, h, "ru");
        assertThat(committed).containsExactlyInAnyOrder("c1", "c2", "c3", "c4");
        assertThat(uncommitted).containsExactlyInAnyOrder("c1", "c2", "c3", "a1", "a2", "c4");
        assertNoAnomaly(h);
    }

    @Test
    void readProcessWriteWithSendOffsetsToTransaction() throws Exception {
        String in = "rpw-in", out = "rpw-out", group = "rpw-group";
        broker.createTopic(in, 2);
        broker.createTopic(out, 2);
        HistoryRecorder h = new HistoryRecorder();
        int n = 60;
        try (KafkaProducer<byte[], byte[]> plain = Clients.producer(broker.bootstrap())) {
            for (int i = 0; i < n; i++) {
                RecordMetadata md = plain.send(new ProducerRecord<>(in, i % 2, null, bytes("in-" + i))).get(30, TimeUnit.SECONDS);
                h.sendOk("input", null, in, md.partition(), md.offset(), "in-" + i);
            }
        }
        Set<String> copied = new HashSet<>();
        int txnNo = 0;
        try (KafkaProducer<byte[], byte[]> p = txnProducer(broker.bootstrap(), "rpw", Map.of());
             KafkaConsumer<byte[], byte[]> c = Clients.consumer(broker.bootstrap(), Map.of(
                     ConsumerConfig.GROUP_ID_CONFIG, group, ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                     ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 7))) {
            p.initTransactions();
            c.subscribe(List.of(in));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (copied.size() < n && System.nanoTime() < deadline) {
                ConsumerRecords<byte[], byte[]> recs = c.poll(Duration.ofMillis(200));
                if (recs.isEmpty()) continue;
                String txn = "rpw-" + (txnNo++);
                boolean abort = txnNo % 3 == 0;
                p.beginTransaction();
                Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
                List<String> values = new ArrayList<>();
                for (ConsumerRecord<byte[], byte[]> r : recs) {
                    h.poll("copier", txn, true, r.topic(), r.partition(), r.offset(), str(r.value()));
                    values.add("out-" + str(r.value()) + (abort ? "-aborted-" + txnNo : ""));
                    offsets.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
                }
                send(p, h, "copier", txn, out, values);
                p.sendOffsetsToTransaction(offsets, c.groupMetadata());
                if (abort) {
                    p.abortTransaction();
                    h.abort("copier", txn);
                    // reprocess: rewind to the committed offsets, as a read-process-write loop does after an abort
                    h.reset("copier");
                    Map<TopicPartition, OffsetAndMetadata> committed = c.committed(c.assignment());
                    for (TopicPartition tp : c.assignment()) {
                        OffsetAndMetadata o = committed.get(tp);
                        c.seek(tp, o == null ? 0 : o.offset());
                    }
                } else {
                    p.commitTransaction();
                    h.commit("copier", txn);
                    for (ConsumerRecord<byte[], byte[]> r : recs) copied.add(str(r.value()));
                }
            }
        }
        assertThat(copied).hasSize(n);
        List<String> output = readAll(broker.bootstrap(), out, 2, true, h, "verifier");
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < n; i++) expected.add("out-in-" + i);
        assertThat(output).containsExactlyInAnyOrderElementsOf(expected);
        try (Admin admin = Clients.admin(broker.bootstrap())) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            long total = committed.values().stream().mapToLong(OffsetAndMetadata::offset).sum();
            assertThat(total).as("the group's committed offsets cover every input record once").isEqualTo(n);
        }
        assertNoAnomaly(h);
    }

    /** confluent-kafka-python (librdkafka 2.0) commits and aborts; its read_committed consumer skips the aborted record. */
    @Test
    void confluentKafkaPythonCommitsAndAborts() throws Exception {
        String topic = "txn-python";
        broker.createTopic(topic, 1);
        Path script = dir.resolve("txn_client.py");
        try (java.io.InputStream in = TransactionsIT.class.getResourceAsStream("/txn_client.py")) {
            assertThat(in).as("script on the test classpath").isNotNull();
            java.nio.file.Files.copy(in, script, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        Path err = dir.resolve("txn_client.err");
        // Debian installs confluent-kafka for the system interpreter
        Process p = new ProcessBuilder("/usr/bin/python3", script.toString(), broker.bootstrap(), topic, "python-tx")
                .redirectError(err.toFile()).start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("python finished; stderr:\n%s", java.nio.file.Files.readString(err)).isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        System.out.printf("confluent-kafka-python transactions: %s%n", out);
        java.util.Properties r = new java.util.Properties();
        r.load(new java.io.StringReader(out));
        assertThat(r.getProperty("error")).as("stdout %s; stderr:\n%s", out, java.nio.file.Files.readString(err)).isNull();
        assertThat(r.getProperty("committed")).isEqualTo("c1,c2,c3");
        assertThat(r.getProperty("uncommitted")).isEqualTo("c1,c2,a1,c3");
        // the same topic read by kafka-clients under read_committed
        assertThat(readAll(broker.bootstrap(), topic, 1, true, null, "rc")).containsExactly("c1", "c2", "c3");
    }

    @Test
    void aSecondProducerWithTheSameIdFencesTheFirst() throws Exception {
        String topic = "txn-zombie";
        broker.createTopic(topic, 1);
        HistoryRecorder h = new HistoryRecorder();
        try (KafkaProducer<byte[], byte[]> zombie = txnProducer(broker.bootstrap(), "zombie", Map.of());
             KafkaProducer<byte[], byte[]> successor = txnProducer(broker.bootstrap(), "zombie", Map.of())) {
            zombie.initTransactions();
            zombie.beginTransaction();
            send(zombie, h, "zombie", "z1", topic, List.of("zombie-1"));
            successor.initTransactions(); // bumps the epoch and aborts the zombie's open transaction
            h.abort("zombie", "z1");
            Throwable t = catchThrowable(zombie::commitTransaction);
            assertThat(t).as("the older producer's commit").isInstanceOfAny(ProducerFencedException.class, InvalidProducerEpochException.class);
            successor.beginTransaction();
            send(successor, h, "successor", "s1", topic, List.of("successor-1"));
            successor.commitTransaction();
            h.commit("successor", "s1");
        }
        assertThat(readAll(broker.bootstrap(), topic, 1, true, h, "rc")).containsExactly("successor-1");
        assertNoAnomaly(h);
    }

    @Test
    void sendOffsetsWithAStaleGenerationIsRefused() throws Exception {
        String topic = "txn-stale-in", group = "stale-group";
        broker.createTopic(topic, 1);
        try (KafkaProducer<byte[], byte[]> plain = Clients.producer(broker.bootstrap())) {
            plain.send(new ProducerRecord<>(topic, bytes("x"))).get(30, TimeUnit.SECONDS);
        }
        try (KafkaConsumer<byte[], byte[]> c = Clients.consumer(broker.bootstrap(), Map.of(ConsumerConfig.GROUP_ID_CONFIG, group));
             KafkaProducer<byte[], byte[]> p = txnProducer(broker.bootstrap(), "stale", Map.of())) {
            c.subscribe(List.of(topic));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (c.assignment().isEmpty() && System.nanoTime() < deadline) c.poll(Duration.ofMillis(200));
            ConsumerGroupMetadata current = c.groupMetadata();
            assertThat(current.generationId()).isPositive();
            ConsumerGroupMetadata stale = new ConsumerGroupMetadata(group, current.generationId() + 7, current.memberId(),
                    Optional.empty());
            p.initTransactions();
            p.beginTransaction();
            p.send(new ProducerRecord<>(topic, bytes("y")));
            Throwable t = catchThrowable(() -> p.sendOffsetsToTransaction(
                    Map.of(new TopicPartition(topic, 0), new OffsetAndMetadata(1)), stale));
            assertThat(t).isInstanceOf(CommitFailedException.class);
            p.abortTransaction();
            // the current generation is accepted
            p.beginTransaction();
            p.sendOffsetsToTransaction(Map.of(new TopicPartition(topic, 0), new OffsetAndMetadata(1)), c.groupMetadata());
            p.commitTransaction();
        }
        try (Admin admin = Clients.admin(broker.bootstrap())) {
            assertThat(admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS)
                    .get(new TopicPartition(topic, 0)).offset()).isEqualTo(1);
        }
    }

    @Test
    void theCoordinatorAbortsATransactionThatOutlivesItsTimeout() throws Exception {
        String topic = "txn-timeout";
        broker.createTopic(topic, 1);
        HistoryRecorder h = new HistoryRecorder();
        try (KafkaProducer<byte[], byte[]> stalled = txnProducer(broker.bootstrap(), "stalled",
                Map.of(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 2000));
             KafkaProducer<byte[], byte[]> plain = Clients.producer(broker.bootstrap());
             KafkaConsumer<byte[], byte[]> rc = reader(broker.bootstrap(), true)) {
            stalled.initTransactions();
            stalled.beginTransaction();
            send(stalled, h, "stalled", "hung", topic, List.of("hung-1", "hung-2"));
            // written after the open transaction: invisible to read_committed until the coordinator aborts it
            RecordMetadata md = plain.send(new ProducerRecord<>(topic, bytes("after"))).get(30, TimeUnit.SECONDS);
            h.sendOk("plain", null, topic, md.partition(), md.offset(), "after");
            TopicPartition tp = new TopicPartition(topic, 0);
            rc.assign(List.of(tp));
            rc.seekToBeginning(List.of(tp));
            List<String> seen = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!seen.contains("after") && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : rc.poll(Duration.ofMillis(200))) {
                    seen.add(str(r.value()));
                    h.poll("rc", null, true, r.topic(), r.partition(), r.offset(), str(r.value()));
                }
            }
            assertThat(seen).as("read_committed continues past the aborted transaction").containsExactly("after");
            h.abort("stalled", "hung");
            Throwable t = catchThrowable(stalled::commitTransaction);
            assertThat(t).as("the stalled producer's commit after the coordinator aborted it").isInstanceOf(KafkaException.class);
        }
        try (Admin admin = Clients.admin(broker.bootstrap())) {
            TransactionDescription d = admin.describeTransactions(List.of("stalled")).description("stalled").get(30, TimeUnit.SECONDS);
            assertThat(d.state()).isEqualTo(TransactionState.COMPLETE_ABORT);
        }
        assertNoAnomaly(h);
    }

    @Test
    void adminListsAndDescribesTransactions() throws Exception {
        String topic = "txn-admin";
        broker.createTopic(topic, 3);
        try (KafkaProducer<byte[], byte[]> p = txnProducer(broker.bootstrap(), "admin-visible", Map.of(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 60_000));
             Admin admin = Clients.admin(broker.bootstrap())) {
            p.initTransactions();
            p.beginTransaction();
            p.send(new ProducerRecord<>(topic, 1, null, bytes("v"))).get(30, TimeUnit.SECONDS);
            TransactionDescription d = admin.describeTransactions(List.of("admin-visible")).description("admin-visible")
                    .get(30, TimeUnit.SECONDS);
            assertThat(d.state()).isEqualTo(TransactionState.ONGOING);
            assertThat(d.transactionTimeoutMs()).isEqualTo(60_000);
            assertThat(d.topicPartitions()).containsExactly(new org.apache.kafka.common.TopicPartition(topic, 1));
            assertThat(d.transactionStartTimeMs()).isPresent();

            Collection<TransactionListing> ongoing = admin.listTransactions(new ListTransactionsOptions()
                    .filterStates(List.of(TransactionState.ONGOING))).all().get(30, TimeUnit.SECONDS);
            assertThat(ongoing).extracting(TransactionListing::transactionalId).contains("admin-visible");
            assertThat(ongoing).filteredOn(l -> l.transactionalId().equals("admin-visible"))
                    .extracting(TransactionListing::producerId).containsExactly(d.producerId());
            Collection<TransactionListing> byPid = admin.listTransactions(new ListTransactionsOptions()
                    .filterProducerIds(List.of(d.producerId()))).all().get(30, TimeUnit.SECONDS);
            assertThat(byPid).extracting(TransactionListing::transactionalId).containsExactly("admin-visible");
            Collection<TransactionListing> longRunning = admin.listTransactions(new ListTransactionsOptions()
                    .filterOnDuration(3_600_000)).all().get(30, TimeUnit.SECONDS);
            assertThat(longRunning).as("transactions running for more than an hour").isEmpty();
            Throwable unknown = catchThrowable(() -> admin.describeTransactions(List.of("never-used")).description("never-used")
                    .get(30, TimeUnit.SECONDS));
            assertThat(unknown).hasCauseInstanceOf(TransactionalIdNotFoundException.class);
            p.commitTransaction();
            Collection<TransactionListing> stillOngoing = admin.listTransactions(new ListTransactionsOptions()
                    .filterStates(List.of(TransactionState.ONGOING))).all().get(30, TimeUnit.SECONDS);
            assertThat(stillOngoing).extracting(TransactionListing::transactionalId).doesNotContain("admin-visible");
        }
    }

    /**
     * The broker finalizes transaction.version 2, so kafka-clients 4.x take KIP-890 part 2's path (partitions and
     * offsets added implicitly by Produce v12+ and TxnOffsetCommit v5, EndTxn v5); 3.9 knows nothing of it and adds
     * them explicitly (AddPartitionsToTxn v3 and below, AddOffsetsToTxn, EndTxn v4 and below). Both give the same
     * result. A proxy in front of the broker (advertised as the broker) records the versions sent.
     */
    @Test
    void clientsTakeThePathOfTheFinalizedTransactionVersion() throws Exception {
        int brokerPort = BrokerProcess.freePort();
        try (TcpProxy proxy = new TcpProxy(0, brokerPort, 0);
             TestBroker b = TestBroker.start(dir.resolve("paths"), Map.of("listeners", "PLAINTEXT://127.0.0.1:" + brokerPort,
                     "advertised.listeners", "PLAINTEXT://127.0.0.1:" + proxy.port()))) {
            b.createTopic("paths", 1);
            String bootstrap = "127.0.0.1:" + proxy.port();
            HistoryRecorder h = new HistoryRecorder();
            try (KafkaProducer<byte[], byte[]> p = txnProducer(bootstrap, "paths", Map.of());
                 KafkaConsumer<byte[], byte[]> c = Clients.consumer(bootstrap, Map.of(ConsumerConfig.GROUP_ID_CONFIG, "paths-group"))) {
                c.subscribe(List.of("paths"));
                p.initTransactions();
                p.beginTransaction();
                send(p, h, "p", "t1", "paths", List.of("v1"));
                p.sendOffsetsToTransaction(Map.of(new TopicPartition("paths", 0), new OffsetAndMetadata(0)), c.groupMetadata());
                p.commitTransaction();
                h.commit("p", "t1");
            }
            assertThat(readAll(bootstrap, "paths", 1, true, h, "rc")).containsExactly("v1");
            short produce = 0, addPartitions = 24, addOffsets = 25, endTxn = 26, txnOffsetCommit = 28;
            System.out.printf("kafka-clients %s sent Produce %s, AddPartitionsToTxn %s, AddOffsetsToTxn %s, EndTxn %s, TxnOffsetCommit %s%n",
                    Clients.kafkaVersion(), proxy.versionsSent(produce), proxy.versionsSent(addPartitions), proxy.versionsSent(addOffsets),
                    proxy.versionsSent(endTxn), proxy.versionsSent(txnOffsetCommit));
            if (Clients.kafkaMajor() >= 4) {
                assertThat(proxy.versionsSent(addPartitions)).as("AddPartitionsToTxn under transaction.version 2").isEmpty();
                assertThat(proxy.versionsSent(addOffsets)).as("AddOffsetsToTxn under transaction.version 2").isEmpty();
                assertThat(proxy.versionsSent(endTxn)).containsExactly((short) 5);
                assertThat(proxy.versionsSent(txnOffsetCommit)).isNotEmpty().allMatch(v -> v >= 5); // 4.4: v6 (topic ids)
                assertThat(proxy.versionsSent(produce)).allMatch(v -> v >= 12);
            } else {
                assertThat(proxy.versionsSent(addPartitions)).isNotEmpty().allMatch(v -> v <= 3);
                assertThat(proxy.versionsSent(addOffsets)).isNotEmpty();
                assertThat(proxy.versionsSent(endTxn)).isNotEmpty().allMatch(v -> v <= 4);
                assertThat(proxy.versionsSent(produce)).allMatch(v -> v <= 11);
            }
            assertNoAnomaly(h);
        }
    }

    /**
     * An operator finalizes transaction.version 1 with UpdateFeatures (as kafka-features.sh does): it is recorded in
     * the metadata log and holds across a restart, and kafka-clients 4.x then take the explicit path; it can be
     * raised to 2 again. Invalid updates are refused and change nothing.
     */
    @Test
    void anOperatorCanFinalizeALowerTransactionVersion() throws Exception {
        int brokerPort = BrokerProcess.freePort();
        Map<String, String> props = Map.of("listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
        try (TcpProxy proxy = new TcpProxy(0, brokerPort, 0)) {
            Map<String, String> withProxy = new HashMap<>(props);
            withProxy.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + proxy.port());
            String bootstrap = "127.0.0.1:" + proxy.port();
            TestBroker b = TestBroker.start(dir.resolve("features"), withProxy);
            try {
                b.createTopic("features", 1);
                try (Admin admin = Clients.admin(bootstrap)) {
                    Throwable tooHigh = catchThrowable(() -> admin.updateFeatures(Map.of("transaction.version",
                            new FeatureUpdate((short) 3, FeatureUpdate.UpgradeType.UPGRADE)), new UpdateFeaturesOptions()).all()
                            .get(30, TimeUnit.SECONDS));
                    assertThat(tooHigh).hasCauseInstanceOf(InvalidUpdateVersionException.class);
                    Throwable downgradeAsUpgrade = catchThrowable(() -> admin.updateFeatures(Map.of("transaction.version",
                            new FeatureUpdate((short) 1, FeatureUpdate.UpgradeType.UPGRADE)), new UpdateFeaturesOptions()).all()
                            .get(30, TimeUnit.SECONDS));
                    assertThat(downgradeAsUpgrade).hasCauseInstanceOf(InvalidUpdateVersionException.class);
                    assertThat(finalizedTv(admin)).isEqualTo((short) 2);

                    admin.updateFeatures(Map.of("transaction.version", new FeatureUpdate((short) 1, FeatureUpdate.UpgradeType.SAFE_DOWNGRADE)),
                            new UpdateFeaturesOptions()).all().get(30, TimeUnit.SECONDS);
                    assertThat(finalizedTv(admin)).isEqualTo((short) 1);
                }
                b.close();
                b = TestBroker.start(dir.resolve("features"), withProxy);
                try (Admin admin = Clients.admin(bootstrap)) {
                    assertThat(finalizedTv(admin)).as("after a restart").isEqualTo((short) 1);
                }
                HistoryRecorder h = new HistoryRecorder();
                try (KafkaProducer<byte[], byte[]> p = txnProducer(bootstrap, "features", Map.of())) {
                    p.initTransactions();
                    p.beginTransaction();
                    send(p, h, "p", "t1", "features", List.of("tv1"));
                    p.commitTransaction();
                    h.commit("p", "t1");
                }
                assertThat(readAll(bootstrap, "features", 1, true, h, "rc")).containsExactly("tv1");
                assertNoAnomaly(h);
                System.out.printf("kafka-clients %s under transaction.version 1 sent AddPartitionsToTxn %s, EndTxn %s%n",
                        Clients.kafkaVersion(), proxy.versionsSent(24), proxy.versionsSent(26));
                assertThat(proxy.versionsSent(24)).as("AddPartitionsToTxn").isNotEmpty().allMatch(v -> v <= 3);
                assertThat(proxy.versionsSent(26)).as("EndTxn").isNotEmpty().allMatch(v -> v <= 4);
                try (Admin admin = Clients.admin(bootstrap)) {
                    admin.updateFeatures(Map.of("transaction.version", new FeatureUpdate((short) 2, FeatureUpdate.UpgradeType.UPGRADE)),
                            new UpdateFeaturesOptions()).all().get(30, TimeUnit.SECONDS);
                    assertThat(finalizedTv(admin)).isEqualTo((short) 2);
                }
            } finally {
                b.close();
            }
        }
    }

    private static short finalizedTv(Admin admin) throws Exception {
        var f = admin.describeFeatures().featureMetadata().get(30, TimeUnit.SECONDS).finalizedFeatures().get("transaction.version");
        return f == null ? 0 : f.maxVersionLevel();
    }

    // ------------------------------------------------------------------ raw requests (KIP-890 verification)

    private static <T extends ApiMessage> T call(ApiKeys api, int version,
                                                                  ApiMessage req) throws Exception {
        try (RawClient c = new RawClient(broker.port())) {
            c.send(api, (short) version, 7, req);
            return c.<T>receive(api, (short) version).body();
        }
    }

    /** InitProducerId for a transactional id, retried while the coordinator is created, loads or is busy. */
    private static InitProducerIdResponse initRaw(String id) throws Exception {
        var find = new FindCoordinatorRequest();
        find.keyType = 1;
        find.key = id;
        var init = new InitProducerIdRequest();
        init.transactionalId = id;
        init.transactionTimeoutMs = 60_000;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            FindCoordinatorResponse f = call(ApiKeys.FIND_COORDINATOR, 1, find);
            if (f.errorCode == 0) {
                InitProducerIdResponse r = call(ApiKeys.INIT_PRODUCER_ID, 4, init);
                if (r.errorCode == 0) return r;
            }
            assertThat(System.nanoTime()).as("InitProducerId for %s within 60 s", id).isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    private static ProduceResponse.PartitionResponse produceRaw(int version, String id, long pid, short epoch,
                                                                                         String topic, int partition, String value)
            throws Exception {
        RecordBatchBuilder b = new RecordBatchBuilder(CompressionType.NONE,
                TimestampType.CREATE_TIME, 0);
        b.producer(pid, epoch, 0).transactional(true);
        b.append(System.currentTimeMillis(), null, bytes(value), List.of());
        var req = new ProduceRequest();
        req.transactionalId = id;
        req.acks = -1;
        req.timeoutMs = 10_000;
        var td = new ProduceRequest.TopicData();
        td.name = topic;
        var pd = new ProduceRequest.PartitionData();
        pd.index = partition;
        pd.records = new MemoryRecords(b.build());
        td.partitionData.add(pd);
        req.topicData.add(td);
        ProduceResponse r = call(ApiKeys.PRODUCE, version, req);
        return r.responses.get(0).partitionResponses.get(0);
    }

    @Test
    void aTransactionalBatchForAPartitionOutsideTheTransactionIsRefusedOrAddedByVersion() throws Exception {
        String topic = "txn-verify";
        broker.createTopic(topic, 2);
        // Produce v11 (transaction version below 2): the partition must be in the ongoing transaction (KIP-890 part 1)
        var v11 = initRaw("verify-v11");
        var refused = produceRaw(11, "verify-v11", v11.producerId, v11.producerEpoch, topic, 0, "not-added");
        assertThat(refused.errorCode).isEqualTo(Errors.TRANSACTION_ABORTABLE.code());
        assertThat(produceRaw(10, "verify-v11", v11.producerId, v11.producerEpoch, topic, 0, "not-added").errorCode)
                .as("before v11 the code is INVALID_TXN_STATE").isEqualTo(Errors.INVALID_TXN_STATE.code());
        var add = new AddPartitionsToTxnRequest();
        add.v3AndBelowTransactionalId = "verify-v11";
        add.v3AndBelowProducerId = v11.producerId;
        add.v3AndBelowProducerEpoch = v11.producerEpoch;
        var t = new AddPartitionsToTxnRequest.Topic();
        t.name = topic;
        t.partitions.add(0);
        add.v3AndBelowTopics.add(t);
        AddPartitionsToTxnResponse added = call(ApiKeys.ADD_PARTITIONS_TO_TXN, 3, add);
        assertThat(added.resultsByTopicV3AndBelow.get(0).resultsByPartition.get(0).partitionErrorCode).isZero();
        assertThat(produceRaw(11, "verify-v11", v11.producerId, v11.producerEpoch, topic, 0, "added").errorCode).isZero();
        assertThat(produceRaw(11, "verify-v11", v11.producerId, v11.producerEpoch, topic, 1, "other").errorCode)
                .as("another partition of the same transaction").isEqualTo(Errors.TRANSACTION_ABORTABLE.code());

        // Produce v12 (transaction version 2): the partition is added on the producer's behalf (KIP-890 part 2)
        var v12 = initRaw("verify-v12");
        assertThat(produceRaw(12, "verify-v12", v12.producerId, v12.producerEpoch, topic, 1, "implicit").errorCode).isZero();
        try (Admin admin = Clients.admin(broker.bootstrap())) {
            TransactionDescription d = admin.describeTransactions(List.of("verify-v12")).description("verify-v12").get(30, TimeUnit.SECONDS);
            assertThat(d.state()).isEqualTo(TransactionState.ONGOING);
            assertThat(d.topicPartitions()).containsExactly(new TopicPartition(topic, 1));
        }
        // a fenced epoch is INVALID_PRODUCER_EPOCH
        assertThat(produceRaw(12, "verify-v12", v12.producerId, (short) (v12.producerEpoch + 5), topic, 1, "fenced").errorCode)
                .isEqualTo(Errors.INVALID_PRODUCER_EPOCH.code());
    }

    @Test
    void aBrokerRestartInTheMiddleOfATransactionEndsItCorrectly() throws Exception {
        String topic = "txn-restart", group = "restart-group";
        TopicPartition tp = new TopicPartition(topic, 0);
        ConsumerGroupMetadata noGroup = new ConsumerGroupMetadata(group);
        HistoryRecorder h = new HistoryRecorder();
        TestBroker b = TestBroker.start(dir.resolve("restart"));
        try {
            b.createTopic(topic, 1);
            try (KafkaProducer<byte[], byte[]> p = txnProducer(b.bootstrap(), "restart", Map.of())) {
                p.initTransactions();
                p.beginTransaction();
                send(p, h, "p1", "before", topic, List.of("before-1", "before-2"));
                p.sendOffsetsToTransaction(Map.of(tp, new OffsetAndMetadata(2)), noGroup);
                p.commitTransaction();
                h.commit("p1", "before");
                p.beginTransaction();
                send(p, h, "p1", "open", topic, List.of("open-1"));
                p.sendOffsetsToTransaction(Map.of(tp, new OffsetAndMetadata(3)), noGroup);
                b.close(); // the transaction is left Ongoing in __transaction_state, its offset pending in __consumer_offsets
                p.close(Duration.ofSeconds(2));
            }
            h.abort("p1", "open");
            b = TestBroker.start(dir.resolve("restart"));
            try (KafkaProducer<byte[], byte[]> p = txnProducer(b.bootstrap(), "restart", Map.of())) {
                p.initTransactions(); // aborts the open transaction (its markers are written), then bumps the epoch
                try (Admin admin = Clients.admin(b.bootstrap())) {
                    assertThat(admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS).get(tp).offset())
                            .as("the committed transaction's offset, not the aborted one's").isEqualTo(2);
                }
                p.beginTransaction();
                send(p, h, "p2", "after", topic, List.of("after-1"));
                p.sendOffsetsToTransaction(Map.of(tp, new OffsetAndMetadata(4)), noGroup);
                p.commitTransaction();
                h.commit("p2", "after");
            }
            assertThat(readAll(b.bootstrap(), topic, 1, true, h, "rc")).containsExactly("before-1", "before-2", "after-1");
            assertThat(readAll(b.bootstrap(), topic, 1, false, null, "ru")).containsExactly("before-1", "before-2", "open-1", "after-1");
            try (Admin admin = Clients.admin(b.bootstrap())) {
                assertThat(admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS).get(tp).offset())
                        .isEqualTo(4);
            }
            // and once more from the log: a restart replays the transactional offsets and their markers
            b.close();
            b = TestBroker.start(dir.resolve("restart"));
            try (Admin admin = Clients.admin(b.bootstrap())) {
                assertThat(admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS).get(tp).offset())
                        .as("after a second restart").isEqualTo(4);
            }
        } finally {
            b.close();
        }
        assertNoAnomaly(h);
    }
}
