package io.runnel.it;

import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AccessControlEntryFilter;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.SecurityDisabledException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourcePatternFilter;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * ACL authorization with real kafka-clients on a SASL_PLAINTEXT listener (PLAIN users admin, a super user, and
 * alice, bob, carol, erin): Admin.createAcls/describeAcls/deleteAcls, enforcement of Produce, Metadata and the group APIs
 * with Kafka's exceptions, DENY over ALLOW, ACLs across a restart, SECURITY_DISABLED without an authorizer.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class AclIT {
    @TempDir
    static Path dir;
    static TestBroker broker;
    static Map<String, String> props;
    static final String AUDIT_TOPIC = "_runnel_audit";

    @BeforeAll
    static void start() {
        props = authorizerProps();
        props.put("audit.log.enable", "true");
        props.put("audit.log.dir", dir.resolve("audit").toString());
        props.put("audit.log.topic", AUDIT_TOPIC);
        broker = TestBroker.start(dir.resolve("broker"), props);
        for (String t : List.of("orders-1", "orders-2", "payments", "secret", "visible")) broker.createTopic(t, 1);
    }

    static Map<String, String> authorizerProps() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("listeners", "SASL_PLAINTEXT://127.0.0.1:" + BrokerProcess.freePort());
        p.put("sasl.enabled.mechanisms", "PLAIN");
        p.put("listener.name.sasl_plaintext.plain.sasl.jaas.config",
                "org.apache.kafka.common.security.plain.PlainLoginModule required user_admin=\"admin-secret\" "
                        + "user_alice=\"alice-secret\" user_bob=\"bob-secret\" user_carol=\"carol-secret\" user_erin=\"erin-secret\";");
        p.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
        p.put("super.users", "User:admin");
        return p;
    }

    @AfterAll
    static void stop() {
        if (broker != null) broker.close();
    }

    static Map<String, Object> as(String user) {
        Map<String, Object> p = new HashMap<>();
        p.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT");
        p.put(SaslConfigs.SASL_MECHANISM, "PLAIN");
        p.put(SaslConfigs.SASL_JAAS_CONFIG, "org.apache.kafka.common.security.plain.PlainLoginModule required username=\""
                + user + "\" password=\"" + user + "-secret\";");
        return p;
    }

    static Admin admin(TestBroker b, String user) {
        Map<String, Object> p = new HashMap<>(user == null ? Map.of() : as(user));
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, b.bootstrap());
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15_000);
        p.put(AdminClientConfig.RETRY_BACKOFF_MS_CONFIG, 50);
        return Admin.create(p);
    }

    static AclBinding acl(ResourceType type, String name, PatternType pattern, String principal, AclOperation op, AclPermissionType perm) {
        return new AclBinding(new ResourcePattern(type, name, pattern), new AccessControlEntry(principal, "*", op, perm));
    }

    static void create(AclBinding... acls) throws Exception {
        try (Admin a = admin(broker, "admin")) {
            a.createAcls(List.of(acls)).all().get(30, TimeUnit.SECONDS);
        }
    }

    static Throwable cause(ThrowingRunnable r) {
        try {
            r.run();
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (Exception e) {
            return e;
        }
        throw new AssertionError("expected a failure");
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    static void produce(String user, String topic) throws Exception {
        try (KafkaProducer<byte[], byte[]> p = Clients.producer(broker.bootstrap(), Map.of(
                CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT", SaslConfigs.SASL_MECHANISM, "PLAIN",
                SaslConfigs.SASL_JAAS_CONFIG, as(user).get(SaslConfigs.SASL_JAAS_CONFIG),
                "max.block.ms", 10_000, "delivery.timeout.ms", 15_000, "request.timeout.ms", 10_000))) {
            p.send(new ProducerRecord<>(topic, "v".getBytes(StandardCharsets.UTF_8))).get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void adminCreatesDescribesAndDeletesAclsOthersMayNot() throws Exception {
        AclBinding literal = acl(ResourceType.TOPIC, "admin-t", PatternType.LITERAL, "User:dave", AclOperation.READ, AclPermissionType.ALLOW);
        AclBinding prefixed = acl(ResourceType.TOPIC, "admin-", PatternType.PREFIXED, "User:dave", AclOperation.WRITE, AclPermissionType.ALLOW);
        AclBinding wildcard = acl(ResourceType.GROUP, "*", PatternType.LITERAL, "User:dave", AclOperation.READ, AclPermissionType.ALLOW);
        try (Admin a = admin(broker, "admin")) {
            a.createAcls(List.of(literal, prefixed, wildcard)).all().get(30, TimeUnit.SECONDS);
            AclBindingFilter dave = new AclBindingFilter(ResourcePatternFilter.ANY,
                    new AccessControlEntryFilter("User:dave", null, AclOperation.ANY, AclPermissionType.ANY));
            assertThat(a.describeAcls(dave).values().get(30, TimeUnit.SECONDS)).containsExactlyInAnyOrder(literal, prefixed, wildcard);
            // MATCH: the ACLs that apply to topic admin-t
            AclBindingFilter match = new AclBindingFilter(new ResourcePatternFilter(ResourceType.TOPIC, "admin-t", PatternType.MATCH),
                    AccessControlEntryFilter.ANY);
            assertThat(a.describeAcls(match).values().get(30, TimeUnit.SECONDS)).containsExactlyInAnyOrder(literal, prefixed);
            assertThat(cause(() -> a.createAcls(List.of(acl(ResourceType.CLUSTER, "other", PatternType.LITERAL, "User:dave",
                    AclOperation.ALTER, AclPermissionType.ALLOW))).all().get(30, TimeUnit.SECONDS)))
                    .isInstanceOf(InvalidRequestException.class).hasMessageContaining("kafka-cluster");
            Collection<AclBinding> deleted = a.deleteAcls(List.of(new AclBindingFilter(
                    new ResourcePatternFilter(ResourceType.TOPIC, null, PatternType.ANY), dave.entryFilter()))).all().get(30, TimeUnit.SECONDS);
            assertThat(deleted).containsExactlyInAnyOrder(literal, prefixed);
            assertThat(a.describeAcls(dave).values().get(30, TimeUnit.SECONDS)).containsExactly(wildcard);
        }
        try (Admin bob = admin(broker, "bob")) {
            assertThat(cause(() -> bob.createAcls(List.of(literal)).all().get(30, TimeUnit.SECONDS)))
                    .isInstanceOf(ClusterAuthorizationException.class);
            assertThat(cause(() -> bob.describeAcls(AclBindingFilter.ANY).values().get(30, TimeUnit.SECONDS)))
                    .isInstanceOf(ClusterAuthorizationException.class);
            assertThat(cause(() -> bob.deleteAcls(List.of(AclBindingFilter.ANY)).all().get(30, TimeUnit.SECONDS)))
                    .isInstanceOf(ClusterAuthorizationException.class);
        }
    }

    @Test
    void aDeniedRequestIsARecordOnTheAuditTopicThatASuperUserReads() throws Exception {
        // carol has no ACL: her produce to "secret" is denied (DESCRIBE of the topic in her Metadata request)
        assertThat(cause(() -> produce("carol", "secret"))).isInstanceOf(TopicAuthorizationException.class);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        try (Admin a = admin(broker, "admin")) { // the broker creates the topic with its first line: wait for it, bounded
            while (!a.listTopics().names().get(30, TimeUnit.SECONDS).contains(AUDIT_TOPIC) && System.nanoTime() < deadline) Thread.sleep(100);
        }
        String found = null;
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(broker.bootstrap(), as("admin"))) {
            var tp = new org.apache.kafka.common.TopicPartition(AUDIT_TOPIC, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            while (found == null && System.nanoTime() < deadline) {
                for (var r : consumer.poll(Duration.ofMillis(200))) {
                    String value = new String(r.value(), StandardCharsets.UTF_8);
                    if ("User:carol".equals(r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8))
                            && value.contains("\"resourceName\":\"secret\"")) {
                        found = value;
                    }
                }
            }
        }
        assertThat(found).as("carol's denial on %s", AUDIT_TOPIC).isNotNull()
                .startsWith("{").endsWith("}")
                .contains("\"principal\":\"User:carol\"", "\"operation\":\"DESCRIBE\"", "\"resourceType\":\"TOPIC\"",
                        "\"resourceName\":\"secret\"", "\"result\":\"DENIED\"");
        // as the broker created it: one partition, delete policy, 7 days
        try (Admin a = admin(broker, "admin")) {
            var desc = a.describeTopics(List.of(AUDIT_TOPIC)).allTopicNames().get(30, TimeUnit.SECONDS).get(AUDIT_TOPIC);
            assertThat(desc.partitions()).hasSize(1);
            var res = new org.apache.kafka.common.config.ConfigResource(org.apache.kafka.common.config.ConfigResource.Type.TOPIC, AUDIT_TOPIC);
            var cfg = a.describeConfigs(List.of(res)).all().get(30, TimeUnit.SECONDS).get(res);
            assertThat(cfg.get("cleanup.policy").value()).isEqualTo("delete");
            assertThat(cfg.get("retention.ms").value()).isEqualTo("604800000");
        }
    }

    @Test
    void aKip848RegexSubscriptionMatchesOnlyTopicsThePrincipalMayDescribe() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Clients.kafkaMajor() >= 4,
                "kafka-clients 3.9 has no group.protocol=consumer nor SubscriptionPattern (KIP-848)");
        broker.createTopic("rx-open", 1);
        broker.createTopic("rx-hidden", 1);
        produce("admin", "rx-open");
        produce("admin", "rx-hidden");
        create(acl(ResourceType.GROUP, "rx-group", PatternType.LITERAL, "User:erin", AclOperation.READ, AclPermissionType.ALLOW),
                acl(ResourceType.TOPIC, "rx-open", PatternType.LITERAL, "User:erin", AclOperation.READ, AclPermissionType.ALLOW));
        Map<String, Object> extra = new HashMap<>(as("erin"));
        extra.put(ConsumerConfig.GROUP_ID_CONFIG, "rx-group");
        extra.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "consumer");
        extra.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        int read = 0;
        try (KafkaConsumer<byte[], byte[]> c = Clients.consumer(broker.bootstrap(), extra)) {
            // the broker resolves the regex (KIP-848): it must leave out rx-hidden, which erin may not DESCRIBE
            // SubscriptionPattern exists from kafka-clients 4.0 on; these sources also compile against 3.9
            Class<?> patternClass = Class.forName("org.apache.kafka.clients.consumer.SubscriptionPattern");
            Object pattern = patternClass.getConstructor(String.class).newInstance("rx-.*");
            KafkaConsumer.class.getMethod("subscribe", patternClass).invoke(c, pattern);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (read == 0 && System.nanoTime() < deadline) {
                for (var r : c.poll(Duration.ofMillis(200))) {
                    assertThat(r.topic()).isEqualTo("rx-open");
                    read++;
                }
            }
            for (int i = 0; i < 5; i++) c.poll(Duration.ofMillis(200)); // heartbeats after the first assignment
            assertThat(c.assignment()).containsExactly(new org.apache.kafka.common.TopicPartition("rx-open", 0));
        }
        assertThat(read).isEqualTo(1);
    }

    @Test
    void alicesPrefixedWriteLetsHerProduceThereOnlyAndMetadataHidesTheRest() throws Exception {
        create(acl(ResourceType.TOPIC, "orders-", PatternType.PREFIXED, "User:alice", AclOperation.WRITE, AclPermissionType.ALLOW));
        produce("alice", "orders-1");
        produce("alice", "orders-2");
        assertThat(cause(() -> produce("alice", "payments"))).isInstanceOf(TopicAuthorizationException.class);
        // the denial is in the audit log (written by its own thread: wait for the line, bounded)
        Path audit = dir.resolve("audit").resolve("audit.log");
        String expected = "\"principal\":\"User:alice\",\"clientAddress\":\"127.0.0.1\",\"listener\":\"SASL_PLAINTEXT\","
                + "\"api\":\"METADATA\",\"operation\":\"DESCRIBE\",\"resourceType\":\"TOPIC\",\"resourceName\":\"payments\",\"result\":\"DENIED\"";
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!(java.nio.file.Files.exists(audit) && java.nio.file.Files.readString(audit).contains(expected)) && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(java.nio.file.Files.readString(audit)).contains(expected).doesNotContain("\"result\":\"ALLOWED\"");
        try (Admin alice = admin(broker, "alice"); Admin admin = admin(broker, "admin")) {
            // WRITE implies DESCRIBE: alice sees the orders- topics and nothing else
            assertThat(alice.listTopics().names().get(30, TimeUnit.SECONDS)).containsExactlyInAnyOrder("orders-1", "orders-2");
            assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).contains("orders-1", "payments", "secret", "visible");
            assertThat(cause(() -> alice.describeTopics(List.of("payments")).allTopicNames().get(30, TimeUnit.SECONDS)))
                    .isInstanceOf(TopicAuthorizationException.class);
            // authorized operations: alice may WRITE and DESCRIBE orders-1, nothing on the cluster
            assertThat(alice.describeTopics(List.of("orders-1"), new org.apache.kafka.clients.admin.DescribeTopicsOptions()
                    .includeAuthorizedOperations(true)).allTopicNames().get(30, TimeUnit.SECONDS).get("orders-1").authorizedOperations())
                    .containsExactlyInAnyOrder(AclOperation.WRITE, AclOperation.DESCRIBE);
            // DescribeCluster is open on a broker (as Kafka); without DESCRIBE on the cluster no operation is listed
            assertThat(alice.describeCluster(new DescribeClusterOptions().includeAuthorizedOperations(true))
                    .authorizedOperations().get(30, TimeUnit.SECONDS)).isEmpty();
            assertThat(admin.describeCluster(new DescribeClusterOptions().includeAuthorizedOperations(true))
                    .authorizedOperations().get(30, TimeUnit.SECONDS)).contains(AclOperation.ALTER, AclOperation.DESCRIBE, AclOperation.CLUSTER_ACTION);
        }
    }

    @Test
    void bobWithoutReadOnTheGroupGetsGroupAuthorizationException() throws Exception {
        create(acl(ResourceType.TOPIC, "visible", PatternType.LITERAL, "User:bob", AclOperation.READ, AclPermissionType.ALLOW));
        Map<String, Object> extra = new HashMap<>(as("bob"));
        extra.put(ConsumerConfig.GROUP_ID_CONFIG, "bobs-group");
        try (KafkaConsumer<byte[], byte[]> c = Clients.consumer(broker.bootstrap(), extra)) {
            c.subscribe(List.of("visible"));
            assertThatThrownBy(() -> {
                for (int i = 0; i < 50; i++) c.poll(Duration.ofMillis(200));
            }).isInstanceOf(GroupAuthorizationException.class);
        }
        // DESCRIBE without READ on a topic: metadata and offsets are answered, the Fetch is TOPIC_AUTHORIZATION_FAILED
        create(acl(ResourceType.TOPIC, "payments", PatternType.LITERAL, "User:bob", AclOperation.DESCRIBE, AclPermissionType.ALLOW));
        produce("admin", "payments");
        try (KafkaConsumer<byte[], byte[]> c = Clients.consumer(broker.bootstrap(), as("bob"))) {
            c.assign(List.of(new org.apache.kafka.common.TopicPartition("payments", 0)));
            c.seekToBeginning(List.of(new org.apache.kafka.common.TopicPartition("payments", 0)));
            assertThatThrownBy(() -> {
                for (int i = 0; i < 50; i++) c.poll(Duration.ofMillis(200));
            }).isInstanceOf(TopicAuthorizationException.class);
        }
        // with READ on the group the same consumer joins and reads
        create(acl(ResourceType.GROUP, "bobs-group", PatternType.LITERAL, "User:bob", AclOperation.READ, AclPermissionType.ALLOW));
        produce("admin", "visible");
        try (KafkaConsumer<byte[], byte[]> c = Clients.consumer(broker.bootstrap(), extra)) {
            c.subscribe(List.of("visible"));
            assertThat(Clients.pollUntil(c, 1, Duration.ofSeconds(30), false)).isNotEmpty();
        }
    }

    @Test
    void denyWinsOverAllow() throws Exception {
        create(acl(ResourceType.TOPIC, "*", PatternType.LITERAL, "User:carol", AclOperation.ALL, AclPermissionType.ALLOW),
                acl(ResourceType.TOPIC, "secret", PatternType.LITERAL, "User:*", AclOperation.WRITE, AclPermissionType.DENY));
        produce("carol", "payments");
        assertThat(cause(() -> produce("carol", "secret"))).isInstanceOf(TopicAuthorizationException.class);
        produce("admin", "secret"); // a super user is never denied
    }

    @Test
    void aclsSurviveARestartAndWithoutAnAuthorizerTheAclApisAreDisabled() throws Exception {
        Map<String, String> p = authorizerProps();
        TestBroker b = TestBroker.start(dir.resolve("restart"), p);
        AclBinding kept = acl(ResourceType.TRANSACTIONAL_ID, "tx-", PatternType.PREFIXED, "User:alice", AclOperation.WRITE, AclPermissionType.ALLOW);
        AclBinding gone = acl(ResourceType.TOPIC, "x", PatternType.LITERAL, "User:alice", AclOperation.READ, AclPermissionType.DENY);
        try (Admin a = admin(b, "admin")) {
            a.createAcls(List.of(kept, gone)).all().get(30, TimeUnit.SECONDS);
            a.deleteAcls(List.of(gone.toFilter())).all().get(30, TimeUnit.SECONDS);
        } finally {
            b.close();
        }
        b = TestBroker.start(dir.resolve("restart"), p);
        try (Admin a = admin(b, "admin")) {
            assertThat(a.describeAcls(AclBindingFilter.ANY).values().get(30, TimeUnit.SECONDS)).containsExactly(kept);
        } finally {
            b.close();
        }
        TestBroker plain = TestBroker.start(dir.resolve("plain"));
        try (Admin a = admin(plain, null)) {
            assertThat(cause(() -> a.describeAcls(AclBindingFilter.ANY).values().get(30, TimeUnit.SECONDS)))
                    .isInstanceOf(SecurityDisabledException.class);
            assertThat(cause(() -> a.createAcls(List.of(kept)).all().get(30, TimeUnit.SECONDS)))
                    .isInstanceOf(SecurityDisabledException.class);
        } finally {
            plain.close();
        }
    }

    @Test
    void transactionsAdminAndClusterApisAreChecked() throws Exception {
        create(acl(ResourceType.TRANSACTIONAL_ID, "tx-", PatternType.PREFIXED, "User:alice", AclOperation.WRITE, AclPermissionType.ALLOW),
                acl(ResourceType.TOPIC, "orders-", PatternType.PREFIXED, "User:alice", AclOperation.WRITE, AclPermissionType.ALLOW));
        Map<String, Object> txn = new HashMap<>(as("alice"));
        txn.put("transactional.id", "tx-alice");
        txn.put("max.block.ms", 15_000);
        try (KafkaProducer<byte[], byte[]> p = Clients.producer(broker.bootstrap(), txn)) {
            p.initTransactions();
            p.beginTransaction();
            p.send(new ProducerRecord<>("orders-1", "t".getBytes(StandardCharsets.UTF_8))).get(30, TimeUnit.SECONDS);
            p.commitTransaction();
        }
        txn.put("transactional.id", "other-alice");
        try (KafkaProducer<byte[], byte[]> p = Clients.producer(broker.bootstrap(), txn)) {
            assertThatThrownBy(p::initTransactions).isInstanceOf(org.apache.kafka.common.errors.TransactionalIdAuthorizationException.class);
        }
        try (Admin bob = admin(broker, "bob")) {
            assertThat(cause(() -> bob.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic("bobs", 1, (short) 1)))
                    .all().get(30, TimeUnit.SECONDS))).isInstanceOf(TopicAuthorizationException.class);
            assertThat(cause(() -> bob.describeConfigs(List.of(new org.apache.kafka.common.config.ConfigResource(
                    org.apache.kafka.common.config.ConfigResource.Type.TOPIC, "payments"))).all().get(30, TimeUnit.SECONDS)))
                    .isInstanceOf(TopicAuthorizationException.class);
            assertThat(cause(() -> bob.describeConfigs(List.of(new org.apache.kafka.common.config.ConfigResource(
                    org.apache.kafka.common.config.ConfigResource.Type.BROKER, "1"))).all().get(30, TimeUnit.SECONDS)))
                    .isInstanceOf(ClusterAuthorizationException.class);
            assertThat(cause(() -> bob.electLeaders(org.apache.kafka.common.ElectionType.PREFERRED,
                    Set.of(new org.apache.kafka.common.TopicPartition("payments", 0))).all().get(30, TimeUnit.SECONDS)))
                    .isInstanceOf(ClusterAuthorizationException.class);
            assertThat(cause(() -> bob.deleteTopics(List.of("payments")).all().get(30, TimeUnit.SECONDS)))
                    .isInstanceOf(TopicAuthorizationException.class);
            // client quotas: ALTER_CONFIGS / DESCRIBE_CONFIGS on the cluster
            org.apache.kafka.common.quota.ClientQuotaEntity bobs = new org.apache.kafka.common.quota.ClientQuotaEntity(
                    Map.of(org.apache.kafka.common.quota.ClientQuotaEntity.USER, "bob"));
            assertThat(cause(() -> bob.alterClientQuotas(List.of(new org.apache.kafka.common.quota.ClientQuotaAlteration(bobs,
                    List.of(new org.apache.kafka.common.quota.ClientQuotaAlteration.Op("producer_byte_rate", 1e9)))))
                    .all().get(30, TimeUnit.SECONDS))).isInstanceOf(ClusterAuthorizationException.class);
            assertThat(cause(() -> bob.describeClientQuotas(org.apache.kafka.common.quota.ClientQuotaFilter.all())
                    .entities().get(30, TimeUnit.SECONDS))).isInstanceOf(ClusterAuthorizationException.class);
        }
        try (Admin admin = admin(broker, "admin")) {
            assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).contains("payments");
            org.apache.kafka.common.quota.ClientQuotaEntity bobs = new org.apache.kafka.common.quota.ClientQuotaEntity(
                    Map.of(org.apache.kafka.common.quota.ClientQuotaEntity.USER, "bob"));
            admin.alterClientQuotas(List.of(new org.apache.kafka.common.quota.ClientQuotaAlteration(bobs,
                    List.of(new org.apache.kafka.common.quota.ClientQuotaAlteration.Op("producer_byte_rate", 1e9)))))
                    .all().get(30, TimeUnit.SECONDS);
            assertThat(admin.describeClientQuotas(org.apache.kafka.common.quota.ClientQuotaFilter.all())
                    .entities().get(30, TimeUnit.SECONDS)).containsKey(bobs);
        }
    }
}
