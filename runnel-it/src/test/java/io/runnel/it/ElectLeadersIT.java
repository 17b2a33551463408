package io.runnel.it;

import io.runnel.metadata.PartitionState;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ElectionNotNeededException;
import org.apache.kafka.common.errors.PreferredLeaderNotAvailableException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * ElectLeaders through kafka-clients' Admin.electLeaders: every answer on a single node, and preferred
 * elections that move leadership back in a cluster once the preferred replica is in sync again (the ISR follows
 * the followers' fetches). Unclean elections of leaderless partitions are PartitionControlTest's.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ElectLeadersIT {
    @TempDir
    Path dir;
    private ClusterHarness cluster;

    @AfterEach
    void tearDown() {
        if (cluster != null) cluster.close();
    }

    private static Map<TopicPartition, Optional<Throwable>> elect(Admin a, ElectionType type, Set<TopicPartition> tps) throws Exception {
        return a.electLeaders(type, tps).partitions().get(30, TimeUnit.SECONDS);
    }

    @Test
    void onASingleNodeEveryPartitionAlreadyHasItsPreferredLeader() throws Exception {
        try (TestBroker b = TestBroker.start(dir.resolve("single")); Admin a = Clients.admin(b.bootstrap())) {
            b.createTopic("one", 2);
            TopicPartition p0 = new TopicPartition("one", 0);
            TopicPartition missing = new TopicPartition("one", 9);
            Map<TopicPartition, Optional<Throwable>> r = elect(a, ElectionType.PREFERRED, Set.of(p0, missing));
            assertThat(r.get(p0)).containsInstanceOf(ElectionNotNeededException.class);
            assertThat(r.get(missing)).containsInstanceOf(UnknownTopicOrPartitionException.class);
            assertThat(elect(a, ElectionType.UNCLEAN, Set.of(p0)).get(p0)).containsInstanceOf(ElectionNotNeededException.class);
            // all partitions: those that needed no election are left out
            assertThat(elect(a, ElectionType.PREFERRED, null)).isEmpty();
        }
    }

    @Test
    @EnabledIfSystemProperty(named = "it.kafka.clients.version", matches = "4\\.1\\..*")
    void preferredElectionsMoveLeadershipBackOnceTheReplicaIsInSync() throws Exception {
        cluster = ClusterHarness.create(ClusterHarness.Mode.IN_PROCESS, dir, 3, Map.of()).startAll();
        try (Admin admin = Clients.admin(cluster.bootstrap())) {
            ClusterHarness.await(Duration.ofSeconds(60), "three unfenced brokers", () -> unfenced(admin, Set.of(1, 2, 3)));
            int active = cluster.controllerSeenBy(1);
            // neither replica is the active controller, so stopping one never waits for a quorum election
            int x = active == 1 ? 2 : 1;
            int y = 6 - active - x;
            admin.createTopics(List.of(new NewTopic("elect", Map.of(0, List.of(x, y))))).all().get(30, TimeUnit.SECONDS);
            TopicPartition tp = new TopicPartition("elect", 0);
            ClusterHarness.await(Duration.ofSeconds(30), "both replicas in sync", () -> partition(active).isr().size() == 2);

            cluster.stop(x); // a controlled shutdown: y leads, x leaves the ISR
            ClusterHarness.await(Duration.ofSeconds(30), "y leads", () -> partition(active).leader() == y);
            assertThat(elect(admin, ElectionType.PREFERRED, Set.of(tp)).get(tp))
                    .as("x is not live").containsInstanceOf(PreferredLeaderNotAvailableException.class);
            assertThat(elect(admin, ElectionType.UNCLEAN, Set.of(tp)).get(tp))
                    .as("the partition has a leader").containsInstanceOf(ElectionNotNeededException.class);
            cluster.start(x);
            // x's fetcher catches up and y, the leader, takes it back into the ISR
            ClusterHarness.await(Duration.ofSeconds(60), "x back in the ISR", () -> partition(active).isr().contains(x));
            assertThat(elect(admin, ElectionType.PREFERRED, Set.of(tp)).get(tp)).isEmpty();
            awaitLeaderSeenByClients(admin, x);
            assertThat(elect(admin, ElectionType.PREFERRED, Set.of(tp)).get(tp)).containsInstanceOf(ElectionNotNeededException.class);
        }
    }

    private PartitionState partition(int node) {
        return cluster.server(node).controller().image().topic("elect").partition(0);
    }

    private static void awaitLeaderSeenByClients(Admin admin, int leader) {
        ClusterHarness.await(Duration.ofSeconds(30), "Metadata names leader " + leader, () -> {
            try {
                var d = admin.describeTopics(List.of("elect")).allTopicNames().get(10, TimeUnit.SECONDS).get("elect");
                var l = d.partitions().get(0).leader();
                return l != null && l.id() == leader;
            } catch (Exception e) {
                return false;
            }
        });
    }

    private static boolean unfenced(Admin admin, Set<Integer> ids) {
        try {
            return ClusterIT.brokerIds(admin, false).equals(ids);
        } catch (Exception e) {
            return false;
        }
    }
}
