package io.runnel.broker.handler.admin;

import io.runnel.common.Errors;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.CreatePartitionsRequest;
import io.runnel.protocol.message.CreatePartitionsResponse;
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

class CreatePartitionsHandlerTest {
    @TempDir
    Path dir;
    private AdminFixture f;
    private CreatePartitionsHandler handler;

    @BeforeEach
    void start() throws Exception {
        f = AdminFixture.start(dir);
        handler = new CreatePartitionsHandler(f.controller, f.broker);
        f.createTopic("t", 2, 1, Map.of());
    }

    @AfterEach
    void stop() throws Exception {
        f.close();
    }

    static CreatePartitionsRequest.Topic topic(String name, int count, List<List<Integer>> assignments) {
        CreatePartitionsRequest.Topic t = new CreatePartitionsRequest.Topic();
        t.name = name;
        t.count = count;
        if (assignments == null) {
            t.assignments = null;
        } else {
            t.assignments = new ArrayList<>();
            for (List<Integer> ids : assignments) {
                CreatePartitionsRequest.Assignment a = new CreatePartitionsRequest.Assignment();
                a.brokerIds = new ArrayList<>(ids);
                t.assignments.add(a);
            }
        }
        return t;
    }

    private CreatePartitionsResponse call(int version, boolean validateOnly, CreatePartitionsRequest.Topic... topics) throws Exception {
        CreatePartitionsRequest r = new CreatePartitionsRequest();
        r.topics = new ArrayList<>(List.of(topics));
        r.validateOnly = validateOnly;
        r.timeoutMs = 30000;
        return get(handler.handle(ctx(ApiKeys.CREATE_PARTITIONS, version), r));
    }

    @Test
    void growsTopics() throws Exception {
        CreatePartitionsResponse resp = call(3, false, topic("t", 4, null));
        assertThat(resp.results).hasSize(1);
        assertThat(resp.results.get(0).name).isEqualTo("t");
        assertThat(resp.results.get(0).errorCode).isZero();
        assertThat(resp.results.get(0).errorMessage).isNull();
        assertThat(f.controller.image().topic("t").partitionCount()).isEqualTo(4);

        CreatePartitionsResponse manual = call(0, false, topic("t", 5, List.of(List.of(AdminFixture.NODE_ID))));
        assertThat(manual.results.get(0).errorCode).as(manual.results.get(0).errorMessage).isZero();
        assertThat(f.controller.image().topic("t").partition(4).replicas()).containsExactly(AdminFixture.NODE_ID);
    }

    @Test
    void validateOnlyChangesNothing() throws Exception {
        CreatePartitionsResponse resp = call(3, true, topic("t", 10, null));
        assertThat(resp.results.get(0).errorCode).isZero();
        assertThat(f.controller.image().topic("t").partitionCount()).isEqualTo(2);
        CreatePartitionsResponse bad = call(3, true, topic("t", 1, null));
        assertThat(bad.results.get(0).errorCode).isEqualTo(Errors.INVALID_PARTITIONS.code());
    }

    @Test
    void errors() throws Exception {
        CreatePartitionsResponse resp = call(3, false,
                topic("t", 2, null),
                topic("missing", 3, null),
                topic("dup", 3, null),
                topic("dup", 4, null));
        assertThat(resp.results).extracting(r -> r.name).containsExactly("t", "missing", "dup");
        assertThat(resp.results).extracting(r -> Errors.forCode(r.errorCode)).containsExactly(
                Errors.INVALID_PARTITIONS, Errors.UNKNOWN_TOPIC_OR_PARTITION, Errors.INVALID_REQUEST);
        assertThat(resp.results.get(0).errorMessage).contains("2 partitions");

        CreatePartitionsResponse decrease = call(3, false, topic("t", 1, null));
        assertThat(decrease.results.get(0).errorCode).isEqualTo(Errors.INVALID_PARTITIONS.code());
        CreatePartitionsResponse wrongCount = call(3, false, topic("t", 4, List.of(List.of(AdminFixture.NODE_ID))));
        assertThat(wrongCount.results.get(0).errorCode).isEqualTo(Errors.INVALID_REPLICA_ASSIGNMENT.code());
        CreatePartitionsResponse unknownBroker = call(3, false, topic("t", 3, List.of(List.of(9))));
        assertThat(unknownBroker.results.get(0).errorCode).isEqualTo(Errors.INVALID_REPLICA_ASSIGNMENT.code());
        assertThat(f.controller.image().topic("t").partitionCount()).isEqualTo(2);
    }

    @Test
    void roundTripAtLowestAndHighestVersion() throws Exception {
        for (int version : new int[]{0, 3}) {
            CreatePartitionsRequest req = new CreatePartitionsRequest();
            req.topics = new ArrayList<>(List.of(topic("t", 3 + version, null)));
            req.timeoutMs = 100;
            CreatePartitionsRequest decoded = roundTrip(req, version, new CreatePartitionsRequest());
            assertThat(decoded).isEqualTo(req);
            CreatePartitionsResponse resp = get(handler.handle(ctx(ApiKeys.CREATE_PARTITIONS, version), decoded));
            assertThat(roundTrip(resp, version, new CreatePartitionsResponse())).isEqualTo(resp);
            assertThat(resp.results.get(0).errorCode).isZero();
        }
        assertThat(f.controller.image().topic("t").partitionCount()).isEqualTo(6);
    }
}
