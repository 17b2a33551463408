package io.runnel.it;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.CreatePartitionsOptions;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.CreateTopicsResult;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicCollection;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicIdException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
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
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The Admin client against an in-process broker: create (with configs, defaults, validate-only),
 * describe topics and configs, incremental config changes, partition increases, deletion, listing and
 * the cluster description, each checked the way a real Kafka broker answers.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AdminIT {
    private static final long T = 30;
    /** A static broker setting that topic configs inherit: DescribeConfigs must show it as such. */
    private static final String STATIC_RETENTION_BYTES = "123456789";

    @TempDir
    static Path dir;
    static TestBroker broker;
    static Admin admin;

    @BeforeAll
    static void start() {
        broker = TestBroker.start(dir.resolve("broker"), Map.of("log.retention.bytes", STATIC_RETENTION_BYTES, "num.partitions", "2"));
        admin = Clients.admin(broker.bootstrap());
    }

    @AfterAll
    static void stop() {
        if (admin != null) admin.close(Duration.ofSeconds(10));
        if (broker != null) broker.close();
    }

    private static Set<String> topicNames() throws Exception {
        return admin.listTopics().names().get(T, TimeUnit.SECONDS);
    }

    private static TopicDescription describe(String topic) throws Exception {
        return admin.describeTopics(List.of(topic)).allTopicNames().get(T, TimeUnit.SECONDS).get(topic);
    }

    private static Config topicConfig(String topic) throws Exception {
        ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        return admin.describeConfigs(List.of(r)).all().get(T, TimeUnit.SECONDS).get(r);
    }

    private static Throwable cause(Throwable t) {
        return t instanceof ExecutionException && t.getCause() != null ? t.getCause() : t;
    }

    @Test
    void createWithConfigsThenDescribe() throws Exception {
        String topic = "admin-create";
        CreateTopicsResult created = admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1)
                .configs(Map.of("retention.ms", "3600000", "cleanup.policy", "compact", "max.message.bytes", "200000"))));
        created.all().get(T, TimeUnit.SECONDS);
        assertThat(created.numPartitions(topic).get()).isEqualTo(3);
        assertThat(created.replicationFactor(topic).get()).isEqualTo(1);
        Uuid id = created.topicId(topic).get();
        assertThat(id).isNotNull().isNotEqualTo(Uuid.ZERO_UUID);
        // CreateTopics v5+ returns the topic's effective configs
        Config returned = created.config(topic).get();
        assertThat(returned.get("retention.ms").value()).isEqualTo("3600000");
        assertThat(returned.get("retention.ms").source()).isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG);
        assertThat(returned.get("segment.bytes").value()).isEqualTo("1073741824");

        assertThat(topicNames()).contains(topic);
        TopicDescription d = describe(topic);
        assertThat(d.name()).isEqualTo(topic);
        assertThat(d.isInternal()).isFalse();
        assertThat(d.topicId()).isEqualTo(id);
        assertThat(d.partitions()).hasSize(3);
        for (int p = 0; p < 3; p++) {
            TopicPartitionInfo info = d.partitions().get(p);
            assertThat(info.partition()).isEqualTo(p);
            assertThat(info.leader().id()).isEqualTo(1);
            assertThat(info.replicas()).extracting(Node::id).containsExactly(1);
            assertThat(info.isr()).extracting(Node::id).containsExactly(1);
        }
        // the same topic by id
        TopicDescription byId = admin.describeTopics(TopicCollection.ofTopicIds(List.of(id))).allTopicIds().get(T, TimeUnit.SECONDS).get(id);
        assertThat(byId.name()).isEqualTo(topic);
        assertThat(byId.partitions()).hasSize(3);
        Uuid unknownId = Uuid.randomUuid();
        assertThatThrownBy(() -> admin.describeTopics(TopicCollection.ofTopicIds(List.of(unknownId))).allTopicIds().get(T, TimeUnit.SECONDS))
                .extracting(AdminIT::cause).isInstanceOf(UnknownTopicIdException.class);

        Config c = topicConfig(topic);
        ConfigEntry retention = c.get("retention.ms");
        assertThat(retention.value()).isEqualTo("3600000");
        assertThat(retention.source()).isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG);
        assertThat(retention.isDefault()).isFalse();
        assertThat(c.get("cleanup.policy").value()).isEqualTo("compact");
        assertThat(c.get("max.message.bytes").value()).isEqualTo("200000");
        ConfigEntry inherited = c.get("retention.bytes");
        assertThat(inherited.value()).as("inherited from log.retention.bytes").isEqualTo(STATIC_RETENTION_BYTES);
        assertThat(inherited.source()).isEqualTo(ConfigEntry.ConfigSource.STATIC_BROKER_CONFIG);
        ConfigEntry dflt = c.get("min.insync.replicas");
        assertThat(dflt.value()).isEqualTo("1");
        assertThat(dflt.source()).isEqualTo(ConfigEntry.ConfigSource.DEFAULT_CONFIG);
        assertThat(dflt.isDefault()).isTrue();

        assertThatThrownBy(() -> admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(T, TimeUnit.SECONDS))
                .extracting(AdminIT::cause).isInstanceOf(TopicExistsException.class);
    }

    @Test
    void createWithBrokerDefaults() throws Exception {
        String topic = "admin-defaults";
        admin.createTopics(List.of(new NewTopic(topic, Optional.empty(), Optional.empty()))).all().get(T, TimeUnit.SECONDS);
        TopicDescription d = describe(topic);
        assertThat(d.partitions()).as("num.partitions=2 on this broker").hasSize(2);
        assertThat(d.partitions().get(0).replicas()).hasSize(1);
    }

    @Test
    void createValidateOnlyCreatesNothing() throws Exception {
        String topic = "admin-validate-only";
        CreateTopicsResult r = admin.createTopics(List.of(new NewTopic(topic, 4, (short) 1).configs(Map.of("retention.ms", "1000"))),
                new CreateTopicsOptions().validateOnly(true));
        r.all().get(T, TimeUnit.SECONDS);
        assertThat(r.numPartitions(topic).get()).isEqualTo(4);
        assertThat(topicNames()).doesNotContain(topic);
        assertThatThrownBy(() -> describe(topic)).extracting(AdminIT::cause).isInstanceOf(UnknownTopicOrPartitionException.class);

        // validate-only still validates
        assertThatThrownBy(() -> admin.createTopics(List.of(new NewTopic(topic, 1, (short) 3)), new CreateTopicsOptions().validateOnly(true))
                .all().get(T, TimeUnit.SECONDS)).extracting(AdminIT::cause).isInstanceOf(InvalidReplicationFactorException.class);
        // and afterwards the real creation works
        admin.createTopics(List.of(new NewTopic(topic, 4, (short) 1))).all().get(T, TimeUnit.SECONDS);
        assertThat(describe(topic).partitions()).hasSize(4);
    }

    @Test
    void createRejectsBadCountsAndFactors() {
        assertThatThrownBy(() -> admin.createTopics(List.of(new NewTopic("admin-rf3", 1, (short) 3))).all().get(T, TimeUnit.SECONDS))
                .extracting(AdminIT::cause).isInstanceOf(InvalidReplicationFactorException.class);
        assertThatThrownBy(() -> admin.createTopics(List.of(new NewTopic("admin-p0", 0, (short) 1))).all().get(T, TimeUnit.SECONDS))
                .extracting(AdminIT::cause).isInstanceOf(InvalidPartitionsException.class);
    }

    @Test
    void incrementalAlterConfigs() throws Exception {
        String topic = "admin-alter";
        admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1).configs(Map.of("cleanup.policy", "compact", "retention.ms", "100000"))))
                .all().get(T, TimeUnit.SECONDS);
        ConfigResource res = new ConfigResource(ConfigResource.Type.TOPIC, topic);

        admin.incrementalAlterConfigs(Map.of(res, List.of(
                new AlterConfigOp(new ConfigEntry("retention.ms", "7200000"), AlterConfigOp.OpType.SET),
                new AlterConfigOp(new ConfigEntry("segment.ms", "600000"), AlterConfigOp.OpType.SET),
                new AlterConfigOp(new ConfigEntry("cleanup.policy", "delete"), AlterConfigOp.OpType.APPEND)))).all().get(T, TimeUnit.SECONDS);
        Config c = topicConfig(topic);
        assertThat(c.get("retention.ms").value()).isEqualTo("7200000");
        assertThat(c.get("segment.ms").value()).isEqualTo("600000");
        assertThat(c.get("segment.ms").source()).isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG);
        assertThat(c.get("cleanup.policy").value()).isEqualTo("compact,delete");

        admin.incrementalAlterConfigs(Map.of(res, List.of(
                new AlterConfigOp(new ConfigEntry("retention.ms", ""), AlterConfigOp.OpType.DELETE),
                new AlterConfigOp(new ConfigEntry("cleanup.policy", "compact"), AlterConfigOp.OpType.SUBTRACT)))).all().get(T, TimeUnit.SECONDS);
        c = topicConfig(topic);
        assertThat(c.get("retention.ms").value()).as("back to the default").isEqualTo("604800000");
        assertThat(c.get("retention.ms").source()).isEqualTo(ConfigEntry.ConfigSource.DEFAULT_CONFIG);
        assertThat(c.get("cleanup.policy").value()).isEqualTo("delete");
        assertThat(c.get("segment.ms").value()).isEqualTo("600000");

        // validate-only changes nothing
        admin.incrementalAlterConfigs(Map.of(res, List.of(new AlterConfigOp(new ConfigEntry("segment.ms", "1234567"), AlterConfigOp.OpType.SET))),
                new org.apache.kafka.clients.admin.AlterConfigsOptions().validateOnly(true)).all().get(T, TimeUnit.SECONDS);
        assertThat(topicConfig(topic).get("segment.ms").value()).isEqualTo("600000");

        // unknown topic
        ConfigResource missing = new ConfigResource(ConfigResource.Type.TOPIC, "admin-alter-missing");
        assertThatThrownBy(() -> admin.incrementalAlterConfigs(Map.of(missing,
                List.of(new AlterConfigOp(new ConfigEntry("retention.ms", "1"), AlterConfigOp.OpType.SET)))).all().get(T, TimeUnit.SECONDS))
                .extracting(AdminIT::cause).isInstanceOf(UnknownTopicOrPartitionException.class);
    }

    @Test
    void describeBrokerConfigs() throws Exception {
        ConfigResource res = new ConfigResource(ConfigResource.Type.BROKER, "1");
        Config c = admin.describeConfigs(List.of(res)).all().get(T, TimeUnit.SECONDS).get(res);
        ConfigEntry e = c.get("log.retention.bytes");
        assertThat(e).isNotNull();
        assertThat(e.value()).isEqualTo(STATIC_RETENTION_BYTES);
        assertThat(e.source()).isEqualTo(ConfigEntry.ConfigSource.STATIC_BROKER_CONFIG);
        ConfigEntry np = c.get("num.partitions");
        assertThat(np.value()).isEqualTo("2");
        assertThat(c.get("message.max.bytes").value()).isEqualTo("1048588");
        assertThat(c.get("message.max.bytes").source()).isEqualTo(ConfigEntry.ConfigSource.DEFAULT_CONFIG);
    }

    @Test
    void createPartitions() throws Exception {
        String topic = "admin-partitions";
        admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1))).all().get(T, TimeUnit.SECONDS);

        admin.createPartitions(Map.of(topic, NewPartitions.increaseTo(6)), new CreatePartitionsOptions().validateOnly(true))
                .all().get(T, TimeUnit.SECONDS);
        assertThat(describe(topic).partitions()).as("validate-only adds nothing").hasSize(3);

        admin.createPartitions(Map.of(topic, NewPartitions.increaseTo(5))).all().get(T, TimeUnit.SECONDS);
        TopicDescription d = describe(topic);
        assertThat(d.partitions()).hasSize(5);
        assertThat(d.partitions().get(4).leader().id()).isEqualTo(1);

        // the new partitions take records
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(broker.bootstrap())) {
            RecordMetadata md = producer.send(new ProducerRecord<>(topic, 4, null, "p4".getBytes(StandardCharsets.UTF_8))).get(T, TimeUnit.SECONDS);
            assertThat(md.partition()).isEqualTo(4);
            assertThat(md.offset()).isZero();
        }
        List<ConsumerRecord<byte[], byte[]>> got = Clients.readAll(broker.bootstrap(), List.of(new TopicPartition(topic, 4)), Duration.ofSeconds(T));
        assertThat(got).extracting(r -> new String(r.value(), StandardCharsets.UTF_8)).containsExactly("p4");

        assertThatThrownBy(() -> admin.createPartitions(Map.of(topic, NewPartitions.increaseTo(2))).all().get(T, TimeUnit.SECONDS))
                .as("fewer partitions").extracting(AdminIT::cause).isInstanceOf(InvalidPartitionsException.class);
        assertThatThrownBy(() -> admin.createPartitions(Map.of(topic, NewPartitions.increaseTo(5))).all().get(T, TimeUnit.SECONDS))
                .as("same count").extracting(AdminIT::cause).isInstanceOf(InvalidPartitionsException.class);
        assertThatThrownBy(() -> admin.createPartitions(Map.of("admin-partitions-missing", NewPartitions.increaseTo(5))).all().get(T, TimeUnit.SECONDS))
                .extracting(AdminIT::cause).isInstanceOf(UnknownTopicOrPartitionException.class);
    }

    @Test
    void deleteTopics() throws Exception {
        String byName = "admin-delete-by-name";
        String byId = "admin-delete-by-id";
        CreateTopicsResult created = admin.createTopics(List.of(new NewTopic(byName, 2, (short) 1), new NewTopic(byId, 1, (short) 1)));
        created.all().get(T, TimeUnit.SECONDS);
        Uuid id = created.topicId(byId).get();
        Uuid oldId = created.topicId(byName).get();
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(broker.bootstrap())) {
            for (int i = 0; i < 10; i++) producer.send(new ProducerRecord<>(byName, i % 2, null, new byte[]{(byte) i}));
            producer.flush();
        }

        admin.deleteTopics(List.of(byName)).all().get(T, TimeUnit.SECONDS);
        admin.deleteTopics(TopicCollection.ofTopicIds(List.of(id))).all().get(T, TimeUnit.SECONDS);
        assertThat(topicNames()).doesNotContain(byName, byId);
        assertThatThrownBy(() -> describe(byName)).extracting(AdminIT::cause).isInstanceOf(UnknownTopicOrPartitionException.class);

        assertThatThrownBy(() -> admin.deleteTopics(List.of(byName)).all().get(T, TimeUnit.SECONDS))
                .extracting(AdminIT::cause).isInstanceOf(UnknownTopicOrPartitionException.class);
        assertThatThrownBy(() -> admin.deleteTopics(TopicCollection.ofTopicIds(List.of(id))).all().get(T, TimeUnit.SECONDS))
                .extracting(AdminIT::cause).isInstanceOf(UnknownTopicIdException.class);

        // a topic created again under the same name starts empty, with a new id
        CreateTopicsResult again = admin.createTopics(List.of(new NewTopic(byName, 2, (short) 1)));
        again.all().get(T, TimeUnit.SECONDS);
        Collection<TopicPartition> tps = List.of(new TopicPartition(byName, 0), new TopicPartition(byName, 1));
        try (var consumer = Clients.consumer(broker.bootstrap())) {
            assertThat(consumer.endOffsets(tps, Duration.ofSeconds(T)).values()).containsOnly(0L);
        }
        Uuid newId = again.topicId(byName).get();
        assertThat(newId).isNotEqualTo(oldId).isEqualTo(describe(byName).topicId());
    }

    @Test
    void listTopics() throws Exception {
        List<NewTopic> topics = new ArrayList<>();
        for (int i = 0; i < 3; i++) topics.add(new NewTopic("admin-list-" + i, 1, (short) 1));
        admin.createTopics(topics).all().get(T, TimeUnit.SECONDS);
        Set<String> names = topicNames();
        assertThat(names).contains("admin-list-0", "admin-list-1", "admin-list-2");
        assertThat(names).noneMatch(n -> n.startsWith("__"));
        var listings = admin.listTopics(new ListTopicsOptions().listInternal(true)).namesToListings().get(T, TimeUnit.SECONDS);
        assertThat(listings.get("admin-list-1").isInternal()).isFalse();
        assertThat(listings.get("admin-list-1").topicId()).isEqualTo(describe("admin-list-1").topicId());
    }

    @Test
    void describeConfigsWithSynonymsAndDocumentation() throws Exception {
        String topic = "admin-synonyms";
        admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1).configs(Map.of("retention.bytes", "555")))).all().get(T, TimeUnit.SECONDS);
        ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        Config c = admin.describeConfigs(List.of(r), new org.apache.kafka.clients.admin.DescribeConfigsOptions()
                .includeSynonyms(true).includeDocumentation(true)).all().get(T, TimeUnit.SECONDS).get(r);
        ConfigEntry e = c.get("retention.bytes");
        assertThat(e.value()).isEqualTo("555");
        // the topic override first, then the broker's static log.retention.bytes
        assertThat(e.synonyms()).extracting(ConfigEntry.ConfigSynonym::name).startsWith("retention.bytes", "log.retention.bytes");
        assertThat(e.synonyms().get(0).source()).isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG);
        assertThat(e.synonyms().get(1).value()).isEqualTo(STATIC_RETENTION_BYTES);
        assertThat(e.synonyms().get(1).source()).isEqualTo(ConfigEntry.ConfigSource.STATIC_BROKER_CONFIG);
        assertThat(e.documentation()).isNotBlank();
        assertThat(e.type()).isEqualTo(ConfigEntry.ConfigType.LONG);
        // just the keys asked for
        Config one = admin.describeConfigs(List.of(r)).all().get(T, TimeUnit.SECONDS).get(r);
        assertThat(one.entries()).extracting(ConfigEntry::name).contains("retention.ms", "cleanup.policy", "segment.bytes");
        assertThat(one.get("retention.bytes").synonyms()).as("no synonyms unless asked for").isEmpty();
    }

    @Test
    void createWithReplicaAssignment() throws Exception {
        String topic = "admin-assigned";
        admin.createTopics(List.of(new NewTopic(topic, Map.of(0, List.of(1), 1, List.of(1), 2, List.of(1))))).all().get(T, TimeUnit.SECONDS);
        TopicDescription d = describe(topic);
        assertThat(d.partitions()).hasSize(3);
        assertThat(d.partitions()).allSatisfy(p -> assertThat(p.replicas()).extracting(Node::id).containsExactly(1));
        assertThatThrownBy(() -> admin.createTopics(List.of(new NewTopic("admin-assigned-bad", Map.of(0, List.of(7))))).all().get(T, TimeUnit.SECONDS))
                .as("a replica on a broker that does not exist")
                .extracting(AdminIT::cause).isInstanceOf(org.apache.kafka.common.errors.InvalidReplicaAssignmentException.class);
    }

    @Test
    void describeLogDirs() throws Exception {
        String topic = "admin-logdirs";
        admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get(T, TimeUnit.SECONDS);
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(broker.bootstrap())) {
            for (int i = 0; i < 20; i++) producer.send(new ProducerRecord<>(topic, 0, null, new byte[100]));
            producer.flush();
        }
        var dirs = admin.describeLogDirs(List.of(1)).allDescriptions().get(T, TimeUnit.SECONDS).get(1);
        assertThat(dirs).hasSize(1);
        var dir = dirs.values().iterator().next();
        assertThat(dir.error()).isNull();
        var p0 = dir.replicaInfos().get(new TopicPartition(topic, 0));
        var p1 = dir.replicaInfos().get(new TopicPartition(topic, 1));
        assertThat(p0).isNotNull();
        assertThat(p1).isNotNull();
        assertThat(p0.size()).as("bytes of partition 0").isGreaterThan(20 * 100);
        assertThat(p1.size()).as("bytes of the empty partition 1").isZero();
    }

    @Test
    void describeCluster() throws Exception {
        DescribeClusterResult r = admin.describeCluster();
        String clusterId = r.clusterId().get(T, TimeUnit.SECONDS);
        assertThat(clusterId).isEqualTo(broker.server().controller().image().clusterId().toString());
        Collection<Node> nodes = r.nodes().get(T, TimeUnit.SECONDS);
        assertThat(nodes).hasSize(1);
        Node n = nodes.iterator().next();
        assertThat(n.id()).isEqualTo(1);
        assertThat(n.host()).isEqualTo("127.0.0.1");
        assertThat(n.port()).isEqualTo(broker.port());
        assertThat(r.controller().get(T, TimeUnit.SECONDS).id()).isEqualTo(1);
    }
}
