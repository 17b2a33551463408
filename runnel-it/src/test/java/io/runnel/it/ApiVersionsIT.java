package io.runnel.it;

import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.ApiVersionsRequest;
import io.runnel.protocol.message.ApiVersionsResponse;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.FeatureMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * ApiVersions as Kafka 4.4 serves it: v5 (KIP-1242) checks the cluster id and node id a client sends
 * and answers REBOOTSTRAP_REQUIRED when the connection reached another broker; from v3 the response
 * carries supported and finalized features, which {@code Admin.describeFeatures()} shows (with every
 * kafka-clients generation the shared sources run with).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ApiVersionsIT {
    private static final short REBOOTSTRAP_REQUIRED = 129, INVALID_REQUEST = 42;

    @TempDir
    static Path dir;
    static TestBroker broker;
    static String clusterId;

    @BeforeAll
    static void start() {
        broker = TestBroker.start(dir.resolve("broker"));
        clusterId = broker.server().controller().image().clusterId().toString();
    }

    @AfterAll
    static void stop() {
        if (broker != null) broker.close();
    }

    private static ApiVersionsResponse v5(String cluster, int node) throws Exception {
        ApiVersionsRequest req = new ApiVersionsRequest();
        req.clientSoftwareName = "runnel-it";
        req.clientSoftwareVersion = "1.0";
        req.clusterId = cluster;
        req.nodeId = node;
        try (RawClient c = new RawClient(broker.port())) {
            c.send(ApiKeys.API_VERSIONS, (short) 5, 7, req);
            RawClient.Response<ApiVersionsResponse> r = c.receive(ApiKeys.API_VERSIONS, (short) 5);
            assertThat(r.correlationId()).isEqualTo(7);
            return r.body();
        }
    }

    @Test
    void v5WithThisClusterAndNodeIsServed() throws Exception {
        ApiVersionsResponse r = v5(clusterId, 1);
        assertThat(r.errorCode).isZero();
        assertThat(r.apiKeys).extracting(a -> a.apiKey).contains(ApiKeys.API_VERSIONS.id, ApiKeys.PRODUCE.id);
        assertThat(r.apiKeys).filteredOn(a -> a.apiKey == ApiKeys.API_VERSIONS.id).extracting(a -> a.maxVersion).containsExactly((short) 5);
        // a client that does not know the cluster yet (bootstrap) sends neither
        assertThat(v5(null, -1).errorCode).isZero();
    }

    @Test
    void v5ForAnotherClusterOrNodeAsksTheClientToRebootstrap() throws Exception {
        ApiVersionsResponse otherCluster = v5("AAAAAAAAAAAAAAAAAAAAAA", 1);
        assertThat(otherCluster.errorCode).isEqualTo(REBOOTSTRAP_REQUIRED);
        assertThat(otherCluster.apiKeys).isEmpty();
        assertThat(v5(clusterId, 2).errorCode).isEqualTo(REBOOTSTRAP_REQUIRED);
        // one without the other is malformed
        assertThat(v5(clusterId, -1).errorCode).isEqualTo(INVALID_REQUEST);
        assertThat(v5(null, 1).errorCode).isEqualTo(INVALID_REQUEST);
    }

    private static Map<String, String> supported(ApiVersionsResponse r) {
        Map<String, String> m = new TreeMap<>();
        r.supportedFeatures.forEach(f -> m.put(f.name, f.minVersion + "-" + f.maxVersion));
        return m;
    }

    private static Map<String, String> finalized(ApiVersionsResponse r) {
        Map<String, String> m = new TreeMap<>();
        r.finalizedFeatures.forEach(f -> m.put(f.name, f.minVersionLevel + "-" + f.maxVersionLevel));
        return m;
    }

    @Test
    void featuresStateWhatRunnelServes() throws Exception {
        try (RawClient c = new RawClient(broker.port())) {
            ApiVersionsResponse v4 = c.apiVersions((short) 4, 1);
            assertThat(supported(v4)).isEqualTo(Map.of(
                    "metadata.version", "7-33",
                    "kraft.version", "0-0",
                    "group.version", "0-1",
                    "transaction.version", "0-2",
                    "eligible.leader.replicas.version", "0-0",
                    "share.version", "0-0",
                    "streams.version", "0-0"));
            // level 0 is "off" and not listed: share and streams groups are not served
            assertThat(finalized(v4)).isEqualTo(Map.of("metadata.version", "33-33", "group.version", "1-1",
                    "transaction.version", "2-2"));
            assertThat(v4.finalizedFeaturesEpoch).isNotNegative();
            // before v4 (KIP-1022) a supported range may not start at 0
            ApiVersionsResponse v3 = c.apiVersions((short) 3, 2);
            assertThat(supported(v3)).isEqualTo(Map.of("metadata.version", "7-33", "group.version", "1-1",
                    "transaction.version", "1-2"));
            assertThat(finalized(v3)).isEqualTo(finalized(v4));
            assertThat(c.apiVersions((short) 2, 3).supportedFeatures).isEmpty();
        }
    }

    @Test
    void adminDescribeFeaturesShowsThem() throws Exception {
        try (Admin admin = Clients.admin(broker.bootstrap())) {
            FeatureMetadata f = admin.describeFeatures().featureMetadata().get(30, TimeUnit.SECONDS);
            Map<String, String> fin = new TreeMap<>();
            f.finalizedFeatures().forEach((k, v) -> fin.put(k, v.minVersionLevel() + "-" + v.maxVersionLevel()));
            Map<String, String> sup = new TreeMap<>();
            f.supportedFeatures().forEach((k, v) -> sup.put(k, v.minVersion() + "-" + v.maxVersion()));
            assertThat(fin).as("finalized features seen by kafka-clients %s", Clients.kafkaVersion())
                    .isEqualTo(Map.of("metadata.version", "33-33", "group.version", "1-1", "transaction.version", "2-2"));
            assertThat(sup).as("supported features seen by kafka-clients %s", Clients.kafkaVersion())
                    .containsEntry("metadata.version", "7-33")
                    .containsEntry("group.version", "0-1")
                    .doesNotContainKey("transaction.version-that-does-not-exist");
            assertThat(sup.get("transaction.version")).as("transaction versions served").isIn("0-2", "1-2");
            assertThat(f.finalizedFeaturesEpoch()).isPresent();
        }
    }

    /**
     * The case KIP-1242 is for: the address of node 1 now leads to a broker of another cluster (also node 1).
     * Before 4.4 a producer that reconnects there writes into the wrong cluster; a 4.4 producer sends the
     * cluster it expects, is told to rebootstrap, and never writes there.
     */
    @Test
    void aMisroutedProducerWritesIntoTheWrongClusterOnlyBeforeKafka44() throws Exception {
        int address = BrokerProcess.freePort();
        try (TestBroker right = TestBroker.start(dir.resolve("right"), Map.of("advertised.listeners", "PLAINTEXT://127.0.0.1:" + address));
             TestBroker wrong = TestBroker.start(dir.resolve("wrong"), Map.of("advertised.listeners", "PLAINTEXT://127.0.0.1:" + address))) {
            right.createTopic("misrouted", 1);
            wrong.createTopic("misrouted", 1);
            TcpProxy toRight = new TcpProxy(address, right.port(), 0);
            // bootstrap from the right broker's own address; metadata then sends the client to node 1 at `address`
            try (KafkaProducer<byte[], byte[]> p = Clients.producer(right.bootstrap(), Map.of(
                    ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 12_000,
                    ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000,
                    ProducerConfig.LINGER_MS_CONFIG, 0))) {
                assertThat(p.send(new ProducerRecord<>("misrouted", bytes("first"))).get(30, TimeUnit.SECONDS).offset()).isZero();
                toRight.close(); // cuts the producer's connection to node 1
                try (TcpProxy toWrong = new TcpProxy(address, wrong.port(), 0)) {
                    Future<RecordMetadata> second = p.send(new ProducerRecord<>("misrouted", bytes("second")));
                    Throwable failed = catchThrowable(() -> second.get(60, TimeUnit.SECONDS));
                    long inWrongCluster = endOffset(wrong);
                    if (kafka44OrNewer()) {
                        assertThat(inWrongCluster).as("records written into the other cluster by kafka-clients %s", Clients.kafkaVersion()).isZero();
                        assertThat(failed).as("the second send").isInstanceOf(ExecutionException.class);
                    } else {
                        // the hazard KIP-1242 removes: an older client cannot tell it reached another cluster
                        assertThat(failed).as("the second send").isNull();
                        assertThat(inWrongCluster).as("records written into the other cluster by kafka-clients %s", Clients.kafkaVersion()).isEqualTo(1);
                    }
                }
            }
        }
    }

    /** Whether the kafka-clients on the classpath is 4.4 or newer (sends ApiVersions v5, KIP-1242). */
    static boolean kafka44OrNewer() {
        String[] v = Clients.kafkaVersion().split("\\.");
        int major = Integer.parseInt(v[0]), minor = Integer.parseInt(v[1]);
        return major > 4 || (major == 4 && minor >= 4);
    }

    private static long endOffset(TestBroker b) throws Exception {
        try (Admin admin = Clients.admin(b.bootstrap())) {
            TopicPartition tp = new TopicPartition("misrouted", 0);
            return admin.listOffsets(Map.of(tp, OffsetSpec.latest())).partitionResult(tp).get(30, TimeUnit.SECONDS).offset();
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
