package io.runnel.broker.handler.admin;

import io.runnel.common.Errors;
import io.runnel.common.Uuid;
import io.runnel.config.ConfigSource;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.CreateTopicsRequest;
import io.runnel.protocol.message.CreateTopicsResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.runnel.broker.handler.admin.AdminFixture.ctx;
import static io.runnel.broker.handler.admin.AdminFixture.get;
import static io.runnel.broker.handler.admin.AdminFixture.roundTrip;
import static org.assertj.core.api.Assertions.assertThat;

class CreateTopicsHandlerTest {
    @TempDir
    Path dir;
    private AdminFixture f;
    private CreateTopicsHandler handler;

    @BeforeEach
    void start() throws Exception {
        f = AdminFixture.start(dir, "num.partitions", "3");
        handler = new CreateTopicsHandler(f.controller, f.broker);
    }

    @AfterEach
    void stop() throws Exception {
        f.close();
    }

    static CreateTopicsRequest.Topic topic(String name, int partitions, int rf, String... configs) {
        CreateTopicsRequest.Topic t = new CreateTopicsRequest.Topic();
        t.name = name;
        t.numPartitions = partitions;
        t.replicationFactor = (short) rf;
        for (int i = 0; i < configs.length; i += 2) {
            CreateTopicsRequest.Config c = new CreateTopicsRequest.Config();
            c.name = configs[i];
            c.value = configs[i + 1];
            t.configs.add(c);
        }
        return t;
    }

    static CreateTopicsRequest request(boolean validateOnly, CreateTopicsRequest.Topic... topics) {
        CreateTopicsRequest r = new CreateTopicsRequest();
        r.topics = new ArrayList<>(List.of(topics));
        r.validateOnly = validateOnly;
        return r;
    }

    private CreateTopicsResponse call(int version, CreateTopicsRequest req) throws Exception {
        return get(handler.handle(ctx(ApiKeys.CREATE_TOPICS, version), req));
    }

    private static CreateTopicsResponse.Config config(CreateTopicsResponse.TopicResult r, String name) {
        return r.configs.stream().filter(c -> c.name.equals(name)).findFirst().orElseThrow();
    }

    @Test
    void brokerDefaultsAndReportedConfigs() throws Exception {
        CreateTopicsResponse resp = call(7, request(false, topic("orders", -1, -1, "retention.ms", "1000")));
        assertThat(resp.topics).hasSize(1);
        CreateTopicsResponse.TopicResult r = resp.topics.get(0);
        assertThat(r.name).isEqualTo("orders");
        assertThat(r.errorCode).isEqualTo(Errors.NONE.code());
        assertThat(r.errorMessage).isNull();
        assertThat(r.numPartitions).isEqualTo(3);
        assertThat(r.replicationFactor).isEqualTo((short) 1);
        assertThat(r.topicId).isNotEqualTo(Uuid.ZERO).isEqualTo(f.controller.image().topic("orders").id());
        assertThat(f.controller.image().topic("orders").partitionCount()).isEqualTo(3);

        List<String> names = r.configs.stream().map(c -> c.name).toList();
        assertThat(names).isSorted().contains("cleanup.policy", "retention.ms", "segment.bytes");
        CreateTopicsResponse.Config retention = config(r, "retention.ms");
        assertThat(retention.value).isEqualTo("1000");
        assertThat(retention.configSource).isEqualTo(ConfigSource.DYNAMIC_TOPIC_CONFIG.id());
        assertThat(retention.readOnly).isFalse();
        assertThat(retention.isSensitive).isFalse();
        CreateTopicsResponse.Config cleanup = config(r, "cleanup.policy");
        assertThat(cleanup.value).isEqualTo("delete");
        assertThat(cleanup.configSource).isEqualTo(ConfigSource.DEFAULT_CONFIG.id());
    }

    @Test
    void staticBrokerConfigShowsAsTheSourceOfATopicConfig() throws Exception {
        f.close();
        f = AdminFixture.start(dir, "log.retention.hours", "2");
        handler = new CreateTopicsHandler(f.controller, f.broker);
        CreateTopicsResponse.TopicResult r = call(5, request(false, topic("t", 1, 1))).topics.get(0);
        CreateTopicsResponse.Config retention = config(r, "retention.ms");
        assertThat(retention.value).isEqualTo("7200000");
        assertThat(retention.configSource).isEqualTo(ConfigSource.STATIC_BROKER_CONFIG.id());
    }

    @Test
    void validateOnlyReportsButWritesNothing() throws Exception {
        long offset = f.controller.image().offset();
        CreateTopicsResponse.TopicResult r = call(7, request(true, topic("dry", 2, 1, "cleanup.policy", "compact"))).topics.get(0);
        assertThat(r.errorCode).isZero();
        assertThat(r.numPartitions).isEqualTo(2);
        assertThat(config(r, "cleanup.policy").value).isEqualTo("compact");
        assertThat(f.controller.image().topic("dry")).isNull();
        assertThat(f.controller.image().offset()).isEqualTo(offset);
    }

    @Test
    void manualAssignments() throws Exception {
        CreateTopicsRequest.Topic t = topic("manual", -1, -1);
        for (int p = 0; p < 2; p++) {
            CreateTopicsRequest.Assignment a = new CreateTopicsRequest.Assignment();
            a.partitionIndex = p;
            a.brokerIds = new ArrayList<>(List.of(AdminFixture.NODE_ID));
            t.assignments.add(a);
        }
        CreateTopicsResponse.TopicResult r = call(7, request(false, t)).topics.get(0);
        assertThat(r.errorCode).as(r.errorMessage).isZero();
        assertThat(r.numPartitions).isEqualTo(2);
        assertThat(f.controller.image().topic("manual").partition(1).replicas()).containsExactly(AdminFixture.NODE_ID);

        CreateTopicsRequest.Topic twice = topic("twice", -1, -1);
        for (int i = 0; i < 2; i++) {
            CreateTopicsRequest.Assignment a = new CreateTopicsRequest.Assignment();
            a.partitionIndex = 0;
            a.brokerIds = new ArrayList<>(List.of(AdminFixture.NODE_ID));
            twice.assignments.add(a);
        }
        CreateTopicsResponse.TopicResult bad = call(7, request(false, twice)).topics.get(0);
        assertThat(bad.errorCode).isEqualTo(Errors.INVALID_REPLICA_ASSIGNMENT.code());
        assertThat(bad.errorMessage).contains("partition 0");

        CreateTopicsRequest.Topic unknownBroker = topic("unknown-broker", -1, -1);
        CreateTopicsRequest.Assignment a = new CreateTopicsRequest.Assignment();
        a.brokerIds = new ArrayList<>(List.of(42));
        unknownBroker.assignments.add(a);
        assertThat(call(7, request(false, unknownBroker)).topics.get(0).errorCode).isEqualTo(Errors.INVALID_REPLICA_ASSIGNMENT.code());
    }

    @Test
    void perTopicErrors() throws Exception {
        f.createTopic("exists", 1, 1, Map.of());
        CreateTopicsResponse resp = call(7, request(false,
                topic("exists", 1, 1),
                topic("bad name", 1, 1),
                topic("zero", 0, 1),
                topic("rf3", 1, 3),
                topic("rf0", 1, 0),
                topic("unknown-config", 1, 1, "no.such.config", "1"),
                topic("bad-value", 1, 1, "retention.ms", "soon"),
                topic("null-value", 1, 1, "retention.ms", null),
                topic("dup", 1, 1),
                topic("__cluster_metadata", 1, 1),
                topic("ok", 1, 1),
                topic("dup", 2, 1)));
        assertThat(resp.topics).extracting(t -> t.name).containsExactly("exists", "bad name", "zero", "rf3", "rf0",
                "unknown-config", "bad-value", "null-value", "dup", "__cluster_metadata", "ok");
        assertThat(resp.topics).extracting(t -> Errors.forCode(t.errorCode)).containsExactly(
                Errors.TOPIC_ALREADY_EXISTS, Errors.INVALID_TOPIC_EXCEPTION, Errors.INVALID_PARTITIONS,
                Errors.INVALID_REPLICATION_FACTOR, Errors.INVALID_REPLICATION_FACTOR, Errors.INVALID_CONFIG,
                Errors.INVALID_CONFIG, Errors.INVALID_CONFIG, Errors.INVALID_REQUEST, Errors.INVALID_REQUEST, Errors.NONE);
        assertThat(resp.topics.get(0).errorMessage).isEqualTo("Topic 'exists' already exists.");
        assertThat(resp.topics.get(5).errorMessage).contains("no.such.config");
        assertThat(resp.topics.get(6).errorMessage).contains("retention.ms");
        assertThat(resp.topics.get(7).errorMessage).isEqualTo("Null value not supported for topic configs: retention.ms");
        assertThat(resp.topics.get(8).errorMessage).isEqualTo("Duplicate topic name.");
        assertThat(resp.topics.get(9).errorMessage).contains("prohibited");
        for (CreateTopicsResponse.TopicResult r : resp.topics.subList(0, 10)) {
            assertThat(r.numPartitions).isEqualTo(-1);
            assertThat(r.replicationFactor).isEqualTo((short) -1);
            assertThat(r.topicId).isEqualTo(Uuid.ZERO);
            assertThat(r.configs).isEmpty();
        }
        assertThat(f.controller.image().topics().keySet()).containsExactly("exists", "ok");
    }

    @Test
    void controllerFailureFailsEveryForwardedTopic() throws Exception {
        f.controller.close();
        CreateTopicsResponse resp = call(7, request(false, topic("a", 1, 1), topic("b b", 1, 1)));
        assertThat(resp.topics).extracting(t -> Errors.forCode(t.errorCode)).containsExactly(Errors.NOT_CONTROLLER, Errors.NOT_CONTROLLER);
    }

    @Test
    void roundTripAtLowestAndHighestVersion() throws Exception {
        for (int version : new int[]{2, 7}) {
            CreateTopicsRequest req = request(false, topic("rt-" + version, 2, 1, "retention.ms", "5000"));
            req.timeoutMs = 1234;
            CreateTopicsRequest decoded = roundTrip(req, version, new CreateTopicsRequest());
            assertThat(decoded).isEqualTo(req);

            CreateTopicsResponse resp = call(version, decoded);
            CreateTopicsResponse back = roundTrip(resp, version, new CreateTopicsResponse());
            CreateTopicsResponse.TopicResult r = back.topics.get(0);
            assertThat(r.name).isEqualTo("rt-" + version);
            assertThat(r.errorCode).isZero();
            assertThat(r.errorMessage).isNull();
            if (version == 2) {
                // v5+ fields are not on the wire
                assertThat(r.numPartitions).isEqualTo(-1);
                assertThat(r.configs).isEmpty();
                assertThat(r.topicId).isEqualTo(Uuid.ZERO);
            } else {
                assertThat(back).isEqualTo(resp);
                assertThat(r.numPartitions).isEqualTo(2);
                assertThat(r.topicId).isEqualTo(f.controller.image().topic("rt-7").id());
                assertThat(config(r, "retention.ms").value).isEqualTo("5000");
            }
        }
        // a failed topic at v7 writes an empty config list and -1 counts
        CreateTopicsResponse failed = call(7, request(false, topic("rt-7", 1, 1)));
        CreateTopicsResponse back = roundTrip(failed, 7, new CreateTopicsResponse());
        assertThat(back).isEqualTo(failed);
        assertThat(back.topics.get(0).errorCode).isEqualTo(Errors.TOPIC_ALREADY_EXISTS.code());
    }
}
