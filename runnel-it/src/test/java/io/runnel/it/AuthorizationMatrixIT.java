package io.runnel.it;

import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.ApiMessage;
import io.runnel.protocol.message.AddPartitionsToTxnRequest;
import io.runnel.protocol.message.AddPartitionsToTxnResponse;
import io.runnel.protocol.message.AlterConfigsRequest;
import io.runnel.protocol.message.AlterConfigsResponse;
import io.runnel.protocol.message.ConsumerGroupHeartbeatRequest;
import io.runnel.protocol.message.ConsumerGroupHeartbeatResponse;
import io.runnel.protocol.message.EndTxnRequest;
import io.runnel.protocol.message.EndTxnResponse;
import io.runnel.protocol.message.FetchRequest;
import io.runnel.protocol.message.FetchResponse;
import io.runnel.protocol.message.HeartbeatRequest;
import io.runnel.protocol.message.HeartbeatResponse;
import io.runnel.protocol.message.LeaveGroupRequest;
import io.runnel.protocol.message.LeaveGroupResponse;
import io.runnel.protocol.message.OffsetForLeaderEpochRequest;
import io.runnel.protocol.message.OffsetForLeaderEpochResponse;
import io.runnel.protocol.message.SaslAuthenticateRequest;
import io.runnel.protocol.message.SaslAuthenticateResponse;
import io.runnel.protocol.message.SaslHandshakeRequest;
import io.runnel.protocol.message.SaslHandshakeResponse;
import io.runnel.protocol.message.SyncGroupRequest;
import io.runnel.protocol.message.SyncGroupResponse;
import io.runnel.protocol.message.WriteTxnMarkersRequest;
import io.runnel.protocol.message.WriteTxnMarkersResponse;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.FeatureUpdate;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UpdateFeaturesOptions;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AccessControlEntryFilter;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.ElectionNotNeededException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.NoReassignmentInProgressException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdNotFoundException;
import org.apache.kafka.common.errors.UnknownMemberIdException;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.quota.ClientQuotaAlteration;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.apache.kafka.common.quota.ClientQuotaFilter;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourcePatternFilter;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The per-API authorization matrix (issue 11): for every API of the table in docs/security.md ("Authorization"), a
 * principal of its own first calls it WITHOUT the ACL the API needs (given only the ACLs that let the client reach
 * that check, e.g. DESCRIBE on the group before JoinGroup's READ) and must get the exception kafka-clients raises for
 * Kafka's error code; then admin grants exactly the needed ACL (Admin.createAcls, waiting until the broker's image
 * has it) and the same call by the same principal must succeed (or fail only with the listed non-authorization
 * error, e.g. ELECTION_NOT_NEEDED for a preferred election of a one-replica partition).
 *
 * <p>One in-process broker (SASL_PLAINTEXT, PLAIN users {@code admin}, a super user, and {@code u00}..{@code u79}, one
 * per case), the authorizer on. Cases reach the broker through kafka-clients' Admin, KafkaProducer (plain,
 * idempotent, transactional) and KafkaConsumer (assign mode, classic group, consumer group protocol). Where a
 * check cannot be reached separately by kafka-clients, the case sends the request itself through {@link RawClient}
 * over a SASL-authenticated connection and maps the error code to kafka-clients' exception with
 * {@link Errors#forCode}: AlterConfigs (no longer in the Admin of kafka-clients 4), SyncGroup, Heartbeat and
 * LeaveGroup (a consumer needs READ on the group for JoinGroup first), EndTxn (InitProducerId needs the same ACL),
 * OffsetForLeaderEpoch (consumer and follower), follower Fetch, WriteTxnMarkers and AddPartitionsToTxn v4+ (brokers
 * only). Filtering APIs (Metadata of all topics, ListGroups, ListTransactions) are cases whose denied outcome is
 * "left out" ({@link Hidden}). ConsumerGroupHeartbeat's DESCRIBE of the subscribed topics is also a raw case, as a
 * KIP-848 consumer's own Metadata request for the topic would fail with the same exception first.
 *
 * <p>Not in the matrix: ApiVersions, SaslHandshake, SaslAuthenticate and DescribeCluster are not checked (as Kafka;
 * DescribeCluster's authorized operations are in {@code AclIT}); the inter-broker use of the CLUSTER_ACTION APIs
 * with a SASL broker principal is {@code SaslClusterIT}; regex subscriptions filtered by DESCRIBE are
 * {@code AclIT}; a classic consumer's OffsetCommit and a transactional producer's Produce after AddPartitionsToTxn
 * share their ACL with an earlier request and are reached by those cases only.
 */
@EnabledIfSystemProperty(named = "it.kafka.clients.version", matches = "4\\.1\\..*")
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class AuthorizationMatrixIT {
    @TempDir
    static Path dir;
    static TestBroker broker;
    static final String TOPIC = "mx"; // shared topic with records, for the cases that only read or describe
    static final int USERS = 80;

    @BeforeAll
    static void start() throws Exception {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("listeners", "SASL_PLAINTEXT://127.0.0.1:" + BrokerProcess.freePort());
        p.put("sasl.enabled.mechanisms", "PLAIN");
        StringBuilder jaas = new StringBuilder("org.apache.kafka.common.security.plain.PlainLoginModule required user_admin=\"admin-secret\"");
        for (int i = 0; i < USERS; i++) jaas.append(" user_").append(user(i)).append("=\"").append(user(i)).append("-secret\"");
        p.put("listener.name.sasl_plaintext.plain.sasl.jaas.config", jaas.append(';').toString());
        p.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
        p.put("super.users", "User:admin");
        p.put("group.initial.rebalance.delay.ms", "0");
        broker = TestBroker.start(dir.resolve("broker"), p);
        broker.createTopic(TOPIC, 1);
        try (KafkaProducer<byte[], byte[]> pr = producer("admin", Map.of())) {
            pr.send(new ProducerRecord<>(TOPIC, "v".getBytes(StandardCharsets.UTF_8))).get(30, TimeUnit.SECONDS);
        }
    }

    @AfterAll
    static void stop() {
        if (broker != null) broker.close();
    }

    static String user(int i) {
        return String.format("u%02d", i);
    }

    // ---- the table ----

    /** A call made as {@code user}; it throws what kafka-clients throws (unwrapped from ExecutionException). */
    interface Call {
        void run(String user) throws Exception;
    }

    /** An ACL for the case's principal; {@code %u} in the resource name is replaced by the user name. */
    record Grant(ResourceType type, String name, PatternType pattern, AclOperation op) {
        AclBinding forUser(String user) {
            return new AclBinding(new ResourcePattern(type, name.replace("%u", user), pattern),
                    new AccessControlEntry("User:" + user, "*", op, AclPermissionType.ALLOW));
        }

        @Override
        public String toString() {
            return op + " " + type + (type == ResourceType.CLUSTER ? "" : " " + name.replace("%u", "<user>"));
        }
    }

    /**
     * One row: the API, the ACLs given before the denied attempt ({@code base}, what the client needs to reach the
     * check), the ACLs the API needs ({@code needed}), the call, the exception without {@code needed}, and the
     * non-authorization exceptions that count as success with it.
     */
    record Case(String api, List<Grant> base, List<Grant> needed, Call setup, Call call, Class<? extends Throwable> denied,
                String deniedText, List<Class<? extends Throwable>> alsoOk) {
        Case given(Grant... g) {
            return new Case(api, List.of(g), needed, setup, call, denied, deniedText, alsoOk);
        }

        Case before(Call s) {
            return new Case(api, base, needed, s, call, denied, deniedText, alsoOk);
        }

        /** The denied exception's message must also contain {@code text}. */
        Case saying(String text) {
            return new Case(api, base, needed, setup, call, denied, text, alsoOk);
        }

        @SafeVarargs
        final Case orElse(Class<? extends Throwable>... ok) {
            return new Case(api, base, needed, setup, call, denied, deniedText, List.of(ok));
        }

        @Override
        public String toString() {
            return api + ": needs " + needed + (base.isEmpty() ? "" : " (given " + base + ")") + ", else " + denied.getSimpleName();
        }
    }

    static Case c(String api, Grant needed, Class<? extends Throwable> denied, Call call) {
        return new Case(api, List.of(), List.of(needed), null, call, denied, null, List.of());
    }

    /** Thrown by a filtering case when what it looks for is left out of the answer. */
    static final class Hidden extends RuntimeException {
        Hidden(String what) {
            super(what + " left out");
        }
    }

    static Grant topic(String name, AclOperation op) {
        return new Grant(ResourceType.TOPIC, name, PatternType.LITERAL, op);
    }

    static Grant group(String name, AclOperation op) {
        return new Grant(ResourceType.GROUP, name, PatternType.LITERAL, op);
    }

    static Grant txn(String name, AclOperation op) {
        return new Grant(ResourceType.TRANSACTIONAL_ID, name, PatternType.LITERAL, op);
    }

    static Grant cluster(AclOperation op) {
        return new Grant(ResourceType.CLUSTER, "kafka-cluster", PatternType.LITERAL, op);
    }

    static final AclOperation READ = AclOperation.READ, WRITE = AclOperation.WRITE, DESCRIBE = AclOperation.DESCRIBE,
            CREATE = AclOperation.CREATE, DELETE = AclOperation.DELETE, ALTER = AclOperation.ALTER,
            DESCRIBE_CONFIGS = AclOperation.DESCRIBE_CONFIGS, ALTER_CONFIGS = AclOperation.ALTER_CONFIGS,
            CLUSTER_ACTION = AclOperation.CLUSTER_ACTION, IDEMPOTENT_WRITE = AclOperation.IDEMPOTENT_WRITE;

    /** ConfigResource.Type.GROUP, absent from kafka-clients 3.9 (these sources compile against it too). */
    static final ConfigResource.Type GROUP_CONFIG = ConfigResource.Type.valueOf("GROUP");

    /** A method of kafka-clients 4 that 3.9 lacks (these sources compile against 3.9 too), called by name. */
    @SuppressWarnings("unchecked")
    static <T> T call(Object target, String method, Class<?>[] types, Object... args) {
        try {
            return (T) target.getClass().getMethod(method, types).invoke(target, args);
        } catch (java.lang.reflect.InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw new IllegalStateException(e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    static <T> T call(Object target, String method) {
        return call(target, method, new Class<?>[0]);
    }

    static final TopicPartition MX0 = new TopicPartition(TOPIC, 0);

    static List<Case> cases() {
        List<Case> l = new ArrayList<>();
        // ---- Produce, Fetch, Metadata, ListOffsets, OffsetForLeaderEpoch ----
        l.add(c("Produce", topic(TOPIC, WRITE), TopicAuthorizationException.class, u -> produce(u, TOPIC))
                .given(topic(TOPIC, DESCRIBE)));
        l.add(c("Metadata (auto-creation)", topic("%u-auto", CREATE), TopicAuthorizationException.class, u -> produce(u, u + "-auto"))
                .given(topic("%u-auto", WRITE)));
        l.add(c("Metadata (named topic)", topic(TOPIC, DESCRIBE), TopicAuthorizationException.class, u -> {
            try (KafkaConsumer<byte[], byte[]> c = consumer(u, Map.of())) {
                c.partitionsFor(TOPIC, Duration.ofSeconds(15));
            }
        }));
        l.add(c("Metadata (all topics)", topic(TOPIC, DESCRIBE), Hidden.class, u -> {
            try (KafkaConsumer<byte[], byte[]> c = consumer(u, Map.of())) {
                if (!c.listTopics(Duration.ofSeconds(15)).containsKey(TOPIC)) throw new Hidden(TOPIC);
            }
        }));
        l.add(c("DescribeTopicPartitions", topic(TOPIC, DESCRIBE), TopicAuthorizationException.class, u -> {
            try (Admin a = admin(u)) {
                get(a.describeTopics(List.of(TOPIC)).allTopicNames());
            }
        }));
        l.add(c("Fetch", topic(TOPIC, READ), TopicAuthorizationException.class, u -> {
            try (KafkaConsumer<byte[], byte[]> c = consumer(u, Map.of())) {
                c.assign(List.of(MX0));
                c.seekToBeginning(List.of(MX0));
                pollOne(c);
            }
        }).given(topic(TOPIC, DESCRIBE)));
        l.add(c("ListOffsets", topic(TOPIC, DESCRIBE), TopicAuthorizationException.class, u -> {
            try (KafkaConsumer<byte[], byte[]> c = consumer(u, Map.of())) {
                assertThat(c.endOffsets(List.of(MX0), Duration.ofSeconds(15)).get(MX0)).isPositive();
            }
        }));
        l.add(c("OffsetForLeaderEpoch (consumer, raw)", topic(TOPIC, DESCRIBE), TopicAuthorizationException.class,
                u -> offsetForLeaderEpoch(u, -1)));
        // Kafka's rule: CLUSTER_ACTION or DESCRIBE on the topic, whatever the replica id
        l.add(c("OffsetForLeaderEpoch (follower, raw)", cluster(CLUSTER_ACTION), TopicAuthorizationException.class,
                u -> offsetForLeaderEpoch(u, 2)));
        l.add(c("OffsetForLeaderEpoch (follower with DESCRIBE, raw)", topic(TOPIC, DESCRIBE), TopicAuthorizationException.class,
                u -> offsetForLeaderEpoch(u, 2)));
        l.add(c("OffsetForLeaderEpoch (consumer with CLUSTER_ACTION, raw)", cluster(CLUSTER_ACTION), TopicAuthorizationException.class,
                u -> offsetForLeaderEpoch(u, -1)));
        l.add(c("Fetch (follower, raw)", cluster(CLUSTER_ACTION), TopicAuthorizationException.class, u -> followerFetch(u))
                .given(topic(TOPIC, READ)));
        // ---- topic administration ----
        l.add(c("CreateTopics", topic("%u-new", CREATE), TopicAuthorizationException.class,
                u -> get(admin(u, a -> a.createTopics(List.of(new NewTopic(u + "-new", 1, (short) 1))).all()))));
        l.add(c("CreateTopics (cluster CREATE)", cluster(CREATE), TopicAuthorizationException.class,
                u -> get(admin(u, a -> a.createTopics(List.of(new NewTopic(u + "-new", 1, (short) 1))).all()))));
        l.add(c("DeleteTopics", topic("%u-del", DELETE), TopicAuthorizationException.class,
                u -> get(admin(u, a -> a.deleteTopics(List.of(u + "-del")).all()))).before(u -> broker.createTopic(u + "-del", 1)));
        l.add(c("CreatePartitions", topic("%u-cp", ALTER), TopicAuthorizationException.class,
                u -> get(admin(u, a -> a.createPartitions(Map.of(u + "-cp", NewPartitions.increaseTo(2))).all())))
                .before(u -> broker.createTopic(u + "-cp", 1)));
        l.add(c("DeleteRecords", topic("%u-dr", DELETE), TopicAuthorizationException.class,
                u -> get(admin(u, a -> a.deleteRecords(Map.of(new TopicPartition(u + "-dr", 0), RecordsToDelete.beforeOffset(0))).all())))
                .before(u -> broker.createTopic(u + "-dr", 1)).given(topic("%u-dr", DESCRIBE)));
        // ---- configs ----
        ConfigResource mxRes = new ConfigResource(ConfigResource.Type.TOPIC, TOPIC);
        ConfigResource brokerRes = new ConfigResource(ConfigResource.Type.BROKER, "1");
        ConfigResource loggerRes = new ConfigResource(ConfigResource.Type.BROKER_LOGGER, "1");
        l.add(c("DescribeConfigs (topic)", topic(TOPIC, DESCRIBE_CONFIGS), TopicAuthorizationException.class,
                u -> get(admin(u, a -> a.describeConfigs(List.of(mxRes)).all()))));
        l.add(c("DescribeConfigs (broker)", cluster(DESCRIBE_CONFIGS), ClusterAuthorizationException.class,
                u -> get(admin(u, a -> a.describeConfigs(List.of(brokerRes)).all()))));
        l.add(c("DescribeConfigs (broker logger)", cluster(DESCRIBE_CONFIGS), ClusterAuthorizationException.class,
                u -> get(admin(u, a -> a.describeConfigs(List.of(loggerRes)).all())))
                .orElse(org.apache.kafka.common.errors.InvalidRequestException.class)); // Runnel has no broker-logger configs (after the check)
        l.add(c("DescribeConfigs (group)", group("%u-g", DESCRIBE_CONFIGS), GroupAuthorizationException.class,
                u -> get(admin(u, a -> a.describeConfigs(List.of(new ConfigResource(GROUP_CONFIG, u + "-g"))).all()))));
        l.add(c("IncrementalAlterConfigs (topic)", topic("%u-cfg", ALTER_CONFIGS), TopicAuthorizationException.class,
                u -> get(admin(u, a -> a.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, u + "-cfg"),
                        List.of(new AlterConfigOp(new ConfigEntry("retention.ms", "86400000"), AlterConfigOp.OpType.SET)))).all())))
                .before(u -> broker.createTopic(u + "-cfg", 1)));
        l.add(c("IncrementalAlterConfigs (broker)", cluster(ALTER_CONFIGS), ClusterAuthorizationException.class,
                u -> get(admin(u, a -> a.incrementalAlterConfigs(Map.of(brokerRes,
                        List.of(new AlterConfigOp(new ConfigEntry("log.retention.ms", "604800000"), AlterConfigOp.OpType.SET)))).all()))));
        l.add(c("IncrementalAlterConfigs (group)", group("%u-g", ALTER_CONFIGS), GroupAuthorizationException.class,
                u -> get(admin(u, a -> a.incrementalAlterConfigs(Map.of(new ConfigResource(GROUP_CONFIG, u + "-g"),
                        List.of(new AlterConfigOp(new ConfigEntry("consumer.session.timeout.ms", "45000"), AlterConfigOp.OpType.SET)))).all()))));
        l.add(c("AlterConfigs (topic, raw)", topic("%u-acfg", ALTER_CONFIGS), TopicAuthorizationException.class,
                u -> alterConfigs(u, u + "-acfg")).before(u -> broker.createTopic(u + "-acfg", 1)));
        // ---- cluster administration ----
        AclBinding someAcl = new AclBinding(new ResourcePattern(ResourceType.TOPIC, "nobody-t", PatternType.LITERAL),
                new AccessControlEntry("User:nobody", "*", READ, AclPermissionType.ALLOW));
        l.add(c("CreateAcls", cluster(ALTER), ClusterAuthorizationException.class, u -> get(admin(u, a -> a.createAcls(List.of(someAcl)).all()))));
        l.add(c("DescribeAcls", cluster(DESCRIBE), ClusterAuthorizationException.class,
                u -> get(admin(u, a -> a.describeAcls(AclBindingFilter.ANY).values()))));
        l.add(c("DeleteAcls", cluster(ALTER), ClusterAuthorizationException.class,
                u -> get(admin(u, a -> a.deleteAcls(List.of(someAcl.toFilter())).all()))));
        l.add(c("ElectLeaders", cluster(ALTER), ClusterAuthorizationException.class,
                u -> get(admin(u, a -> a.electLeaders(ElectionType.PREFERRED, Set.of(MX0)).all()))).orElse(ElectionNotNeededException.class));
        l.add(c("AlterPartitionReassignments", cluster(ALTER), ClusterAuthorizationException.class,
                u -> get(admin(u, a -> a.alterPartitionReassignments(Map.of(MX0, Optional.empty())).all())))
                .orElse(NoReassignmentInProgressException.class));
        l.add(c("ListPartitionReassignments", cluster(DESCRIBE), ClusterAuthorizationException.class,
                u -> get(admin(u, a -> a.listPartitionReassignments().reassignments()))));
        l.add(c("UpdateFeatures", cluster(ALTER), ClusterAuthorizationException.class,
                u -> get(admin(u, a -> a.updateFeatures(Map.of("transaction.version", new FeatureUpdate((short) 2, FeatureUpdate.UpgradeType.UPGRADE)),
                        new UpdateFeaturesOptions().validateOnly(true)).all()))));
        l.add(c("UnregisterBroker", cluster(ALTER), ClusterAuthorizationException.class,
                u -> get(admin(u, a -> a.unregisterBroker(99).all()))).orElse(org.apache.kafka.common.errors.BrokerIdNotRegisteredException.class));
        l.add(c("AlterUserScramCredentials", cluster(ALTER), ClusterAuthorizationException.class,
                u -> get(admin(u, a -> a.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(u + "-scram",
                        new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 4096), "pw"))).all()))));
        l.add(c("DescribeUserScramCredentials", cluster(DESCRIBE), ClusterAuthorizationException.class,
                u -> get(admin(u, a -> a.describeUserScramCredentials().all()))));
        l.add(c("DescribeQuorum", cluster(DESCRIBE), ClusterAuthorizationException.class,
                u -> get(admin(u, a -> a.describeMetadataQuorum().quorumInfo()))));
        l.add(c("DescribeLogDirs", cluster(DESCRIBE), ClusterAuthorizationException.class,
                u -> get(admin(u, a -> a.describeLogDirs(List.of(1)).allDescriptions()))));
        ClientQuotaEntity quotaEntity = new ClientQuotaEntity(Map.of(ClientQuotaEntity.USER, "nobody"));
        l.add(c("AlterClientQuotas", cluster(ALTER_CONFIGS), ClusterAuthorizationException.class,
                u -> get(admin(u, a -> a.alterClientQuotas(List.of(new ClientQuotaAlteration(quotaEntity,
                        List.of(new ClientQuotaAlteration.Op("producer_byte_rate", 1e9))))).all()))));
        l.add(c("DescribeClientQuotas", cluster(DESCRIBE_CONFIGS), ClusterAuthorizationException.class,
                u -> get(admin(u, a -> a.describeClientQuotas(ClientQuotaFilter.all()).entities()))));
        // ---- groups ----
        l.add(c("FindCoordinator (group) + DescribeGroups", group("%u-g", DESCRIBE), GroupAuthorizationException.class,
                u -> get(admin(u, a -> call(call(a, "describeClassicGroups", new Class<?>[]{java.util.Collection.class}, List.of(u + "-g")), "all"))))
                .before(u -> adminCommit(u + "-g")));
        l.add(c("ConsumerGroupDescribe", group("%u-g", DESCRIBE), GroupAuthorizationException.class,
                u -> get(admin(u, a -> a.describeConsumerGroups(List.of(u + "-g")).all()))).orElse(GroupIdNotFoundException.class));
        l.add(c("JoinGroup (classic consumer)", group("%u-g", READ), GroupAuthorizationException.class,
                u -> subscribeAndRead(u, u + "-g", "classic")).given(group("%u-g", DESCRIBE), topic(TOPIC, READ)));
        l.add(c("SyncGroup (raw)", group("%u-g", READ), GroupAuthorizationException.class, u -> syncGroup(u, u + "-g"))
                .given(group("%u-g", DESCRIBE)).orElse(UnknownMemberIdException.class));
        l.add(c("Heartbeat (raw)", group("%u-g", READ), GroupAuthorizationException.class, u -> heartbeat(u, u + "-g"))
                .given(group("%u-g", DESCRIBE)).orElse(UnknownMemberIdException.class));
        l.add(c("LeaveGroup (raw)", group("%u-g", READ), GroupAuthorizationException.class, u -> leaveGroup(u, u + "-g"))
                .given(group("%u-g", DESCRIBE)).orElse(UnknownMemberIdException.class));
        l.add(c("ConsumerGroupHeartbeat (group)", group("%u-g", READ), GroupAuthorizationException.class,
                u -> subscribeAndRead(u, u + "-g", "consumer")).given(group("%u-g", DESCRIBE), topic(TOPIC, READ)));
        l.add(c("ConsumerGroupHeartbeat (subscribed topic)", topic(TOPIC, READ), TopicAuthorizationException.class,
                u -> subscribeAndRead(u, u + "-g", "consumer")).given(group("%u-g", READ)));
        l.add(c("ConsumerGroupHeartbeat (subscribed topic DESCRIBE, raw)", topic(TOPIC, DESCRIBE), TopicAuthorizationException.class,
                u -> consumerGroupHeartbeat(u, u + "-g")).given(group("%u-g", READ)));
        l.add(c("OffsetCommit (group)", group("%u-g", READ), GroupAuthorizationException.class, u -> commit(u, u + "-g"))
                .given(group("%u-g", DESCRIBE), topic(TOPIC, READ)));
        l.add(c("OffsetCommit (topic)", topic(TOPIC, READ), TopicAuthorizationException.class, u -> commit(u, u + "-g"))
                .given(group("%u-g", READ), topic(TOPIC, DESCRIBE)));
        l.add(c("OffsetFetch (topic)", topic(TOPIC, DESCRIBE), TopicAuthorizationException.class, u -> {
            try (KafkaConsumer<byte[], byte[]> c = consumer(u, Map.of(ConsumerConfig.GROUP_ID_CONFIG, u + "-g"))) {
                c.committed(Set.of(MX0), Duration.ofSeconds(15));
            }
        }).given(group("%u-g", DESCRIBE)));
        l.add(c("OffsetFetch (all topics, Admin)", topic(TOPIC, DESCRIBE), Hidden.class, u -> {
            try (Admin a = admin(u)) {
                if (!get(a.listConsumerGroupOffsets(u + "-g").partitionsToOffsetAndMetadata()).containsKey(MX0)) throw new Hidden(TOPIC);
            }
        }).given(group("%u-g", DESCRIBE)).before(u -> adminCommit(u + "-g")));
        l.add(c("OffsetDelete (group)", group("%u-g", DELETE), GroupAuthorizationException.class,
                u -> get(admin(u, a -> a.deleteConsumerGroupOffsets(u + "-g", Set.of(MX0)).all())))
                .given(group("%u-g", DESCRIBE), topic(TOPIC, READ)).before(u -> adminCommit(u + "-g")));
        l.add(c("OffsetDelete (topic)", topic(TOPIC, READ), TopicAuthorizationException.class,
                u -> get(admin(u, a -> a.deleteConsumerGroupOffsets(u + "-g", Set.of(MX0)).all())))
                .given(group("%u-g", DELETE), topic(TOPIC, DESCRIBE)).before(u -> adminCommit(u + "-g")));
        l.add(c("ListGroups", group("%u-g", DESCRIBE), Hidden.class, u -> {
            try (Admin a = admin(u)) {
                if (get(a.listConsumerGroups().all()).stream().noneMatch(g -> g.groupId().equals(u + "-g"))) throw new Hidden(u + "-g");
            }
        }).before(u -> adminCommit(u + "-g")));
        l.add(c("ListGroups (cluster DESCRIBE)", cluster(DESCRIBE), Hidden.class, u -> {
            try (Admin a = admin(u)) {
                if (get(a.listConsumerGroups().all()).stream().noneMatch(g -> g.groupId().equals(u + "-g"))) throw new Hidden(u + "-g");
            }
        }).before(u -> adminCommit(u + "-g")));
        l.add(c("DeleteGroups", group("%u-g", DELETE), GroupAuthorizationException.class,
                u -> get(admin(u, a -> a.deleteConsumerGroups(List.of(u + "-g")).all())))
                .given(group("%u-g", DESCRIBE)).before(u -> adminCommit(u + "-g")));
        // ---- producer ids and transactions ----
        l.add(c("InitProducerId (idempotent)", cluster(IDEMPOTENT_WRITE), ClusterAuthorizationException.class, u -> {
            try (KafkaProducer<byte[], byte[]> p = producer(u, Map.of(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true))) {
                p.send(new ProducerRecord<>(TOPIC, "i".getBytes(StandardCharsets.UTF_8))).get(30, TimeUnit.SECONDS);
            }
        }).given(topic(TOPIC, DESCRIBE)).orElse(TopicAuthorizationException.class));
        l.add(c("InitProducerId (idempotent, WRITE on a topic)", topic(TOPIC, WRITE), ClusterAuthorizationException.class, u -> {
            try (KafkaProducer<byte[], byte[]> p = producer(u, Map.of(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true))) {
                p.send(new ProducerRecord<>(TOPIC, "i".getBytes(StandardCharsets.UTF_8))).get(30, TimeUnit.SECONDS);
            }
        }).given(topic(TOPIC, DESCRIBE)));
        l.add(c("FindCoordinator (transaction) + InitProducerId", txn("%u-tx", WRITE), TransactionalIdAuthorizationException.class, u -> {
            try (KafkaProducer<byte[], byte[]> p = txnProducer(u)) {
                p.initTransactions();
            }
        }));
        l.add(c("InitProducerId (transactional)", txn("%u-tx", WRITE), TransactionalIdAuthorizationException.class, u -> {
            try (KafkaProducer<byte[], byte[]> p = txnProducer(u)) {
                p.initTransactions();
            }
        }).given(txn("%u-tx", DESCRIBE)));
        l.add(c("AddPartitionsToTxn / transactional Produce (topic)", topic(TOPIC, WRITE), TopicAuthorizationException.class, u -> {
            try (KafkaProducer<byte[], byte[]> p = txnProducer(u)) {
                p.initTransactions();
                p.beginTransaction();
                p.send(new ProducerRecord<>(TOPIC, "t".getBytes(StandardCharsets.UTF_8))).get(30, TimeUnit.SECONDS);
                p.commitTransaction();
            }
        }).given(txn("%u-tx", WRITE), topic(TOPIC, DESCRIBE)));
        l.add(c("AddOffsetsToTxn", group("%u-g", READ), GroupAuthorizationException.class, u -> sendOffsets(u, u + "-g"))
                .given(txn("%u-tx", WRITE), topic(TOPIC, READ)));
        // kafka-clients 4.1 has no exception class for TOPIC_AUTHORIZATION_FAILED in a TxnOffsetCommit response: it raises
        // "KafkaException: Unexpected error in TxnOffsetCommitResponse: Topic authorization failed." (the code's message)
        l.add(c("TxnOffsetCommit (topic)", topic(TOPIC, READ), org.apache.kafka.common.KafkaException.class, u -> sendOffsets(u, u + "-g"))
                .given(txn("%u-tx", WRITE), group("%u-g", READ), topic(TOPIC, DESCRIBE)).saying(Errors.TOPIC_AUTHORIZATION_FAILED.message()));
        l.add(c("EndTxn (raw)", txn("%u-tx", WRITE), TransactionalIdAuthorizationException.class, u -> endTxn(u, u + "-tx"))
                .given(txn("%u-tx", DESCRIBE)).orElse(org.apache.kafka.common.errors.InvalidPidMappingException.class));
        l.add(c("DescribeTransactions", txn("%u-tx", DESCRIBE), TransactionalIdAuthorizationException.class,
                u -> get(admin(u, a -> a.describeTransactions(List.of(u + "-tx")).all()))).orElse(TransactionalIdNotFoundException.class));
        l.add(c("ListTransactions", txn("%u-tx", DESCRIBE), Hidden.class, u -> {
            try (Admin a = admin(u)) {
                if (get(a.listTransactions().all()).stream().noneMatch(t -> t.transactionalId().equals(u + "-tx"))) throw new Hidden(u + "-tx");
            }
        }).before(u -> {
            try (KafkaProducer<byte[], byte[]> p = producer("admin", Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, u + "-tx"))) {
                p.initTransactions();
            }
        }));
        l.add(c("DescribeProducers", topic(TOPIC, READ), TopicAuthorizationException.class,
                u -> get(admin(u, a -> a.describeProducers(List.of(MX0)).all()))).given(topic(TOPIC, DESCRIBE)));
        l.add(c("WriteTxnMarkers (raw)", cluster(CLUSTER_ACTION), ClusterAuthorizationException.class, u -> writeTxnMarkers(u)));
        l.add(c("AddPartitionsToTxn v4+ (verification, raw)", cluster(CLUSTER_ACTION), ClusterAuthorizationException.class,
                u -> verifyTxn(u)).given(txn("%u-tx", WRITE), topic(TOPIC, WRITE)));
        return l;
    }

    @TestFactory
    Stream<DynamicTest> everyApiIsDeniedWithoutItsAclAndAllowedWithIt() {
        List<Case> cases = cases();
        assertThat(cases.size()).isLessThanOrEqualTo(USERS);
        return IntStream.range(0, cases.size()).mapToObj(i -> DynamicTest.dynamicTest(cases.get(i).toString(), () -> run(user(i), cases.get(i))));
    }

    /** The table names every API of docs/security.md that kafka-clients or a raw request reaches. */
    @Test
    void theTableCoversTheApisOfTheDocsTable() {
        Set<String> named = new LinkedHashSet<>();
        for (Case c : cases()) named.add(c.api());
        String all = String.join("|", named);
        for (String api : List.of("Produce", "Fetch", "Metadata", "DescribeTopicPartitions", "ListOffsets", "OffsetForLeaderEpoch",
                "CreateTopics", "DeleteTopics", "CreatePartitions", "DeleteRecords", "DescribeConfigs", "AlterConfigs",
                "IncrementalAlterConfigs", "JoinGroup", "SyncGroup", "Heartbeat", "LeaveGroup", "ConsumerGroupHeartbeat",
                "OffsetCommit", "OffsetFetch", "OffsetDelete", "DescribeGroups", "ConsumerGroupDescribe", "ListGroups",
                "DeleteGroups", "FindCoordinator", "InitProducerId", "AddPartitionsToTxn", "AddOffsetsToTxn", "EndTxn",
                "TxnOffsetCommit", "DescribeTransactions", "ListTransactions", "DescribeProducers", "WriteTxnMarkers",
                "CreateAcls", "DeleteAcls", "ElectLeaders", "AlterPartitionReassignments", "ListPartitionReassignments",
                "UpdateFeatures", "UnregisterBroker", "AlterUserScramCredentials", "DescribeAcls", "DescribeQuorum",
                "DescribeLogDirs", "DescribeUserScramCredentials", "AlterClientQuotas", "DescribeClientQuotas")) {
            assertThat(all).as("a case for %s", api).containsPattern("(^|\\W)" + api + "(\\W|$)");
        }
    }

    static void run(String user, Case c) throws Exception {
        if (c.setup() != null) c.setup().run(user);
        if (!c.base().isEmpty()) grant(user, c.base());
        Throwable denied = attempt(c.call(), user);
        assertThat(denied).as("%s by %s without %s", c.api(), user, c.needed()).isNotNull();
        assertThat(chain(denied)).as("%s without %s: %s", c.api(), c.needed(), denied).anyMatch(c.denied()::isInstance);
        if (c.deniedText() != null) assertThat(denied).hasMessageContaining(c.deniedText());
        grant(user, c.needed());
        Throwable allowed = attempt(c.call(), user);
        if (allowed != null) {
            assertThat(c.alsoOk()).as("%s with %s failed: %s", c.api(), c.needed(), allowed).anyMatch(k -> k.isInstance(allowed));
        }
    }

    static Throwable attempt(Call call, String user) {
        try {
            call.run(user);
            return null;
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (Exception | AssertionError e) {
            return e;
        }
    }

    static List<Throwable> chain(Throwable t) {
        List<Throwable> l = new ArrayList<>();
        for (; t != null && !l.contains(t); t = t.getCause()) l.add(t);
        return l;
    }

    /** Admin creates the ACLs and waits until DescribeAcls (answered from the broker's image) lists them. */
    static void grant(String user, List<Grant> grants) throws Exception {
        List<AclBinding> acls = grants.stream().map(g -> g.forUser(user)).toList();
        try (Admin a = admin("admin")) {
            a.createAcls(acls).all().get(30, TimeUnit.SECONDS);
            AclBindingFilter mine = new AclBindingFilter(ResourcePatternFilter.ANY,
                    new AccessControlEntryFilter("User:" + user, null, AclOperation.ANY, AclPermissionType.ANY));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!a.describeAcls(mine).values().get(30, TimeUnit.SECONDS).containsAll(acls)) {
                assertThat(System.nanoTime()).as("ACLs %s applied", acls).isLessThan(deadline);
                Thread.sleep(20);
            }
        }
    }

    // ---- clients ----

    static Map<String, Object> as(String user) {
        Map<String, Object> p = new HashMap<>();
        p.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT");
        p.put(SaslConfigs.SASL_MECHANISM, "PLAIN");
        p.put(SaslConfigs.SASL_JAAS_CONFIG, "org.apache.kafka.common.security.plain.PlainLoginModule required username=\""
                + user + "\" password=\"" + user + "-secret\";");
        return p;
    }

    static Admin admin(String user) {
        Map<String, Object> p = new HashMap<>(as(user));
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15_000);
        p.put(AdminClientConfig.RETRY_BACKOFF_MS_CONFIG, 50);
        return Admin.create(p);
    }

    /** Runs {@code f} on a fresh Admin of {@code user} and returns its future (the Admin is closed after it completes). */
    static <T> org.apache.kafka.common.KafkaFuture<T> admin(String user, Function<Admin, org.apache.kafka.common.KafkaFuture<T>> f) {
        Admin a = admin(user);
        try {
            org.apache.kafka.common.KafkaFuture<T> r = f.apply(a);
            r.whenComplete((v, e) -> a.close(Duration.ZERO));
            return r;
        } catch (RuntimeException e) {
            a.close(Duration.ZERO);
            throw e;
        }
    }

    static <T> T get(org.apache.kafka.common.KafkaFuture<T> f) throws Exception {
        return f.get(30, TimeUnit.SECONDS);
    }

    static KafkaProducer<byte[], byte[]> producer(String user, Map<String, Object> extra) {
        Map<String, Object> p = new HashMap<>(as(user));
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 15_000);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 15_000);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false);
        p.put(ProducerConfig.ACKS_CONFIG, "1");
        p.putAll(extra);
        if (p.containsKey(ProducerConfig.TRANSACTIONAL_ID_CONFIG) || Boolean.TRUE.equals(p.get(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG))) {
            p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
            p.put(ProducerConfig.ACKS_CONFIG, "all");
        }
        return Clients.producer(broker.bootstrap(), p);
    }

    static KafkaProducer<byte[], byte[]> txnProducer(String user) {
        return producer(user, Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, user + "-tx"));
    }

    static KafkaConsumer<byte[], byte[]> consumer(String user, Map<String, Object> extra) {
        Map<String, Object> p = new HashMap<>(as(user));
        p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15_000);
        p.putAll(extra);
        return Clients.consumer(broker.bootstrap(), p);
    }

    static void produce(String user, String topic) throws Exception {
        try (KafkaProducer<byte[], byte[]> p = producer(user, Map.of())) {
            p.send(new ProducerRecord<>(topic, "v".getBytes(StandardCharsets.UTF_8))).get(30, TimeUnit.SECONDS);
        }
    }

    /** Polls (for at most 15 s) until a record arrives; what poll throws is thrown. */
    static void pollOne(KafkaConsumer<byte[], byte[]> c) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() < deadline) {
            if (!c.poll(Duration.ofMillis(100)).isEmpty()) return;
        }
        throw new AssertionError("no record within 15 s");
    }

    static void subscribeAndRead(String user, String group, String protocol) {
        try (KafkaConsumer<byte[], byte[]> c = consumer(user, Map.of(ConsumerConfig.GROUP_ID_CONFIG, group,
                ConsumerConfig.GROUP_PROTOCOL_CONFIG, protocol))) {
            c.subscribe(List.of(TOPIC));
            pollOne(c);
        }
    }

    static void commit(String user, String group) {
        try (KafkaConsumer<byte[], byte[]> c = consumer(user, Map.of(ConsumerConfig.GROUP_ID_CONFIG, group))) {
            c.assign(List.of(MX0));
            c.commitSync(Map.of(MX0, new OffsetAndMetadata(1)), Duration.ofSeconds(15));
        }
    }

    static void adminCommit(String group) throws Exception {
        try (Admin a = admin("admin")) {
            a.alterConsumerGroupOffsets(group, Map.of(MX0, new OffsetAndMetadata(1))).all().get(30, TimeUnit.SECONDS);
        }
    }

    static void sendOffsets(String user, String group) {
        try (KafkaProducer<byte[], byte[]> p = txnProducer(user)) {
            p.initTransactions();
            p.beginTransaction();
            p.sendOffsetsToTransaction(Map.of(MX0, new OffsetAndMetadata(1)), new ConsumerGroupMetadata(group));
            p.commitTransaction();
        }
    }

    // ---- raw requests over a SASL connection ----

    static RawClient raw(String user) throws Exception {
        RawClient c = new RawClient(broker.port());
        SaslHandshakeRequest hs = new SaslHandshakeRequest();
        hs.mechanism = "PLAIN";
        c.send(ApiKeys.SASL_HANDSHAKE, (short) 1, 1, hs);
        assertThat(c.<SaslHandshakeResponse>receive(ApiKeys.SASL_HANDSHAKE, (short) 1).body().errorCode).isZero();
        SaslAuthenticateRequest auth = new SaslAuthenticateRequest();
        auth.authBytes = ("\0" + user + "\0" + user + "-secret").getBytes(StandardCharsets.UTF_8);
        c.send(ApiKeys.SASL_AUTHENTICATE, (short) 2, 2, auth);
        assertThat(c.<SaslAuthenticateResponse>receive(ApiKeys.SASL_AUTHENTICATE, (short) 2).body().errorCode).isZero();
        return c;
    }

    @SuppressWarnings("unchecked")
    static <T extends ApiMessage> T roundTrip(String user, ApiKeys api, short version, ApiMessage body) throws Exception {
        try (RawClient c = raw(user)) {
            c.send(api, version, 3, body);
            return (T) c.receive(api, version).body();
        }
    }

    /** Throws what kafka-clients throws for the first non-zero error code (the code kept in the message). */
    static void check(short... codes) {
        for (short code : codes) {
            if (code != 0) throw Errors.forCode(code).exception("error code " + code);
        }
    }

    static void offsetForLeaderEpoch(String user, int replicaId) throws Exception {
        OffsetForLeaderEpochRequest req = new OffsetForLeaderEpochRequest();
        req.replicaId = replicaId;
        OffsetForLeaderEpochRequest.Topic t = new OffsetForLeaderEpochRequest.Topic();
        t.topic = TOPIC;
        OffsetForLeaderEpochRequest.Partition p = new OffsetForLeaderEpochRequest.Partition();
        p.partition = 0;
        p.leaderEpoch = 0;
        t.partitions.add(p);
        req.topics.add(t);
        OffsetForLeaderEpochResponse r = roundTrip(user, ApiKeys.OFFSET_FOR_LEADER_EPOCH, (short) 4, req);
        check(r.topics.get(0).partitions.get(0).errorCode);
    }

    static void followerFetch(String user) throws Exception {
        FetchRequest req = new FetchRequest();
        req.replicaId = 2; // a broker that is no replica of the partition: allowed, the answer is not about authorization
        req.maxWaitMs = 0;
        req.minBytes = 0;
        FetchRequest.FetchTopic t = new FetchRequest.FetchTopic();
        t.topic = TOPIC;
        FetchRequest.FetchPartition p = new FetchRequest.FetchPartition();
        p.partition = 0;
        p.partitionMaxBytes = 1 << 20;
        t.partitions.add(p);
        req.topics.add(t);
        FetchResponse r = roundTrip(user, ApiKeys.FETCH, (short) 12, req);
        check(r.errorCode);
        short code = r.responses.get(0).partitions.get(0).errorCode;
        if (code == Errors.TOPIC_AUTHORIZATION_FAILED.code()) check(code); // other partition errors are not about authorization
    }

    static void alterConfigs(String user, String topic) throws Exception {
        AlterConfigsRequest req = new AlterConfigsRequest();
        AlterConfigsRequest.Resource res = new AlterConfigsRequest.Resource();
        res.resourceType = ConfigResource.Type.TOPIC.id();
        res.resourceName = topic;
        AlterConfigsRequest.Config cfg = new AlterConfigsRequest.Config();
        cfg.name = "retention.ms";
        cfg.value = "86400000";
        res.configs.add(cfg);
        req.resources.add(res);
        AlterConfigsResponse r = roundTrip(user, ApiKeys.ALTER_CONFIGS, (short) 2, req);
        check(r.responses.get(0).errorCode);
    }

    static void syncGroup(String user, String group) throws Exception {
        SyncGroupRequest req = new SyncGroupRequest();
        req.groupId = group;
        req.memberId = "nobody";
        req.protocolType = "consumer";
        req.protocolName = "range";
        SyncGroupResponse r = roundTrip(user, ApiKeys.SYNC_GROUP, (short) 5, req);
        check(r.errorCode);
    }

    static void heartbeat(String user, String group) throws Exception {
        HeartbeatRequest req = new HeartbeatRequest();
        req.groupId = group;
        req.memberId = "nobody";
        HeartbeatResponse r = roundTrip(user, ApiKeys.HEARTBEAT, (short) 4, req);
        check(r.errorCode);
    }

    static void leaveGroup(String user, String group) throws Exception {
        LeaveGroupRequest req = new LeaveGroupRequest();
        req.groupId = group;
        LeaveGroupRequest.Member m = new LeaveGroupRequest.Member();
        m.memberId = "nobody";
        req.members.add(m);
        LeaveGroupResponse r = roundTrip(user, ApiKeys.LEAVE_GROUP, (short) 5, req);
        check(r.errorCode);
        for (LeaveGroupResponse.Member rm : r.members) check(rm.errorCode);
    }

    static void consumerGroupHeartbeat(String user, String group) throws Exception {
        ConsumerGroupHeartbeatRequest req = new ConsumerGroupHeartbeatRequest();
        req.groupId = group;
        req.memberEpoch = 0;
        req.rebalanceTimeoutMs = 30_000;
        req.subscribedTopicNames = List.of(TOPIC);
        req.topicPartitions = List.of();
        ConsumerGroupHeartbeatResponse r = roundTrip(user, ApiKeys.CONSUMER_GROUP_HEARTBEAT, (short) 0, req);
        check(r.errorCode);
    }

    static void endTxn(String user, String txnId) throws Exception {
        EndTxnRequest req = new EndTxnRequest();
        req.transactionalId = txnId;
        req.producerId = 4242;
        req.producerEpoch = 0;
        req.committed = true;
        EndTxnResponse r = roundTrip(user, ApiKeys.END_TXN, (short) 4, req);
        check(r.errorCode);
    }

    static void writeTxnMarkers(String user) throws Exception {
        WriteTxnMarkersRequest req = new WriteTxnMarkersRequest();
        WriteTxnMarkersRequest.Marker m = new WriteTxnMarkersRequest.Marker();
        m.producerId = 4343;
        m.producerEpoch = 0;
        m.transactionResult = false;
        m.coordinatorEpoch = 0;
        WriteTxnMarkersRequest.Topic t = new WriteTxnMarkersRequest.Topic();
        t.name = TOPIC;
        t.partitionIndexes.add(0);
        m.topics.add(t);
        req.markers.add(m);
        WriteTxnMarkersResponse r = roundTrip(user, ApiKeys.WRITE_TXN_MARKERS, (short) 1, req);
        check(r.markers.get(0).topics.get(0).partitions.get(0).errorCode);
    }

    static void verifyTxn(String user) throws Exception {
        AddPartitionsToTxnRequest req = new AddPartitionsToTxnRequest();
        AddPartitionsToTxnRequest.Transaction tx = new AddPartitionsToTxnRequest.Transaction();
        tx.transactionalId = user + "-tx";
        tx.producerId = 4444;
        tx.producerEpoch = 0;
        tx.verifyOnly = true;
        AddPartitionsToTxnRequest.Topic t = new AddPartitionsToTxnRequest.Topic();
        t.name = TOPIC;
        t.partitions.add(0);
        tx.topics.add(t);
        req.transactions.add(tx);
        AddPartitionsToTxnResponse r = roundTrip(user, ApiKeys.ADD_PARTITIONS_TO_TXN, (short) 4, req);
        check(r.errorCode);
        // with CLUSTER_ACTION the verification is answered per partition; an unknown producer is not an authorization error
        for (AddPartitionsToTxnResponse.TransactionResult tr : r.resultsByTransaction) {
            for (AddPartitionsToTxnResponse.TopicResult top : tr.topicResults) {
                for (AddPartitionsToTxnResponse.PartitionResult pr : top.resultsByPartition) {
                    Errors e = Errors.forCode(pr.partitionErrorCode);
                    if (e.exception() instanceof org.apache.kafka.common.errors.AuthorizationException) check(pr.partitionErrorCode);
                }
            }
        }
    }
}
