package io.runnel.broker.handler.admin;

import io.runnel.common.Errors;
import io.runnel.metadata.ConfigResource;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.IncrementalAlterConfigsRequest;
import io.runnel.protocol.message.IncrementalAlterConfigsResponse;
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

class IncrementalAlterConfigsHandlerTest {
    static final byte TOPIC = 2;
    static final byte BROKER = 4;
    static final byte SET = 0, DELETE = 1, APPEND = 2, SUBTRACT = 3;

    @TempDir
    Path dir;
    private AdminFixture f;
    private IncrementalAlterConfigsHandler handler;

    @BeforeEach
    void start() throws Exception {
        f = AdminFixture.start(dir);
        handler = new IncrementalAlterConfigsHandler(f.controller, f.broker);
        f.createTopic("t", 1, 1, Map.of("retention.ms", "1000"));
    }

    @AfterEach
    void stop() throws Exception {
        f.close();
    }

    static IncrementalAlterConfigsRequest.Config op(String name, byte op, String value) {
        IncrementalAlterConfigsRequest.Config c = new IncrementalAlterConfigsRequest.Config();
        c.name = name;
        c.configOperation = op;
        c.value = value;
        return c;
    }

    static IncrementalAlterConfigsRequest.Resource resource(byte type, String name, IncrementalAlterConfigsRequest.Config... ops) {
        IncrementalAlterConfigsRequest.Resource r = new IncrementalAlterConfigsRequest.Resource();
        r.resourceType = type;
        r.resourceName = name;
        r.configs = new ArrayList<>(List.of(ops));
        return r;
    }

    private IncrementalAlterConfigsResponse call(int version, boolean validateOnly, IncrementalAlterConfigsRequest.Resource... rs) throws Exception {
        IncrementalAlterConfigsRequest req = new IncrementalAlterConfigsRequest();
        req.resources = new ArrayList<>(List.of(rs));
        req.validateOnly = validateOnly;
        return get(handler.handle(ctx(ApiKeys.INCREMENTAL_ALTER_CONFIGS, version), req));
    }

    private Map<String, String> topicConfigs() {
        return f.controller.image().topicConfigs("t");
    }

    @Test
    void setDeleteAppendSubtract() throws Exception {
        IncrementalAlterConfigsResponse resp = call(1, false, resource(TOPIC, "t",
                op("segment.bytes", SET, "2097152"), op("retention.ms", DELETE, null), op("cleanup.policy", APPEND, "compact")));
        assertThat(resp.responses.get(0).errorCode).as(resp.responses.get(0).errorMessage).isZero();
        assertThat(resp.responses.get(0).errorMessage).isNull();
        assertThat(topicConfigs()).isEqualTo(Map.of("segment.bytes", "2097152", "cleanup.policy", "delete,compact"));

        call(1, false, resource(TOPIC, "t", op("cleanup.policy", SUBTRACT, "delete")));
        assertThat(topicConfigs()).containsEntry("cleanup.policy", "compact");
        // DELETE ignores whatever value is sent
        call(1, false, resource(TOPIC, "t", op("segment.bytes", DELETE, "ignored")));
        assertThat(topicConfigs()).doesNotContainKey("segment.bytes");
    }

    @Test
    void validateOnlyWritesNothing() throws Exception {
        IncrementalAlterConfigsResponse resp = call(0, true, resource(TOPIC, "t", op("retention.ms", SET, "5")));
        assertThat(resp.responses.get(0).errorCode).isZero();
        assertThat(topicConfigs()).containsEntry("retention.ms", "1000");
    }

    @Test
    void brokerConfigs() throws Exception {
        IncrementalAlterConfigsResponse resp = call(1, false,
                resource(BROKER, "1", op("log.retention.ms", SET, "60000")),
                resource(BROKER, "", op("log.segment.bytes", SET, "2097152")),
                resource(BROKER, "3", op("log.retention.ms", SET, "1")));
        assertThat(resp.responses).extracting(r -> Errors.forCode(r.errorCode))
                .containsExactly(Errors.NONE, Errors.NONE, Errors.INVALID_REQUEST);
        assertThat(resp.responses.get(2).errorMessage).isEqualTo("Unexpected broker id, expected 1, but received 3");
        assertThat(f.controller.image().configs(ConfigResource.broker(1))).isEqualTo(Map.of("log.retention.ms", "60000"));
        assertThat(f.controller.image().configs(ConfigResource.brokerDefault())).isEqualTo(Map.of("log.segment.bytes", "2097152"));

        IncrementalAlterConfigsResponse readOnly = call(1, false, resource(BROKER, "1", op("log.dirs", SET, "/tmp/x")));
        assertThat(readOnly.responses.get(0).errorCode).isEqualTo(Errors.INVALID_CONFIG.code());
        assertThat(readOnly.responses.get(0).errorMessage).contains("log.dirs");
        IncrementalAlterConfigsResponse badValue = call(1, false, resource(BROKER, "1", op("log.retention.ms", SET, "forever")));
        assertThat(badValue.responses.get(0).errorCode).isEqualTo(Errors.INVALID_CONFIG.code());
        assertThat(badValue.responses.get(0).errorMessage).contains("log.retention.ms");
    }

    @Test
    void errors() throws Exception {
        IncrementalAlterConfigsResponse resp = call(1, false,
                resource(TOPIC, "t", op("retention.ms", (byte) 9, "1")),
                resource(TOPIC, "missing", op("retention.ms", SET, "1")),
                resource(TOPIC, "bad name", op("retention.ms", SET, "1")),
                resource((byte) 8, "1", op("root", SET, "DEBUG")));
        assertThat(resp.responses).extracting(r -> Errors.forCode(r.errorCode)).containsExactly(
                Errors.INVALID_REQUEST, Errors.UNKNOWN_TOPIC_OR_PARTITION, Errors.INVALID_TOPIC_EXCEPTION, Errors.INVALID_REQUEST);
        assertThat(resp.responses.get(0).errorMessage).isEqualTo("Unknown operations type 9");

        IncrementalAlterConfigsResponse nulls = call(1, false, resource(TOPIC, "t", op("retention.ms", SET, null), op("segment.ms", APPEND, null)));
        assertThat(nulls.responses.get(0).errorMessage).isEqualTo("Null value not supported for : retention.ms, segment.ms");
        IncrementalAlterConfigsResponse dup = call(1, false, resource(TOPIC, "t", op("retention.ms", SET, "1"), op("retention.ms", DELETE, null)));
        assertThat(dup.responses.get(0).errorCode).isEqualTo(Errors.INVALID_REQUEST.code());
        assertThat(dup.responses.get(0).errorMessage).isEqualTo("Error due to duplicate config keys");
        IncrementalAlterConfigsResponse twice = call(1, false, resource(TOPIC, "t"), resource(TOPIC, "t"));
        assertThat(twice.responses).extracting(r -> r.errorMessage).containsOnly("Each resource must appear at most once.");

        IncrementalAlterConfigsResponse notAList = call(1, false, resource(TOPIC, "t", op("retention.ms", APPEND, "5")));
        assertThat(notAList.responses.get(0).errorCode).isEqualTo(Errors.INVALID_CONFIG.code());
        assertThat(notAList.responses.get(0).errorMessage).contains("retention.ms");
        IncrementalAlterConfigsResponse badValue = call(1, false, resource(TOPIC, "t", op("cleanup.policy", SET, "shred")));
        assertThat(badValue.responses.get(0).errorCode).isEqualTo(Errors.INVALID_CONFIG.code());
        assertThat(badValue.responses.get(0).errorMessage).contains("cleanup.policy");
        assertThat(topicConfigs()).isEqualTo(Map.of("retention.ms", "1000"));
    }

    @Test
    void roundTripAtLowestAndHighestVersion() throws Exception {
        for (int version : new int[]{0, 1}) {
            IncrementalAlterConfigsRequest req = new IncrementalAlterConfigsRequest();
            req.resources = new ArrayList<>(List.of(resource(TOPIC, "t", op("retention.ms", SET, "7" + version), op("segment.ms", DELETE, null))));
            IncrementalAlterConfigsRequest decoded = roundTrip(req, version, new IncrementalAlterConfigsRequest());
            assertThat(decoded).isEqualTo(req);
            IncrementalAlterConfigsResponse resp = get(handler.handle(ctx(ApiKeys.INCREMENTAL_ALTER_CONFIGS, version), decoded));
            assertThat(roundTrip(resp, version, new IncrementalAlterConfigsResponse())).isEqualTo(resp);
            assertThat(resp.responses.get(0).errorCode).isZero();
        }
        assertThat(topicConfigs()).isEqualTo(Map.of("retention.ms", "71"));
    }
}
