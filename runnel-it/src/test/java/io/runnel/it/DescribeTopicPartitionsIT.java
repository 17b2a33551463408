package io.runnel.it;

import io.runnel.common.Errors;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.DescribeTopicPartitionsRequest;
import io.runnel.protocol.message.DescribeTopicPartitionsResponse;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * DescribeTopicPartitions (API 75): raw frames for the fields and the cursor paging, kafka-clients'
 * Admin.describeTopics (which uses the API when the broker advertises it), and a cluster whose ISR shrinks
 * below min.insync.replicas showing the eligible leader replica through Admin.describeTopics. Only
 * DescribeTopicPartitions carries the ELR (Metadata has no such field), so a non-empty
 * {@code TopicPartitionInfo.elr()} proves the client used it (kafka-clients 3.9, 4.1 and 4.4 all have it and
 * use the API).
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class DescribeTopicPartitionsIT {
    private static final short V0 = 0;

    @TempDir
    Path dir;
    private ClusterHarness cluster;

    @AfterEach
    void tearDown() {
        if (cluster != null) cluster.close();
    }

    private static DescribeTopicPartitionsResponse describe(RawClient c, int limit, DescribeTopicPartitionsRequest.Cursor cursor,
                                                            String... names) throws Exception {
        DescribeTopicPartitionsRequest req = new DescribeTopicPartitionsRequest();
        for (String n : names) {
            DescribeTopicPartitionsRequest.TopicRequest t = new DescribeTopicPartitionsRequest.TopicRequest();
            t.name = n;
            req.topics.add(t);
        }
        req.responsePartitionLimit = limit;
        req.cursor = cursor;
        c.send(ApiKeys.DESCRIBE_TOPIC_PARTITIONS, V0, 7, req);
        return c.<DescribeTopicPartitionsResponse>receive(ApiKeys.DESCRIBE_TOPIC_PARTITIONS, V0).body();
    }

    private static List<String> partitions(DescribeTopicPartitionsResponse r) {
        return r.topics.stream().flatMap(t -> t.partitions.stream().map(p -> t.name + "-" + p.partitionIndex)).toList();
    }

    @Test
    void everyTopicOrTheNamedOnesArePagedByTheCursor() throws Exception {
        try (TestBroker b = TestBroker.start(dir.resolve("single")); RawClient c = new RawClient(b.port())) {
            b.createTopic("beta", 2);
            b.createTopic("alpha", 3);
            DescribeTopicPartitionsResponse first = describe(c, 4, null);
            assertThat(partitions(first)).containsExactly("alpha-0", "alpha-1", "alpha-2", "beta-0");
            assertThat(first.nextCursor).isNotNull();
            assertThat(first.nextCursor.topicName).isEqualTo("beta");
            assertThat(first.nextCursor.partitionIndex).isEqualTo(1);
            DescribeTopicPartitionsResponse.Partition p = first.topics.get(0).partitions.get(0);
            assertThat(p.leaderId).isGreaterThanOrEqualTo(0);
            assertThat(p.leaderEpoch).isEqualTo(0);
            assertThat(p.replicaNodes).containsExactly(p.leaderId);
            assertThat(p.isrNodes).containsExactly(p.leaderId);
            assertThat(p.eligibleLeaderReplicas).isEmpty();
            assertThat(p.lastKnownElr).isEmpty();
            assertThat(p.offlineReplicas).isEmpty();
            assertThat(first.topics.get(0).topicId).isNotNull();
            assertThat(first.topics.get(0).topicAuthorizedOperations).isNotEqualTo(Integer.MIN_VALUE);

            DescribeTopicPartitionsRequest.Cursor next = new DescribeTopicPartitionsRequest.Cursor();
            next.topicName = first.nextCursor.topicName;
            next.partitionIndex = first.nextCursor.partitionIndex;
            DescribeTopicPartitionsResponse second = describe(c, 4, next);
            assertThat(partitions(second)).containsExactly("beta-1");
            assertThat(second.nextCursor).isNull();

            // named topics, in name order, unknown and invalid names answered with their errors
            DescribeTopicPartitionsResponse named = describe(c, 2000, null, "beta", "missing", "bad/name");
            assertThat(named.topics).extracting(t -> t.name).containsExactly("bad/name", "beta", "missing");
            assertThat(named.topics.get(0).errorCode).isEqualTo(Errors.INVALID_TOPIC_EXCEPTION.code());
            assertThat(named.topics.get(1).partitions).hasSize(2);
            assertThat(named.topics.get(2).errorCode).isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
        }
    }

    @Test
    void adminDescribeTopicsAnswersEveryPartition() throws Exception {
        try (TestBroker b = TestBroker.start(dir.resolve("admin")); Admin a = Clients.admin(b.bootstrap())) {
            b.createTopic("many", 7);
            TopicDescription d = a.describeTopics(List.of("many")).allTopicNames().get(30, TimeUnit.SECONDS).get("many");
            assertThat(d.partitions()).extracting(TopicPartitionInfo::partition).containsExactly(0, 1, 2, 3, 4, 5, 6);
            assertThat(d.partitions().get(3).leader()).isNotNull();
            assertThat(d.partitions().get(3).isr()).containsExactly(d.partitions().get(3).leader());
            assertThat(d.partitions().get(3).elr()).isEmpty();
            assertThat(d.partitions().get(3).lastKnownElr()).isEmpty();
        }
    }

    @Test
    void anIsrBelowMinIsrShowsItsEligibleLeaderReplicaThroughAdminDescribeTopics() throws Exception {
        cluster = ClusterHarness.create(ClusterHarness.Mode.IN_PROCESS, dir, 3, Map.of()).startAll();
        try (Admin admin = Clients.admin(cluster.bootstrap())) {
            ClusterHarness.await(Duration.ofSeconds(60), "three unfenced brokers", () -> {
                try {
                    return ClusterIT.brokerIds(admin, false).size() == 3;
                } catch (Exception e) {
                    return false;
                }
            });
            int active = cluster.controllerSeenBy(1);
            int z = active == 3 ? 2 : 3; // not the active controller: stopping it needs no quorum election
            admin.createTopics(List.of(new NewTopic("elr", 1, (short) 3)
                    .configs(Map.of("min.insync.replicas", "3")))).all().get(30, TimeUnit.SECONDS);
            ClusterHarness.await(Duration.ofSeconds(30), "every replica in sync", () -> isr(admin).size() == 3);
            cluster.stop(z); // fenced: the ISR shrinks to 2 < min ISR 3, so z becomes an eligible leader replica
            // asked through a fresh Admin each time, bootstrapped to a live node: an Admin that knew z may keep sending
            // to it after it is gone (kafka-clients 3.9 retried a dead node for over a minute here)
            TopicPartitionInfo[] seen = {null};
            ClusterHarness.await(Duration.ofSeconds(60), "z in the ELR seen through Admin.describeTopics", () -> {
                seen[0] = freshInfo(cluster.bootstrap(active));
                return seen[0] != null && ids(seen[0].isr()).size() == 2 && List.of(z).equals(elr(seen[0]));
            });
            TopicPartitionInfo p = seen[0];
            assertThat(ids(p.isr())).hasSize(2).doesNotContain(z);
            assertThat(elr(p)).containsExactly(z);
            assertThat(p.lastKnownElr()).isEmpty();
            assertThat(p.replicas()).extracting(Node::id).contains(z);

            // ./runnel topics --describe shows it as kafka-topics.sh does (the node asked may apply the change a little later)
            String columns = "\tElr: " + z + "\tLastKnownElr: ";
            String[] described = {""};
            try {
                ClusterHarness.await(Duration.ofSeconds(30), "the CLI's Elr column names " + z, () -> {
                    try {
                        described[0] = cli("topics", "--describe", "--topic", "elr", "--bootstrap-server", cluster.bootstrap(active));
                    } catch (AssertionError e) {
                        described[0] = e.getMessage();
                        return false;
                    }
                    return described[0].contains(columns);
                });
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "; last output:\n" + described[0], e);
            }
            String line = described[0].lines().filter(l -> l.contains("Partition: 0")).findFirst().orElseThrow();
            assertThat(line).startsWith("\tTopic: elr\tPartition: 0\tLeader: ")
                    .matches("\tTopic: elr\tPartition: 0\tLeader: \\d+\tReplicas: [0-9,]+\tIsr: \\d+,\\d+\tElr: " + z
                            + "\tLastKnownElr: (\t.*)?");
        }
    }

    /** Runs the CLI in this JVM; returns stdout after asserting exit 0. */
    private static String cli(String... args) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        int rc = io.runnel.cli.CliMain.run(new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8),
                new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8), args);
        String o = out.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertThat(rc).as("runnel %s: exit code%n--- stdout%n%s--- stderr%n%s", List.of(args), o,
                err.toString(java.nio.charset.StandardCharsets.UTF_8)).isZero();
        return o;
    }

    private static TopicPartitionInfo info(Admin admin) {
        try {
            return admin.describeTopics(List.of("elr")).allTopicNames().get(10, TimeUnit.SECONDS).get("elr").partitions().get(0);
        } catch (Exception e) {
            return null;
        }
    }

    /** The partition as a new Admin bootstrapped to {@code bootstrap} describes it, or null if it did not answer in 5 s. */
    private static TopicPartitionInfo freshInfo(String bootstrap) {
        Admin a = Clients.admin(bootstrap);
        try {
            return a.describeTopics(List.of("elr")).allTopicNames().get(5, TimeUnit.SECONDS).get("elr").partitions().get(0);
        } catch (Exception e) {
            return null;
        } finally {
            a.close(Duration.ofSeconds(1));
        }
    }

    private static List<Integer> isr(Admin admin) {
        TopicPartitionInfo p = info(admin);
        return p == null ? List.of() : ids(p.isr());
    }

    private static List<Integer> ids(List<Node> nodes) {
        return nodes.stream().map(n -> n == null ? -1 : n.id()).toList();
    }

    private static List<Integer> elr(TopicPartitionInfo p) {
        return ids(p.elr());
    }
}
