package io.runnel.it;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SASL between brokers: three nodes in this JVM whose broker listener (the inter-broker one) is SASL_SSL with PLAIN
 * from the listener's JAAS entry (the broker user {@code broker}; PLAIN needs no SCRAM user in the metadata log
 * before brokers can replicate), the controller listener PLAINTEXT, the authorizer on. Followers, transaction
 * markers and verification authenticate as {@code User:broker}: acks=all with min.insync.replicas=3 replicates and
 * a transaction over partitions led by different brokers commits and is read back read_committed, with sessions of
 * 3 s (connections.max.reauth.ms) that the brokers renew. With the broker user neither a super user nor granted
 * CLUSTER_ACTION, followers are refused (the ISR shrinks to the leader) until the ACL is created.
 */
// broker-side behaviour: one client generation (runnel-it's) is enough
@EnabledIfSystemProperty(named = "it.kafka.clients.version", matches = "4\\.1\\..*")
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class SaslClusterIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String PLAIN_MODULE = "org.apache.kafka.common.security.plain.PlainLoginModule";

    @TempDir
    Path dir;
    private ClusterHarness cluster;
    private Map<String, Object> client;

    @AfterEach
    void tearDown() {
        if (cluster != null) cluster.close();
    }

    private void start(String superUsers, Map<String, String> more) throws Exception {
        TlsCerts.Identity broker = TlsCerts.create(dir.resolve("certs"), "broker");
        Path trust = TlsCerts.trustStore(dir.resolve("certs").resolve("trust.p12"), broker);
        Map<String, String> extra = new HashMap<>();
        // the harness's client listener is named PLAINTEXT: mapped to SASL_SSL here (Kafka allows any name for any protocol)
        extra.put("listener.security.protocol.map", "PLAINTEXT:SASL_SSL,CONTROLLER:PLAINTEXT");
        extra.put("ssl.keystore.type", "PKCS12");
        extra.put("ssl.keystore.location", broker.pkcs12().toString());
        extra.put("ssl.keystore.password", TlsCerts.PASSWORD);
        // the brokers' own TLS client trusts the broker certificate
        extra.put("ssl.truststore.type", "PKCS12");
        extra.put("ssl.truststore.location", trust.toString());
        extra.put("ssl.truststore.password", TlsCerts.PASSWORD);
        extra.put("sasl.enabled.mechanisms", "PLAIN,SCRAM-SHA-512");
        extra.put("sasl.mechanism.inter.broker.protocol", "PLAIN");
        extra.put("listener.name.plaintext.plain.sasl.jaas.config", PLAIN_MODULE + " required username=\"broker\" "
                + "password=\"broker-secret\" user_broker=\"broker-secret\" user_admin=\"admin-secret\";");
        extra.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
        extra.put("super.users", superUsers);
        extra.put("replica.lag.time.max.ms", "4000");
        extra.put("broker.session.timeout.ms", "4000");
        extra.putAll(more);
        cluster = ClusterHarness.create(ClusterHarness.Mode.IN_PROCESS, dir.resolve("nodes"), 3, extra).startAll();
        client = new HashMap<>();
        client.put("security.protocol", "SASL_SSL");
        client.put("ssl.truststore.type", "PKCS12");
        client.put("ssl.truststore.location", trust.toString());
        client.put("ssl.truststore.password", TlsCerts.PASSWORD);
        client.put("sasl.mechanism", "PLAIN");
        client.put("sasl.jaas.config", PLAIN_MODULE + " required username=\"admin\" password=\"admin-secret\";");
    }

    private Admin admin() {
        Map<String, Object> c = new HashMap<>(client);
        c.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap());
        c.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        return Admin.create(c);
    }

    private static void awaitIsr(Admin admin, String topic, int size) {
        ClusterHarness.await(WAIT, topic + " has " + size + " in-sync replicas", () -> {
            try {
                return ReplicatedClusters.describe(admin, topic, 0).isr().size() == size;
            } catch (Exception e) {
                return false;
            }
        });
    }

    @Test
    void replicationAndTransactionMarkersAuthenticateBetweenBrokers() throws Exception {
        start("User:broker;User:admin", Map.of("connections.max.reauth.ms", "3000"));
        String bootstrap = cluster.bootstrap();
        try (Admin admin = admin()) {
            ReplicatedClusters.awaitBrokers(admin, 3);
            admin.createTopics(List.of(new NewTopic("sasl-r", 1, (short) 3).configs(Map.of("min.insync.replicas", "3")),
                    new NewTopic("sasl-txn", 3, (short) 3))).all().get(30, TimeUnit.SECONDS);
            awaitIsr(admin, "sasl-r", 3);
            Map<String, Object> acksAll = new HashMap<>(client);
            acksAll.put("acks", "all");
            try (KafkaProducer<byte[], byte[]> producer = Clients.producer(bootstrap, acksAll)) {
                for (int i = 0; i < 100; i++) producer.send(new ProducerRecord<>("sasl-r", 0, null, bytes("r" + i))).get(30, TimeUnit.SECONDS);
                // past the 3 s session: the followers' channels re-authenticate and replication goes on
                Thread.sleep(4_000);
                for (int i = 100; i < 200; i++) producer.send(new ProducerRecord<>("sasl-r", 0, null, bytes("r" + i))).get(30, TimeUnit.SECONDS);
            }
            assertThat(ReplicatedClusters.describe(admin, "sasl-r", 0).isr()).hasSize(3);
            List<Integer> leaders = new ArrayList<>();
            for (int p = 0; p < 3; p++) leaders.add(ReplicatedClusters.describe(admin, "sasl-txn", p).leader().id());
            assertThat(leaders.stream().distinct().count()).as("leaders of sasl-txn %s", leaders).isGreaterThan(1);

            ReplicatedClusters.commitAcrossPartitionsAndReadBack(bootstrap, client, "sasl-txn", "sasl-txn-producer", 3);
        }
    }

    @Test
    void withoutClusterActionTheBrokerUsersFollowersAreRefused() throws Exception {
        start("User:admin", Map.of());
        try (Admin admin = admin()) {
            ReplicatedClusters.awaitBrokers(admin, 3);
            admin.createTopics(List.of(new NewTopic("sasl-denied", 1, (short) 3))).all().get(30, TimeUnit.SECONDS);
            Map<String, Object> acks1 = new HashMap<>(client);
            acks1.put("acks", "1");
            try (KafkaProducer<byte[], byte[]> producer = Clients.producer(cluster.bootstrap(), acks1)) {
                for (int i = 0; i < 10; i++) producer.send(new ProducerRecord<>("sasl-denied", 0, null, bytes("d" + i))).get(30, TimeUnit.SECONDS);
            }
            // the followers' Fetch is TOPIC_AUTHORIZATION_FAILED: they never catch up, the leader drops them from the ISR
            awaitIsr(admin, "sasl-denied", 1);
            int leader = ReplicatedClusters.describe(admin, "sasl-denied", 0).leader().id();
            assertThat(ReplicatedClusters.describe(admin, "sasl-denied", 0).isr()).extracting(n -> n.id()).containsExactly(leader);
            // granting CLUSTER_ACTION to the broker user lets them replicate again
            admin.createAcls(List.of(new AclBinding(new ResourcePattern(ResourceType.CLUSTER, "kafka-cluster", PatternType.LITERAL),
                    new AccessControlEntry("User:broker", "*", AclOperation.CLUSTER_ACTION, AclPermissionType.ALLOW))))
                    .all().get(30, TimeUnit.SECONDS);
            awaitIsr(admin, "sasl-denied", 3);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
