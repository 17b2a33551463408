package io.runnel.it;

import io.runnel.config.BrokerConfigs;
import io.runnel.config.ConfigDef.Importance;
import io.runnel.config.ConfigDef.Type;
import io.runnel.config.KafkaBrokerCatalogue;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.server.config.AbstractKafkaConfig;
import org.apache.kafka.server.config.DynamicBrokerConfig;
import org.apache.kafka.server.config.DynamicConfig;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runnel's broker config catalogue ({@code kafka-broker-configs.tsv}, read by {@link KafkaBrokerCatalogue}) is
 * Apache Kafka 4.4.0's: every key of Kafka's broker definition (its combined ConfigDef plus the dynamic-only
 * broker keys such as the replication throttles), with Kafka's type, default, dynamic nature, importance and
 * visibility, and no key Kafka lacks. Kafka's broker jars are on this module's test classpath only, so the check
 * runs in this module alone (it is not one of the shared runnel-it sources).
 *
 * <p>On a mismatch the catalogue as Kafka defines it is written to {@code target/kafka-broker-configs.tsv}
 * (data rows, same layout) for review.
 */
class KafkaBrokerCatalogueIT {

    /** Kafka's broker keys: the combined broker ConfigDef, then the dynamic broker keys it does not hold. */
    private static Map<String, ConfigDef.ConfigKey> kafkaBrokerKeys() {
        Map<String, ConfigDef.ConfigKey> all = new TreeMap<>(AbstractKafkaConfig.CONFIG_DEF.configKeys());
        DynamicConfig.Broker.configKeys().forEach(all::putIfAbsent);
        return all;
    }

    private static KafkaBrokerCatalogue.Key expected(ConfigDef.ConfigKey k, Set<String> dynamic) {
        boolean hasDefault = k.defaultValue != ConfigDef.NO_DEFAULT_VALUE;
        String dflt = !hasDefault || k.defaultValue == null ? null : ConfigDef.convertToString(k.defaultValue, k.type);
        return new KafkaBrokerCatalogue.Key(k.name, Type.valueOf(k.type.name()), dflt, hasDefault, dynamic.contains(k.name),
                Importance.valueOf(k.importance.name()), k.internalConfig);
    }

    @Test
    void catalogueIsKafka44sBrokerDefinition() throws IOException {
        Map<String, ConfigDef.ConfigKey> kafka = kafkaBrokerKeys();
        Set<String> dynamic = DynamicBrokerConfig.ALL_DYNAMIC_CONFIGS;
        assertThat(kafka).as("Kafka's broker definition was found").hasSizeGreaterThan(350)
                .containsKeys("log.retention.ms", "leader.replication.throttled.rate", "num.network.threads");
        Map<String, KafkaBrokerCatalogue.Key> ours = KafkaBrokerCatalogue.kafka44().keys();

        List<String> differences = new ArrayList<>();
        List<String> rows = new ArrayList<>();
        for (ConfigDef.ConfigKey k : kafka.values()) {
            KafkaBrokerCatalogue.Key want = expected(k, dynamic);
            rows.add(row(want));
            KafkaBrokerCatalogue.Key have = ours.get(k.name);
            if (have == null) differences.add("missing: " + k.name);
            else if (!have.equals(want)) differences.add("differs: " + have + " but Kafka has " + want);
        }
        for (String name : ours.keySet()) if (!kafka.containsKey(name)) differences.add("not a Kafka 4.4 broker key: " + name);
        if (!differences.isEmpty()) {
            Files.write(Path.of("target", "kafka-broker-configs.tsv"), rows, StandardCharsets.UTF_8);
        }
        assertThat(differences).as("catalogue vs Kafka 4.4 (expected rows in target/kafka-broker-configs.tsv)").isEmpty();
    }

    @Test
    void everyKafkaKeyIsImplementedOrAnsweredAsNotImplemented() {
        // the catalogue and Runnel's definition together cover Kafka, and the defaults DescribeConfigs shows for
        // keys Runnel does not implement are Kafka's
        Set<String> dynamic = DynamicBrokerConfig.ALL_DYNAMIC_CONFIGS;
        for (ConfigDef.ConfigKey k : kafkaBrokerKeys().values()) {
            boolean runnels = BrokerConfigs.definition().contains(k.name);
            assertThat(BrokerConfigs.isKafkaKeyNotImplemented(k.name)).as(k.name).isEqualTo(!runnels);
            if (!runnels) {
                assertThat(KafkaBrokerCatalogue.kafka44().key(k.name).defaultValue()).as(k.name)
                        .isEqualTo(expected(k, dynamic).defaultValue());
            }
        }
    }

    private static String row(KafkaBrokerCatalogue.Key k) {
        String d = !k.hasDefault() ? "\\?" : k.defaultValue() == null ? "\\N"
                : k.defaultValue().replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n");
        return String.join("\t", k.name(), k.type().name(), d, k.dynamic() ? "dynamic" : "static", k.importance().name(),
                k.internal() ? "internal" : "public");
    }
}
