package io.runnel.bench;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.NewTopic;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.StringJoiner;
import java.util.concurrent.TimeUnit;

/**
 * A cluster of combined (broker and controller) nodes the harness started on loopback, seen by the scenarios
 * as one {@link Broker} whose bootstrap lists every node. Topics are created with replication factor
 * {@link Scenario#R_REPLICATION_FACTOR} and {@code min.insync.replicas} {@link Scenario#R_MIN_INSYNC}. A node
 * can be killed with SIGKILL and started again on its ports and data ({@link #restart}).
 *
 * <p>Not thread-safe: one scenario drives it at a time.
 */
final class LocalCluster extends Broker {
    /** Starts node {@code id} again on its ports and existing data, and waits until it answers. */
    interface Restarter {
        Broker.Managed restart(int nodeId) throws Exception;
    }

    /** node id (1-based) -> the node's current process */
    private final Map<Integer, Broker.Managed> nodes;
    private final Restarter restarter;
    private final String bootstrap;
    /** System.nanoTime() when the first node's process was launched (Kafka: after formatting its storage) */
    private final long launchedNanos;

    LocalCluster(String name, Map<Integer, Broker.Managed> nodes, Restarter restarter, long launchedNanos) {
        super(name);
        this.launchedNanos = launchedNanos;
        this.nodes = new java.util.TreeMap<>(nodes);
        this.restarter = restarter;
        StringJoiner j = new StringJoiner(",");
        for (Broker.Managed n : this.nodes.values()) j.add(n.bootstrap());
        this.bootstrap = j.toString();
    }

    @Override
    String bootstrap() {
        return bootstrap;
    }

    /** Several processes: no single pid (so no memory or CPU figure). */
    @Override
    OptionalLong pid() {
        return OptionalLong.empty();
    }

    @Override
    Double startToReadyMs() {
        return null;
    }

    /** Alive while a quorum of its nodes runs (one node may be down during a failover). */
    @Override
    boolean alive() {
        long up = nodes.values().stream().filter(Broker.Managed::alive).count();
        return up > nodes.size() / 2;
    }

    @Override
    NewTopic newTopic(String topic) {
        return new NewTopic(topic, 1, Scenario.R_REPLICATION_FACTOR)
                .configs(Map.of("min.insync.replicas", Integer.toString(Scenario.R_MIN_INSYNC)));
    }

    /** System.nanoTime() when the first of the nodes was launched (the start of scenario (q)'s start-to-ready). */
    long launchedNanos() {
        return launchedNanos;
    }

    /** The node ids, ascending. */
    List<Integer> nodeIds() {
        return new ArrayList<>(nodes.keySet());
    }

    /** The bootstrap list of every node but {@code except}. */
    String bootstrapWithout(int except) {
        StringJoiner j = new StringJoiner(",");
        for (var e : nodes.entrySet()) if (e.getKey() != except) j.add(e.getValue().bootstrap());
        return j.toString();
    }

    Broker.Managed node(int id) {
        Broker.Managed n = nodes.get(id);
        if (n == null) throw new IllegalArgumentException("no node " + id + " in this cluster (nodes " + nodes.keySet() + ")");
        return n;
    }

    int nodeCount() {
        return nodes.size();
    }

    /** Starts node {@code id} again (after {@link Broker.Managed#kill9}) and waits until it answers. */
    void restart(int id) throws Exception {
        node(id);
        nodes.put(id, restarter.restart(id));
    }

    /**
     * Waits until every node is registered and unfenced: listed by DescribeCluster, and a topic with one replica on
     * each node passes the controller's validation (CreateTopics, validate only). DescribeCluster alone is not enough
     * right after a restart: the node that answers may be the restarted one, whose metadata is still what it was
     * before the kill.
     */
    void awaitAllBrokers(long timeoutMs) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        int seen = 0;
        try (Admin admin = Admin.create(fastAdminProps(bootstrap))) {
            while (System.nanoTime() < deadline) {
                if (!alive()) throw new IllegalStateException(name + " cluster lost its quorum. " + diagnostics());
                try {
                    seen = admin.describeCluster(new DescribeClusterOptions().timeoutMs(2000)).nodes()
                            .get(3, TimeUnit.SECONDS).size();
                    if (seen >= nodes.size()) {
                        admin.createTopics(List.of(new NewTopic("bench-all-brokers-check", 1, (short) nodes.size())),
                                new org.apache.kafka.clients.admin.CreateTopicsOptions().validateOnly(true).timeoutMs(2000))
                                .all().get(3, TimeUnit.SECONDS);
                        return;
                    }
                } catch (Exception e) {
                    // not yet
                }
                Thread.sleep(50);
            }
        }
        throw new IllegalStateException("only " + seen + " of " + nodes.size() + " " + name + " brokers registered within "
                + timeoutMs + " ms. " + diagnostics());
    }

    @Override
    String diagnostics() {
        StringBuilder sb = new StringBuilder();
        for (var e : nodes.entrySet()) {
            if (!e.getValue().alive()) sb.append("node ").append(e.getKey()).append(": ").append(e.getValue().diagnostics()).append(' ');
        }
        return sb.toString().strip();
    }

    /** Stops every node (SIGTERM, all at once so that none waits for the others' controlled shutdown). */
    @Override
    public void close() {
        List<Thread> stoppers = new ArrayList<>();
        for (Broker.Managed n : nodes.values()) {
            Thread t = new Thread(n::close, "stop-" + n.bootstrap());
            t.start();
            stoppers.add(t);
        }
        for (Thread t : stoppers) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
