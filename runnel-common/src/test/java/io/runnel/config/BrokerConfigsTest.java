package io.runnel.config;

import io.runnel.common.Uuid;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BrokerConfigsTest {

    @Test
    void runnelDefaults() {
        BrokerConfigs c = BrokerConfigs.defaults();
        assertThat(c.nodeId()).isEqualTo(1);
        assertThat(c.listeners()).containsExactly(new BrokerConfigs.Listener("PLAINTEXT", "127.0.0.1", 9092));
        assertThat(c.advertisedListeners()).isEqualTo(c.listeners());
        assertThat(c.logDirs()).containsExactly("./data");
        assertThat(c.metadataPartitionDir()).isEqualTo(Path.of("./data", "__cluster_metadata-0"));
        assertThat(c.numPartitions()).isEqualTo(1);
        assertThat(c.defaultReplicationFactor()).isEqualTo((short) 1);
        assertThat(c.autoCreateTopicsEnable()).isTrue();
        assertThat(c.deleteTopicEnable()).isTrue();
        assertThat(c.socketRequestMaxBytes()).isEqualTo(104857600);
        assertThat(c.messageMaxBytes()).isEqualTo(1048588);
        assertThat(c.numNetworkThreads()).isEqualTo(3);
        assertThat(c.numIoThreads()).isEqualTo(8);
        assertThat(c.logRetentionMs()).isEqualTo(604800000L);
        assertThat(c.logRollMs()).isEqualTo(604800000L);
        assertThat(c.clusterId()).isNull();
        assertThat(c.values().getInt(BrokerConfigs.OFFSETS_TOPIC_NUM_PARTITIONS)).isEqualTo(50);
        assertThat(c.values().getShort(BrokerConfigs.OFFSETS_TOPIC_REPLICATION_FACTOR)).isEqualTo((short) 3);
        assertThat(c.values().getInt(BrokerConfigs.OFFSETS_RETENTION_MINUTES)).isEqualTo(10080);
        assertThat(c.values().getInt(BrokerConfigs.GROUP_INITIAL_REBALANCE_DELAY_MS)).isEqualTo(3000);
        assertThat(c.values().getInt(BrokerConfigs.GROUP_MIN_SESSION_TIMEOUT_MS)).isEqualTo(6000);
        assertThat(c.values().getInt(BrokerConfigs.GROUP_MAX_SESSION_TIMEOUT_MS)).isEqualTo(1800000);
        assertThat(c.values().getLong(BrokerConfigs.LOG_RETENTION_CHECK_INTERVAL_MS)).isEqualTo(300000L);
        assertThat(c.values().getBoolean("log.cleaner.enable")).isTrue();
        assertThat(c.listenerSecurityProtocolMap()).containsEntry("PLAINTEXT", "PLAINTEXT").containsEntry("SASL_SSL", "SASL_SSL");
    }

    @Test
    void readsAKafkaStyleServerProperties(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("server.properties");
        Files.writeString(file, """
                # a Kafka KRaft example file
                process.roles=broker,controller
                node.id=3
                controller.quorum.bootstrap.servers=localhost:9093
                listeners=PLAINTEXT://:9092,CONTROLLER://:9093
                advertised.listeners=PLAINTEXT://localhost:9092
                controller.listener.names=CONTROLLER
                inter.broker.listener.name=PLAINTEXT
                listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
                num.network.threads=3
                num.io.threads=8
                socket.send.buffer.bytes=102400
                socket.receive.buffer.bytes=102400
                socket.request.max.bytes=104857600
                log.dirs=%s/a,%s/b
                num.partitions=4
                num.recovery.threads.per.data.dir=1
                offsets.topic.replication.factor=1
                share.coordinator.state.topic.replication.factor=1
                share.coordinator.state.topic.min.isr=1
                transaction.state.log.replication.factor=1
                transaction.state.log.min.isr=1
                log.retention.hours=24
                log.segment.bytes=1073741824
                log.retention.check.interval.ms=300000
                listener.name.plaintext.some.override=x
                """.formatted(dir, dir));
        BrokerConfigs c = BrokerConfigs.load(file);
        assertThat(c.unknownKeys()).isEmpty();
        assertThat(c.nodeId()).isEqualTo(3);
        assertThat(c.listeners()).containsExactly(new BrokerConfigs.Listener("PLAINTEXT", "", 9092),
                new BrokerConfigs.Listener("CONTROLLER", "", 9093));
        assertThat(c.advertisedListeners()).containsExactly(new BrokerConfigs.Listener("PLAINTEXT", "localhost", 9092));
        assertThat(c.logDirs()).containsExactly(dir + "/a", dir + "/b");
        assertThat(c.metadataPartitionDir()).isEqualTo(Path.of(dir + "/a", "__cluster_metadata-0"));
        assertThat(c.numPartitions()).isEqualTo(4);
        assertThat(c.logRetentionMs()).isEqualTo(24 * 3_600_000L);
        assertThat(TopicConfigs.resolve(Map.of(), c.originals()).get(TopicConfigs.RETENTION_MS)).isEqualTo("86400000");
    }

    @Test
    void unknownKeysAreIgnoredNotFatal() {
        BrokerConfigs c = BrokerConfigs.parse(Map.of("no.such.key", "1", "num.partitions", "2"));
        assertThat(c.unknownKeys()).containsExactly("no.such.key");
        assertThat(c.numPartitions()).isEqualTo(2);
        assertThat(c.originals()).doesNotContainKey("no.such.key");
    }

    @Test
    void invalidValuesFailNamingTheKey() {
        assertThatThrownBy(() -> BrokerConfigs.parse(Map.of("num.partitions", "0")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("num.partitions");
        assertThatThrownBy(() -> BrokerConfigs.parse(Map.of("node.id", "one")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("node.id");
        assertThatThrownBy(() -> BrokerConfigs.parse(Map.of("listeners", "localhost:9092")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("listeners");
        assertThatThrownBy(() -> BrokerConfigs.parse(Map.of("listeners", "PLAINTEXT://h:99999")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("listeners");
        assertThatThrownBy(() -> BrokerConfigs.parse(Map.of("listeners", "FOO://h:1")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("no security protocol");
        assertThatThrownBy(() -> BrokerConfigs.parse(Map.of("advertised.listeners", "PLAINTEXT://0.0.0.0:9092")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("advertised.listeners");
        assertThatThrownBy(() -> BrokerConfigs.parse(Map.of("log.segment.bytes", "10")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("log.segment.bytes");
        assertThatThrownBy(() -> BrokerConfigs.parse(Map.of("cluster.id", "not-a-uuid")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("cluster.id");
        assertThatThrownBy(() -> BrokerConfigs.parse(Map.of("listener.security.protocol.map", "PLAINTEXT:TLS")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("listener.security.protocol.map");
        assertThatThrownBy(() -> BrokerConfigs.parse(Map.of("log.dir", "")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("log.dir");
    }

    @Test
    void brokerIdAndNodeId() {
        assertThat(BrokerConfigs.parse(Map.of("broker.id", "7")).nodeId()).isEqualTo(7);
        assertThat(BrokerConfigs.parse(Map.of("broker.id", "7", "node.id", "7")).nodeId()).isEqualTo(7);
        assertThatThrownBy(() -> BrokerConfigs.parse(Map.of("broker.id", "7", "node.id", "8")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("node.id").hasMessageContaining("broker.id");
    }

    @Test
    void clusterIdAndMetadataDir() {
        Uuid id = Uuid.random();
        BrokerConfigs c = BrokerConfigs.parse(Map.of("cluster.id", id.toString(), "metadata.log.dir", "/m", "log.dir", "/d"));
        assertThat(c.clusterId()).isEqualTo(id);
        assertThat(c.metadataPartitionDir()).isEqualTo(Path.of("/m/__cluster_metadata-0"));
        assertThat(c.logDirs()).containsExactly("/d");
    }

    @Test
    void describeMarksReadOnlyAndHidesPasswords() {
        // the password comes from the dynamic layer (Runnel refuses to store ssl.* dynamically, but describe must mask any layer)
        BrokerConfigs c = BrokerConfigs.parse(Map.of("num.partitions", "3"));
        Map<String, ConfigEntry> byName = new java.util.HashMap<>();
        for (ConfigEntry e : c.describe(Map.of("log.retention.ms", "10", "ssl.keystore.password", "pw"), Map.of("message.max.bytes", "2000"))) {
            byName.put(e.name(), e);
        }
        ConfigEntry pw = byName.get("ssl.keystore.password");
        assertThat(pw.sensitive()).isTrue();
        assertThat(pw.value()).isNull();
        assertThat(pw.synonyms()).allSatisfy(s -> assertThat(s.value()).isNull());
        assertThat(pw.source()).isEqualTo(ConfigSource.DYNAMIC_BROKER_CONFIG);

        ConfigEntry np = byName.get("num.partitions");
        assertThat(np.value()).isEqualTo("3");
        assertThat(np.source()).isEqualTo(ConfigSource.STATIC_BROKER_CONFIG);
        assertThat(np.readOnly()).isTrue();

        ConfigEntry ret = byName.get("log.retention.ms");
        assertThat(ret.value()).isEqualTo("10");
        assertThat(ret.source()).isEqualTo(ConfigSource.DYNAMIC_BROKER_CONFIG);
        assertThat(ret.readOnly()).isFalse();

        ConfigEntry mm = byName.get("message.max.bytes");
        assertThat(mm.source()).isEqualTo(ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG);
        assertThat(mm.synonyms()).extracting(ConfigEntry.Synonym::source)
                .containsExactly(ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG, ConfigSource.DEFAULT_CONFIG);

        ConfigEntry unsetNoDefault = byName.get("log.retention.minutes");
        assertThat(unsetNoDefault.value()).isNull();
        // its synonym chain starts with the dynamic log.retention.ms, which is what is in effect
        assertThat(unsetNoDefault.source()).isEqualTo(ConfigSource.DYNAMIC_BROKER_CONFIG);
        assertThat(byName.get("log.roll.hours").source()).isEqualTo(ConfigSource.DEFAULT_CONFIG);
    }

    @Test
    void dynamicValidation() {
        BrokerConfigs.validateDynamic(Map.of("log.retention.ms", "100", "message.max.bytes", "10"));
        assertThatThrownBy(() -> BrokerConfigs.validateDynamic(Map.of("num.partitions", "3")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("num.partitions");
        assertThatThrownBy(() -> BrokerConfigs.validateDynamic(Map.of("log.retention.ms", "x")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("log.retention.ms");
        assertThatThrownBy(() -> BrokerConfigs.validateDynamic(Map.of("bogus", "x")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("Unknown broker config name: bogus");
        // replication throttles are applied at run time, per broker
        BrokerConfigs.validateDynamic(Map.of("leader.replication.throttled.rate", "1000", "follower.replication.throttled.rate", "2000"));
        assertThatThrownBy(() -> BrokerConfigs.validateDynamic(Map.of("leader.replication.throttled.rate", "-1")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("leader.replication.throttled.rate");
        // Kafka keys are answered so that a user can act: not implemented, or only read at start;
        // any key of Kafka 4.4's catalogue, not only a hand-picked few
        assertThatThrownBy(() -> BrokerConfigs.validateDynamic(Map.of("remote.log.reader.threads", "3")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("remote.log.reader.threads is an Apache Kafka broker config that Runnel does not implement");
        assertThatThrownBy(() -> BrokerConfigs.validateDynamic(Map.of("producer.purgatory.purge.interval.requests", "3")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("Runnel does not implement");
        assertThatThrownBy(() -> BrokerConfigs.validateDynamic(Map.of("num.io.threads", "4")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("Runnel cannot change num.io.threads while running (Kafka can): set it in server.properties "
                        + "and restart the broker.");
    }

    @Test
    void keysRunnelAcceptsButDoesNotApplySaySo() {
        Map<String, ConfigEntry> byName = new java.util.HashMap<>();
        for (ConfigEntry e : BrokerConfigs.defaults().describe(Map.of(), Map.of())) byName.put(e.name(), e);
        for (String key : java.util.List.of("fetch.max.bytes",
                "offsets.load.buffer.size", "log.cleaner.io.max.bytes.per.second",
                "group.share.session.timeout.ms", "group.streams.num.standby.replicas", "group.consumer.assignment.interval.ms")) {
            assertThat(byName.get(key).documentation()).as(key).startsWith("Not applied by Runnel");
        }
        // applied since the transaction coordinator is wired; the rebalance keys since the controller elects leaders
        for (String key : java.util.List.of("transaction.max.timeout.ms", "transaction.state.log.num.partitions",
                "replica.lag.time.max.ms", "replica.fetch.max.bytes", "num.replica.fetchers", "auto.leader.rebalance.enable", "leader.imbalance.check.interval.seconds", "leader.imbalance.per.broker.percentage")) {
            assertThat(byName.get(key).documentation()).as(key).doesNotStartWith("Not applied by Runnel");
        }
        assertThatThrownBy(() -> BrokerConfigs.parse(Map.of("offsets.topic.segment.bytes", "1000")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("offsets.topic.segment.bytes");
    }

    @Test
    void describeListsKafkasBrokerSynonymChains() {
        BrokerConfigs cfg = BrokerConfigs.parse(Map.of("log.retention.hours", "24"));
        Map<String, ConfigEntry> byName = new java.util.HashMap<>();
        for (ConfigEntry e : cfg.describe(Map.of("log.retention.minutes", "30"), Map.of())) byName.put(e.name(), e);
        ConfigEntry ms = byName.get("log.retention.ms");
        assertThat(ms.value()).as("unset, no default: null as in Kafka").isNull();
        assertThat(ms.source()).as("the effective setting comes from the minutes key").isEqualTo(ConfigSource.DYNAMIC_BROKER_CONFIG);
        assertThat(ms.synonyms()).extracting(s -> s.name() + "=" + s.value() + "/" + s.source()).containsExactly(
                "log.retention.minutes=30/DYNAMIC_BROKER_CONFIG",
                "log.retention.hours=24/STATIC_BROKER_CONFIG",
                "log.retention.hours=168/DEFAULT_CONFIG");
        ConfigEntry hours = byName.get("log.retention.hours");
        assertThat(hours.value()).isEqualTo("24");
        assertThat(hours.readOnly()).as("Kafka cannot change the hours key at run time either").isTrue();
        assertThat(byName.get("log.roll.ms").synonyms()).extracting(ConfigEntry.Synonym::name).containsExactly("log.roll.hours");
        assertThat(byName.get("num.io.threads").readOnly()).isTrue();
        assertThat(byName.get("num.io.threads").documentation()).contains("reads it at start only");
        assertThat(byName.get("log.retention.ms").readOnly()).isFalse();
    }

    @Test
    void describeListsEveryKafkaKeyAndSaysWhichAreNotImplemented() {
        Map<String, ConfigEntry> byName = new java.util.HashMap<>();
        for (ConfigEntry e : BrokerConfigs.defaults().describe(Map.of(), Map.of())) {
            assertThat(byName.put(e.name(), e)).as("listed once: " + e.name()).isNull();
        }
        KafkaBrokerCatalogue kafka = KafkaBrokerCatalogue.kafka44();
        assertThat(kafka.all()).hasSizeGreaterThan(350);
        for (KafkaBrokerCatalogue.Key k : kafka.all()) {
            boolean runnels = BrokerConfigs.definition().contains(k.name());
            if (k.internal() && !runnels) {
                assertThat(byName).as("Kafka does not list its internal keys").doesNotContainKey(k.name());
                continue;
            }
            assertThat(byName).as(k.name()).containsKey(k.name());
            assertThat(BrokerConfigs.isKafkaKeyNotImplemented(k.name())).as(k.name()).isEqualTo(!runnels);
            if (runnels) continue;
            ConfigEntry e = byName.get(k.name());
            assertThat(e.source()).as(k.name()).isEqualTo(ConfigSource.DEFAULT_CONFIG);
            assertThat(e.readOnly()).as(k.name()).isTrue();
            assertThat(e.type()).as(k.name()).isEqualTo(k.type());
            assertThat(e.documentation()).as(k.name()).startsWith("Not implemented by Runnel");
            assertThat(e.value()).as(k.name()).isEqualTo(k.type().isSensitive() ? null : k.defaultValue());
        }
        ConfigEntry throttle = byName.get("leader.replication.throttled.rate");
        assertThat(throttle.value()).isEqualTo("9223372036854775807");
        assertThat(throttle.type()).isEqualTo(ConfigDef.Type.LONG);
        assertThat(throttle.synonyms()).containsExactly(
                new ConfigEntry.Synonym("leader.replication.throttled.rate", "9223372036854775807", ConfigSource.DEFAULT_CONFIG));
        assertThat(byName.get("remote.log.reader.threads").value()).isEqualTo("10");
        ConfigEntry cert = byName.get("ssl.truststore.certificates");
        assertThat(cert.sensitive()).isTrue();
        assertThat(cert.value()).isNull();
        assertThat(byName).as("Runnel's own keys are not Kafka's").containsKey("log.retention.ms");
        assertThat(BrokerConfigs.isKafkaKeyNotImplemented("log.retention.ms")).isFalse();
        assertThat(BrokerConfigs.isKafkaKeyNotImplemented("no.such.key")).isFalse();
    }

    @Test
    void sslKeysHaveKafkasTypesAndDefaults() {
        KafkaBrokerCatalogue kafka = KafkaBrokerCatalogue.kafka44();
        int n = 0;
        for (ConfigDef.Key k : BrokerConfigs.definition().keys().values()) {
            if (!k.name().startsWith("ssl.")) continue;
            if (k.name().equals("ssl.engine")) {
                // Runnel's own key (the TLS engine of the listeners, docs/security.md): must not shadow a Kafka key
                assertThat(kafka.key(k.name())).as("ssl.engine is not a Kafka key").isNull();
                continue;
            }
            KafkaBrokerCatalogue.Key kk = kafka.key(k.name());
            assertThat(kk).as("%s is a Kafka key", k.name()).isNotNull();
            assertThat(k.type()).as(k.name()).isEqualTo(kk.type());
            assertThat(k.defaultText()).as(k.name()).isEqualTo(kk.defaultValue());
            n++;
        }
        assertThat(n).isEqualTo(18);
    }

    @Test
    void runtimeRefusalsFollowWhatKafkaCanChange() {
        KafkaBrokerCatalogue kafka = KafkaBrokerCatalogue.kafka44();
        for (ConfigDef.Key k : BrokerConfigs.definition().keys().values()) {
            KafkaBrokerCatalogue.Key kk = kafka.key(k.name());
            if (kk == null) continue; // Runnel's own keys (log.max.open.files, ...)
            if (k.dynamic()) {
                assertThat(kk.dynamic()).as("Runnel changes %s at run time, so does Kafka", k.name()).isTrue();
            } else if (kk.dynamic()) {
                // Kafka can, Runnel cannot: the refusal says what to do instead, never Kafka's "cannot update"
                assertThatThrownBy(() -> BrokerConfigs.validateDynamic(Map.of(k.name(), "1"))).as(k.name())
                        .isInstanceOf(ConfigException.class)
                        .satisfies(e -> assertThat(e.getMessage()).containsAnyOf("Runnel does not implement SASL yet",
                                "Runnel cannot change " + k.name() + " while running (Kafka can)"));
            }
        }
        assertThatThrownBy(() -> BrokerConfigs.validateDynamic(Map.of("group.consumer.assignment.interval.ms", "1000")))
                .hasMessageStartingWith("Runnel cannot change group.consumer.assignment.interval.ms while running (Kafka can)");
        // Kafka 4.4 cannot change advertised.listeners at run time either: Kafka's own message
        assertThatThrownBy(() -> BrokerConfigs.validateDynamic(Map.of("advertised.listeners", "PLAINTEXT://h:1")))
                .hasMessage("Cannot update these configs dynamically: [advertised.listeners]");
    }

    @Test
    void aKafkaKeyInServerPropertiesIsIgnored() {
        BrokerConfigs cfg = BrokerConfigs.parse(Map.of("remote.log.reader.threads", "3", "no.such.key", "1"));
        assertThat(cfg.unknownKeys()).containsExactly("no.such.key", "remote.log.reader.threads");
        Map<String, ConfigEntry> byName = new java.util.HashMap<>();
        for (ConfigEntry e : cfg.describe(Map.of(), Map.of())) byName.put(e.name(), e);
        assertThat(byName.get("remote.log.reader.threads").value()).as("ignored, so Kafka's default is shown").isEqualTo("10");
        assertThat(byName).doesNotContainKey("no.such.key");
    }

    @Test
    void readPropertiesSyntax() throws Exception {
        Map<String, String> m = BrokerConfigs.read(new StringReader("a = 1\n# c\nb:2\nc=x\\\n  y\n"));
        assertThat(m).containsEntry("a", "1").containsEntry("b", "2").containsEntry("c", "xy");
    }

    @Test
    void listenerParsing() {
        assertThat(BrokerConfigs.Listener.parse("sasl_ssl://[::1]:9093"))
                .isEqualTo(new BrokerConfigs.Listener("SASL_SSL", "::1", 9093));
        assertThat(BrokerConfigs.Listener.parse("SASL_SSL://[::1]:9093").toString()).isEqualTo("SASL_SSL://[::1]:9093");
        assertThatThrownBy(() -> BrokerConfigs.Listener.parse("PLAINTEXT://::1:9093")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void clusterModeNeedsTheControllerListenerAndKeepsItFromClients() {
        Map<String, String> base = Map.of("node.id", "1", "controller.quorum.voters", "1@127.0.0.1:9093",
                "listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        java.util.HashMap<String, String> noNames = new java.util.HashMap<>(base);
        noNames.put("listeners", "PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093");
        assertThatThrownBy(() -> BrokerConfigs.parse(noNames)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("controller.listener.names must be set");
        java.util.HashMap<String, String> missing = new java.util.HashMap<>(base);
        missing.put("controller.listener.names", "CONTROLLER");
        missing.put("listeners", "PLAINTEXT://127.0.0.1:9092");
        assertThatThrownBy(() -> BrokerConfigs.parse(missing)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("is not one of the listeners");
        java.util.HashMap<String, String> ok = new java.util.HashMap<>(missing);
        ok.put("listeners", "PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093");
        BrokerConfigs c = BrokerConfigs.parse(ok);
        assertThat(c.clusterMode()).isTrue();
        assertThat(c.clientListeners()).containsExactly(new BrokerConfigs.Listener("PLAINTEXT", "127.0.0.1", 9092));
        assertThat(c.controllerListener()).isEqualTo(new BrokerConfigs.Listener("CONTROLLER", "127.0.0.1", 9093));
        assertThat(c.values().getInt(BrokerConfigs.BROKER_SESSION_TIMEOUT_MS)).isEqualTo(9000);
        assertThat(c.values().getInt(BrokerConfigs.BROKER_HEARTBEAT_INTERVAL_MS)).isEqualTo(2000);
    }

    @Test
    void aDedicatedControllerHasControllerListenersOnly() {
        Map<String, String> base = Map.of("node.id", "1", "process.roles", "controller", "controller.quorum.voters",
                "1@127.0.0.1:9093,2@127.0.0.1:9193", "controller.listener.names", "CONTROLLER",
                "listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        java.util.HashMap<String, String> withClients = new java.util.HashMap<>(base);
        withClients.put("listeners", "PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093");
        assertThatThrownBy(() -> BrokerConfigs.parse(withClients)).isInstanceOfSatisfying(ConfigException.class,
                        e -> assertThat(e.key()).isEqualTo("listeners"))
                .hasMessageContaining("must only contain KRaft controller listeners from controller.listener.names")
                .hasMessageContaining("[PLAINTEXT]");
        // the default listeners (PLAINTEXT://127.0.0.1:9092) lack the controller listener, which is checked first
        assertThatThrownBy(() -> BrokerConfigs.parse(base)).isInstanceOfSatisfying(ConfigException.class,
                e -> assertThat(e.key()).isEqualTo("controller.listener.names"));
        java.util.HashMap<String, String> advertisingClients = new java.util.HashMap<>(base);
        advertisingClients.put("listeners", "CONTROLLER://127.0.0.1:9093");
        advertisingClients.put("advertised.listeners", "PLAINTEXT://127.0.0.1:9092");
        assertThatThrownBy(() -> BrokerConfigs.parse(advertisingClients)).isInstanceOfSatisfying(ConfigException.class,
                e -> assertThat(e.key()).isEqualTo("advertised.listeners"));

        java.util.HashMap<String, String> ok = new java.util.HashMap<>(base);
        ok.put("listeners", "CONTROLLER://127.0.0.1:9093");
        BrokerConfigs c = BrokerConfigs.parse(ok);
        assertThat(c.isBroker()).isFalse();
        assertThat(c.isController()).isTrue();
        assertThat(c.clientListeners()).isEmpty();
        assertThat(c.controllerListener()).isEqualTo(new BrokerConfigs.Listener("CONTROLLER", "127.0.0.1", 9093));
        // and the controller listener stays required, as on a combined node
        java.util.HashMap<String, String> noName = new java.util.HashMap<>(ok);
        noName.remove("controller.listener.names");
        assertThatThrownBy(() -> BrokerConfigs.parse(noName)).isInstanceOfSatisfying(ConfigException.class,
                e -> assertThat(e.key()).isEqualTo("controller.listener.names"));
    }

    @Test
    void aDedicatedControllerNeedsTheVoters() {
        assertThatThrownBy(() -> BrokerConfigs.parse(Map.of("process.roles", "controller", "controller.listener.names", "CONTROLLER",
                "listeners", "CONTROLLER://127.0.0.1:9093", "listener.security.protocol.map", "CONTROLLER:PLAINTEXT")))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("controller.quorum.voters"))
                .hasMessageContaining("process.roles=controller");
    }

    @Test
    void withoutVotersEveryListenerServesClientsAsBefore() {
        BrokerConfigs c = BrokerConfigs.parse(Map.of("listeners", "PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093",
                "listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT", "controller.listener.names", "CONTROLLER"));
        assertThat(c.clusterMode()).isFalse();
        assertThat(c.clientListeners()).hasSize(2);
    }
}
