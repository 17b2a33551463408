package io.runnel.it;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Node;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
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
 * Three combined nodes in this JVM: they form one cluster (one quorum, three registered brokers), and
 * metadata changes made through any node reach every node. Run in every client generation.
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
        if (includeFenced && Clients.kafkaMajor() >= 4) o.includeFencedBrokers(true);
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
}
