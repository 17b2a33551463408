package io.runnel.it;

import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.ApiVersionsRequest;
import io.runnel.protocol.message.ApiVersionsResponse;
import io.runnel.protocol.message.MetadataRequest;
import io.runnel.protocol.message.MetadataResponse;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Broken and hostile input. Each case checks the broker's answer (or that it closes just that
 * connection) and then that the broker still serves: a fresh connection gets ApiVersions answered and
 * a Kafka producer/consumer round trip works.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BadInputIT {
    /** Small enough to exceed cheaply, large enough for every normal request here. */
    private static final int MAX_REQUEST = 256 * 1024;
    private static final long T = 30;

    @TempDir
    static Path dir;
    static TestBroker broker;
    static Admin admin;
    private static final AtomicInteger roundTrips = new AtomicInteger();

    @BeforeAll
    static void start() {
        broker = TestBroker.start(dir.resolve("broker"), Map.of("socket.request.max.bytes", Integer.toString(MAX_REQUEST)));
        broker.createTopic("bad-input-probe", 1);
        admin = Clients.admin(broker.bootstrap());
    }

    @AfterAll
    static void stop() {
        if (admin != null) admin.close(Duration.ofSeconds(10));
        if (broker != null) broker.close();
    }

    /** After every case: the broker still answers new connections and still stores and serves records. */
    @AfterEach
    void brokerStillServes() throws Exception {
        try (RawClient c = new RawClient(broker.port())) {
            ApiVersionsResponse v = c.apiVersions((short) 3, 77);
            assertThat(v.errorCode).isZero();
            assertThat(v.apiKeys).isNotEmpty();
        }
        String value = "probe-" + roundTrips.incrementAndGet();
        TopicPartition tp = new TopicPartition("bad-input-probe", 0);
        long offset;
        try (KafkaProducer<byte[], byte[]> p = Clients.producer(broker.bootstrap())) {
            offset = p.send(new ProducerRecord<>(tp.topic(), 0, null, value.getBytes(StandardCharsets.UTF_8))).get(T, TimeUnit.SECONDS).offset();
        }
        List<ConsumerRecord<byte[], byte[]>> all = Clients.readAll(broker.bootstrap(), List.of(tp), Duration.ofSeconds(T));
        assertThat(all).isNotEmpty();
        ConsumerRecord<byte[], byte[]> last = all.get(all.size() - 1);
        assertThat(last.offset()).isEqualTo(offset);
        assertThat(new String(last.value(), StandardCharsets.UTF_8)).isEqualTo(value);
    }

    private static byte[] sizePrefix(int size) {
        return ByteBuffer.allocate(4).putInt(size).array();
    }

    @Test
    void frameLargerThanSocketRequestMaxBytesClosesConnection() throws Exception {
        try (RawClient c = new RawClient(broker.port())) {
            // only the size and a little of the body: the broker must decide from the size alone
            c.write(sizePrefix(MAX_REQUEST + 1));
            c.write(new byte[1024]);
            assertThat(c.closedByPeerWithin(5_000)).as("connection closed").isTrue();
        }
        try (RawClient c = new RawClient(broker.port())) {
            c.write(sizePrefix(Integer.MAX_VALUE));
            assertThat(c.closedByPeerWithin(5_000)).isTrue();
        }
    }

    @Test
    void requestJustUnderTheLimitIsServed() throws Exception {
        // a Metadata request padded with topic names to just under socket.request.max.bytes
        MetadataRequest req = new MetadataRequest();
        req.allowAutoTopicCreation = false;
        req.topics = new java.util.ArrayList<>();
        int size = 0;
        for (int i = 0; size < MAX_REQUEST - 2_000; i++) {
            MetadataRequest.Topic t = new MetadataRequest.Topic();
            t.name = "missing-topic-with-a-long-name-" + "x".repeat(200) + "-" + i;
            req.topics.add(t);
            size += t.name.length() + 18;
        }
        byte[] frame = RawClient.frame(ApiKeys.METADATA, (short) 12, 5, req);
        assertThat(frame.length - 4).isBetween(MAX_REQUEST - 4_000, MAX_REQUEST);
        try (RawClient c = new RawClient(broker.port())) {
            c.write(frame);
            RawClient.Response<MetadataResponse> r = c.receive(ApiKeys.METADATA, (short) 12);
            assertThat(r.correlationId()).isEqualTo(5);
            assertThat(r.body().topics).hasSize(req.topics.size());
            assertThat(r.body().topics).allMatch(t -> t.errorCode == 3, "UNKNOWN_TOPIC_OR_PARTITION");
        }
    }

    @Test
    void tooSmallOrNegativeSizeClosesConnection() throws Exception {
        for (int size : new int[]{-1, 0, 3}) {
            try (RawClient c = new RawClient(broker.port())) {
                c.write(sizePrefix(size));
                c.write(new byte[16]);
                assertThat(c.closedByPeerWithin(5_000)).as("size %d", size).isTrue();
            }
        }
    }

    @Test
    void garbageBytesCloseConnection() throws Exception {
        // an HTTP request: "GET " read as a size is far above the limit
        try (RawClient c = new RawClient(broker.port())) {
            c.write("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(c.closedByPeerWithin(5_000)).as("HTTP request").isTrue();
        }
        // a TLS ClientHello on a plaintext listener
        try (RawClient c = new RawClient(broker.port())) {
            byte[] hello = new byte[64];
            hello[0] = 0x16;
            hello[1] = 0x03;
            hello[2] = 0x01;
            hello[3] = 0x00;
            hello[4] = 0x3b;
            c.write(hello);
            assertThat(c.closedByPeerWithin(5_000)).as("TLS ClientHello").isTrue();
        }
        // a well-sized frame for a known API whose body is noise (an over-long varint in Produce v9)
        try (RawClient c = new RawClient(broker.port())) {
            ByteBuffer b = ByteBuffer.allocate(4 + 8 + 2 + 1 + 40);
            b.putInt(b.capacity() - 4).putShort((short) 0).putShort((short) 9).putInt(1).putShort((short) -1).put((byte) 0);
            while (b.hasRemaining()) b.put((byte) 0xff);
            c.write(b.array());
            assertThat(c.closedByPeerWithin(5_000)).as("Produce v9 with a garbage body").isTrue();
        }
    }

    @Test
    void truncatedRequestClosesConnection() throws Exception {
        MetadataRequest req = new MetadataRequest();
        MetadataRequest.Topic t = new MetadataRequest.Topic();
        t.name = "some-topic";
        req.topics = new java.util.ArrayList<>(List.of(t));
        byte[] full = RawClient.frame(ApiKeys.METADATA, (short) 9, 11, req);
        // a complete frame whose request stops half way through the topic name
        byte[] cut = Arrays.copyOf(full, full.length - 8);
        ByteBuffer.wrap(cut).putInt(0, cut.length - 4);
        try (RawClient c = new RawClient(broker.port())) {
            c.write(cut);
            assertThat(c.closedByPeerWithin(5_000)).as("request cut short inside its frame").isTrue();
        }
        // half a frame, then the client goes away: nothing for the broker to answer, nothing may break
        try (RawClient c = new RawClient(broker.port())) {
            c.write(Arrays.copyOf(full, full.length / 2));
            assertThat(c.closedByPeerWithin(500)).as("the broker waits for the rest of the frame").isFalse();
        }
    }

    @Test
    void unknownApiKeyIsAnsweredWithUnsupportedVersion() throws Exception {
        try (RawClient c = new RawClient(broker.port())) {
            for (short key : new short[]{9999, 34, -1}) {
                ByteBuffer b = ByteBuffer.allocate(4 + 10);
                b.putInt(10).putShort(key).putShort((short) 0).putInt(1000 + key).putShort((short) -1);
                c.write(b.array());
                assertUnsupported(c.readFrame(), 1000 + key);
            }
            // the connection is still usable
            assertThat(c.apiVersions((short) 3, 5).errorCode).isZero();
        }
    }

    @Test
    void unsupportedVersionIsAnsweredWithUnsupportedVersion() throws Exception {
        try (RawClient c = new RawClient(broker.port())) {
            // Metadata v99 (newer than any), Produce v2 (older than Runnel's v3 minimum)
            // (header v2 as for any flexible version: null client id, no tagged fields; no body)
            ByteBuffer b = ByteBuffer.allocate(4 + 11);
            b.putInt(11).putShort(ApiKeys.METADATA.id).putShort((short) 99).putInt(21).putShort((short) -1).put((byte) 0);
            c.write(b.array());
            assertUnsupported(c.readFrame(), 21);
            ByteBuffer p = ByteBuffer.allocate(4 + 10);
            p.putInt(10).putShort(ApiKeys.PRODUCE.id).putShort((short) 2).putInt(22).putShort((short) -1);
            c.write(p.array());
            assertUnsupported(c.readFrame(), 22);
            assertThat(c.apiVersions((short) 0, 23).errorCode).isZero();
        }
    }

    private static void assertUnsupported(ByteBuffer frame, int correlationId) {
        assertThat(frame.remaining()).as("correlation id + error code").isEqualTo(6);
        assertThat(frame.getInt()).as("correlation id").isEqualTo(correlationId);
        assertThat(frame.getShort()).as("UNSUPPORTED_VERSION").isEqualTo((short) 35);
    }

    @Test
    void tooNewApiVersionsGetsV0ResponseListingVersions() throws Exception {
        try (RawClient c = new RawClient(broker.port())) {
            // ApiVersions v127 in the flexible format a newer client would use
            ApiVersionsRequest req = new ApiVersionsRequest();
            req.clientSoftwareName = "future-client";
            req.clientSoftwareVersion = "99.0";
            ByteBuffer b = ByteBuffer.allocate(256);
            b.putInt(0).putShort(ApiKeys.API_VERSIONS.id).putShort((short) 127).putInt(31).putShort((short) 6)
                    .put("future".getBytes(StandardCharsets.US_ASCII)).put((byte) 0) // empty tagged fields
                    .put((byte) 14).put("future-client".getBytes(StandardCharsets.US_ASCII))
                    .put((byte) 5).put("99.0".getBytes(StandardCharsets.US_ASCII)).put((byte) 0);
            b.putInt(0, b.position() - 4);
            c.write(Arrays.copyOf(b.array(), b.position()));
            // read as ApiVersions v0: response header v0, errorCode, [apiKey minVersion maxVersion]
            RawClient.Response<ApiVersionsResponse> r = c.receive(ApiKeys.API_VERSIONS, (short) 0);
            assertThat(r.correlationId()).isEqualTo(31);
            assertThat(r.body().errorCode).as("UNSUPPORTED_VERSION").isEqualTo((short) 35);
            ApiVersionsResponse.ApiVersion av = r.body().apiKeys.stream().filter(k -> k.apiKey == ApiKeys.API_VERSIONS.id).findFirst().orElseThrow();
            assertThat(av.minVersion).isZero();
            assertThat(av.maxVersion).isEqualTo(ApiKeys.API_VERSIONS.highestVersion);
            assertThat(r.body().apiKeys).extracting(k -> k.apiKey).contains(ApiKeys.PRODUCE.id, ApiKeys.FETCH.id, ApiKeys.METADATA.id);
            // the client retries with a version from the list, on the same connection
            ApiVersionsResponse ok = c.apiVersions(av.maxVersion, 32);
            assertThat(ok.errorCode).isZero();
            assertThat(ok.apiKeys).hasSameSizeAs(r.body().apiKeys);
        }
    }

    @Test
    void apiVersionsWithMalformedSoftwareNameIsInvalidRequest() throws Exception {
        try (RawClient c = new RawClient(broker.port())) {
            ApiVersionsRequest req = new ApiVersionsRequest();
            req.clientSoftwareName = "bad name!";
            req.clientSoftwareVersion = "1.0";
            c.send(ApiKeys.API_VERSIONS, (short) 3, 41, req);
            RawClient.Response<ApiVersionsResponse> r = c.receive(ApiKeys.API_VERSIONS, (short) 3);
            assertThat(r.body().errorCode).as("INVALID_REQUEST").isEqualTo((short) 42);
            assertThat(r.body().apiKeys).as("no versions listed, as Kafka answers").isEmpty();
        }
    }

    private static Throwable cause(Throwable t) {
        return t instanceof ExecutionException && t.getCause() != null ? t.getCause() : t;
    }

    @Test
    void invalidTopicConfigsAreRejectedNamingTheKey() throws Exception {
        Map<String, String> bad = Map.of(
                "retention.ms", "not-a-number",
                "cleanup.policy", "sometimes",
                "min.insync.replicas", "0",
                "no.such.config", "1",
                "compression.type", "brotli");
        for (Map.Entry<String, String> e : bad.entrySet()) {
            String topic = "bad-config-" + e.getKey().replace('.', '-');
            assertThatThrownBy(() -> admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1).configs(Map.of(e.getKey(), e.getValue()))))
                    .all().get(T, TimeUnit.SECONDS))
                    .as("%s=%s", e.getKey(), e.getValue())
                    .extracting(BadInputIT::cause)
                    .isInstanceOf(InvalidConfigurationException.class)
                    .extracting(Throwable::getMessage).asString().contains(e.getKey());
            assertThat(admin.listTopics().names().get(T, TimeUnit.SECONDS)).as("nothing created").doesNotContain(topic);
        }
        // the same checks when changing an existing topic's configs
        ConfigResource res = new ConfigResource(ConfigResource.Type.TOPIC, "bad-input-probe");
        assertThatThrownBy(() -> admin.incrementalAlterConfigs(Map.of(res, List.of(
                new AlterConfigOp(new ConfigEntry("segment.bytes", "12"), AlterConfigOp.OpType.SET)))).all().get(T, TimeUnit.SECONDS))
                .extracting(BadInputIT::cause)
                .isInstanceOf(InvalidConfigurationException.class)
                .extracting(Throwable::getMessage).asString().contains("segment.bytes");
        assertThatThrownBy(() -> admin.incrementalAlterConfigs(Map.of(res, List.of(
                new AlterConfigOp(new ConfigEntry("no.such.config", "1"), AlterConfigOp.OpType.SET)))).all().get(T, TimeUnit.SECONDS))
                .extracting(BadInputIT::cause)
                .isInstanceOf(InvalidConfigurationException.class)
                .extracting(Throwable::getMessage).asString().contains("no.such.config");
    }

    @Test
    void invalidTopicNamesAreRejected() throws Exception {
        List<String> names = List.of(".", "..", "has space", "slash/name", "star*", "ünïcode", "x".repeat(250), "tab\tname");
        for (String name : names) {
            assertThatThrownBy(() -> admin.createTopics(List.of(new NewTopic(name, 1, (short) 1))).all().get(T, TimeUnit.SECONDS))
                    .as("topic name '%s'", name)
                    .extracting(BadInputIT::cause)
                    .isInstanceOf(InvalidTopicException.class);
        }
        // names that differ only in '.' versus '_' collide in metric names, so Kafka refuses the second
        admin.createTopics(List.of(new NewTopic("collide.name", 1, (short) 1))).all().get(T, TimeUnit.SECONDS);
        assertThatThrownBy(() -> admin.createTopics(List.of(new NewTopic("collide_name", 1, (short) 1))).all().get(T, TimeUnit.SECONDS))
                .extracting(BadInputIT::cause)
                .isInstanceOf(InvalidTopicException.class);
        var listed = admin.listTopics().names().get(T, TimeUnit.SECONDS);
        for (String name : names) assertThat(listed).doesNotContain(name);
        assertThat(listed).doesNotContain("collide_name");
    }

    @Test
    void producingToAnInvalidTopicNameFailsFast() {
        try (KafkaProducer<byte[], byte[]> p = Clients.producer(broker.bootstrap())) {
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> p.send(new ProducerRecord<>("no spaces allowed", null, new byte[]{1})).get(T, TimeUnit.SECONDS))
                    .extracting(BadInputIT::cause).isInstanceOf(InvalidTopicException.class);
            assertThat((System.nanoTime() - t0) / 1_000_000).as("answered from metadata, not after max.block.ms").isLessThan(10_000);
        }
    }

    @Test
    void manyBadConnectionsAtOnceDoNotDisturbAGoodOne() throws Exception {
        try (RawClient good = new RawClient(broker.port())) {
            assertThat(good.apiVersions((short) 3, 1).errorCode).isZero();
            for (int i = 0; i < 20; i++) {
                try (RawClient bad = new RawClient(broker.port())) {
                    bad.write(sizePrefix(MAX_REQUEST * 2));
                    assertThat(bad.closedByPeerWithin(5_000)).isTrue();
                }
                try (RawClient half = new RawClient(broker.port())) {
                    half.write(new byte[]{0, 0, 0, 40, 0, 3});
                }
            }
            assertThat(good.apiVersions((short) 3, 2).errorCode).as("the good connection still works").isZero();
        }
    }
}
