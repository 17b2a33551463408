package io.runnel.broker.handler.admin;

import io.runnel.common.Errors;
import io.runnel.config.ConfigDef;
import io.runnel.config.ConfigSource;
import io.runnel.metadata.AlterConfigOp;
import io.runnel.metadata.ConfigResource;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.DescribeConfigsRequest;
import io.runnel.protocol.message.DescribeConfigsResponse;
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

class DescribeConfigsHandlerTest {
    static final byte TOPIC = 2;
    static final byte BROKER = 4;
    static final byte BROKER_LOGGER = 8;

    @TempDir
    Path dir;
    private AdminFixture f;
    private DescribeConfigsHandler handler;

    @BeforeEach
    void start() throws Exception {
        f = AdminFixture.start(dir, "log.retention.hours", "48");
        handler = new DescribeConfigsHandler(f.controller, f.broker);
        f.createTopic("t", 1, 1, Map.of("cleanup.policy", "compact"));
    }

    @AfterEach
    void stop() throws Exception {
        f.close();
    }

    static DescribeConfigsRequest.Resource resource(byte type, String name, String... keys) {
        DescribeConfigsRequest.Resource r = new DescribeConfigsRequest.Resource();
        r.resourceType = type;
        r.resourceName = name;
        r.configurationKeys = keys.length == 0 ? null : new ArrayList<>(List.of(keys));
        return r;
    }

    static DescribeConfigsRequest request(boolean synonyms, boolean docs, DescribeConfigsRequest.Resource... resources) {
        DescribeConfigsRequest r = new DescribeConfigsRequest();
        r.resources = new ArrayList<>(List.of(resources));
        r.includeSynonyms = synonyms;
        r.includeDocumentation = docs;
        return r;
    }

    private DescribeConfigsResponse call(int version, DescribeConfigsRequest req) throws Exception {
        return get(handler.handle(ctx(ApiKeys.DESCRIBE_CONFIGS, version), req));
    }

    private static DescribeConfigsResponse.Config config(DescribeConfigsResponse.Result r, String name) {
        return r.configs.stream().filter(c -> c.name.equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError(name + " not in " + r.configs.stream().map(c -> c.name).toList()));
    }

    @Test
    void topicConfigsWithSourcesAndSynonyms() throws Exception {
        DescribeConfigsResponse resp = call(4, request(true, true, resource(TOPIC, "t")));
        DescribeConfigsResponse.Result r = resp.results.get(0);
        assertThat(r.errorCode).isZero();
        assertThat(r.errorMessage).isNull();
        assertThat(r.resourceType).isEqualTo(TOPIC);
        assertThat(r.resourceName).isEqualTo("t");
        assertThat(r.configs).hasSizeGreaterThan(20);

        DescribeConfigsResponse.Config cleanup = config(r, "cleanup.policy");
        assertThat(cleanup.value).isEqualTo("compact");
        assertThat(cleanup.configSource).isEqualTo(ConfigSource.DYNAMIC_TOPIC_CONFIG.id());
        assertThat(cleanup.readOnly).isFalse();
        assertThat(cleanup.configType).isEqualTo(ConfigDef.Type.LIST.id());
        assertThat(cleanup.documentation).isNotEmpty();
        assertThat(cleanup.synonyms).extracting(s -> s.name).containsExactly("cleanup.policy", "log.cleanup.policy");
        assertThat(cleanup.synonyms).extracting(s -> s.source)
                .containsExactly(ConfigSource.DYNAMIC_TOPIC_CONFIG.id(), ConfigSource.DEFAULT_CONFIG.id());

        DescribeConfigsResponse.Config retention = config(r, "retention.ms");
        assertThat(retention.value).isEqualTo("172800000");
        assertThat(retention.configSource).isEqualTo(ConfigSource.STATIC_BROKER_CONFIG.id());
        assertThat(retention.configType).isEqualTo(ConfigDef.Type.LONG.id());
        assertThat(retention.synonyms).extracting(s -> s.name).contains("log.retention.hours");

        DescribeConfigsResponse.Config segment = config(r, "segment.bytes");
        assertThat(segment.configSource).isEqualTo(ConfigSource.DEFAULT_CONFIG.id());
        assertThat(segment.configType).isEqualTo(ConfigDef.Type.INT.id());
    }

    @Test
    void withoutSynonymsOrDocumentationAndFilteredByKey() throws Exception {
        DescribeConfigsResponse resp = call(4, request(false, false, resource(TOPIC, "t", "retention.ms", "cleanup.policy", "no.such.key")));
        DescribeConfigsResponse.Result r = resp.results.get(0);
        assertThat(r.configs).extracting(c -> c.name).containsExactlyInAnyOrder("retention.ms", "cleanup.policy");
        for (DescribeConfigsResponse.Config c : r.configs) {
            assertThat(c.synonyms).isEmpty();
            assertThat(c.documentation).isNull();
        }
        // an empty key list means every key, as Kafka treats it
        DescribeConfigsRequest.Resource empty = resource(TOPIC, "t");
        empty.configurationKeys = new ArrayList<>();
        assertThat(call(4, request(false, false, empty)).results.get(0).configs).hasSizeGreaterThan(20);
    }

    @Test
    void brokerResources() throws Exception {
        get(f.controller.incrementalAlterConfigs(Map.of(ConfigResource.brokerDefault(),
                List.of(AlterConfigOp.set("log.retention.ms", "5000"))), false));
        // sasl.* can be set neither statically (UnsupportedSecurityConfig stops the start) nor dynamically (refused
        // while Runnel serves PLAINTEXT only), so the password key is described unset: still sensitive, no value
        // (masking of a set password: BrokerConfigsTest.describeMarksReadOnlyAndHidesPasswords)
        assertThat(get(f.controller.incrementalAlterConfigs(Map.of(ConfigResource.broker(1),
                List.of(AlterConfigOp.set("sasl.jaas.config", "secret"))), false)).get(ConfigResource.broker(1)).error())
                .isEqualTo(io.runnel.common.Errors.INVALID_CONFIG);
        DescribeConfigsResponse resp = call(4, request(true, false,
                resource(BROKER, "1"), resource(BROKER, ""), resource(BROKER, "2"), resource(BROKER, "one")));

        DescribeConfigsResponse.Result own = resp.results.get(0);
        assertThat(own.errorCode).isZero();
        DescribeConfigsResponse.Config nodeId = config(own, "node.id");
        assertThat(nodeId.value).isEqualTo("1");
        assertThat(nodeId.readOnly).isTrue();
        assertThat(nodeId.configSource).isEqualTo(ConfigSource.STATIC_BROKER_CONFIG.id());
        DescribeConfigsResponse.Config retention = config(own, "log.retention.ms");
        assertThat(retention.value).isEqualTo("5000");
        assertThat(retention.readOnly).isFalse();
        assertThat(retention.configSource).isEqualTo(ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG.id());
        DescribeConfigsResponse.Config jaas = config(own, "sasl.jaas.config");
        assertThat(jaas.isSensitive).isTrue();
        assertThat(jaas.value).isNull();
        assertThat(jaas.configType).isEqualTo(ConfigDef.Type.PASSWORD.id());
        assertThat(jaas.synonyms).allSatisfy(s -> assertThat(s.value).isNull());
        // a Kafka key Runnel does not implement: Kafka's default, read-only, from the catalogue
        DescribeConfigsResponse.Config remote = config(own, "remote.log.manager.task.interval.ms");
        assertThat(remote.value).isEqualTo("30000");
        assertThat(remote.readOnly).isTrue();
        assertThat(remote.configSource).isEqualTo(ConfigSource.DEFAULT_CONFIG.id());
        assertThat(remote.configType).isEqualTo(ConfigDef.Type.LONG.id());
        // replication throttles are Runnel's own now: dynamic, Kafka's default
        DescribeConfigsResponse.Config throttle = config(own, "leader.replication.throttled.rate");
        assertThat(throttle.value).isEqualTo("9223372036854775807");
        assertThat(throttle.readOnly).isFalse();
        assertThat(throttle.configType).isEqualTo(ConfigDef.Type.LONG.id());

        DescribeConfigsResponse.Result defaults = resp.results.get(1);
        assertThat(defaults.errorCode).isZero();
        assertThat(defaults.configs).extracting(c -> c.name).containsExactly("log.retention.ms");
        assertThat(defaults.configs.get(0).value).isEqualTo("5000");
        assertThat(defaults.configs.get(0).configSource).isEqualTo(ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG.id());
        assertThat(defaults.configs.get(0).synonyms).extracting(s -> s.source)
                .containsExactly(ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG.id());

        assertThat(resp.results.get(2).errorCode).isEqualTo(Errors.INVALID_REQUEST.code());
        assertThat(resp.results.get(2).errorMessage).isEqualTo("Unexpected broker id, expected 1 or empty string, but received 2");
        assertThat(resp.results.get(2).configs).isEmpty();
        assertThat(resp.results.get(3).errorCode).isEqualTo(Errors.INVALID_REQUEST.code());
        assertThat(resp.results.get(3).errorMessage).isEqualTo("Broker id must be an integer, but it is: one");
    }

    @Test
    void errors() throws Exception {
        DescribeConfigsResponse resp = call(4, request(false, false,
                resource(TOPIC, "missing"), resource(TOPIC, "bad name"), resource(BROKER_LOGGER, "1"), resource((byte) 3, "x"),
                resource(TOPIC, "t", "retention.ms")));
        assertThat(resp.results).extracting(r -> Errors.forCode(r.errorCode)).containsExactly(Errors.UNKNOWN_TOPIC_OR_PARTITION,
                Errors.INVALID_TOPIC_EXCEPTION, Errors.INVALID_REQUEST, Errors.INVALID_REQUEST, Errors.NONE);
        assertThat(resp.results.get(0).errorMessage).isNull();
        assertThat(resp.results.get(0).configs).isEmpty();
        assertThat(resp.results.get(0).resourceName).isEqualTo("missing");
        assertThat(resp.results.get(4).configs).hasSize(1);
    }

    @Test
    void roundTripAtLowestAndHighestVersion() throws Exception {
        for (int version : new int[]{1, 4}) {
            DescribeConfigsRequest req = request(true, version >= 3, resource(TOPIC, "t", "cleanup.policy"), resource(BROKER, "1", "node.id"));
            DescribeConfigsRequest decoded = roundTrip(req, version, new DescribeConfigsRequest());
            assertThat(decoded).isEqualTo(req);
            DescribeConfigsResponse resp = call(version, decoded);
            DescribeConfigsResponse back = roundTrip(resp, version, new DescribeConfigsResponse());
            DescribeConfigsResponse.Config cleanup = back.results.get(0).configs.get(0);
            assertThat(cleanup.name).isEqualTo("cleanup.policy");
            assertThat(cleanup.value).isEqualTo("compact");
            assertThat(cleanup.configSource).isEqualTo(ConfigSource.DYNAMIC_TOPIC_CONFIG.id());
            assertThat(cleanup.synonyms).hasSize(2);
            assertThat(back.results.get(1).configs.get(0).readOnly).isTrue();
            if (version == 1) {
                // configType and documentation are v3+
                assertThat(cleanup.configType).isZero();
                assertThat(cleanup.documentation).isEqualTo("");
            } else {
                assertThat(back).isEqualTo(resp);
                assertThat(cleanup.configType).isEqualTo(ConfigDef.Type.LIST.id());
                assertThat(cleanup.documentation).isNotEmpty();
            }
        }
    }
}
