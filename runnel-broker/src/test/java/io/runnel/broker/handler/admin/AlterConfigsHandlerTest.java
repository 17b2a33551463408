package io.runnel.broker.handler.admin;

import io.runnel.common.Errors;
import io.runnel.metadata.ConfigResource;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.AlterConfigsRequest;
import io.runnel.protocol.message.AlterConfigsResponse;
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

class AlterConfigsHandlerTest {
    static final byte TOPIC = 2;
    static final byte BROKER = 4;

    @TempDir
    Path dir;
    private AdminFixture f;
    private AlterConfigsHandler handler;

    @BeforeEach
    void start() throws Exception {
        f = AdminFixture.start(dir);
        handler = new AlterConfigsHandler(f.controller, f.broker);
        f.createTopic("t", 1, 1, Map.of("retention.ms", "1000", "cleanup.policy", "compact"));
    }

    @AfterEach
    void stop() throws Exception {
        f.close();
    }

    static AlterConfigsRequest.Resource resource(byte type, String name, String... kv) {
        AlterConfigsRequest.Resource r = new AlterConfigsRequest.Resource();
        r.resourceType = type;
        r.resourceName = name;
        for (int i = 0; i < kv.length; i += 2) {
            AlterConfigsRequest.Config c = new AlterConfigsRequest.Config();
            c.name = kv[i];
            c.value = kv[i + 1];
            r.configs.add(c);
        }
        return r;
    }

    private AlterConfigsResponse call(int version, boolean validateOnly, AlterConfigsRequest.Resource... resources) throws Exception {
        AlterConfigsRequest req = new AlterConfigsRequest();
        req.resources = new ArrayList<>(List.of(resources));
        req.validateOnly = validateOnly;
        return get(handler.handle(ctx(ApiKeys.ALTER_CONFIGS, version), req));
    }

    @Test
    void replacesEveryDynamicConfigOfATopic() throws Exception {
        AlterConfigsResponse resp = call(2, false, resource(TOPIC, "t", "segment.bytes", "2097152"));
        assertThat(resp.responses).hasSize(1);
        AlterConfigsResponse.ResourceResponse r = resp.responses.get(0);
        assertThat(r.errorCode).isZero();
        assertThat(r.errorMessage).isNull();
        assertThat(r.resourceType).isEqualTo(TOPIC);
        assertThat(r.resourceName).isEqualTo("t");
        assertThat(f.controller.image().topicConfigs("t")).isEqualTo(Map.of("segment.bytes", "2097152"));
    }

    @Test
    void validateOnlyWritesNothing() throws Exception {
        AlterConfigsResponse ok = call(0, true, resource(TOPIC, "t"));
        assertThat(ok.responses.get(0).errorCode).isZero();
        AlterConfigsResponse bad = call(0, true, resource(TOPIC, "t", "retention.ms", "-5"));
        assertThat(bad.responses.get(0).errorCode).isEqualTo(Errors.INVALID_CONFIG.code());
        assertThat(f.controller.image().topicConfigs("t")).containsEntry("retention.ms", "1000").hasSize(2);
    }

    @Test
    void brokerResources() throws Exception {
        AlterConfigsResponse resp = call(1, false,
                resource(BROKER, "", "log.retention.ms", "7000"),
                resource(BROKER, "1", "log.segment.bytes", "2097152"),
                resource(BROKER, "2", "log.retention.ms", "1"),
                resource(BROKER, "x", "log.retention.ms", "1"));
        assertThat(resp.responses).extracting(r -> Errors.forCode(r.errorCode))
                .containsExactly(Errors.NONE, Errors.NONE, Errors.INVALID_REQUEST, Errors.INVALID_REQUEST);
        assertThat(resp.responses.get(2).errorMessage).isEqualTo("Unexpected broker id, expected 1, but received 2");
        assertThat(resp.responses.get(3).errorMessage).isEqualTo("Node id must be an integer, but it is: x");
        assertThat(f.controller.image().configs(ConfigResource.brokerDefault())).isEqualTo(Map.of("log.retention.ms", "7000"));
        assertThat(f.controller.image().configs(ConfigResource.broker(1))).isEqualTo(Map.of("log.segment.bytes", "2097152"));

        AlterConfigsResponse staticKey = call(1, false, resource(BROKER, "1", "node.id", "5"));
        assertThat(staticKey.responses.get(0).errorCode).isEqualTo(Errors.INVALID_CONFIG.code());
        assertThat(staticKey.responses.get(0).errorMessage).contains("node.id");
    }

    @Test
    void requestErrors() throws Exception {
        AlterConfigsResponse resp = call(2, false,
                resource(TOPIC, "t", "retention.ms", "abc"),
                resource(TOPIC, "missing", "retention.ms", "1"),
                resource(TOPIC, "dup", "retention.ms", "1"),
                resource(TOPIC, "t", "no.such.key", "1", "no.such.key", "2"),
                resource(TOPIC, "dup", "retention.ms", "2"),
                resource(TOPIC, "", "retention.ms", "1"),
                resource((byte) 8, "1", "kafka.root", "DEBUG"),
                resource((byte) 77, "x"));
        assertThat(resp.responses).extracting(r -> Errors.forCode(r.errorCode)).containsExactly(
                Errors.INVALID_REQUEST, Errors.UNKNOWN_TOPIC_OR_PARTITION, Errors.INVALID_REQUEST, Errors.INVALID_REQUEST,
                Errors.INVALID_REQUEST, Errors.INVALID_REQUEST, Errors.INVALID_REQUEST, Errors.INVALID_REQUEST);
        // "t" is named twice (first and fourth), so both are refused before anything else
        assertThat(resp.responses.get(0).errorMessage).isEqualTo("Each resource must appear at most once.");
        assertThat(resp.responses.get(2).errorMessage).isEqualTo("Each resource must appear at most once.");
        assertThat(resp.responses.get(6).errorMessage).contains("BROKER_LOGGER");
        assertThat(resp.responses.get(7).errorMessage).isEqualTo("Unknown resource type 77");

        AlterConfigsResponse invalid = call(2, false, resource(TOPIC, "t", "retention.ms", "abc"));
        assertThat(invalid.responses.get(0).errorCode).isEqualTo(Errors.INVALID_CONFIG.code());
        assertThat(invalid.responses.get(0).errorMessage).contains("retention.ms");
        AlterConfigsResponse unknownKey = call(2, false, resource(TOPIC, "t", "no.such.key", "1"));
        assertThat(unknownKey.responses.get(0).errorCode).isEqualTo(Errors.INVALID_CONFIG.code());
        assertThat(unknownKey.responses.get(0).errorMessage).contains("no.such.key");
        AlterConfigsResponse dupKey = call(2, false, resource(TOPIC, "t", "retention.ms", "1", "retention.ms", "2"));
        assertThat(dupKey.responses.get(0).errorMessage).isEqualTo("Error due to duplicate config keys");
        AlterConfigsResponse nullValue = call(2, false, resource(TOPIC, "t", "retention.ms", null, "segment.ms", null));
        assertThat(nullValue.responses.get(0).errorCode).isEqualTo(Errors.INVALID_REQUEST.code());
        assertThat(nullValue.responses.get(0).errorMessage).isEqualTo("Null value not supported for : retention.ms, segment.ms");
        assertThat(f.controller.image().topicConfigs("t")).containsEntry("retention.ms", "1000");
    }

    @Test
    void roundTripAtLowestAndHighestVersion() throws Exception {
        for (int version : new int[]{0, 2}) {
            AlterConfigsRequest req = new AlterConfigsRequest();
            req.resources = new ArrayList<>(List.of(resource(TOPIC, "t", "retention.ms", "99"), resource(TOPIC, "nope")));
            AlterConfigsRequest decoded = roundTrip(req, version, new AlterConfigsRequest());
            assertThat(decoded).isEqualTo(req);
            AlterConfigsResponse resp = get(handler.handle(ctx(ApiKeys.ALTER_CONFIGS, version), decoded));
            assertThat(roundTrip(resp, version, new AlterConfigsResponse())).isEqualTo(resp);
            assertThat(resp.responses).extracting(r -> r.errorCode).containsExactly((short) 0, Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
        }
        assertThat(f.controller.image().topicConfigs("t")).isEqualTo(Map.of("retention.ms", "99"));
    }
}
