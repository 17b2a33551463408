package io.runnel.metadata;

import io.runnel.common.ApiException;
import io.runnel.common.Errors;
import io.runnel.common.Uuid;
import io.runnel.config.BrokerConfigs;
import io.runnel.config.ConfigEntry;
import io.runnel.config.ConfigSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MetadataControllerTest {
    @TempDir
    Path dir;
    private final List<MetadataController> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws IOException {
        for (MetadataController c : open) c.close();
    }

    private BrokerConfigs config(String... kv) {
        Map<String, String> m = new HashMap<>();
        m.put("log.dir", dir.toString());
        for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
        return BrokerConfigs.parse(m);
    }

    private MetadataController start(String... kv) throws IOException {
        MetadataController c = MetadataController.start(config(kv));
        open.add(c);
        return c;
    }

    private void stop(MetadataController c) throws IOException {
        c.close();
        open.remove(c);
    }

    private static <T> T get(CompletableFuture<T> f) throws Exception {
        return f.get(30, TimeUnit.SECONDS);
    }

    private static CreateTopicResult create(MetadataController c, NewTopic t) throws Exception {
        return get(c.createTopics(List.of(t), false)).get(0);
    }

    private static void assertError(ApiError e, Errors code, String messagePart) {
        assertThat(e.error()).as(e.toString()).isEqualTo(code);
        assertThat(e.message()).contains(messagePart);
    }

    // ---------------------------------------------------------------- start-up

    @Test
    void emptyLogIsFormattedWithClusterIdAndThisBroker() throws Exception {
        Uuid cluster = Uuid.random();
        MetadataController c = start("cluster.id", cluster.toString(), "node.id", "5",
                "listeners", "PLAINTEXT://localhost:9192", "broker.rack", "r1");
        MetadataImage img = c.image();
        assertThat(img.clusterId()).isEqualTo(cluster);
        assertThat(img.offset()).isEqualTo(2);
        BrokerRegistration b = img.broker(5);
        assertThat(b.endpoints()).containsExactly(new BrokerRegistration.Endpoint("PLAINTEXT", "localhost", 9192, (short) 0));
        assertThat(b.rack()).isEqualTo("r1");
        assertThat(b.epoch()).isEqualTo(1);
        assertThat(b.fenced()).isFalse();
        assertThat(dir.resolve("__cluster_metadata-0")).isDirectory();
    }

    @Test
    void randomClusterIdIsKeptAcrossRestartsAndAMismatchFailsStart() throws Exception {
        MetadataController c = start();
        Uuid id = c.image().clusterId();
        assertThat(id).isNotNull();
        stop(c);
        MetadataController again = start();
        assertThat(again.image().clusterId()).isEqualTo(id);
        assertThat(again.image().offset()).as("unchanged registration writes nothing").isEqualTo(2);
        stop(again);
        assertThatThrownBy(() -> start("cluster.id", Uuid.random().toString()))
                .isInstanceOf(ApiException.class)
                .satisfies(e -> assertThat(((ApiException) e).error()).isEqualTo(Errors.INCONSISTENT_CLUSTER_ID));
        // the refused start released the log
        start();
    }

    @Test
    void changedEndpointsReRegister() throws Exception {
        stop(start());
        MetadataController c = start("listeners", "PLAINTEXT://127.0.0.1:9999");
        assertThat(c.image().offset()).isEqualTo(3);
        assertThat(c.image().broker(1).endpoints().get(0).port()).isEqualTo(9999);
        assertThat(c.image().broker(1).epoch()).isEqualTo(2);
    }

    // ---------------------------------------------------------------- replay determinism

    @Test
    void restartRestoresAnIdenticalImage() throws Exception {
        MetadataController c = start("num.partitions", "3");
        create(c, NewTopic.of("orders", -1, -1).withConfigs(Map.of("retention.ms", "1000", "cleanup.policy", "compact")));
        create(c, NewTopic.of("payments", 2, 1));
        create(c, NewTopic.of("gone", 1, 1));
        get(c.createPartitions(List.of(NewPartitions.increaseTo("payments", 5)), false));
        get(c.incrementalAlterConfigs(Map.of(ConfigResource.topic("payments"),
                List.of(AlterConfigOp.set("segment.bytes", "2097152"))), false));
        get(c.incrementalAlterConfigs(Map.of(ConfigResource.brokerDefault(),
                List.of(AlterConfigOp.set("log.retention.ms", "5000"))), false));
        get(c.incrementalAlterConfigs(Map.of(ConfigResource.group("readers"),
                List.of(AlterConfigOp.set("consumer.session.timeout.ms", "50000"))), false));
        get(c.deleteTopics(List.of("gone")));
        MetadataImage before = c.image();
        stop(c);

        MetadataController restarted = start("num.partitions", "3");
        assertThat(restarted.image()).isEqualTo(before);
        assertThat(restarted.image().topic("orders").partitionCount()).isEqualTo(3);
        assertThat(restarted.image().topic("payments").partitionCount()).isEqualTo(5);
        assertThat(restarted.image().topic("gone")).isNull();
        assertThat(restarted.image().topicConfigs("orders")).isEqualTo(Map.of("retention.ms", "1000", "cleanup.policy", "compact"));
        assertThat(restarted.image().configs(ConfigResource.brokerDefault())).isEqualTo(Map.of("log.retention.ms", "5000"));
        assertThat(restarted.image().configs(ConfigResource.group("readers"))).isEqualTo(Map.of("consumer.session.timeout.ms", "50000"));

        // the same log replayed without a controller gives the same image
        stop(restarted);
        try (FileMetadataLog l = FileMetadataLog.open(dir.resolve("__cluster_metadata-0"))) {
            MetadataDelta d = new MetadataDelta(MetadataImage.EMPTY);
            l.load(new MetadataLog.Visitor() {
                @Override
                public void snapshot(long offset, List<io.runnel.protocol.Message> records) {
                    throw new AssertionError("no snapshot expected");
                }

                @Override
                public void batch(long baseOffset, List<io.runnel.protocol.Message> records) {
                    d.replayAll(records);
                }
            });
            assertThat(d.apply()).isEqualTo(before);
        }
    }

    @Test
    void finalizedFeatureLevelsSurviveRestartsAndSnapshots() throws Exception {
        MetadataController c = start("metadata.log.max.record.bytes.between.snapshots", "300");
        assertThat(c.image().featureLevels()).isEmpty();
        get(c.updateFeatureLevels(Map.of("transaction.version", (short) 1)));
        assertThat(c.image().featureLevels()).isEqualTo(Map.of("transaction.version", (short) 1));
        get(c.updateFeatureLevels(Map.of("transaction.version", (short) 0)));
        // enough records for a snapshot, which must carry the level too
        for (int i = 0; i < 20; i++) create(c, NewTopic.of("f" + i, 1, 1));
        MetadataImage before = c.image();
        stop(c);
        MetadataController restarted = start("metadata.log.max.record.bytes.between.snapshots", "300");
        assertThat(restarted.image()).isEqualTo(before);
        assertThat(restarted.image().featureLevels()).isEqualTo(Map.of("transaction.version", (short) 0));
    }

    @Test
    void snapshotsBoundReplayAndRestoreTheSameImage() throws Exception {
        MetadataController c = start("metadata.log.max.record.bytes.between.snapshots", "300");
        for (int i = 0; i < 20; i++) create(c, NewTopic.of("t" + i, 2, 1).withConfigs(Map.of("retention.ms", Integer.toString(i))));
        get(c.deleteTopics(List.of("t3")));
        MetadataImage before = c.image();
        stop(c);
        Path mdir = dir.resolve("__cluster_metadata-0");
        try (Stream<Path> s = Files.list(mdir)) {
            assertThat(s.filter(p -> p.toString().endsWith(".checkpoint")).count()).isEqualTo(1);
        }
        MetadataController restarted = start("metadata.log.max.record.bytes.between.snapshots", "300");
        assertThat(restarted.image()).isEqualTo(before);
        assertThat(restarted.image().topics()).hasSize(19);
        create(restarted, NewTopic.of("after", 1, 1));
        assertThat(restarted.image().topic("after")).isNotNull();
    }

    @Test
    void tornTailAfterACrashLosesOnlyTheUnfinishedBatch() throws Exception {
        MetadataController c = start();
        create(c, NewTopic.of("kept", 1, 1));
        MetadataImage kept = c.image();
        create(c, NewTopic.of("torn", 1, 1));
        stop(c);
        Path seg;
        try (Stream<Path> s = Files.list(dir.resolve("__cluster_metadata-0"))) {
            seg = s.filter(p -> p.toString().endsWith(".log")).findFirst().orElseThrow();
        }
        try (RandomAccessFile f = new RandomAccessFile(seg.toFile(), "rw")) {
            f.setLength(f.length() - 7);
        }
        MetadataController restarted = start();
        assertThat(restarted.image()).isEqualTo(kept);
        assertThat(create(restarted, NewTopic.of("torn", 1, 1)).error()).isEqualTo(ApiError.NONE);
    }

    // ---------------------------------------------------------------- createTopics

    @Test
    void createTopicUsesBrokerDefaultsAndReportsConfigs() throws Exception {
        MetadataController c = start("num.partitions", "4", "log.retention.hours", "1");
        CreateTopicResult r = create(c, NewTopic.of("t", -1, -1).withConfigs(Map.of("segment.bytes", "2097152")));
        assertThat(r.error()).isEqualTo(ApiError.NONE);
        assertThat(r.numPartitions()).isEqualTo(4);
        assertThat(r.replicationFactor()).isEqualTo((short) 1);
        assertThat(r.topicId()).isEqualTo(c.image().topic("t").id());
        Map<String, ConfigEntry> cfg = new HashMap<>();
        for (ConfigEntry e : r.configs()) cfg.put(e.name(), e);
        assertThat(cfg.get("segment.bytes").source()).isEqualTo(ConfigSource.DYNAMIC_TOPIC_CONFIG);
        assertThat(cfg.get("retention.ms").value()).isEqualTo("3600000");
        assertThat(cfg.get("retention.ms").source()).isEqualTo(ConfigSource.STATIC_BROKER_CONFIG);
        TopicImage t = c.image().topic("t");
        for (int p = 0; p < 4; p++) {
            assertThat(t.partition(p)).isEqualTo(new PartitionState(List.of(1), List.of(1), List.of(), List.of(), 1, 0, 0));
        }
        assertThat(c.describeConfigs(ConfigResource.topic("t"))).hasSize(io.runnel.config.TopicConfigs.definition().names().size());
    }

    @Test
    void validateOnlyWritesNothing() throws Exception {
        MetadataController c = start();
        long offset = c.image().offset();
        CreateTopicResult r = get(c.createTopics(List.of(NewTopic.of("t", 3, 1)), true)).get(0);
        assertThat(r.error()).isEqualTo(ApiError.NONE);
        assertThat(r.numPartitions()).isEqualTo(3);
        assertThat(c.image().topic("t")).isNull();
        assertThat(c.image().offset()).isEqualTo(offset);
        create(c, NewTopic.of("real", 1, 1));
        assertThat(get(c.createPartitions(List.of(NewPartitions.increaseTo("real", 3)), true)).get(0).error()).isEqualTo(ApiError.NONE);
        assertThat(c.image().topic("real").partitionCount()).isEqualTo(1);
        assertThat(get(c.incrementalAlterConfigs(Map.of(ConfigResource.topic("real"),
                List.of(AlterConfigOp.set("retention.ms", "1"))), true)).get(ConfigResource.topic("real"))).isEqualTo(ApiError.NONE);
        assertThat(c.image().topicConfigs("real")).isEmpty();
    }

    @Test
    void createTopicValidationErrors() throws Exception {
        MetadataController c = start();
        create(c, NewTopic.of("exists", 1, 1));
        List<CreateTopicResult> rs = get(c.createTopics(List.of(
                NewTopic.of("exists", 1, 1),
                NewTopic.of("zero", 0, 1),
                NewTopic.of("negative", -2, 1),
                NewTopic.of("rf0", 1, 0),
                NewTopic.of("rf2", 1, 2),
                NewTopic.of("badcfg", 1, 1).withConfigs(Map.of("retention.ms", "-5")),
                NewTopic.of("unknowncfg", 1, 1).withConfigs(Map.of("retention.hours", "5")),
                NewTopic.of("removedcfg", 1, 1).withConfigs(Map.of("message.downconversion.enable", "true")),
                NewTopic.of("dup", 1, 1),
                NewTopic.of("dup", 2, 1),
                new NewTopic("both", 1, (short) -1, Map.of(0, List.of(1)), Map.of()),
                new NewTopic("gap", -1, (short) -1, Map.of(0, List.of(1), 2, List.of(1)), Map.of()),
                new NewTopic("empty", -1, (short) -1, Map.of(0, List.of()), Map.of()),
                new NewTopic("twice", -1, (short) -1, Map.of(0, List.of(1, 1)), Map.of()),
                new NewTopic("nobroker", -1, (short) -1, Map.of(0, List.of(7)), Map.of()),
                NewTopic.of("huge", 1_000_000, 1),
                NewTopic.of("ok", 2, 1)), false));
        Map<String, ApiError> byName = new HashMap<>();
        for (CreateTopicResult r : rs) byName.put(r.name(), r.error());
        assertThat(rs).extracting(CreateTopicResult::name).containsExactly("exists", "zero", "negative", "rf0", "rf2",
                "badcfg", "unknowncfg", "removedcfg", "dup", "both", "gap", "empty", "twice", "nobroker", "huge", "ok");
        assertError(byName.get("exists"), Errors.TOPIC_ALREADY_EXISTS, "Topic 'exists' already exists.");
        assertError(byName.get("zero"), Errors.INVALID_PARTITIONS, "non-positive");
        assertError(byName.get("negative"), Errors.INVALID_PARTITIONS, "non-positive");
        assertError(byName.get("rf0"), Errors.INVALID_REPLICATION_FACTOR, "larger than 0");
        assertError(byName.get("rf2"), Errors.INVALID_REPLICATION_FACTOR, "only 1 broker(s) are registered");
        assertError(byName.get("badcfg"), Errors.INVALID_CONFIG, "Invalid value -5 for configuration retention.ms");
        assertError(byName.get("unknowncfg"), Errors.INVALID_CONFIG, "Unknown topic config name: retention.hours");
        assertError(byName.get("removedcfg"), Errors.INVALID_CONFIG, "message.downconversion.enable");
        assertError(byName.get("dup"), Errors.INVALID_REQUEST, "Duplicate topic name.");
        assertError(byName.get("both"), Errors.INVALID_REQUEST, "cannot be used at the same time");
        assertError(byName.get("gap"), Errors.INVALID_REPLICA_ASSIGNMENT, "partition 1 is missing");
        assertError(byName.get("empty"), Errors.INVALID_REPLICA_ASSIGNMENT, "empty replica list");
        assertError(byName.get("twice"), Errors.INVALID_REPLICA_ASSIGNMENT, "more than once");
        assertError(byName.get("nobroker"), Errors.INVALID_REPLICA_ASSIGNMENT, "broker 7");
        assertError(byName.get("huge"), Errors.INVALID_PARTITIONS, "at most");
        assertThat(byName.get("ok")).isEqualTo(ApiError.NONE);
        assertThat(c.image().topics().keySet()).containsExactly("exists", "ok");
    }

    @Test
    void manualAssignmentIsUsed() throws Exception {
        MetadataController c = start();
        CreateTopicResult r = create(c, new NewTopic("m", -1, (short) -1, Map.of(0, List.of(1), 1, List.of(1)), Map.of()));
        assertThat(r.error()).isEqualTo(ApiError.NONE);
        assertThat(r.numPartitions()).isEqualTo(2);
        assertThat(c.image().topic("m").partition(1).replicas()).containsExactly(1);
    }

    @Test
    void replicasAreSpreadOverRegisteredBrokers() throws Exception {
        MetadataController c = start();
        for (int id = 2; id <= 3; id++) {
            get(c.registerBroker(id, Uuid.random(), List.of(new BrokerRegistration.Endpoint("PLAINTEXT", "h" + id, 9092, (short) 0)), null));
        }
        CreateTopicResult r = create(c, NewTopic.of("spread", 6, 3));
        assertThat(r.error()).isEqualTo(ApiError.NONE);
        TopicImage t = c.image().topic("spread");
        List<Integer> leaders = new ArrayList<>();
        for (PartitionState p : t.partitions().values()) {
            assertThat(p.replicas()).containsExactlyInAnyOrder(1, 2, 3);
            assertThat(p.isr()).isEqualTo(p.replicas());
            leaders.add(p.leader());
        }
        assertThat(leaders).containsOnly(1, 2, 3).contains(1, 2, 3);
        assertError(create(c, NewTopic.of("four", 1, 4)).error(), Errors.INVALID_REPLICATION_FACTOR, "only 3 broker(s)");
    }

    @Test
    void withRacksEveryPartitionsReplicasSpanTheRacks() throws Exception {
        MetadataController c = start("broker.rack", "a");
        get(c.registerBroker(2, Uuid.random(), List.of(new BrokerRegistration.Endpoint("PLAINTEXT", "h2", 9092, (short) 0)), "a"));
        get(c.registerBroker(3, Uuid.random(), List.of(new BrokerRegistration.Endpoint("PLAINTEXT", "h3", 9092, (short) 0)), "b"));
        get(c.registerBroker(4, Uuid.random(), List.of(new BrokerRegistration.Endpoint("PLAINTEXT", "h4", 9092, (short) 0)), "b"));
        assertThat(create(c, NewTopic.of("racked", 8, 2)).error()).isEqualTo(ApiError.NONE);
        java.util.Map<Integer, String> rackOf = java.util.Map.of(1, "a", 2, "a", 3, "b", 4, "b");
        List<Integer> leaders = new ArrayList<>();
        for (PartitionState p : c.image().topic("racked").partitions().values()) {
            assertThat(p.replicas().stream().map(rackOf::get).distinct()).as("racks of %s", p.replicas()).hasSize(2);
            leaders.add(p.leader());
        }
        assertThat(leaders).contains(1, 2, 3, 4);
    }

    @Test
    void topicNameRules() throws Exception {
        MetadataController c = start();
        create(c, NewTopic.of("metrics.cpu", 1, 1));
        String long249 = "a".repeat(249);
        List<CreateTopicResult> rs = get(c.createTopics(List.of(
                NewTopic.of("", 1, 1), NewTopic.of(".", 1, 1), NewTopic.of("..", 1, 1),
                NewTopic.of("a".repeat(250), 1, 1), NewTopic.of("has space", 1, 1), NewTopic.of("ünï", 1, 1),
                NewTopic.of("slash/x", 1, 1), NewTopic.of("metrics_cpu", 1, 1),
                NewTopic.of("x.y", 1, 1), NewTopic.of("x_y", 1, 1),
                NewTopic.of(long249, 1, 1), NewTopic.of("Ok-._9", 1, 1)), false));
        assertError(rs.get(0).error(), Errors.INVALID_TOPIC_EXCEPTION, "can't be empty");
        assertError(rs.get(1).error(), Errors.INVALID_TOPIC_EXCEPTION, "cannot be \".\" or \"..\"");
        assertError(rs.get(2).error(), Errors.INVALID_TOPIC_EXCEPTION, "cannot be \".\" or \"..\"");
        assertError(rs.get(3).error(), Errors.INVALID_TOPIC_EXCEPTION, "longer than 249 characters");
        assertError(rs.get(4).error(), Errors.INVALID_TOPIC_EXCEPTION, "ASCII alphanumerics, '.', '_' and '-'");
        assertError(rs.get(5).error(), Errors.INVALID_TOPIC_EXCEPTION, "ASCII alphanumerics");
        assertError(rs.get(6).error(), Errors.INVALID_TOPIC_EXCEPTION, "ASCII alphanumerics");
        assertError(rs.get(7).error(), Errors.INVALID_TOPIC_EXCEPTION, "Topic 'metrics_cpu' collides with existing topic: metrics.cpu");
        assertThat(rs.get(8).error()).isEqualTo(ApiError.NONE);
        assertError(rs.get(9).error(), Errors.INVALID_TOPIC_EXCEPTION, "Topic 'x_y' collides with existing topic: x.y");
        assertThat(rs.get(10).error()).isEqualTo(ApiError.NONE);
        assertThat(rs.get(11).error()).isEqualTo(ApiError.NONE);
        assertThat(c.image().topics().keySet()).containsExactlyInAnyOrder("metrics.cpu", "x.y", long249, "Ok-._9");
    }

    // ---------------------------------------------------------------- deleteTopics, createPartitions

    @Test
    void deleteTopicsByNameAndId() throws Exception {
        MetadataController c = start();
        create(c, NewTopic.of("a", 1, 1));
        create(c, NewTopic.of("b", 1, 1));
        get(c.incrementalAlterConfigs(Map.of(ConfigResource.topic("a"), List.of(AlterConfigOp.set("retention.ms", "1"))), false));
        Uuid bId = c.image().topic("b").id();
        List<DeleteTopicResult> byName = get(c.deleteTopics(List.of("a", "missing", "a2", "a2")));
        assertThat(byName.get(0).error()).isEqualTo(ApiError.NONE);
        assertThat(byName.get(0).topicId()).isNotEqualTo(Uuid.ZERO);
        assertThat(byName.get(1).error().error()).isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION);
        assertThat(byName.get(2).error().error()).isEqualTo(Errors.INVALID_REQUEST);
        assertThat(byName).hasSize(3);
        Uuid missing = Uuid.random();
        List<DeleteTopicResult> byId = get(c.deleteTopicsByIds(List.of(bId, missing)));
        assertThat(byId.get(0)).isEqualTo(new DeleteTopicResult("b", bId, ApiError.NONE));
        assertThat(byId.get(1).error().error()).isEqualTo(Errors.UNKNOWN_TOPIC_ID);
        assertThat(c.image().topics()).isEmpty();
        assertThat(c.image().configs()).doesNotContainKey(ConfigResource.topic("a"));
        // a recreated topic gets a new id and none of the old configs
        assertThat(create(c, NewTopic.of("a", 1, 1)).error()).isEqualTo(ApiError.NONE);
        assertThat(c.image().topicConfigs("a")).isEmpty();
    }

    @Test
    void deletionCanBeDisabled() throws Exception {
        MetadataController c = start("delete.topic.enable", "false");
        create(c, NewTopic.of("a", 1, 1));
        assertError(get(c.deleteTopics(List.of("a"))).get(0).error(), Errors.TOPIC_DELETION_DISABLED, "disabled");
        assertThat(c.image().topic("a")).isNotNull();
    }

    /** Kafka's controller refuses one operation of more than 10,000 records ("excessively large batch"). */
    @Test
    void aRequestOfMoreThanTenThousandRecordsIsRefusedWhole() throws Exception {
        MetadataController c = start();
        long offset = c.image().offset();
        // 1 topic record + 9,999 partition records: exactly at the limit, accepted (validate only)
        assertThat(get(c.createTopics(List.of(NewTopic.of("at-limit", 9_999, 1)), true)).get(0).error()).isEqualTo(ApiError.NONE);
        for (boolean validateOnly : new boolean[]{true, false}) {
            List<CreateTopicResult> rs = get(c.createTopics(List.of(NewTopic.of("a", 5_000, 1), NewTopic.of("b", 5_000, 1)),
                    validateOnly));
            assertThat(rs).allSatisfy(r -> assertError(r.error(), Errors.POLICY_VIOLATION,
                    "Unable to perform excessively large batch operation."));
            // a topic with a config: 1 + 9,999 + 1 records
            assertError(get(c.createTopics(List.of(NewTopic.of("c", 9_999, 1).withConfigs(Map.of("retention.ms", "1"))),
                    validateOnly)).get(0).error(), Errors.POLICY_VIOLATION, "excessively large batch");
        }
        create(c, NewTopic.of("t", 1, 1));
        long afterT = c.image().offset();
        assertError(get(c.createPartitions(List.of(NewPartitions.increaseTo("t", 10_002)), false)).get(0).error(),
                Errors.POLICY_VIOLATION, "excessively large batch");
        assertThat(c.image().offset()).isEqualTo(afterT);
        assertThat(c.image().topic("a")).isNull();
        assertThat(afterT).isGreaterThan(offset);
    }

    @Test
    void createPartitionsRules() throws Exception {
        MetadataController c = start();
        create(c, NewTopic.of("t", 2, 1));
        create(c, NewTopic.of("u", 1, 1));
        List<CreatePartitionsResult> rs = get(c.createPartitions(List.of(
                NewPartitions.increaseTo("t", 2), NewPartitions.increaseTo("u", 0), NewPartitions.increaseTo("nope", 3),
                new NewPartitions("t", 4, List.of(List.of(1))),
                NewPartitions.increaseTo("t", 4)), false));
        assertThat(rs).extracting(CreatePartitionsResult::topic).containsExactly("t", "u", "nope");
        assertError(rs.get(0).error(), Errors.INVALID_REQUEST, "Duplicate");
        assertError(rs.get(1).error(), Errors.INVALID_PARTITIONS, "would not be an increase");
        assertError(rs.get(2).error(), Errors.UNKNOWN_TOPIC_OR_PARTITION, "nope");

        assertError(get(c.createPartitions(List.of(NewPartitions.increaseTo("t", 2)), false)).get(0).error(),
                Errors.INVALID_PARTITIONS, "already has 2 partitions");
        assertError(get(c.createPartitions(List.of(new NewPartitions("t", 4, List.of(List.of(1)))), false)).get(0).error(),
                Errors.INVALID_REPLICA_ASSIGNMENT, "Attempted to add 2 additional partition(s), but 1");
        assertError(get(c.createPartitions(List.of(new NewPartitions("t", 3, List.of(List.of(9)))), false)).get(0).error(),
                Errors.INVALID_REPLICA_ASSIGNMENT, "broker 9");
        assertThat(get(c.createPartitions(List.of(new NewPartitions("t", 4, List.of(List.of(1), List.of(1)))), false))
                .get(0).error()).isEqualTo(ApiError.NONE);
        assertThat(get(c.createPartitions(List.of(NewPartitions.increaseTo("u", 3)), false)).get(0).error()).isEqualTo(ApiError.NONE);
        assertThat(c.image().topic("t").partitionCount()).isEqualTo(4);
        assertThat(c.image().topic("u").partitions().keySet()).containsExactly(0, 1, 2);
        assertThat(c.image().topic("u").partition(2).leader()).isEqualTo(1);
    }

    // ---------------------------------------------------------------- configs

    @Test
    void incrementalAlterConfigOps() throws Exception {
        MetadataController c = start();
        create(c, NewTopic.of("t", 1, 1));
        ConfigResource t = ConfigResource.topic("t");
        assertThat(alter(c, t, AlterConfigOp.set("retention.ms", "100"), AlterConfigOp.set("cleanup.policy", "delete"))).isEqualTo(ApiError.NONE);
        assertThat(c.image().topicConfigs("t")).isEqualTo(Map.of("retention.ms", "100", "cleanup.policy", "delete"));

        assertThat(alter(c, t, AlterConfigOp.append("cleanup.policy", "compact"))).isEqualTo(ApiError.NONE);
        assertThat(c.image().topicConfigs("t")).containsEntry("cleanup.policy", "delete,compact");
        assertThat(alter(c, t, AlterConfigOp.append("cleanup.policy", "compact"))).isEqualTo(ApiError.NONE);
        assertThat(c.image().topicConfigs("t")).containsEntry("cleanup.policy", "delete,compact");
        assertThat(alter(c, t, AlterConfigOp.subtract("cleanup.policy", "delete"))).isEqualTo(ApiError.NONE);
        assertThat(c.image().topicConfigs("t")).containsEntry("cleanup.policy", "compact");

        // APPEND without an override starts from the effective value
        assertThat(alter(c, t, AlterConfigOp.set("leader.replication.throttled.replicas", "0:1"))).isEqualTo(ApiError.NONE);
        assertThat(alter(c, t, AlterConfigOp.append("follower.replication.throttled.replicas", "0:1"))).isEqualTo(ApiError.NONE);
        assertThat(c.image().topicConfigs("t")).containsEntry("follower.replication.throttled.replicas", "0:1");

        assertThat(alter(c, t, AlterConfigOp.delete("retention.ms"), AlterConfigOp.delete("not.set.anyway"))).isEqualTo(ApiError.NONE);
        assertThat(c.image().topicConfigs("t")).doesNotContainKey("retention.ms");

        long offset = c.image().offset();
        assertError(alter(c, t, AlterConfigOp.append("retention.ms", "5")), Errors.INVALID_CONFIG, "retention.ms");
        assertError(alter(c, t, AlterConfigOp.set("retention.ms", "x")), Errors.INVALID_CONFIG,
                "Invalid value x for configuration retention.ms");
        assertError(alter(c, t, AlterConfigOp.set("no.such", "1")), Errors.INVALID_CONFIG, "Unknown topic config name: no.such");
        assertError(alter(c, t, AlterConfigOp.set("segment.ms", "1"), AlterConfigOp.delete("segment.ms")),
                Errors.INVALID_REQUEST, "duplicate config keys");
        assertError(alter(c, t, AlterConfigOp.set("min.compaction.lag.ms", "10"), AlterConfigOp.set("max.compaction.lag.ms", "5")),
                Errors.INVALID_CONFIG, "min.compaction.lag.ms");
        assertError(alter(c, t, AlterConfigOp.append("cleanup.policy", "purge")), Errors.INVALID_CONFIG, "purge");
        assertError(alter(c, ConfigResource.topic("nope"), AlterConfigOp.set("retention.ms", "1")),
                Errors.UNKNOWN_TOPIC_OR_PARTITION, "nope");
        assertError(alter(c, new ConfigResource(ConfigResource.Type.BROKER_LOGGER, "1"), AlterConfigOp.set("x", "1")),
                Errors.INVALID_REQUEST, "Unsupported");
        assertError(alter(c, ConfigResource.group("g"), AlterConfigOp.set("x", "1")),
                Errors.INVALID_CONFIG, "Unknown group config name: x");
        assertError(alter(c, ConfigResource.group("g"), AlterConfigOp.set("consumer.session.timeout.ms", "1000")),
                Errors.INVALID_CONFIG, "consumer.session.timeout.ms must be in the range 45000 to 60000 inclusive.");
        assertThat(c.image().offset()).as("failed alterations write nothing").isEqualTo(offset);
    }

    @Test
    void brokerConfigsAreDynamicOnlyWhereKafkaAllowsIt() throws Exception {
        MetadataController c = start();
        assertThat(alter(c, ConfigResource.brokerDefault(), AlterConfigOp.set("log.retention.ms", "60000"))).isEqualTo(ApiError.NONE);
        assertThat(alter(c, ConfigResource.broker(1), AlterConfigOp.set("message.max.bytes", "2000"))).isEqualTo(ApiError.NONE);
        assertError(alter(c, ConfigResource.broker(1), AlterConfigOp.set("num.partitions", "3")), Errors.INVALID_CONFIG, "num.partitions");
        assertError(alter(c, new ConfigResource(ConfigResource.Type.BROKER, "x"), AlterConfigOp.set("log.retention.ms", "1")),
                Errors.INVALID_REQUEST, "broker");
        assertThat(alter(c, ConfigResource.brokerDefault(), AlterConfigOp.append("log.cleanup.policy", "compact"))).isEqualTo(ApiError.NONE);
        assertThat(c.image().configs(ConfigResource.brokerDefault())).containsEntry("log.cleanup.policy", "delete,compact");

        // the cluster default now supplies topic values
        create(c, NewTopic.of("t", 1, 1));
        Map<String, ConfigEntry> cfg = new HashMap<>();
        for (ConfigEntry e : c.describeConfigs(ConfigResource.topic("t"))) cfg.put(e.name(), e);
        assertThat(cfg.get("retention.ms").value()).isEqualTo("60000");
        assertThat(cfg.get("retention.ms").source()).isEqualTo(ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG);
        assertThat(cfg.get("max.message.bytes").value()).isEqualTo("2000");
        assertThat(cfg.get("max.message.bytes").source()).isEqualTo(ConfigSource.DYNAMIC_BROKER_CONFIG);
        Map<String, ConfigEntry> broker = new HashMap<>();
        for (ConfigEntry e : c.describeConfigs(ConfigResource.broker(1))) broker.put(e.name(), e);
        assertThat(broker.get("message.max.bytes").source()).isEqualTo(ConfigSource.DYNAMIC_BROKER_CONFIG);
        assertThatThrownBy(() -> c.describeConfigs(ConfigResource.topic("nope"))).isInstanceOf(ApiException.class);
    }

    @Test
    void legacyAlterConfigsReplacesEverything() throws Exception {
        MetadataController c = start();
        create(c, NewTopic.of("t", 1, 1).withConfigs(Map.of("retention.ms", "1", "segment.ms", "5")));
        Map<ConfigResource, ApiError> r = get(c.alterConfigs(Map.of(ConfigResource.topic("t"), Map.of("retention.ms", "2")), false));
        assertThat(r.get(ConfigResource.topic("t"))).isEqualTo(ApiError.NONE);
        assertThat(c.image().topicConfigs("t")).isEqualTo(Map.of("retention.ms", "2"));
        r = get(c.alterConfigs(Map.of(ConfigResource.topic("t"), Map.of("retention.ms", "bad")), false));
        assertThat(r.get(ConfigResource.topic("t")).error()).isEqualTo(Errors.INVALID_CONFIG);
        assertThat(c.image().topicConfigs("t")).isEqualTo(Map.of("retention.ms", "2"));
        r = get(c.alterConfigs(Map.of(ConfigResource.topic("t"), Map.of()), false));
        assertThat(r.get(ConfigResource.topic("t"))).isEqualTo(ApiError.NONE);
        assertThat(c.image().configs()).doesNotContainKey(ConfigResource.topic("t"));
    }

    private static ApiError alter(MetadataController c, ConfigResource r, AlterConfigOp... ops) throws Exception {
        return get(c.incrementalAlterConfigs(Map.of(r, List.of(ops)), false)).get(r);
    }

    // ---------------------------------------------------------------- listeners and concurrency

    @Test
    void listenersSeeEveryImageInOrder() throws Exception {
        MetadataController c = start();
        List<long[]> seen = new CopyOnWriteArrayList<>();
        get(c.addListener((prev, cur) -> seen.add(new long[] {prev.offset(), cur.offset()})));
        get(c.addListener((prev, cur) -> {
            throw new RuntimeException("a broken listener does not stop others");
        }));
        long start = c.image().offset();
        create(c, NewTopic.of("a", 1, 1));
        create(c, NewTopic.of("b", 1, 1));
        assertThat(seen.get(0)).containsExactly(0, start);
        assertThat(seen).hasSize(3);
        assertThat(seen.get(1)[0]).isEqualTo(start);
        assertThat(seen.get(2)[0]).isEqualTo(seen.get(1)[1]);
        assertThat(seen.get(2)[1]).isEqualTo(c.image().offset());
    }

    @Test
    void concurrentCreatesAreSerialized() throws Exception {
        MetadataController c = start();
        int threads = 8;
        int perThread = 25;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<List<CreateTopicResult>>> futures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int tt = t;
            futures.add(pool.submit(() -> {
                go.await();
                List<CreateTopicResult> out = new ArrayList<>();
                for (int i = 0; i < perThread; i++) {
                    // every thread also races for the same shared names and for colliding pairs
                    out.addAll(get(c.createTopics(List.of(NewTopic.of("own-" + tt + "-" + i, 1, 1),
                            NewTopic.of("shared-" + i, 1, 1),
                            NewTopic.of(tt % 2 == 0 ? "c." + i : "c_" + i, 1, 1)), false)));
                }
                return out;
            }));
        }
        go.countDown();
        List<CreateTopicResult> all = new ArrayList<>();
        for (Future<List<CreateTopicResult>> f : futures) all.addAll(f.get(60, TimeUnit.SECONDS));
        pool.shutdown();

        Map<String, Integer> wins = new HashMap<>();
        for (CreateTopicResult r : all) {
            if (r.error().isSuccess()) wins.merge(r.name(), 1, Integer::sum);
            else assertThat(r.error().error()).isIn(Errors.TOPIC_ALREADY_EXISTS, Errors.INVALID_TOPIC_EXCEPTION);
        }
        assertThat(wins.values()).containsOnly(1);
        MetadataImage img = c.image();
        for (int i = 0; i < perThread; i++) {
            assertThat(img.topic("shared-" + i)).isNotNull();
            assertThat(img.topic("c." + i) != null ^ img.topic("c_" + i) != null).as("exactly one of c.%d / c_%d", i, i).isTrue();
            for (int t = 0; t < threads; t++) assertThat(img.topic("own-" + t + "-" + i)).isNotNull();
        }
        assertThat(img.topics()).hasSize(threads * perThread + 2 * perThread);
        assertThat(wins.keySet()).isEqualTo(img.topics().keySet());
        // and the log agrees
        stop(c);
        assertThat(start().image()).isEqualTo(img);
    }

    @Test
    void operationsAfterCloseFail() throws Exception {
        MetadataController c = start();
        stop(c);
        assertThatThrownBy(() -> get(c.createTopics(List.of(NewTopic.of("a", 1, 1)), false)))
                .hasCauseInstanceOf(ApiException.class);
    }

    // ---------------------------------------------------------------- producer ids

    @Test
    void producerIdBlocksNeverRepeatAcrossRestartsAndSnapshots() throws Exception {
        MetadataController c = start();
        MetadataController.ProducerIdBlock first = get(c.allocateProducerIds(1000));
        MetadataController.ProducerIdBlock second = get(c.allocateProducerIds(10));
        assertThat(first).isEqualTo(new MetadataController.ProducerIdBlock(0, 1000));
        assertThat(second).isEqualTo(new MetadataController.ProducerIdBlock(1000, 10));
        assertThat(c.image().nextProducerId()).isEqualTo(1010);
        assertThatThrownBy(() -> get(c.allocateProducerIds(0))).hasCauseInstanceOf(IllegalArgumentException.class);
        MetadataImage before = c.image();
        stop(c);

        MetadataController restarted = start();
        assertThat(restarted.image()).isEqualTo(before);
        assertThat(get(restarted.allocateProducerIds(1000)).firstProducerId()).isEqualTo(1010);
        get(restarted.snapshot());
        create(restarted, NewTopic.of("after-snapshot", 1, 1));
        MetadataImage snapshotted = restarted.image();
        stop(restarted);

        MetadataController again = start();
        assertThat(again.image()).isEqualTo(snapshotted);
        assertThat(again.image().nextProducerId()).isEqualTo(2010);
        assertThat(get(again.allocateProducerIds(5))).isEqualTo(new MetadataController.ProducerIdBlock(2010, 5));
    }

    @Test
    void deleteTopicsByNameAndIdInOneBatch() throws Exception {
        MetadataController c = start();
        Uuid a = create(c, NewTopic.of("a", 1, 1)).topicId();
        Uuid b = create(c, NewTopic.of("b", 1, 1)).topicId();
        Uuid unknown = Uuid.random();
        List<DeleteTopicResult> out = get(c.deleteTopics(List.of("a", "nope"), List.of(b, unknown, a)));
        assertThat(out).extracting(r -> r.error().error()).containsExactly(Errors.NONE, Errors.UNKNOWN_TOPIC_OR_PARTITION,
                Errors.NONE, Errors.UNKNOWN_TOPIC_ID, Errors.INVALID_REQUEST);
        assertThat(out.get(2).name()).isEqualTo("b");
        assertThat(c.image().topics()).isEmpty();
    }
}
