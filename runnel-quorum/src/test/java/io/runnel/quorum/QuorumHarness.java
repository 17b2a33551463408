package io.runnel.quorum;

import io.runnel.common.Uuid;
import io.runnel.metadata.MetadataImage;
import io.runnel.protocol.Message;
import io.runnel.protocol.message.ClusterRecord;
import io.runnel.protocol.message.TopicRecord;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * Runs a metadata quorum in this JVM: N voters and M observers on free loopback ports, each with its
 * own directory under {@code root}. Nodes can be closed, restarted and wiped. Not a network seam: the
 * Ratis transport is gRPC over real loopback sockets (see docs/cluster.md).
 */
final class QuorumHarness implements AutoCloseable {
    private final Path root;
    private final QuorumTuning tuning;
    private final Map<Integer, Map<String, String>> props = new LinkedHashMap<>();
    private final Map<Integer, QuorumNode> nodes = new HashMap<>();

    QuorumHarness(Path root, int voters, int observers, QuorumTuning tuning, Map<String, String> extra) {
        this.root = root;
        this.tuning = tuning;
        List<String> v = new ArrayList<>();
        for (int id = 1; id <= voters; id++) v.add(id + "@127.0.0.1:" + freePort());
        String voterList = String.join(",", v);
        for (int id = 1; id <= voters + observers; id++) {
            Map<String, String> p = new HashMap<>(extra);
            p.put("node.id", Integer.toString(id));
            p.put("process.roles", id <= voters ? "controller" : "broker");
            p.put("controller.quorum.voters", voterList);
            p.put("metadata.log.dir", root.resolve("node-" + id).toString());
            if (id > voters) p.put("metadata.quorum.observer.address", "127.0.0.1:" + freePort());
            props.put(id, p);
        }
    }

    static int freePort() {
        return io.runnel.common.LoopbackPorts.free();
    }

    QuorumHarness startAll() throws IOException {
        for (int id : props.keySet()) start(id);
        return this;
    }

    QuorumNode start(int id) throws IOException {
        QuorumNode n = QuorumNode.start(QuorumConfig.parse(props.get(id)), tuning);
        nodes.put(id, n);
        return n;
    }

    void stop(int id) throws IOException {
        QuorumNode n = nodes.remove(id);
        if (n != null) n.close();
    }

    /** Deletes every file of a stopped node. */
    void wipe(int id) throws IOException {
        Path dir = root.resolve("node-" + id);
        if (!Files.exists(dir)) return;
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }

    Path dir(int id) {
        return root.resolve("node-" + id);
    }

    QuorumNode node(int id) {
        return nodes.get(id);
    }

    List<QuorumNode> running() {
        return new ArrayList<>(nodes.values());
    }

    /** Waits for exactly one active node among the running ones and returns it. */
    QuorumNode awaitActive(Duration timeout) {
        QuorumNode[] found = new QuorumNode[1];
        await(timeout, () -> {
            List<QuorumNode> active = running().stream().filter(QuorumNode::isActive).toList();
            if (active.size() == 1) found[0] = active.get(0);
            return active.size() == 1;
        }, "one active controller among " + nodes.keySet());
        return found[0];
    }

    /** Waits until every running node has applied at least {@code index}. */
    void awaitApplied(long index, Duration timeout) {
        await(timeout, () -> running().stream().allMatch(n -> n.lastAppliedIndex() >= index),
                "every node applied index " + index);
    }

    /** Waits until every running node has applied the same index and returns their images. */
    Map<Integer, MetadataImage> awaitConverged(Duration timeout) {
        Map<Integer, MetadataImage> out = new HashMap<>();
        await(timeout, () -> {
            out.clear();
            long index = -2;
            for (Map.Entry<Integer, QuorumNode> e : nodes.entrySet()) {
                QuorumNode.AppliedState s = e.getValue().appliedState();
                if (index != -2 && s.index() != index) return false;
                index = s.index();
                out.put(e.getKey(), s.image());
            }
            return true;
        }, "every node at the same applied index");
        return out;
    }

    static void await(Duration timeout, BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out after " + timeout + " waiting for " + what);
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what);
            }
        }
    }

    static List<Message> topic(String name) {
        TopicRecord t = new TopicRecord();
        t.name = name;
        t.topicId = Uuid.random();
        return List.of(t);
    }

    static List<Message> cluster(Uuid id) {
        ClusterRecord c = new ClusterRecord();
        c.clusterId = id;
        return List.of(c);
    }

    @Override
    public void close() {
        for (QuorumNode n : running()) {
            try {
                n.close();
            } catch (IOException | RuntimeException e) {
                // best effort: the next node still gets closed
            }
        }
        nodes.clear();
    }
}
