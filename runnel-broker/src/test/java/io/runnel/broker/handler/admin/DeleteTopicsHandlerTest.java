package io.runnel.broker.handler.admin;

import io.runnel.common.Errors;
import io.runnel.common.Uuid;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.DeleteTopicsRequest;
import io.runnel.protocol.message.DeleteTopicsResponse;
import org.junit.jupiter.api.AfterEach;
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

class DeleteTopicsHandlerTest {
    @TempDir
    Path dir;
    private AdminFixture f;

    @AfterEach
    void stop() throws Exception {
        if (f != null) f.close();
    }

    private DeleteTopicsHandler start(String... kv) throws Exception {
        f = AdminFixture.start(dir, kv);
        return new DeleteTopicsHandler(f.controller, f.broker);
    }

    static DeleteTopicsRequest byNames(String... names) {
        DeleteTopicsRequest r = new DeleteTopicsRequest();
        r.topicNames = new ArrayList<>(List.of(names));
        r.timeoutMs = 30000;
        return r;
    }

    static DeleteTopicsRequest.Topic ref(String name, Uuid id) {
        DeleteTopicsRequest.Topic t = new DeleteTopicsRequest.Topic();
        t.name = name;
        t.topicId = id;
        return t;
    }

    static DeleteTopicsRequest v6(DeleteTopicsRequest.Topic... topics) {
        DeleteTopicsRequest r = new DeleteTopicsRequest();
        r.topics = new ArrayList<>(List.of(topics));
        r.timeoutMs = 30000;
        return r;
    }

    @Test
    void deletesByNameInOldVersions() throws Exception {
        DeleteTopicsHandler h = start();
        f.createTopic("a", 1, 1, Map.of());
        f.createTopic("b", 1, 1, Map.of());
        DeleteTopicsResponse resp = get(h.handle(ctx(ApiKeys.DELETE_TOPICS, 5), byNames("a", "missing", "b", "b")));
        assertThat(resp.responses).extracting(r -> r.name).containsExactly("a", "missing", "b");
        assertThat(resp.responses).extracting(r -> Errors.forCode(r.errorCode))
                .containsExactly(Errors.NONE, Errors.UNKNOWN_TOPIC_OR_PARTITION, Errors.INVALID_REQUEST);
        assertThat(resp.responses.get(0).errorMessage).isNull();
        assertThat(resp.responses.get(2).errorMessage).isEqualTo("Duplicate topic name.");
        assertThat(f.controller.image().topics().keySet()).containsExactly("b");

        DeleteTopicsResponse v1 = get(h.handle(ctx(ApiKeys.DELETE_TOPICS, 1), byNames("b")));
        assertThat(v1.responses.get(0).errorCode).isZero();
        assertThat(f.controller.image().topics()).isEmpty();
    }

    @Test
    void v6DeletesByNameOrId() throws Exception {
        DeleteTopicsHandler h = start();
        Uuid a = f.createTopic("a", 1, 1, Map.of()).topicId();
        Uuid b = f.createTopic("b", 1, 1, Map.of()).topicId();
        Uuid c = f.createTopic("c", 1, 1, Map.of()).topicId();
        Uuid unknown = Uuid.random();
        DeleteTopicsResponse resp = get(h.handle(ctx(ApiKeys.DELETE_TOPICS, 6), v6(
                ref("a", Uuid.ZERO), ref(null, b), ref(null, unknown), ref("c", c), ref(null, Uuid.ZERO), ref("nope", Uuid.ZERO))));
        assertThat(resp.responses).hasSize(6);
        DeleteTopicsResponse.TopicResult byName = find(resp, "a", a);
        assertThat(byName.errorCode).isZero();
        DeleteTopicsResponse.TopicResult byId = find(resp, "b", b);
        assertThat(byId.errorCode).isZero();
        DeleteTopicsResponse.TopicResult unknownId = find(resp, null, unknown);
        assertThat(unknownId.errorCode).isEqualTo(Errors.UNKNOWN_TOPIC_ID.code());
        DeleteTopicsResponse.TopicResult both = find(resp, "c", c);
        assertThat(both.errorCode).isEqualTo(Errors.INVALID_REQUEST.code());
        assertThat(both.errorMessage).isEqualTo("You may not specify both topic name and topic id.");
        DeleteTopicsResponse.TopicResult neither = find(resp, null, Uuid.ZERO);
        assertThat(neither.errorCode).isEqualTo(Errors.INVALID_REQUEST.code());
        DeleteTopicsResponse.TopicResult unknownName = find(resp, "nope", Uuid.ZERO);
        assertThat(unknownName.errorCode).isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
        assertThat(f.controller.image().topics().keySet()).containsExactly("c");

        // a topic named by name and by id in one request is refused once, deleted once
        Uuid d = f.createTopic("d", 1, 1, Map.of()).topicId();
        DeleteTopicsResponse twice = get(h.handle(ctx(ApiKeys.DELETE_TOPICS, 6), v6(ref("d", Uuid.ZERO), ref(null, d), ref(null, c), ref(null, c))));
        assertThat(twice.responses).extracting(r -> Errors.forCode(r.errorCode))
                .containsExactly(Errors.NONE, Errors.INVALID_REQUEST, Errors.INVALID_REQUEST);
        assertThat(twice.responses.get(2).errorMessage).isEqualTo("Duplicate topic id.");
        assertThat(f.controller.image().topics().keySet()).containsExactly("c");

        DeleteTopicsResponse back = roundTrip(twice, 6, new DeleteTopicsResponse());
        assertThat(back).isEqualTo(twice);
    }

    private static DeleteTopicsResponse.TopicResult find(DeleteTopicsResponse resp, String name, Uuid id) {
        return resp.responses.stream()
                .filter(r -> java.util.Objects.equals(r.name, name) && (id == null || r.topicId.equals(id)))
                .findFirst().orElseThrow(() -> new AssertionError("no result for " + name + "/" + id + " in " + resp));
    }

    @Test
    void deletionDisabled() throws Exception {
        DeleteTopicsHandler h = start("delete.topic.enable", "false");
        Uuid id = f.createTopic("keep", 1, 1, Map.of()).topicId();
        DeleteTopicsResponse v6 = get(h.handle(ctx(ApiKeys.DELETE_TOPICS, 6), v6(ref(null, id))));
        assertThat(v6.responses.get(0).errorCode).isEqualTo(Errors.TOPIC_DELETION_DISABLED.code());
        assertThat(v6.responses.get(0).topicId).isEqualTo(id);
        DeleteTopicsResponse v3 = get(h.handle(ctx(ApiKeys.DELETE_TOPICS, 3), byNames("keep")));
        assertThat(v3.responses.get(0).errorCode).isEqualTo(Errors.TOPIC_DELETION_DISABLED.code());
        DeleteTopicsResponse v2 = get(h.handle(ctx(ApiKeys.DELETE_TOPICS, 2), byNames("keep")));
        assertThat(v2.responses.get(0).errorCode).isEqualTo(Errors.INVALID_REQUEST.code());
        assertThat(f.controller.image().topic("keep")).isNotNull();
    }

    @Test
    void roundTripAtLowestVersion() throws Exception {
        DeleteTopicsHandler h = start();
        f.createTopic("x", 1, 1, Map.of());
        DeleteTopicsRequest req = byNames("x", "y");
        DeleteTopicsRequest decoded = roundTrip(req, 1, new DeleteTopicsRequest());
        assertThat(decoded).isEqualTo(req);
        DeleteTopicsResponse resp = get(h.handle(ctx(ApiKeys.DELETE_TOPICS, 1), decoded));
        DeleteTopicsResponse back = roundTrip(resp, 1, new DeleteTopicsResponse());
        assertThat(back.responses).extracting(r -> r.name).containsExactly("x", "y");
        assertThat(back.responses).extracting(r -> r.errorCode).containsExactly((short) 0, Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
    }
}
