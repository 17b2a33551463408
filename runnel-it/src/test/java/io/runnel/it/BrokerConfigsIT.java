package io.runnel.it;

import io.runnel.config.KafkaBrokerCatalogue;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.AlterConfigsRequest;
import io.runnel.protocol.message.AlterConfigsResponse;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.DescribeConfigsOptions;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The broker config catalogue with the Admin client (issue 7, item 4): DescribeConfigs on a broker lists
 * sources, defaults, read-only keys and Kafka's synonym chains (log.retention.ms, minutes, hours), and every other
 * Apache Kafka 4.4 broker key as not implemented, with Kafka's default;
 * incrementalAlterConfigs and AlterConfigs change dynamic keys per broker and cluster-wide, refuse Kafka keys
 * Runnel does not implement or cannot change at run time with a message that says so, apply what they change
 * (a topic's effective retention, the produce size limit), and the values survive a restart.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class BrokerConfigsIT {
    private static final Map<String, String> STATIC = Map.of("log.retention.hours", "24");
    private static final ConfigResource BROKER = new ConfigResource(ConfigResource.Type.BROKER, "1");
    private static final ConfigResource CLUSTER = new ConfigResource(ConfigResource.Type.BROKER, "");

    @TempDir
    static Path dir;
    static TestBroker broker;
    static Admin admin;

    @BeforeAll
    static void start() {
        broker = TestBroker.start(dir.resolve("broker"), STATIC);
        admin = Clients.admin(broker.bootstrap());
    }

    @AfterAll
    static void stop() {
        if (admin != null) admin.close();
        if (broker != null) broker.close();
    }

    private static Config describe(ConfigResource r) throws Exception {
        return admin.describeConfigs(List.of(r), new DescribeConfigsOptions().includeSynonyms(true).includeDocumentation(true))
                .all().get(30, TimeUnit.SECONDS).get(r);
    }

    private static void set(ConfigResource r, String key, String value) throws Exception {
        admin.incrementalAlterConfigs(Map.of(r, List.of(new AlterConfigOp(new ConfigEntry(key, value), AlterConfigOp.OpType.SET))))
                .all().get(30, TimeUnit.SECONDS);
    }

    private static List<String> synonyms(ConfigEntry e) {
        return e.synonyms().stream().map(s -> s.name() + "=" + s.value() + "/" + s.source()).toList();
    }

    private static Throwable cause(Throwable t) {
        return t instanceof ExecutionException && t.getCause() != null ? t.getCause() : t;
    }

    @Test
    void describeAlterApplyAndRestart() throws Exception {
        // the catalogue: sources, defaults, read-only keys, synonym chains
        Config c = describe(BROKER);
        ConfigEntry ms = c.get("log.retention.ms");
        assertThat(ms.value()).isNull();
        assertThat(ms.source()).isEqualTo(ConfigEntry.ConfigSource.STATIC_BROKER_CONFIG);
        assertThat(ms.isReadOnly()).isFalse();
        assertThat(synonyms(ms)).containsExactly("log.retention.hours=24/STATIC_BROKER_CONFIG", "log.retention.hours=168/DEFAULT_CONFIG");
        assertThat(c.get("log.retention.hours").value()).isEqualTo("24");
        assertThat(c.get("log.retention.hours").isReadOnly()).isTrue();
        assertThat(c.get("num.io.threads").isReadOnly()).isTrue();
        assertThat(c.get("num.io.threads").source()).isEqualTo(ConfigEntry.ConfigSource.DEFAULT_CONFIG);
        assertThat(c.get("num.io.threads").value()).isEqualTo("8");
        assertThat(c.get("message.max.bytes").isReadOnly()).isFalse();
        assertThat(c.get("ssl.keystore.password").isSensitive()).isTrue();
        assertThat(describe(CLUSTER).entries()).as("no cluster-wide dynamic value yet").isEmpty();

        // every Apache Kafka 4.4 broker key is listed; one Runnel does not implement shows Kafka's default, read-only
        ConfigEntry remote = c.get("remote.log.manager.task.interval.ms");
        assertThat(remote).as("a Kafka key Runnel does not implement").isNotNull();
        assertThat(remote.value()).isEqualTo("30000");
        assertThat(remote.source()).isEqualTo(ConfigEntry.ConfigSource.DEFAULT_CONFIG);
        assertThat(remote.isReadOnly()).isTrue();
        assertThat(remote.type()).isEqualTo(ConfigEntry.ConfigType.LONG);
        assertThat(remote.documentation()).startsWith("Not implemented by Runnel");
        assertThat(synonyms(remote)).containsExactly("remote.log.manager.task.interval.ms=30000/DEFAULT_CONFIG");
        // the replication throttle is Runnel's own: Kafka's default, dynamic
        ConfigEntry throttle = c.get("leader.replication.throttled.rate");
        assertThat(throttle.value()).isEqualTo(Long.toString(Long.MAX_VALUE));
        assertThat(throttle.isReadOnly()).isFalse();
        assertThat(c.get("remote.log.reader.threads").value()).isEqualTo("10");
        assertThat(c.get("ssl.truststore.certificates").isSensitive()).isTrue();
        assertThat(c.get("ssl.truststore.certificates").value()).isNull();
        long kafkaKeys = KafkaBrokerCatalogue.kafka44().all().stream().filter(k -> !k.internal()).count();
        assertThat(c.entries()).extracting(ConfigEntry::name).doesNotHaveDuplicates().hasSizeGreaterThanOrEqualTo((int) kafkaKeys);

        // cluster-wide default, then this broker: both stored and in effect, broker first
        set(CLUSTER, "log.retention.ms", "3600000");
        set(BROKER, "log.retention.ms", "7200000");
        ConfigEntry after = describe(BROKER).get("log.retention.ms");
        assertThat(after.value()).isEqualTo("7200000");
        assertThat(after.source()).isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_BROKER_CONFIG);
        assertThat(synonyms(after)).containsExactly("log.retention.ms=7200000/DYNAMIC_BROKER_CONFIG",
                "log.retention.ms=3600000/DYNAMIC_DEFAULT_BROKER_CONFIG", "log.retention.hours=24/STATIC_BROKER_CONFIG",
                "log.retention.hours=168/DEFAULT_CONFIG");
        assertThat(describe(CLUSTER).get("log.retention.ms").value()).isEqualTo("3600000");
        broker.createTopic("broker-configs-topic", 1);
        ConfigEntry topicRetention = describe(new ConfigResource(ConfigResource.Type.TOPIC, "broker-configs-topic")).get("retention.ms");
        assertThat(topicRetention.value()).as("applied: the topic's effective retention").isEqualTo("7200000");
        assertThat(topicRetention.source()).isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_BROKER_CONFIG);

        // applied: a cluster-wide message.max.bytes limits what producers may send
        set(CLUSTER, "message.max.bytes", "2000");
        try (KafkaProducer<byte[], byte[]> p = Clients.producer(broker.bootstrap(), Map.of("max.request.size", 1 << 20))) {
            assertThatThrownBy(() -> p.send(new ProducerRecord<>("broker-configs-topic", new byte[5000])).get(30, TimeUnit.SECONDS))
                    .satisfies(t -> assertThat(cause(t)).isInstanceOf(RecordTooLargeException.class));
            p.send(new ProducerRecord<>("broker-configs-topic", new byte[100])).get(30, TimeUnit.SECONDS);
        }

        // refusals a user can act on
        assertRefused(BROKER, "num.io.threads", "4", InvalidConfigurationException.class,
                "Runnel cannot change num.io.threads while running (Kafka can): set it in server.properties and restart the broker.");
        assertRefused(CLUSTER, "remote.log.reader.threads", "3", InvalidConfigurationException.class,
                "remote.log.reader.threads is an Apache Kafka broker config that Runnel does not implement");
        assertRefused(BROKER, "remote.log.reader.threads", "3", InvalidConfigurationException.class,
                "remote.log.reader.threads is an Apache Kafka broker config that Runnel does not implement");
        assertRefused(BROKER, "producer.purgatory.purge.interval.requests", "3", InvalidConfigurationException.class,
                "producer.purgatory.purge.interval.requests is an Apache Kafka broker config that Runnel does not implement");
        assertThat(describe(BROKER).get("remote.log.reader.threads").source()).as("refused, not stored")
                .isEqualTo(ConfigEntry.ConfigSource.DEFAULT_CONFIG);
        assertThatThrownBy(() -> admin.incrementalAlterConfigs(Map.of(BROKER, List.of(new AlterConfigOp(
                new ConfigEntry("metric.reporters", "x.Reporter"), AlterConfigOp.OpType.APPEND)))).all().get(30, TimeUnit.SECONDS))
                .satisfies(t -> assertThat(cause(t)).isInstanceOf(InvalidConfigurationException.class)
                        .hasMessageContaining("metric.reporters is an Apache Kafka broker config that Runnel does not implement"));
        // removing what was never set succeeds (kafka-reassign-partitions.sh --verify clears the throttles so)
        admin.incrementalAlterConfigs(Map.of(BROKER, List.of(new AlterConfigOp(
                new ConfigEntry("leader.replication.throttled.rate", null), AlterConfigOp.OpType.DELETE)))).all().get(30, TimeUnit.SECONDS);
        assertRefused(BROKER, "no.such.key", "1", InvalidConfigurationException.class, "Unknown broker config name: no.such.key");
        assertRefused(BROKER, "log.retention.hours", "1", InvalidConfigurationException.class,
                "Cannot update these configs dynamically: [log.retention.hours]");
        assertRefused(BROKER, "log.retention.ms", "soon", InvalidConfigurationException.class, "log.retention.ms");

        // the legacy AlterConfigs (gone from kafka-clients 4's Admin, so sent raw) replaces this broker's dynamic set
        try (RawClient raw = new RawClient(broker.port())) {
            AlterConfigsRequest req = new AlterConfigsRequest();
            AlterConfigsRequest.Resource r = new AlterConfigsRequest.Resource();
            r.resourceType = ConfigResource.Type.BROKER.id();
            r.resourceName = "1";
            AlterConfigsRequest.Config entry = new AlterConfigsRequest.Config();
            entry.name = "log.retention.ms";
            entry.value = "5400000";
            r.configs.add(entry);
            req.resources.add(r);
            raw.send(ApiKeys.ALTER_CONFIGS, (short) 2, 3, req);
            AlterConfigsResponse resp = raw.<AlterConfigsResponse>receive(ApiKeys.ALTER_CONFIGS, (short) 2).body();
            assertThat(resp.responses.get(0).errorCode).isZero();
        }

        // dynamic values are metadata records: a restart keeps them
        admin.close();
        broker.close();
        broker = TestBroker.start(dir.resolve("broker"), STATIC);
        admin = Clients.admin(broker.bootstrap());
        Config restarted = describe(BROKER);
        assertThat(restarted.get("log.retention.ms").value()).isEqualTo("5400000");
        assertThat(restarted.get("log.retention.ms").source()).isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_BROKER_CONFIG);
        assertThat(restarted.get("message.max.bytes").value()).isEqualTo("2000");
        assertThat(restarted.get("message.max.bytes").source()).isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG);
    }

    private static void assertRefused(ConfigResource r, String key, String value, Class<? extends Throwable> type, String message) {
        assertThatThrownBy(() -> set(r, key, value)).as(key)
                .satisfies(t -> assertThat(cause(t)).isInstanceOf(type).hasMessageContaining(message));
    }
}
