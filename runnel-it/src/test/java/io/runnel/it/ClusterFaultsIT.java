package io.runnel.it;

import io.runnel.metadata.CreateTopicResult;
import io.runnel.metadata.MetadataImage;
import io.runnel.metadata.NewTopic;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A seeded sequence of faults against three nodes in this JVM: cut-off nodes, delayed links, clean
 * restarts, with topic creations through random nodes in between. Invariants: at most one active
 * controller per term (sampled throughout), every acknowledged topic present on every node with one
 * id, and every node's image equal once the faults stop. The seed is printed; {@code -Dcluster.seed=N}
 * replays the same fault sequence (the timing, real threads and sockets, is not replayed).
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
@EnabledIfSystemProperty(named = "it.kafka.clients.version", matches = "4\\.1\\..*")
class ClusterFaultsIT {
    private static final int STEPS = 8;

    @TempDir
    Path dir;
    private ClusterHarness cluster;

    @AfterEach
    void tearDown() {
        if (cluster != null) cluster.close();
    }

    @Test
    void seededFaultsKeepTheQuorumsInvariants() throws Exception {
        long seed = Long.getLong("cluster.seed", System.nanoTime());
        System.out.println("[cluster] ClusterFaultsIT seed " + seed + " (replay the fault sequence with -Dcluster.seed=" + seed + ")");
        Random random = new Random(seed);
        cluster = ClusterHarness.create(ClusterHarness.Mode.IN_PROCESS, dir, 3,
                Map.of("broker.session.timeout.ms", "4000", "broker.heartbeat.interval.ms", "500")).startAll();
        ClusterHarness.await(Duration.ofSeconds(60), "three unfenced brokers", () -> unfenced(1) == 3);

        Map<Long, Set<Integer>> activeByTerm = new ConcurrentHashMap<>();
        AtomicBoolean sampling = new AtomicBoolean(true);
        Thread sampler = new Thread(() -> {
            while (sampling.get()) {
                for (int id : cluster.runningNodes()) {
                    try {
                        var q = cluster.server(id).quorumNode();
                        if (q.isActive()) activeByTerm.computeIfAbsent(q.status().term(), t -> ConcurrentHashMap.newKeySet()).add(id);
                    } catch (RuntimeException e) {
                        // a node closing
                    }
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "active-controller-sampler");
        sampler.start();

        List<String> acknowledged = new ArrayList<>();
        int topic = 0;
        try {
            for (int step = 0; step < STEPS; step++) {
                int action = random.nextInt(4);
                int node = 1 + random.nextInt(3);
                switch (action) {
                    case 0 -> {
                        System.out.println("[cluster] step " + step + ": isolate node " + node);
                        cluster.heal();
                        cluster.isolate(node);
                    }
                    case 1 -> {
                        int other = 1 + (node + random.nextInt(2)) % 3;
                        System.out.println("[cluster] step " + step + ": delay link " + node + "-" + other + " by 100 ms");
                        QuorumLinks.delay(node, other, 100);
                    }
                    case 2 -> {
                        System.out.println("[cluster] step " + step + ": restart node " + node);
                        cluster.heal();
                        cluster.stop(node);
                        cluster.start(node);
                    }
                    default -> {
                        System.out.println("[cluster] step " + step + ": heal");
                        cluster.heal();
                    }
                }
                // creations through random running nodes; failures (no majority reachable) are allowed
                for (int i = 0; i < 3; i++) {
                    List<Integer> running = cluster.runningNodes();
                    int via = running.get(random.nextInt(running.size()));
                    String name = "faults-" + topic++;
                    try {
                        List<CreateTopicResult> r = cluster.server(via).controller()
                                .createTopics(List.of(NewTopic.of(name, 1, 1)), false).get(40, TimeUnit.SECONDS);
                        var e = r.get(0).error().error();
                        if (r.get(0).error().isSuccess() || e == io.runnel.common.Errors.TOPIC_ALREADY_EXISTS) acknowledged.add(name);
                    } catch (Exception e) {
                        // not acknowledged
                    }
                }
            }
        } finally {
            cluster.heal();
        }
        ClusterHarness.await(Duration.ofSeconds(60), "every node has every acknowledged topic", () -> {
            for (int id = 1; id <= 3; id++) {
                if (!cluster.server(id).controller().image().topics().keySet().containsAll(acknowledged)) return false;
            }
            return true;
        });
        ClusterHarness.await(Duration.ofSeconds(60), "equal images on every node", () -> {
            MetadataImage a = cluster.server(1).controller().image();
            return a.equals(cluster.server(2).controller().image()) && a.equals(cluster.server(3).controller().image());
        });
        sampling.set(false);
        sampler.join(5000);

        System.out.println("[cluster] acknowledged " + acknowledged.size() + " of " + topic + " creations; active controllers by term "
                + activeByTerm);
        assertThat(acknowledged).as("some creations succeeded").isNotEmpty();
        for (Map.Entry<Long, Set<Integer>> e : activeByTerm.entrySet()) {
            assertThat(e.getValue()).as("active controllers in term %d", e.getKey()).hasSize(1);
        }
        Map<String, Object> ids = new HashMap<>();
        Set<Object> distinct = new HashSet<>();
        for (String name : acknowledged) {
            ids.put(name, cluster.server(1).controller().image().topic(name).id());
            distinct.add(ids.get(name));
        }
        assertThat(distinct).hasSize(acknowledged.size());
    }

    private int unfenced(int via) {
        return (int) cluster.server(via).controller().image().brokers().values().stream().filter(b -> !b.fenced()).count();
    }
}
