package io.runnel.it;

import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.AddPartitionsToTxnRequest;
import io.runnel.protocol.message.AddPartitionsToTxnResponse;
import io.runnel.protocol.message.FetchRequest;
import io.runnel.protocol.message.FindCoordinatorRequest;
import io.runnel.protocol.message.FindCoordinatorResponse;
import io.runnel.protocol.message.FetchResponse;
import io.runnel.protocol.message.InitProducerIdRequest;
import io.runnel.protocol.message.InitProducerIdResponse;
import io.runnel.protocol.message.ProduceRequest;
import io.runnel.protocol.message.ProduceResponse;
import io.runnel.protocol.message.WriteTxnMarkersRequest;
import io.runnel.protocol.message.WriteTxnMarkersResponse;
import io.runnel.record.CompressionType;
import io.runnel.record.MemoryRecords;
import io.runnel.record.RecordBatchBuilder;
import io.runnel.record.TimestampType;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The partition side of transactions, driven over real sockets: transactional batches produced raw (as a
 * transactional producer sends them), commit and abort markers written with WriteTxnMarkers (as a
 * transaction coordinator sends them), read back by kafka-clients consumers under read_committed and
 * read_uncommitted, ListOffsets latest under both, DescribeProducers through the Admin API, and a broker
 * killed with SIGKILL in the middle of a transaction.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class TxnLogIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final short MARKERS_VERSION = 1;

    @TempDir
    static Path dir;
    static TestBroker broker;

    @BeforeAll
    static void start() {
        broker = TestBroker.start(dir.resolve("broker"));
    }

    @AfterAll
    static void stop() {
        if (broker != null) broker.close();
    }

    // ------------------------------------------------------------------ raw requests

    /**
     * A transactional producer speaking raw requests to partition 0 of its topics. When the broker has a
     * transaction coordinator, its producer id and epoch come from InitProducerId (with the longest transaction
     * timeout, so the coordinator never aborts during a test) and each partition is added with
     * AddPartitionsToTxn before its first batch, so that KIP-890 verification lets the batches in; without one
     * (InitProducerId refuses transactional ids) the test picks them. Either way the markers are then written
     * with WriteTxnMarkers, as a coordinator does, and the coordinator is not told.
     */
    static final class RawTxnProducer {
        final String transactionalId;
        final long producerId;
        final short epoch;
        final boolean coordinated;
        private final Map<String, Integer> nextSeq = new java.util.HashMap<>();

        private RawTxnProducer(String transactionalId, long producerId, short epoch, boolean coordinated) {
            this.transactionalId = transactionalId;
            this.producerId = producerId;
            this.epoch = epoch;
            this.coordinated = coordinated;
        }

        /** A producer at epoch {@code minEpoch} or above ({@code fallbackPid}/{@code minEpoch} without a coordinator). */
        static RawTxnProducer init(int port, String transactionalId, long fallbackPid, short minEpoch) throws Exception {
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (true) {
                InitProducerIdRequest req = new InitProducerIdRequest();
                req.transactionalId = transactionalId;
                req.transactionTimeoutMs = 900_000; // transaction.max.timeout.ms
                InitProducerIdResponse resp;
                try (RawClient c = new RawClient(port)) {
                    c.send(ApiKeys.INIT_PRODUCER_ID, (short) 3, 4, req);
                    resp = c.<InitProducerIdResponse>receive(ApiKeys.INIT_PRODUCER_ID, (short) 3).body();
                }
                short err = resp.errorCode;
                if (err == 35) return new RawTxnProducer(transactionalId, fallbackPid, minEpoch, false); // UNSUPPORTED_VERSION
                if (err == 0 && resp.producerEpoch >= minEpoch) {
                    return new RawTxnProducer(transactionalId, resp.producerId, resp.producerEpoch, true);
                }
                // 0: bump again; 14/15/16/51: coordinator loading, not available, not found yet, or still completing
                if (err != 0 && err != 14 && err != 15 && err != 16 && err != 51) {
                    throw new AssertionError("InitProducerId for " + transactionalId + " failed with error " + err);
                }
                if (System.nanoTime() > deadline) throw new AssertionError("InitProducerId kept failing with " + err);
                if (err == 15 || err == 16) findCoordinator(port, transactionalId); // as a client does; creates __transaction_state
                if (err != 0) Thread.sleep(100);
            }
        }

        private static void findCoordinator(int port, String transactionalId) throws IOException {
            FindCoordinatorRequest req = new FindCoordinatorRequest();
            req.key = transactionalId;
            req.keyType = 1;
            try (RawClient c = new RawClient(port)) {
                c.send(ApiKeys.FIND_COORDINATOR, (short) 3, 6, req);
                c.<FindCoordinatorResponse>receive(ApiKeys.FIND_COORDINATOR, (short) 3);
            }
        }

        /** Appends one transactional batch of {@code values} to partition 0 of {@code topic}; its base offset. */
        long send(int port, String topic, String... values) throws Exception {
            int seq = nextSeq.getOrDefault(topic, 0);
            if (coordinated && seq == 0) addPartition(port, topic);
            long offset = produceBatch(port, topic, transactionalId, producerId, epoch, seq, values);
            nextSeq.put(topic, seq + values.length);
            return offset;
        }

        private void addPartition(int port, String topic) throws Exception {
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (true) {
                AddPartitionsToTxnRequest req = new AddPartitionsToTxnRequest();
                req.v3AndBelowTransactionalId = transactionalId;
                req.v3AndBelowProducerId = producerId;
                req.v3AndBelowProducerEpoch = epoch;
                AddPartitionsToTxnRequest.Topic t = new AddPartitionsToTxnRequest.Topic();
                t.name = topic;
                t.partitions.add(0);
                req.v3AndBelowTopics.add(t);
                short err;
                try (RawClient c = new RawClient(port)) {
                    c.send(ApiKeys.ADD_PARTITIONS_TO_TXN, (short) 3, 5, req);
                    err = c.<AddPartitionsToTxnResponse>receive(ApiKeys.ADD_PARTITIONS_TO_TXN, (short) 3).body()
                            .resultsByTopicV3AndBelow.get(0).resultsByPartition.get(0).partitionErrorCode;
                }
                if (err == 0) return;
                if (err != 51 && err != 14 && err != 15 && err != 16) throw new AssertionError("AddPartitionsToTxn failed with " + err);
                if (System.nanoTime() > deadline) throw new AssertionError("AddPartitionsToTxn kept failing with " + err);
                Thread.sleep(100);
            }
        }
    }

    /** Appends a non-transactional batch of {@code values} to partition 0; its base offset. */
    static long produce(int port, String topic, String... values) throws IOException {
        return produceBatch(port, topic, null, -1, (short) -1, -1, values);
    }

    static long produceBatch(int port, String topic, String transactionalId, long producerId, short epoch, int seq,
                             String... values) throws IOException {
        RecordBatchBuilder b = new RecordBatchBuilder(CompressionType.NONE, TimestampType.CREATE_TIME, 0);
        if (producerId >= 0) b.producer(producerId, epoch, seq).transactional(true);
        for (String v : values) b.append(System.currentTimeMillis(), null, v.getBytes(StandardCharsets.UTF_8), List.of());
        ProduceRequest req = new ProduceRequest();
        req.transactionalId = transactionalId;
        req.acks = -1;
        req.timeoutMs = 10_000;
        ProduceRequest.TopicData td = new ProduceRequest.TopicData();
        td.name = topic;
        ProduceRequest.PartitionData pd = new ProduceRequest.PartitionData();
        pd.index = 0;
        pd.records = new MemoryRecords(b.build());
        td.partitionData.add(pd);
        req.topicData.add(td);
        try (RawClient c = new RawClient(port)) {
            c.send(ApiKeys.PRODUCE, (short) 9, 1, req);
            ProduceResponse.PartitionResponse pr = c.<ProduceResponse>receive(ApiKeys.PRODUCE, (short) 9).body().responses.get(0).partitionResponses.get(0);
            assertThat(pr.errorCode).as("produce error").isZero();
            return pr.baseOffset;
        }
    }

    /** Ends the producer's transaction on partition 0 of each topic (coordinator epoch 0); the per-partition error codes. */
    static List<Short> writeMarker(int port, RawTxnProducer p, boolean commit, String... topics) throws IOException {
        return writeMarker(port, p.producerId, p.epoch, 0, commit, topics);
    }

    /** Writes one marker to partition 0 of each topic; the per-partition error codes, in order. */
    static List<Short> writeMarker(int port, long producerId, short epoch, int coordinatorEpoch, boolean commit, String... topics)
            throws IOException {
        WriteTxnMarkersRequest req = new WriteTxnMarkersRequest();
        WriteTxnMarkersRequest.Marker m = new WriteTxnMarkersRequest.Marker();
        m.producerId = producerId;
        m.producerEpoch = epoch;
        m.coordinatorEpoch = coordinatorEpoch;
        m.transactionResult = commit;
        for (String t : topics) {
            WriteTxnMarkersRequest.Topic mt = new WriteTxnMarkersRequest.Topic();
            mt.name = t;
            mt.partitionIndexes.add(0);
            m.topics.add(mt);
        }
        req.markers.add(m);
        try (RawClient c = new RawClient(port)) {
            c.send(ApiKeys.WRITE_TXN_MARKERS, MARKERS_VERSION, 2, req);
            WriteTxnMarkersResponse resp = c.<WriteTxnMarkersResponse>receive(ApiKeys.WRITE_TXN_MARKERS, MARKERS_VERSION).body();
            assertThat(resp.markers).hasSize(1);
            assertThat(resp.markers.get(0).producerId).isEqualTo(producerId);
            List<Short> codes = new ArrayList<>();
            for (WriteTxnMarkersResponse.Topic t : resp.markers.get(0).topics) {
                for (WriteTxnMarkersResponse.Partition p : t.partitions) codes.add(p.errorCode);
            }
            return codes;
        }
    }

    static FetchResponse.PartitionData rawFetch(int port, String topic, long offset, int isolation) throws IOException {
        FetchRequest req = new FetchRequest();
        req.maxWaitMs = 0;
        req.minBytes = 0;
        req.isolationLevel = (byte) isolation;
        FetchRequest.FetchTopic ft = new FetchRequest.FetchTopic();
        ft.topic = topic;
        FetchRequest.FetchPartition fp = new FetchRequest.FetchPartition();
        fp.partition = 0;
        fp.fetchOffset = offset;
        fp.partitionMaxBytes = 1 << 20;
        ft.partitions.add(fp);
        req.topics.add(ft);
        try (RawClient c = new RawClient(port)) {
            c.send(ApiKeys.FETCH, (short) 12, 3, req);
            return c.<FetchResponse>receive(ApiKeys.FETCH, (short) 12).body().responses.get(0).partitions.get(0);
        }
    }

    // ------------------------------------------------------------------ consumers

    static KafkaConsumer<byte[], byte[]> consumer(String bootstrap, String isolation) {
        return Clients.consumer(bootstrap, Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation));
    }

    /** Every value a consumer of this isolation reads from the start of partition 0 until {@code expected} arrived. */
    static List<String> read(String bootstrap, String topic, String isolation, int expected) {
        TopicPartition tp = new TopicPartition(topic, 0);
        try (KafkaConsumer<byte[], byte[]> c = consumer(bootstrap, isolation)) {
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            return values(Clients.pollUntil(c, expected, WAIT, true));
        }
    }

    static List<String> values(List<ConsumerRecord<byte[], byte[]>> records) {
        List<String> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : records) out.add(new String(r.value(), StandardCharsets.UTF_8));
        return out;
    }

    static long endOffset(String bootstrap, String topic, String isolation) {
        TopicPartition tp = new TopicPartition(topic, 0);
        try (KafkaConsumer<byte[], byte[]> c = consumer(bootstrap, isolation)) {
            return c.endOffsets(List.of(tp), WAIT).get(tp);
        }
    }

    // ------------------------------------------------------------------ tests

    @Test
    void committedRecordsAreVisibleAndAbortedOnesOnlyToReadUncommitted() throws Exception {
        String topic = "txn-commit-abort";
        broker.createTopic(topic, 1);
        int port = broker.port();
        RawTxnProducer c = RawTxnProducer.init(port, "txn-log-commit", 1000, (short) 0);
        RawTxnProducer a = RawTxnProducer.init(port, "txn-log-abort", 1001, (short) 0);
        produce(port, topic, "plain-0");
        c.send(port, topic, "c-0", "c-1");
        long abortedFirst = a.send(port, topic, "a-0");
        c.send(port, topic, "c-2");
        a.send(port, topic, "a-1", "a-2");
        assertThat(writeMarker(port, a, false, topic)).containsExactly((short) 0);
        assertThat(writeMarker(port, c, true, topic)).containsExactly((short) 0);
        produce(port, topic, "plain-1");

        assertThat(read(broker.bootstrap(), topic, "read_committed", 5))
                .containsExactly("plain-0", "c-0", "c-1", "c-2", "plain-1");
        assertThat(read(broker.bootstrap(), topic, "read_uncommitted", 8))
                .containsExactly("plain-0", "c-0", "c-1", "a-0", "c-2", "a-1", "a-2", "plain-1");

        // on the wire: read_committed lists the aborted transaction, read_uncommitted sends a null list
        FetchResponse.PartitionData committed = rawFetch(port, topic, 0, 1);
        assertThat(committed.abortedTransactions).hasSize(1);
        assertThat(committed.abortedTransactions.get(0).producerId).isEqualTo(a.producerId);
        assertThat(committed.abortedTransactions.get(0).firstOffset).isEqualTo(abortedFirst);
        assertThat(committed.lastStableOffset).isEqualTo(committed.highWatermark);
        assertThat(rawFetch(port, topic, 0, 0).abortedTransactions).isNull();
        // a fetch starting after the aborted transaction's marker does not list it
        assertThat(rawFetch(port, topic, 9, 1).abortedTransactions).isEmpty();
    }

    @Test
    void readCommittedConsumerStopsAtAnOpenTransactionAndContinuesAfterItsMarker() throws Exception {
        String topic = "txn-open";
        broker.createTopic(topic, 1);
        int port = broker.port();
        RawTxnProducer t = RawTxnProducer.init(port, "txn-log-open", 2000, (short) 3);
        produce(port, topic, "before");
        t.send(port, topic, "t-0", "t-1");
        produce(port, topic, "after");

        assertThat(endOffset(broker.bootstrap(), topic, "read_committed")).isEqualTo(1); // the LSO
        assertThat(endOffset(broker.bootstrap(), topic, "read_uncommitted")).isEqualTo(4); // the HW
        FetchResponse.PartitionData pd = rawFetch(port, topic, 0, 1);
        assertThat(pd.lastStableOffset).isEqualTo(1);
        assertThat(pd.highWatermark).isEqualTo(4);

        TopicPartition tp = new TopicPartition(topic, 0);
        try (KafkaConsumer<byte[], byte[]> c = consumer(broker.bootstrap(), "read_committed")) {
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            assertThat(values(Clients.pollUntil(c, 1, WAIT, false))).containsExactly("before");
            // blocked at the open transaction: nothing more arrives, the position stays at the LSO
            assertThat(values(Clients.pollUntil(c, 1, Duration.ofSeconds(2), false))).isEmpty();
            assertThat(c.position(tp)).isEqualTo(1);
            assertThat(writeMarker(port, t, true, topic)).containsExactly((short) 0);
            assertThat(values(Clients.pollUntil(c, 3, WAIT, true))).containsExactly("t-0", "t-1", "after");
        }
        assertThat(endOffset(broker.bootstrap(), topic, "read_committed")).isEqualTo(5);
        assertThat(endOffset(broker.bootstrap(), topic, "read_uncommitted")).isEqualTo(5);
    }

    @Test
    void waitingReadCommittedFetchIsWokenByTheMarkerNotByUnstableAppends() throws Exception {
        String topic = "txn-delayed-fetch";
        broker.createTopic(topic, 1);
        int port = broker.port();
        RawTxnProducer t = RawTxnProducer.init(port, "txn-log-delayed", 2500, (short) 0);
        t.send(port, topic, "t-0");
        FetchRequest req = new FetchRequest();
        req.maxWaitMs = 8_000;
        req.minBytes = 1;
        req.isolationLevel = 1;
        FetchRequest.FetchTopic ft = new FetchRequest.FetchTopic();
        ft.topic = topic;
        FetchRequest.FetchPartition fp = new FetchRequest.FetchPartition();
        fp.partition = 0;
        fp.fetchOffset = 0; // the LSO: the open transaction starts here
        fp.partitionMaxBytes = 1 << 20;
        ft.partitions.add(fp);
        req.topics.add(ft);
        try (RawClient c = new RawClient(port)) {
            c.send(ApiKeys.FETCH, (short) 12, 7, req);
            java.util.concurrent.CompletableFuture<FetchResponse> answer = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return c.<FetchResponse>receive(ApiKeys.FETCH, (short) 12).body();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            // appends while the transaction is open make nothing readable under read_committed: still waiting
            produce(port, topic, "plain");
            t.send(port, topic, "t-1");
            Thread.sleep(1_500);
            assertThat(answer).as("read_committed fetch answered before anything became stable").isNotDone();
            long markerAt = System.nanoTime();
            assertThat(writeMarker(port, t, true, topic)).containsExactly((short) 0);
            FetchResponse resp = answer.get(7, TimeUnit.SECONDS);
            // woken by the marker, not by the 8 s wait running out
            assertThat(Duration.ofNanos(System.nanoTime() - markerAt)).isLessThan(Duration.ofSeconds(4));
            FetchResponse.PartitionData pd = resp.responses.get(0).partitions.get(0);
            assertThat(pd.lastStableOffset).isEqualTo(4);
            assertThat(((MemoryRecords) pd.records).sizeInBytes()).isPositive();
        }
    }

    @Test
    void describeProducersShowsTheOpenTransaction() throws Exception {
        String topic = "txn-describe";
        broker.createTopic(topic, 1);
        int port = broker.port();
        RawTxnProducer open = RawTxnProducer.init(port, "txn-log-describe-open", 3000, (short) 5);
        RawTxnProducer done = RawTxnProducer.init(port, "txn-log-describe-done", 3001, (short) 1);
        produce(port, topic, "x");
        open.send(port, topic, "t-0", "t-1", "t-2");
        done.send(port, topic, "u-0");
        assertThat(writeMarker(port, done.producerId, done.epoch, 7, true, topic)).containsExactly((short) 0);
        TopicPartition tp = new TopicPartition(topic, 0);
        try (Admin admin = Clients.admin(broker.bootstrap())) {
            List<ProducerState> states = admin.describeProducers(List.of(tp)).partitionResult(tp).get(30, TimeUnit.SECONDS).activeProducers();
            assertThat(states).hasSize(2);
            ProducerState o = states.stream().filter(s -> s.producerId() == open.producerId).findFirst().orElseThrow();
            assertThat(o.producerEpoch()).isEqualTo(open.epoch);
            assertThat(o.lastSequence()).isEqualTo(2);
            assertThat(o.currentTransactionStartOffset()).hasValue(1L);
            assertThat(o.lastTimestamp()).isPositive();
            ProducerState d = states.stream().filter(s -> s.producerId() == done.producerId).findFirst().orElseThrow();
            assertThat(d.currentTransactionStartOffset()).isEmpty();
            assertThat(d.coordinatorEpoch()).hasValue(7);
        }
    }

    @Test
    void badMarkersGetKafkasErrorsAndChangeNothing() throws Exception {
        String topic = "txn-bad-markers";
        broker.createTopic(topic, 1);
        int port = broker.port();
        RawTxnProducer t = RawTxnProducer.init(port, "txn-log-bad", 4000, (short) 2);
        long pid = t.producerId;
        short epoch = t.epoch;
        t.send(port, topic, "t-0");
        assertThat(writeMarker(port, pid, epoch, 5, true, topic)).containsExactly((short) 0);
        t.send(port, topic, "t-1");
        long end = endOffset(broker.bootstrap(), topic, "read_uncommitted");

        // older producer epoch: INVALID_PRODUCER_EPOCH (47); older coordinator epoch: TRANSACTION_COORDINATOR_FENCED (52);
        // a partition not hosted here: UNKNOWN_TOPIC_OR_PARTITION (3)
        assertThat(writeMarker(port, pid, (short) (epoch - 1), 5, false, topic)).containsExactly((short) 47);
        assertThat(writeMarker(port, pid, epoch, 4, false, topic)).containsExactly((short) 52);
        assertThat(writeMarker(port, pid, epoch, 5, false, "no-such-topic")).containsExactly((short) 3);
        assertThat(endOffset(broker.bootstrap(), topic, "read_uncommitted")).isEqualTo(end);
        assertThat(endOffset(broker.bootstrap(), topic, "read_committed")).isEqualTo(2); // t-1 still open

        assertThat(writeMarker(port, pid, epoch, 5, true, topic)).containsExactly((short) 0);
        assertThat(read(broker.bootstrap(), topic, "read_committed", 2)).containsExactly("t-0", "t-1");
    }

    @Test
    void killMidTransactionThenTheMarkerStillEndsIt() throws Exception {
        String topic = "txn-kill";
        try (BrokerProcess b = new BrokerProcess(dir.resolve("kill"), Map.of())) {
            b.start();
            try (Admin admin = Clients.admin(b.bootstrap())) {
                admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(topic, 1, (short) 1)))
                        .all().get(30, TimeUnit.SECONDS);
            }
            RawTxnProducer aborting = RawTxnProducer.init(b.port(), "txn-log-kill-abort", 5000, (short) 0);
            RawTxnProducer committing = RawTxnProducer.init(b.port(), "txn-log-kill-commit", 5001, (short) 0);
            produce(b.port(), topic, "before");
            aborting.send(b.port(), topic, "aborted-0");     // aborted after the restart
            committing.send(b.port(), topic, "committed-0"); // committed after the restart
            aborting.send(b.port(), topic, "aborted-1");
            committing.send(b.port(), topic, "committed-1");
            assertThat(endOffset(b.bootstrap(), topic, "read_committed")).isEqualTo(1);
            b.kill9();
            b.start();
            assertThat(endOffset(b.bootstrap(), topic, "read_committed")).as("LSO after kill -9").isEqualTo(1);
            assertThat(endOffset(b.bootstrap(), topic, "read_uncommitted")).isEqualTo(5);
            assertThat(writeMarker(b.port(), aborting, false, topic)).containsExactly((short) 0);
            assertThat(endOffset(b.bootstrap(), topic, "read_committed")).isEqualTo(2); // the other one is still open at offset 2
            assertThat(writeMarker(b.port(), committing, true, topic)).containsExactly((short) 0);
            assertThat(read(b.bootstrap(), topic, "read_committed", 3)).containsExactly("before", "committed-0", "committed-1");
            // and once more after another kill: the aborted transaction is still skipped (its index entry survives)
            b.kill9();
            b.start();
            assertThat(read(b.bootstrap(), topic, "read_committed", 3)).containsExactly("before", "committed-0", "committed-1");
            assertThat(read(b.bootstrap(), topic, "read_uncommitted", 5))
                    .containsExactly("before", "aborted-0", "committed-0", "aborted-1", "committed-1");
        }
    }
}
