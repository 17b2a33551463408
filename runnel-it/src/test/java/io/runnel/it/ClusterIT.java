package io.runnel.it;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Node;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Nodes of one cluster in this JVM: three combined nodes form one cluster (one quorum, three registered
 * brokers) and topics created through any node reach every node (every client generation); forwarding of the
 * other metadata changes and DescribeQuorum (runnel-it's generation only); a
 * broker-only node follows as an observer, and an active controller cut off from the others by the
 * traffic seam ({@link QuorumLinks}) is replaced and catches up (runnel-it's generation only).
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ClusterIT {
    private static final Duration UP = Duration.ofSeconds(60);

    @TempDir
    Path dir;
    private ClusterHarness cluster;

    @AfterEach
    void tearDown() {
        if (cluster != null) cluster.close();
    }

    static Set<Integer> brokerIds(Admin admin, boolean includeFenced) throws Exception {
        DescribeClusterOptions o = new DescribeClusterOptions().timeoutMs(10_000);
        // includeFencedBrokers exists from kafka-clients 4.0 on; these sources also compile against 3.9
        if (includeFenced && Clients.kafkaMajor() >= 4) {
            DescribeClusterOptions.class.getMethod("includeFencedBrokers", boolean.class).invoke(o, true);
        }
        Collection<Node> nodes = admin.describeCluster(o).nodes().get(15, TimeUnit.SECONDS);
        return nodes.stream().map(Node::id).collect(Collectors.toSet());
    }

    @Test
    void threeNodesFormOneClusterAndTopicsCreatedThroughAnyNodeAppearOnAll() throws Exception {
        cluster = ClusterHarness.create(ClusterHarness.Mode.IN_PROCESS, dir, 3, Map.of()).startAll();
        for (int id = 1; id <= 3; id++) {
            try (Admin admin = Clients.admin(cluster.bootstrap(id))) {
                ClusterHarness.await(UP, "node sees three unfenced brokers", () -> {
                    try {
                        return brokerIds(admin, false).equals(Set.of(1, 2, 3));
                    } catch (Exception e) {
                        return false;
                    }
                });
                String cid = admin.describeCluster().clusterId().get(10, TimeUnit.SECONDS);
                assertThat(cid).isNotNull();
            }
        }
        // exactly one active controller, and every node names the same one
        int controller = cluster.controllerSeenBy(1);
        assertThat(controller).isBetween(1, 3);
        assertThat(cluster.controllerSeenBy(2)).isEqualTo(controller);
        assertThat(cluster.controllerSeenBy(3)).isEqualTo(controller);
        long active = cluster.runningNodes().stream().filter(id -> cluster.server(id).quorumNode().isActive()).count();
        assertThat(active).isEqualTo(1);

        for (int id = 1; id <= 3; id++) {
            try (Admin admin = Clients.admin(cluster.bootstrap(id))) {
                admin.createTopics(List.of(new NewTopic("via-" + id, 3, (short) 1))).all().get(30, TimeUnit.SECONDS);
            }
        }
        for (int id = 1; id <= 3; id++) {
            int node = id;
            ClusterHarness.await(Duration.ofSeconds(30), "node " + id + " has all three topics", () ->
                    cluster.server(node).controller().image().topics().keySet().containsAll(List.of("via-1", "via-2", "via-3")));
            try (Admin admin = Clients.admin(cluster.bootstrap(id))) {
                assertThat(admin.listTopics().names().get(10, TimeUnit.SECONDS)).contains("via-1", "via-2", "via-3");
            }
        }
        // replicas of the three-partition topics are spread over the live brokers
        Set<Integer> replicas = cluster.server(1).controller().image().topic("via-1").partitions().values().stream()
                .flatMap(p -> p.replicas().stream()).collect(Collectors.toSet());
        assertThat(replicas).containsExactlyInAnyOrder(1, 2, 3);
    }

    @Test
    // broker-side behaviour: one client generation (runnel-it's) is enough
    @EnabledIfSystemProperty(named = "it.kafka.clients.version", matches = "4\\.1\\..*")
    void anyNodeForwardsMetadataChangesAndDescribesTheQuorum() throws Exception {
        cluster = ClusterHarness.create(ClusterHarness.Mode.IN_PROCESS, dir, 3, Map.of()).startAll();
        try (Admin admin = Clients.admin(cluster.bootstrap())) {
            ClusterHarness.await(UP, "three unfenced brokers", () -> {
                try {
                    return brokerIds(admin, false).equals(Set.of(1, 2, 3));
                } catch (Exception e) {
                    return false;
                }
            });
            int active = cluster.controllerSeenBy(1);
            int other = active == 1 ? 2 : 1;
            // a producer bootstrapped on a node that is not the controller auto-creates its topic there
            try (var producer = Clients.producer(cluster.bootstrap(other))) {
                producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>("auto-" + other, new byte[]{1}))
                        .get(60, TimeUnit.SECONDS);
            }
            assertThat(admin.listTopics().names().get(10, TimeUnit.SECONDS)).contains("auto-" + other);
            // the controller API of a non-active node forwards, and answers once the change is applied here
            var results = cluster.server(other).controller()
                    .createTopics(List.of(io.runnel.metadata.NewTopic.of("forwarded", 4, 1)), false).get(30, TimeUnit.SECONDS);
            assertThat(results.get(0).error().isSuccess()).as("%s", results.get(0).error()).isTrue();
            assertThat(results.get(0).numPartitions()).isEqualTo(4);
            assertThat(cluster.server(other).controller().image().topic("forwarded")).isNotNull();
            var again = cluster.server(other).controller()
                    .createTopics(List.of(io.runnel.metadata.NewTopic.of("forwarded", 4, 1)), false).get(30, TimeUnit.SECONDS);
            assertThat(again.get(0).error().error()).isEqualTo(io.runnel.common.Errors.TOPIC_ALREADY_EXISTS);
            // AlterUserScramCredentials through a node that is not the controller; every node then describes it
            try (Admin viaOther = Clients.admin(cluster.bootstrap(other))) {
                viaOther.alterUserScramCredentials(List.of(new org.apache.kafka.clients.admin.UserScramCredentialUpsertion("scram-user",
                        new org.apache.kafka.clients.admin.ScramCredentialInfo(org.apache.kafka.clients.admin.ScramMechanism.SCRAM_SHA_256, 4096),
                        "pw"))).all().get(30, TimeUnit.SECONDS);
            }
            for (int node = 1; node <= 3; node++) {
                try (Admin on = Clients.admin(cluster.bootstrap(node))) {
                    ClusterHarness.await(Duration.ofSeconds(30), "node " + node + " describes scram-user", () -> {
                        try {
                            return on.describeUserScramCredentials().users().get(10, TimeUnit.SECONDS).contains("scram-user");
                        } catch (Exception e) {
                            return false;
                        }
                    });
                }
            }

            // AlterClientQuotas through a node that is not the controller (forwarded); every node then describes it
            org.apache.kafka.common.quota.ClientQuotaEntity quotaEntity = new org.apache.kafka.common.quota.ClientQuotaEntity(
                    Map.of(org.apache.kafka.common.quota.ClientQuotaEntity.CLIENT_ID, "forwarded-quota"));
            try (Admin viaOther = Clients.admin(cluster.bootstrap(other))) {
                viaOther.alterClientQuotas(List.of(new org.apache.kafka.common.quota.ClientQuotaAlteration(quotaEntity,
                        List.of(new org.apache.kafka.common.quota.ClientQuotaAlteration.Op("producer_byte_rate", 4096.0)))))
                        .all().get(30, TimeUnit.SECONDS);
            }
            for (int node = 1; node <= 3; node++) {
                try (Admin on = Clients.admin(cluster.bootstrap(node))) {
                    ClusterHarness.await(Duration.ofSeconds(30), "node " + node + " describes the forwarded quota", () -> {
                        try {
                            return Map.of("producer_byte_rate", 4096.0).equals(on.describeClientQuotas(
                                    org.apache.kafka.common.quota.ClientQuotaFilter.all()).entities().get(10, TimeUnit.SECONDS).get(quotaEntity));
                        } catch (Exception e) {
                            return false;
                        }
                    });
                }
            }
            // ACLs created and deleted through the controller API of a node that is not the controller (ForwardedOperations
            // kinds 21, 22): every node's image has them, then none has
            io.runnel.metadata.AclBinding acl = new io.runnel.metadata.AclBinding(io.runnel.metadata.AclBinding.RESOURCE_TOPIC,
                    "fwd-", io.runnel.metadata.AclBinding.PATTERN_PREFIXED, "User:fwd", "*", io.runnel.metadata.AclBinding.OP_WRITE,
                    io.runnel.metadata.AclBinding.ALLOW);
            assertThat(cluster.server(other).controller().createAcls(List.of(acl)).get(30, TimeUnit.SECONDS))
                    .containsExactly(io.runnel.metadata.ApiError.NONE);
            for (int node = 1; node <= 3; node++) {
                int n = node;
                ClusterHarness.await(Duration.ofSeconds(30), "node " + n + " has the ACL",
                        () -> cluster.server(n).controller().image().acls().containsValue(acl));
            }
            var deleted = cluster.server(other).controller().deleteAcls(List.of(new io.runnel.metadata.AclFilter(
                    io.runnel.metadata.AclBinding.RESOURCE_ANY, null, io.runnel.metadata.AclBinding.PATTERN_ANY, "User:fwd", null,
                    io.runnel.metadata.AclBinding.OP_ANY, io.runnel.metadata.AclBinding.PERMISSION_ANY))).get(30, TimeUnit.SECONDS);
            assertThat(deleted.get(0).deleted()).containsExactly(acl);
            assertThat(cluster.server(other).controller().image().acls()).isEmpty();

            // UpdateFeatures through a node that is not the controller (ForwardedOperations kind 24): every node then
            // describes the new finalized level
            try (Admin viaOther = Clients.admin(cluster.bootstrap(other))) {
                viaOther.updateFeatures(Map.of("transaction.version", new org.apache.kafka.clients.admin.FeatureUpdate((short) 1,
                                org.apache.kafka.clients.admin.FeatureUpdate.UpgradeType.SAFE_DOWNGRADE)),
                        new org.apache.kafka.clients.admin.UpdateFeaturesOptions()).all().get(30, TimeUnit.SECONDS);
            }
            for (int node = 1; node <= 3; node++) {
                try (Admin on = Clients.admin(cluster.bootstrap(node))) {
                    ClusterHarness.await(Duration.ofSeconds(30), "node " + node + " finalizes transaction.version 1", () -> {
                        try {
                            var f = on.describeFeatures().featureMetadata().get(10, TimeUnit.SECONDS).finalizedFeatures().get("transaction.version");
                            return f != null && f.maxVersionLevel() == 1;
                        } catch (Exception e) {
                            return false;
                        }
                    });
                }
            }

            org.apache.kafka.clients.admin.QuorumInfo q = admin.describeMetadataQuorum().quorumInfo().get(30, TimeUnit.SECONDS);
            assertThat(q.leaderId()).isEqualTo(active);
            assertThat(q.voters()).extracting(org.apache.kafka.clients.admin.QuorumInfo.ReplicaState::replicaId)
                    .containsExactlyInAnyOrder(1, 2, 3);
            assertThat(q.highWatermark()).isPositive();
            assertThat(q.leaderEpoch()).isPositive();
            ClusterHarness.await(Duration.ofSeconds(30), "every voter caught up", () -> {
                try {
                    org.apache.kafka.clients.admin.QuorumInfo now = admin.describeMetadataQuorum().quorumInfo().get(10, TimeUnit.SECONDS);
                    return now.voters().stream().allMatch(v -> v.logEndOffset() == now.highWatermark()
                            && v.lastCaughtUpTimestamp().isPresent());
                } catch (Exception e) {
                    return false;
                }
            });

            // UnregisterBroker of a stopped broker, through any node: its registration is gone everywhere
            int third = 6 - active - other;
            cluster.stop(third);
            try (Admin viaOther = Clients.admin(cluster.bootstrap(other))) {
                viaOther.unregisterBroker(third).all().get(30, TimeUnit.SECONDS);
                for (int id : List.of(active, other)) {
                    int node = id;
                    ClusterHarness.await(Duration.ofSeconds(30), "node " + id + " forgot broker " + third,
                            () -> cluster.server(node).controller().image().broker(third) == null);
                }
                Throwable unknown = org.assertj.core.api.Assertions.catchThrowable(
                        () -> viaOther.unregisterBroker(third).all().get(30, TimeUnit.SECONDS));
                assertThat(unknown).hasCauseInstanceOf(org.apache.kafka.common.errors.BrokerIdNotRegisteredException.class);
            }
        }
    }

    @Test
    // broker-side behaviour: one client generation (runnel-it's) is enough
    @EnabledIfSystemProperty(named = "it.kafka.clients.version", matches = "4\\.1\\..*")
    void aBrokerOnlyNodeFollowsTheLogAsAnObserverAndServes() throws Exception {
        cluster = ClusterHarness.create(ClusterHarness.Mode.IN_PROCESS, dir, 3, 1, Map.of()).startAll();
        try (Admin admin = Clients.admin(cluster.bootstrap(4))) {
            ClusterHarness.await(UP, "four unfenced brokers", () -> {
                try {
                    return brokerIds(admin, false).equals(Set.of(1, 2, 3, 4));
                } catch (Exception e) {
                    return false;
                }
            });
            admin.createTopics(List.of(new NewTopic("via-observer", 8, (short) 1))).all().get(30, TimeUnit.SECONDS);
            ClusterHarness.await(Duration.ofSeconds(30), "the observer applied the topic", () ->
                    cluster.server(4).controller().image().topic("via-observer") != null);
            // the observer hosts some of the partitions, and is no voter
            assertThat(cluster.server(4).controller().image().topic("via-observer").partitions().values())
                    .anyMatch(p -> p.replicas().contains(4));
            org.apache.kafka.clients.admin.QuorumInfo q = admin.describeMetadataQuorum().quorumInfo().get(30, TimeUnit.SECONDS);
            assertThat(q.voters()).extracting(org.apache.kafka.clients.admin.QuorumInfo.ReplicaState::replicaId)
                    .containsExactlyInAnyOrder(1, 2, 3);
            assertThat(q.observers()).extracting(org.apache.kafka.clients.admin.QuorumInfo.ReplicaState::replicaId)
                    .containsExactly(4);
        }
        // restarted, the observer listens where the quorum knows it and catches up again (it is unfenced only then)
        cluster.stop(4);
        cluster.start(4);
        try (Admin admin = Clients.admin(cluster.bootstrap(1))) {
            admin.createTopics(List.of(new NewTopic("after-restart", 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            ClusterHarness.await(UP, "the restarted observer applies new changes", () ->
                    cluster.server(4).controller().image().topic("after-restart") != null);
            ClusterHarness.await(UP, "the restarted observer is unfenced", () -> {
                try {
                    return brokerIds(admin, false).equals(Set.of(1, 2, 3, 4));
                } catch (Exception e) {
                    return false;
                }
            });
        }
    }

    @Test
    // broker-side behaviour: one client generation (runnel-it's) is enough
    @EnabledIfSystemProperty(named = "it.kafka.clients.version", matches = "4\\.1\\..*")
    void anActiveControllerCutOffFromTheOthersIsReplacedAndCatchesUpWhenTheLinksHeal() throws Exception {
        cluster = ClusterHarness.create(ClusterHarness.Mode.IN_PROCESS, dir, 3, Map.of()).startAll();
        ClusterHarness.await(UP, "an active controller", () -> activeNodes().size() == 1);
        ClusterHarness.await(UP, "three unfenced brokers", () -> cluster.server(1).controller().image().brokers().values()
                .stream().filter(b -> !b.fenced()).count() == 3);
        int old = activeNodes().get(0);
        long oldTerm = cluster.server(old).quorumNode().status().term();
        cluster.isolate(old);
        long t0 = System.nanoTime();
        ClusterHarness.await(Duration.ofSeconds(30), "another node becomes the active controller",
                () -> activeNodes().stream().anyMatch(id -> id != old));
        System.out.println("[cluster] isolated active controller replaced after " + (System.nanoTime() - t0) / 1_000_000 + " ms");
        int next = activeNodes().stream().filter(id -> id != old).findFirst().orElseThrow();
        assertThat(cluster.server(next).quorumNode().status().term()).isGreaterThan(oldTerm);
        // the majority side keeps accepting metadata changes, through either of its nodes
        int third = 6 - old - next;
        // (retried on NOT_CONTROLLER, as Kafka clients do: the election may still be settling)
        ClusterHarness.await(Duration.ofSeconds(60), "a creation through node " + third + " on the majority side", () -> {
            try {
                var created = cluster.server(third).controller()
                        .createTopics(List.of(io.runnel.metadata.NewTopic.of("during-partition", 2, 1)), false).get(30, TimeUnit.SECONDS);
                var e = created.get(0).error().error();
                if (e == io.runnel.common.Errors.NOT_CONTROLLER) return false;
                assertThat(e).isIn(io.runnel.common.Errors.NONE, io.runnel.common.Errors.TOPIC_ALREADY_EXISTS);
                return true;
            } catch (InterruptedException | java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                return false;
            }
        });
        // the cut-off node cannot have committed anything meanwhile: it never sees the new topic until healed
        assertThat(cluster.server(old).controller().image().topic("during-partition")).isNull();

        cluster.heal();
        ClusterHarness.await(Duration.ofSeconds(60), "the old controller catches up", () ->
                cluster.server(old).controller().image().topic("during-partition") != null);
        ClusterHarness.await(Duration.ofSeconds(30), "exactly one active controller", () -> activeNodes().size() == 1);
        // every node's image is the same at the same offset
        ClusterHarness.await(Duration.ofSeconds(30), "equal images", () -> {
            var a = cluster.server(1).controller().image();
            return a.equals(cluster.server(2).controller().image()) && a.equals(cluster.server(3).controller().image());
        });
    }

    private List<Integer> activeNodes() {
        return cluster.runningNodes().stream().filter(id -> cluster.server(id).quorumNode().isActive()).toList();
    }

    @Test
    @EnabledIfSystemProperty(named = "it.kafka.clients.version", matches = "4\\.1\\..*")
    void theOffsetsTopicsReplicationFactorIsAppliedStrictlyInACluster() throws Exception {
        // two brokers, Kafka's default offsets.topic.replication.factor=3: as in Kafka, no offsets topic
        cluster = ClusterHarness.create(ClusterHarness.Mode.IN_PROCESS, dir, 2, Map.of()).startAll();
        ClusterHarness.await(UP, "two unfenced brokers", () -> cluster.server(1).controller().image().brokers().values()
                .stream().filter(b -> !b.fenced()).count() == 2);
        try (Admin admin = Clients.admin(cluster.bootstrap())) {
            var f = admin.listConsumerGroupOffsets("g").partitionsToOffsetAndMetadata();
            assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> f.get(5, TimeUnit.SECONDS))).isNotNull();
        }
        assertThat(cluster.server(1).controller().image().topic("__consumer_offsets")).isNull();
        assertThat(cluster.server(2).controller().image().topic("__consumer_offsets")).isNull();
    }
}
