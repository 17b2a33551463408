package io.runnel.it;

import io.runnel.broker.txn.TxnMarkerChannelManager;
import io.runnel.common.Errors;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link TxnMarkerChannelManager}, the transaction coordinator's way to other brokers' partitions, against a real
 * broker (node 1) over a real socket, as the coordinator of a broker 99 would use it: markers for partitions led
 * by node 1 go out as WriteTxnMarkers, grouped into fewer requests than markers, and are written there; each answer is
 * per partition; an unknown partition, a partition without leader and an unreachable leader give the errors that
 * {@code TxnMarkerSender} treats as written, or retries; a partition led by broker 99 itself is written locally.
 */
class TxnMarkerChannelIT {
    private static final int SELF = 99;
    private static final int DEAD = 7;

    @TempDir
    Path dir;
    private TestBroker broker;
    private TxnMarkerChannelManager channels;
    private final AtomicInteger localWrites = new AtomicInteger();

    @BeforeEach
    void setUp() {
        broker = TestBroker.start(dir);
        broker.createTopic("m", 3);
        int deadPort = BrokerProcess.freePort();
        channels = new TxnMarkerChannelManager(SELF, (tp, pid, epoch, ce, commit) -> {
            localWrites.incrementAndGet();
            return CompletableFuture.completedFuture(Errors.NONE);
        }, tp -> switch (tp.topic()) {
            case "m", "not-there" -> 1;
            case "mine" -> SELF;
            case "leaderless" -> -1;
            case "dead" -> DEAD;
            default -> TxnMarkerChannelManager.UNKNOWN_PARTITION;
        }, id -> id == 1 ? new InetSocketAddress("127.0.0.1", broker.port())
                : id == DEAD ? new InetSocketAddress("127.0.0.1", deadPort) : null, 30_000);
    }

    @AfterEach
    void tearDown() {
        if (channels != null) channels.close();
        if (broker != null) broker.close();
    }

    @Test
    void markersForAnotherBrokersPartitionsAreSentGroupedAndWrittenThere() throws Exception {
        List<CompletableFuture<Errors>> results = new ArrayList<>();
        int producers = 10;
        for (int pid = 0; pid < producers; pid++) {
            for (int p = 0; p < 3; p++) {
                results.add(channels.writeTxnMarker(new io.runnel.common.TopicPartition("m", p), 1000 + pid, (short) 0, 0, pid % 2 == 0));
            }
        }
        for (CompletableFuture<Errors> r : results) assertThat(r.get(30, TimeUnit.SECONDS)).isEqualTo(Errors.NONE);
        assertThat(channels.markersSent()).isEqualTo(30);
        assertThat(channels.requestsSent()).as("markers queued while a request is in flight leave together").isLessThan(30);
        assertThat(localWrites).hasValue(0);
        // every marker is a control batch in the leader's log: each partition's end moved by one per producer
        try (KafkaConsumer<byte[], byte[]> c = Clients.consumer(broker.bootstrap())) {
            List<TopicPartition> tps = List.of(new TopicPartition("m", 0), new TopicPartition("m", 1), new TopicPartition("m", 2));
            Map<TopicPartition, Long> ends = c.endOffsets(tps, Duration.ofSeconds(30));
            for (TopicPartition tp : tps) assertThat(ends.get(tp)).as("end of %s", tp).isEqualTo(producers);
        }
    }

    @Test
    void answersPerPartitionAndForUnreachableOrUnknownLeaders() throws Exception {
        assertThat(write("not-there")).as("the leader does not have the partition").isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION);
        assertThat(write("gone")).as("not in the image").isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION);
        assertThat(write("leaderless")).isEqualTo(Errors.LEADER_NOT_AVAILABLE);
        assertThat(write("dead")).as("connection refused").isEqualTo(Errors.NETWORK_EXCEPTION);
        assertThat(Errors.NETWORK_EXCEPTION.retriable() && Errors.LEADER_NOT_AVAILABLE.retriable()).isTrue();
        assertThat(localWrites).hasValue(0);
        assertThat(write("mine")).isEqualTo(Errors.NONE);
        assertThat(localWrites).as("a partition led here is written locally").hasValue(1);
        assertThat(write("m")).as("the channel still works after the failures").isEqualTo(Errors.NONE);
    }

    private Errors write(String topic) throws Exception {
        return channels.writeTxnMarker(new io.runnel.common.TopicPartition(topic, 0), 2000, (short) 0, 0, true).get(30, TimeUnit.SECONDS);
    }
}
