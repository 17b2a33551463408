package io.runnel.it;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.TopicExistsException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Three combined nodes as separate processes: kill -9 of the active controller during topic creations,
 * a killed broker fenced after its session timeout (liveness probe off) and unfenced after a restart, SIGTERM as a controlled
 * shutdown, a wiped controller that rejoins from a snapshot, and the traffic seam of process nodes (the harness'
 * link faults file): an active controller cut off on every path is replaced and catches up once healed, and a
 * delayed Raft link still carries the quorum. The broker side is what is tested, so
 * these slow tests run in one client generation (runnel-it's).
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
@EnabledIfSystemProperty(named = "it.kafka.clients.version", matches = "4\\.1\\..*")
class ClusterProcessIT {
    private static final Duration UP = Duration.ofSeconds(90);
    private static final int SESSION_TIMEOUT_MS = 4000;

    @TempDir
    Path dir;
    private ClusterHarness cluster;

    @AfterEach
    void tearDown() {
        if (cluster != null) cluster.close();
    }

    private ClusterHarness start(Map<String, String> extra) {
        Map<String, String> c = new HashMap<>(Map.of("broker.session.timeout.ms", Integer.toString(SESSION_TIMEOUT_MS),
                "broker.heartbeat.interval.ms", "500"));
        c.putAll(extra);
        long t0 = System.nanoTime();
        cluster = ClusterHarness.create(ClusterHarness.Mode.PROCESS, dir, 3, c).startAll();
        awaitUnfenced(Set.of(1, 2, 3));
        System.out.println("[cluster] three node processes launched to three unfenced brokers: "
                + (System.nanoTime() - t0) / 1_000_000 + " ms");
        return cluster;
    }

    private Admin admin() {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap());
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "60000");
        return Admin.create(p);
    }

    private void awaitUnfenced(Set<Integer> ids) {
        ClusterHarness.await(UP, "unfenced brokers " + ids, () -> {
            try (Admin a = admin()) {
                return ClusterIT.brokerIds(a, false).equals(ids);
            } catch (Exception e) {
                return false;
            }
        });
    }

    private int activeController() {
        for (int id : cluster.runningNodes()) {
            int c = cluster.controllerSeenBy(id);
            if (c > 0) return c;
        }
        return -1;
    }

    /** Creates a topic; true when acknowledged (also as TOPIC_ALREADY_EXISTS after a retry), false on any other failure. */
    private static boolean create(Admin admin, String name, int partitions) throws InterruptedException {
        try {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get(60, TimeUnit.SECONDS);
            return true;
        } catch (ExecutionException e) {
            return e.getCause() instanceof TopicExistsException;
        } catch (java.util.concurrent.TimeoutException e) {
            return false;
        }
    }

    @Test
    void killingTheActiveControllerDuringCreationsElectsAnotherAndLosesNoAcknowledgedTopic() throws Exception {
        start(Map.of());
        int victim = activeController();
        assertThat(victim).isBetween(1, 3);
        List<String> acknowledged = new ArrayList<>();
        long killedAt = 0;
        long recoveredAfterMs = -1;
        try (Admin admin = admin()) {
            for (int i = 0; i < 30; i++) {
                if (i == 10) {
                    cluster.kill(victim);
                    killedAt = System.nanoTime();
                }
                String name = "burst-" + i;
                boolean ok = create(admin, name, 2);
                if (ok) acknowledged.add(name);
                if (ok && killedAt != 0 && recoveredAfterMs < 0) recoveredAfterMs = (System.nanoTime() - killedAt) / 1_000_000;
            }
        }
        System.out.println("[cluster] kill -9 of the active controller to the next acknowledged CreateTopics: " + recoveredAfterMs + " ms");
        assertThat(recoveredAfterMs).as("a new controller within seconds").isBetween(0L, 20_000L);
        assertThat(acknowledged).hasSizeGreaterThanOrEqualTo(25);
        int next = activeController();
        assertThat(next).isNotEqualTo(victim).isBetween(1, 3);

        cluster.start(victim);
        awaitUnfenced(Set.of(1, 2, 3));
        Map<String, org.apache.kafka.common.Uuid> ids = null;
        for (int id = 1; id <= 3; id++) {
            int node = id;
            try (Admin a = Clients.admin(cluster.bootstrap(node))) {
                ClusterHarness.await(Duration.ofSeconds(30), "node " + node + " has every acknowledged topic", () -> {
                    try {
                        return a.listTopics().names().get(10, TimeUnit.SECONDS).containsAll(acknowledged);
                    } catch (Exception e) {
                        return false;
                    }
                });
                Map<String, TopicDescription> d = a.describeTopics(acknowledged).allTopicNames().get(30, TimeUnit.SECONDS);
                Map<String, org.apache.kafka.common.Uuid> here = new HashMap<>();
                for (TopicDescription t : d.values()) {
                    assertThat(t.partitions()).hasSize(2);
                    here.put(t.name(), t.topicId());
                }
                // the same topic (same id) on every node: created once
                if (ids == null) ids = here;
                else assertThat(here).isEqualTo(ids);
            }
        }
    }

    @Test
    void aKilledBrokerIsFencedAfterTheSessionTimeoutAndUnfencedAfterItsRestart() throws Exception {
        // Kafka's rule: session expiry only (with the liveness probe on, BrokerLivenessProbeIT, it is fenced sooner)
        start(Map.of("broker.liveness.probe.enable", "false"));
        int controller = activeController();
        int victim = controller == 3 ? 2 : 3;
        cluster.kill(victim);
        long killed = System.nanoTime();
        awaitUnfenced(Set.of(1, 2, 3).stream().filter(i -> i != victim).collect(java.util.stream.Collectors.toSet()));
        long fencedAfterMs = (System.nanoTime() - killed) / 1_000_000;
        System.out.println("[cluster] killed broker fenced after " + fencedAfterMs + " ms (session timeout " + SESSION_TIMEOUT_MS + " ms)");
        // its last heartbeat was at most one interval (500 ms) before the kill
        assertThat(fencedAfterMs).isGreaterThanOrEqualTo(SESSION_TIMEOUT_MS - 600L);
        try (Admin a = admin()) {
            if (Clients.kafkaMajor() >= 4) assertThat(ClusterIT.brokerIds(a, true)).contains(victim);
        }
        cluster.start(victim);
        awaitUnfenced(Set.of(1, 2, 3));
        assertThat(cluster.log(victim)).contains("Broker " + victim + " is unfenced");
    }

    @Test
    void sigtermIsAControlledShutdownThatMovesLeadershipAway() throws Exception {
        start(Map.of());
        int controller = activeController();
        int victim = controller == 1 ? 2 : 1;
        try (Admin a = admin()) {
            a.createTopics(List.of(new NewTopic("spread", 6, (short) 3))).all().get(60, TimeUnit.SECONDS);
            ClusterHarness.await(Duration.ofSeconds(30), "victim leads a partition", () -> {
                try {
                    return leaders(a, "spread").contains(victim);
                } catch (Exception e) {
                    return false;
                }
            });
            long t0 = System.nanoTime();
            assertThat(cluster.stop(victim)).isIn(0, 143); // 143: ended by SIGTERM
            long stopMs = (System.nanoTime() - t0) / 1_000_000;
            // right after the stop, well before a session timeout could have fenced it
            assertThat(ClusterIT.brokerIds(a, false)).doesNotContain(victim);
            assertThat(leaders(a, "spread")).doesNotContain(victim);
            System.out.println("[cluster] SIGTERM to exit of a broker (controlled shutdown): " + stopMs + " ms");
        }
        assertThat(cluster.log(victim)).contains("controlled shutdown accepted");
    }

    private static List<Integer> leaders(Admin a, String topic) throws Exception {
        TopicDescription d = a.describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS).get(topic);
        List<Integer> out = new ArrayList<>();
        for (TopicPartitionInfo p : d.partitions()) out.add(p.leader() == null ? -1 : p.leader().id());
        return out;
    }

    @Test
    void aWipedControllerRejoinsFromASnapshot() throws Exception {
        // small snapshot threshold: the log is purged behind snapshots, so the wiped node needs one
        start(Map.of("metadata.log.max.record.bytes.between.snapshots", "2000"));
        try (Admin a = admin()) {
            long t0 = System.nanoTime();
            for (int i = 0; i < 20; i++) assertThat(create(a, "before-wipe-" + i, 10)).isTrue();
            long ms = (System.nanoTime() - t0) / 1_000_000;
            System.out.println("[cluster] 20 topics of 10 partitions created one at a time in " + ms + " ms: "
                    + (20_000 / Math.max(1, ms)) + " topics/s");
        }
        int controller = activeController();
        int victim = controller == 3 ? 2 : 3;
        cluster.stop(victim);
        cluster.wipe(victim);
        cluster.start(victim);
        // the leader that knew the node's old log hands over (SIGTERM: it transfers leadership), so a
        // leader that starts from nothing brings the wiped node up to date with the snapshot
        cluster.stop(controller);
        cluster.start(controller);
        awaitUnfenced(Set.of(1, 2, 3));
        try (Admin a = Clients.admin(cluster.bootstrap(victim))) {
            ClusterHarness.await(Duration.ofSeconds(60), "the wiped node has every topic", () -> {
                try {
                    Set<String> names = a.listTopics().names().get(10, TimeUnit.SECONDS);
                    for (int i = 0; i < 20; i++) if (!names.contains("before-wipe-" + i)) return false;
                    return true;
                } catch (Exception e) {
                    return false;
                }
            });
        }
        assertThat(cluster.log(victim)).containsIgnoringCase("snapshot");
    }

    /** The topics node {@code id} itself knows (Metadata v12 for every topic on a connection to it alone). */
    private Set<String> topicsSeenBy(int id) throws Exception {
        try (RawClient c = new RawClient(cluster.port(id))) {
            io.runnel.protocol.message.MetadataRequest req = new io.runnel.protocol.message.MetadataRequest();
            req.topics = null;
            req.allowAutoTopicCreation = false;
            c.send(io.runnel.protocol.ApiKeys.METADATA, (short) 12, 1, req);
            io.runnel.protocol.message.MetadataResponse r = c.<io.runnel.protocol.message.MetadataResponse>receive(
                    io.runnel.protocol.ApiKeys.METADATA, (short) 12).body();
            Set<String> names = new java.util.TreeSet<>();
            for (io.runnel.protocol.message.MetadataResponse.Topic t : r.topics) names.add(t.name);
            return names;
        }
    }

    /** Creates {@code name} through {@code admin}, retrying until acknowledged (NOT_CONTROLLER during an election). */
    private static void createEventually(Admin admin, String name) {
        ClusterHarness.await(Duration.ofSeconds(60), "CreateTopics " + name + " acknowledged", () -> {
            try {
                return create(admin, name, 1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        });
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void anActiveControllerProcessCutOffOnEveryPathIsReplacedAndCatchesUpWhenHealed() throws Exception {
        start(Map.of());
        int old = activeController();
        assertThat(old).isBetween(1, 3);
        List<Integer> majority = new ArrayList<>(List.of(1, 2, 3));
        majority.remove(Integer.valueOf(old));
        // the seam of process nodes: every node rewrites its links from the harness' file
        cluster.isolateCompletely(old);
        long t0 = System.nanoTime();
        // the leader seen when the wait ends (asking again could catch the majority between two leaders)
        java.util.concurrent.atomic.AtomicInteger seen = new java.util.concurrent.atomic.AtomicInteger(-1);
        ClusterHarness.await(Duration.ofSeconds(30), "a new active controller among the majority", () -> {
            int leader = cluster.quorumLeaderSeenBy(majority.get(0));
            seen.set(leader);
            return leader > 0 && leader != old;
        });
        int next = seen.get();
        assertThat(majority).contains(next);
        int third = majority.get(0) == next ? majority.get(1) : majority.get(0);
        try (Admin a = Clients.admin(cluster.bootstrap(third))) {
            createEventually(a, "during-cut");
        }
        System.out.println("[cluster] process active controller cut off on every path; replaced and a CreateTopics acknowledged after "
                + (System.nanoTime() - t0) / 1_000_000 + " ms");
        assertThat(topicsSeenBy(next)).contains("during-cut");
        // the cut-off node cannot have it: nothing reaches it from the majority
        assertThat(topicsSeenBy(old)).doesNotContain("during-cut");

        cluster.heal();
        ClusterHarness.await(Duration.ofSeconds(60), "the old controller catches up", () -> {
            try {
                return topicsSeenBy(old).contains("during-cut");
            } catch (Exception e) {
                return false;
            }
        });
        ClusterHarness.await(Duration.ofSeconds(30), "every node knows the same topics", () -> {
            try {
                Set<String> one = topicsSeenBy(1);
                return one.equals(topicsSeenBy(2)) && one.equals(topicsSeenBy(3));
            } catch (Exception e) {
                return false;
            }
        });
        // the healed node serves the cluster again: a creation through it is acknowledged and seen everywhere
        try (Admin a = Clients.admin(cluster.bootstrap(old))) {
            createEventually(a, "after-heal");
        }
        for (int id = 1; id <= 3; id++) {
            int node = id;
            ClusterHarness.await(Duration.ofSeconds(30), "node " + id + " has after-heal", () -> {
                try {
                    return topicsSeenBy(node).contains("after-heal");
                } catch (Exception e) {
                    return false;
                }
            });
        }
        awaitUnfenced(Set.of(1, 2, 3));
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aDelayedLinkBetweenProcessesStillCarriesTheQuorum() throws Exception {
        start(Map.of());
        int controller = activeController();
        assertThat(controller).isBetween(1, 3);
        int follower = controller == 1 ? 2 : 1;
        cluster.delay(controller, follower, 200);
        assertThat(cluster.log(controller)).contains("delayed 200 ms");
        assertThat(cluster.log(follower)).contains("delayed 200 ms");
        try (Admin a = Clients.admin(cluster.bootstrap(follower))) {
            for (int i = 0; i < 5; i++) createEventually(a, "delayed-" + i);
        }
        for (int id = 1; id <= 3; id++) {
            int node = id;
            ClusterHarness.await(Duration.ofSeconds(30), "node " + id + " has every topic", () -> {
                try {
                    return topicsSeenBy(node).containsAll(List.of("delayed-0", "delayed-1", "delayed-2", "delayed-3", "delayed-4"));
                } catch (Exception e) {
                    return false;
                }
            });
        }
        cluster.heal();
    }
}
