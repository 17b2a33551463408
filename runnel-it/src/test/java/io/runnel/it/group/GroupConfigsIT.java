package io.runnel.it.group;

import io.runnel.it.Clients;
import io.runnel.it.RawClient;
import io.runnel.it.TestBroker;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.AlterConfigsRequest;
import io.runnel.protocol.message.AlterConfigsResponse;
import io.runnel.protocol.message.ConsumerGroupDescribeRequest;
import io.runnel.protocol.message.ConsumerGroupDescribeResponse;
import io.runnel.protocol.message.ConsumerGroupHeartbeatRequest;
import io.runnel.protocol.message.ConsumerGroupHeartbeatResponse;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.DescribeConfigsOptions;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Group configs (KIP-848, config resource type GROUP) with the Admin client: describe (every Kafka 4.4 group
 * key, sources and synonyms), incrementalAlterConfigs and alterConfigs (validated against the broker's
 * group.consumer.min/max.* bounds with Kafka's messages), kept across a restart, and applied: a consumer
 * group's heartbeat interval and session timeout follow the group's override (issue 7, item 3).
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class GroupConfigsIT {
    private static final String TOPIC = "group-configs-topic";
    /** The broker's consumer session timeout: far above the override, so a quick fence proves the override. */
    private static final int BROKER_SESSION_MS = 60_000;

    @TempDir
    static Path dir;
    static TestBroker broker;
    static Admin admin;

    private static Map<String, String> overrides() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("offsets.topic.num.partitions", "1");
        m.put("offsets.topic.segment.bytes", "2097152");
        m.put("group.consumer.min.session.timeout.ms", "1000");
        m.put("group.consumer.min.heartbeat.interval.ms", "500");
        m.put("group.consumer.session.timeout.ms", Integer.toString(BROKER_SESSION_MS));
        m.put("group.consumer.heartbeat.interval.ms", "5000");
        return m;
    }

    @BeforeAll
    static void start() {
        Assumptions.assumeTrue(Clients.kafkaMajor() >= 4, "kafka-clients 3.9's Admin cannot address group configs");
        broker = TestBroker.start(dir.resolve("broker"), overrides());
        admin = Clients.admin(broker.bootstrap());
        broker.createTopic(TOPIC, 2);
    }

    @AfterAll
    static void stop() {
        if (admin != null) admin.close();
        if (broker != null) broker.close();
    }

    private static ConfigResource group(String id) {
        // by name: kafka-clients 3.9 (the runnel-it-kafka39 build of these sources) has no GROUP type
        return new ConfigResource(ConfigResource.Type.valueOf("GROUP"), id);
    }

    private static Config describe(Admin a, String groupId) throws Exception {
        return a.describeConfigs(List.of(group(groupId)), new DescribeConfigsOptions().includeSynonyms(true).includeDocumentation(true))
                .all().get(30, TimeUnit.SECONDS).get(group(groupId));
    }

    private static void alter(String groupId, AlterConfigOp... ops) throws Exception {
        admin.incrementalAlterConfigs(Map.of(group(groupId), List.of(ops))).all().get(30, TimeUnit.SECONDS);
    }

    private static AlterConfigOp set(String key, String value) {
        return new AlterConfigOp(new ConfigEntry(key, value), AlterConfigOp.OpType.SET);
    }

    private static Throwable cause(Throwable t) {
        return t instanceof ExecutionException && t.getCause() != null ? t.getCause() : t;
    }

    @Test
    void describeListsEveryKafkaGroupConfigWithSourcesAndSynonyms() throws Exception {
        Config c = describe(admin, "gc-described");
        assertThat(c.entries()).extracting(ConfigEntry::name).containsExactlyInAnyOrder(
                "consumer.assignment.interval.ms", "consumer.heartbeat.interval.ms", "consumer.session.timeout.ms",
                "errors.deadletterqueue.copy.record.enable", "errors.deadletterqueue.topic.name",
                "share.assignment.interval.ms", "share.auto.offset.reset", "share.delivery.count.limit",
                "share.heartbeat.interval.ms", "share.isolation.level", "share.partition.max.record.locks",
                "share.record.lock.duration.ms", "share.renew.acknowledge.enable", "share.session.timeout.ms",
                "streams.acceptable.recovery.lag", "streams.assignment.interval.ms", "streams.heartbeat.interval.ms",
                "streams.initial.rebalance.delay.ms", "streams.num.standby.replicas", "streams.num.warmup.replicas",
                "streams.session.timeout.ms", "streams.task.offset.interval.ms");
        ConfigEntry session = c.get("consumer.session.timeout.ms");
        assertThat(session.value()).isEqualTo(Integer.toString(BROKER_SESSION_MS));
        assertThat(session.source()).isEqualTo(ConfigEntry.ConfigSource.STATIC_BROKER_CONFIG);
        assertThat(session.isReadOnly()).isFalse();
        assertThat(session.synonyms()).extracting(s -> s.name() + "=" + s.value() + "/" + s.source())
                .containsExactly("group.consumer.session.timeout.ms=60000/STATIC_BROKER_CONFIG",
                        "group.consumer.session.timeout.ms=45000/DEFAULT_CONFIG");
        ConfigEntry lock = c.get("share.record.lock.duration.ms");
        assertThat(lock.value()).isEqualTo("30000");
        assertThat(lock.source()).isEqualTo(ConfigEntry.ConfigSource.DEFAULT_CONFIG);
        assertThat(lock.documentation()).as("a key Runnel does not apply says so").contains("Not applied by Runnel");
        assertThat(c.get("share.auto.offset.reset").value()).isEqualTo("latest");
        assertThat(c.get("consumer.heartbeat.interval.ms").documentation()).doesNotContain("Not applied");
    }

    @Test
    void alterIsValidatedAgainstTheBrokerBoundsStoredAndKeptAcrossARestart() throws Exception {
        String g = "gc-altered";
        alter(g, set("consumer.session.timeout.ms", "3000"), set("consumer.heartbeat.interval.ms", "1000"),
                set("share.auto.offset.reset", "by_duration:PT1H"), set("streams.num.standby.replicas", "1"));
        Config c = describe(admin, g);
        assertThat(c.get("consumer.session.timeout.ms").value()).isEqualTo("3000");
        assertThat(c.get("consumer.session.timeout.ms").source().name()).isEqualTo("DYNAMIC_GROUP_CONFIG");
        assertThat(c.get("consumer.session.timeout.ms").synonyms()).extracting(s -> s.source().name())
                .containsExactly("DYNAMIC_GROUP_CONFIG", "STATIC_BROKER_CONFIG", "DEFAULT_CONFIG");
        assertThat(c.get("share.auto.offset.reset").value()).isEqualTo("by_duration:PT1H");

        // Kafka's validation and messages; nothing of a refused request is stored
        assertInvalid(g, set("consumer.session.timeout.ms", "999"), "consumer.session.timeout.ms must be in the range 1000 to 60000 inclusive.");
        assertInvalid(g, set("consumer.heartbeat.interval.ms", "20000"), "consumer.heartbeat.interval.ms must be in the range 500 to 15000 inclusive.");
        assertInvalid(g, set("consumer.heartbeat.interval.ms", "3000"), "consumer.session.timeout.ms must be greater than consumer.heartbeat.interval.ms");
        assertInvalid(g, set("streams.num.standby.replicas", "3"), "streams.num.standby.replicas must be less than or equal to 2");
        assertInvalid(g, set("share.isolation.level", "dirty"), "share.isolation.level");
        assertInvalid(g, set("group.no.such.key", "1"), "Unknown group config name: group.no.such.key");
        assertInvalid(g, set("errors.deadletterqueue.topic.name", "__dlq"), "DLQ topic name must not start with '__'");
        assertThat(describe(admin, g).get("consumer.heartbeat.interval.ms").value()).isEqualTo("1000");

        // an empty group id is refused before the controller
        assertThatThrownBy(() -> alter("", set("consumer.session.timeout.ms", "3000")))
                .satisfies(t -> assertThat(cause(t)).isInstanceOf(InvalidRequestException.class));

        // the legacy AlterConfigs (gone from kafka-clients 4's Admin, so sent raw) replaces the group's whole set of overrides
        try (RawClient raw = new RawClient(broker.port())) {
            AlterConfigsRequest req = new AlterConfigsRequest();
            AlterConfigsRequest.Resource r = new AlterConfigsRequest.Resource();
            r.resourceType = 32; // GROUP
            r.resourceName = g;
            AlterConfigsRequest.Config entry = new AlterConfigsRequest.Config();
            entry.name = "share.delivery.count.limit";
            entry.value = "3";
            r.configs.add(entry);
            req.resources.add(r);
            raw.send(ApiKeys.ALTER_CONFIGS, (short) 2, 7, req);
            AlterConfigsResponse resp = raw.<AlterConfigsResponse>receive(ApiKeys.ALTER_CONFIGS, (short) 2).body();
            assertThat(resp.responses.get(0).errorCode).isZero();
        }
        Config replaced = describe(admin, g);
        assertThat(replaced.get("share.delivery.count.limit").value()).isEqualTo("3");
        assertThat(replaced.get("consumer.session.timeout.ms").source()).isEqualTo(ConfigEntry.ConfigSource.STATIC_BROKER_CONFIG);
        alter(g, set("consumer.session.timeout.ms", "6000"),
                new AlterConfigOp(new ConfigEntry("share.delivery.count.limit", null), AlterConfigOp.OpType.DELETE));

        // the overrides are metadata records: a restarted broker replays them
        admin.close();
        broker.close();
        broker = TestBroker.start(dir.resolve("broker"), overrides());
        admin = Clients.admin(broker.bootstrap());
        Config after = describe(admin, g);
        assertThat(after.get("consumer.session.timeout.ms").value()).isEqualTo("6000");
        assertThat(after.get("consumer.session.timeout.ms").source().name()).isEqualTo("DYNAMIC_GROUP_CONFIG");
        assertThat(after.get("share.delivery.count.limit").source()).isEqualTo(ConfigEntry.ConfigSource.DEFAULT_CONFIG);
    }

    @Test
    void offsetsTopicSegmentBytesIsHonoured() throws Exception {
        GroupTests.committed(admin, "gc-offsets-topic"); // FindCoordinator creates __consumer_offsets
        ConfigResource offsets = new ConfigResource(ConfigResource.Type.TOPIC, "__consumer_offsets");
        ConfigEntry segment = admin.describeConfigs(List.of(offsets)).all().get(30, TimeUnit.SECONDS).get(offsets).get("segment.bytes");
        assertThat(segment.value()).as("offsets.topic.segment.bytes").isEqualTo("2097152");
    }

    private static void assertInvalid(String groupId, AlterConfigOp op, String message) {
        assertThatThrownBy(() -> alter(groupId, op)).as(op.toString())
                .satisfies(t -> assertThat(cause(t)).isInstanceOf(InvalidConfigurationException.class).hasMessageContaining(message));
    }

    @Test
    void aConsumerGroupGetsItsHeartbeatIntervalAndSessionTimeoutFromTheGroupConfig() throws Exception {
        String overridden = "gc-applied", plain = "gc-plain";
        alter(overridden, set("consumer.session.timeout.ms", "2000"), set("consumer.heartbeat.interval.ms", "700"));
        // FindCoordinator (through the Admin client) creates and loads __consumer_offsets before the raw heartbeats
        GroupTests.committed(admin, overridden);
        try (RawClient c = new RawClient(broker.port())) {
            ConsumerGroupHeartbeatResponse joined = join(c, overridden, 1);
            assertThat(joined.errorCode).isZero();
            assertThat(joined.heartbeatIntervalMs).as("the group's consumer.heartbeat.interval.ms").isEqualTo(700);
            ConsumerGroupHeartbeatResponse other = join(c, plain, 2);
            assertThat(other.heartbeatIntervalMs).as("the broker's group.consumer.heartbeat.interval.ms").isEqualTo(5000);

            // no more heartbeats: the member of the overridden group is fenced after its 2 s session timeout,
            // long before the broker's 60 s; the other group's member is still there
            long start = System.nanoTime();
            int corr = 10;
            while (!members(c, overridden, corr++).isEmpty()) {
                assertThat(Duration.ofNanos(System.nanoTime() - start)).as("fenced by the group's session timeout")
                        .isLessThan(Duration.ofSeconds(30));
                Thread.sleep(100);
            }
            assertThat(members(c, plain, corr)).as("the broker's session timeout still holds the other member").hasSize(1);
        }
    }

    private static ConsumerGroupHeartbeatResponse join(RawClient c, String groupId, int corr) throws IOException {
        ConsumerGroupHeartbeatRequest req = new ConsumerGroupHeartbeatRequest();
        req.groupId = groupId;
        req.memberId = "";
        req.memberEpoch = 0;
        req.rebalanceTimeoutMs = 30_000;
        req.subscribedTopicNames = List.of(TOPIC);
        req.topicPartitions = List.of();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            c.send(ApiKeys.CONSUMER_GROUP_HEARTBEAT, (short) 0, corr, req);
            RawClient.Response<ConsumerGroupHeartbeatResponse> r = c.receive(ApiKeys.CONSUMER_GROUP_HEARTBEAT, (short) 0);
            assertThat(r.correlationId()).isEqualTo(corr);
            // NOT_COORDINATOR / COORDINATOR_LOAD_IN_PROGRESS while __consumer_offsets is created and loaded
            boolean retriable = r.body().errorCode == 16 || r.body().errorCode == 14 || r.body().errorCode == 15;
            if (!retriable || System.nanoTime() > deadline) return r.body();
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
        }
    }

    private static Collection<ConsumerGroupDescribeResponse.Member> members(RawClient c, String groupId, int corr) throws IOException {
        ConsumerGroupDescribeRequest req = new ConsumerGroupDescribeRequest();
        req.groupIds = List.of(groupId);
        c.send(ApiKeys.CONSUMER_GROUP_DESCRIBE, (short) 0, corr, req);
        ConsumerGroupDescribeResponse resp = c.<ConsumerGroupDescribeResponse>receive(ApiKeys.CONSUMER_GROUP_DESCRIBE, (short) 0).body();
        ConsumerGroupDescribeResponse.Group g = resp.groups.get(0);
        return g.errorCode == 0 ? g.members : List.of();
    }
}
